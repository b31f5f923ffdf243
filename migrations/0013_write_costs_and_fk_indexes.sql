-- Two costs every booking paid for nothing, and one paid when new members lose a race for a slot
-- (issue 5's benchmark: every index and every WAL record of a booking is CPU on the machine that
-- answers the members).
--
-- Rate-limit counters are advisory (migrations/0012): starting afresh is harmless. As an UNLOGGED table
-- their upserts write no WAL; a crash empties the table, i.e. every count starts again from zero, and
-- a standby has no rows of it (rate limits are counted on the primary, where bookings are written).
ALTER TABLE rate_limits SET UNLOGGED;

-- bookings.link_nonce is random (security.new_token) and only ever read with its booking; every token
-- made from it is stored hashed, the manage token's under its own UNIQUE index (manage_token_hash),
-- which two bookings with one nonce would already break. Its own unique index only cost an insert.
ALTER TABLE bookings DROP CONSTRAINT bookings_link_nonce_key;

-- Deleting a users row makes PostgreSQL look for rows that refer to it, in every table with a foreign
-- key to users; without an index on the referring column that is a scan of the whole table. A booking
-- batch deletes the member rows it made for refused bookings (0012), so 18 new members losing a race
-- for one slot cost 18 scans of the archive and of every booking's events: 1.2 s with 100,000 archive
-- entries (bench, 100 at once on one slot). Every foreign key to users gets its index.
CREATE INDEX booking_events_actor_idx ON booking_events (actor_id);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id);
CREATE INDEX one_time_links_created_by_idx ON one_time_links (created_by);
CREATE INDEX archive_entries_created_by_idx ON archive_entries (created_by);
CREATE INDEX archive_redactions_resolved_by_idx ON archive_redactions (resolved_by);
CREATE INDEX erasure_requests_decided_by_idx ON erasure_requests (decided_by);
CREATE INDEX question_messages_author_idx ON question_messages (author_id);
