-- A booking's emails are queued as what to say: the booking as it was at the change, the event and the
-- recipient's role (outbox.render); the sender renders them when it sends. The row is still written in
-- the same transaction as the change. Other emails are still queued built (outbox.message).
ALTER TABLE outbox ALTER COLUMN message DROP NOT NULL;
ALTER TABLE outbox ADD COLUMN render jsonb;
ALTER TABLE outbox ADD CONSTRAINT outbox_message_or_render CHECK ((message IS NULL) <> (render IS NULL));
