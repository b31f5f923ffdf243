-- Reports, operations and members' rights: erasure requests, worker heartbeats shared by every process,
-- and the indexes that the reports and the retention job scan by.

-- A member's request to erase their personal data; staff confirm it (or decline it with a note).
CREATE TABLE erasure_requests (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users(id),
    requested_at timestamptz NOT NULL DEFAULT now(),
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'declined')),
    decided_by bigint REFERENCES users(id) ON DELETE SET NULL,
    decided_at timestamptz,
    note text NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
    CHECK ((status = 'open') = (decided_at IS NULL))
);
-- One open request per member: asking twice answers the request already open.
CREATE UNIQUE INDEX erasure_requests_one_open_idx ON erasure_requests (user_id) WHERE status = 'open';

-- The last round of each background job in each process (`consult serve` copies and `consult worker`),
-- so that /metrics of any copy shows whether background work is alive anywhere.
CREATE TABLE worker_heartbeats (
    instance text NOT NULL,
    job text NOT NULL,
    at timestamptz NOT NULL,
    PRIMARY KEY (instance, job)
);

-- Reports filter consultations by their time; retention looks for old ones not yet erased.
CREATE INDEX bookings_starts_at_idx ON bookings (starts_at);
CREATE INDEX bookings_retention_idx ON bookings (starts_at) WHERE personal_data_erased_at IS NULL;
-- The purge of sent messages walks them by the time they were sent.
CREATE INDEX outbox_sent_at_idx ON outbox (sent_at) WHERE status = 'sent';

-- Set when a member's account row was anonymized (on request or by retention); the row stays so that
-- their bookings keep counting in reports.
ALTER TABLE users ADD COLUMN personal_data_erased_at timestamptz;
