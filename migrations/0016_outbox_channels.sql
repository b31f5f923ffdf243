-- Every outbox message has a channel: the transport that carries it. Email is the only one today and the
-- record of every notice; the email sender claims only email rows, so another transport (SMS, a messenger)
-- is a sender of its own over the same table, with the same SKIP LOCKED claim and retries.
ALTER TABLE outbox ADD COLUMN channel text NOT NULL DEFAULT 'email';
