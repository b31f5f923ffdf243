-- Booking: answers remembered per Idempotency-Key, so a client that retries POST /api/v1/bookings
-- (a flaky phone connection) gets the first answer again instead of a second booking.
CREATE TABLE booking_idempotency (
    key text PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 200),
    request_hash bytea NOT NULL,
    status integer,
    body jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX booking_idempotency_created_idx ON booking_idempotency (created_at);

-- Reminders look for confirmed bookings starting soon.
CREATE INDEX bookings_confirmed_start_idx ON bookings (starts_at) WHERE status = 'confirmed';
