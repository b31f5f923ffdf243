"""SQL of the booking capability; callers own the transaction."""

from __future__ import annotations

TOPIC_BY_SLUG = "SELECT id, slug, name_ru, name_kk, name_en FROM topics WHERE slug = $1 AND active"

LAWYER_NAME = """
SELECT u.id, u.name FROM lawyers l JOIN users u ON u.id = l.user_id WHERE l.user_id = $1 AND u.active
"""

# The member is a users row (role member) found by email; ON CONFLICT ... DO UPDATE also locks it (a new
# row is as good as locked: a concurrent insert of the same email waits for this transaction). That lock
# makes "at most N live bookings" hold for concurrent requests: CREATE counts after it, in a new snapshot.
# The booking's id is drawn here too, so that its emails (keyed by it) are made before the insert.
UPSERT_MEMBER = """
INSERT INTO users (role, email, name, language) VALUES ('member', $1, $2, $3)
ON CONFLICT (email) DO UPDATE SET email = EXCLUDED.email
RETURNING id, nextval(pg_get_serial_sequence('bookings', 'id')) AS booking_id
"""

# The booking, its first event, its join links and its emails, in one statement. Nothing is written when
# the member already holds $21 live bookings, or when an exclusion constraint refuses the time (ON CONFLICT
# DO NOTHING waits for a concurrent insert of the same time to commit or roll back, then skips): the
# answer is then one row with `active` and NULL booking columns.
CREATE = """
WITH active AS (
    SELECT count(*) AS active FROM bookings
    WHERE member_id = $3 AND blocked_until > $15
      AND (status = 'confirmed' OR (status = 'pending' AND hold_expires_at > $15))
), made AS (
    INSERT INTO bookings (id, lawyer_id, member_id, topic_id, status, starts_at, ends_at, blocked_until,
        member_name, member_email, member_phone, membership_no, question, language, timezone,
        consent_at, consent_version, link_nonce, manage_token_hash, ical_uid, hold_expires_at)
    SELECT $1, l.user_id, $3, $4, $5, $6, $7::timestamptz,
        $7::timestamptz + make_interval(mins => l.buffer_minutes),
        $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20
    FROM lawyers l, active WHERE l.user_id = $2 AND active.active < $21
    ON CONFLICT DO NOTHING
    RETURNING *
), event AS (
    INSERT INTO booking_events (booking_id, actor, actor_id, from_status, to_status, detail)
    SELECT id, 'member', member_id, NULL, status, '{"action": "create"}'::jsonb FROM made
), links AS (
    INSERT INTO join_links (token_hash, booking_id, role, sequence)
    SELECT j.token_hash, made.id, j.role, made.ical_sequence
    FROM made, unnest($22::bytea[], $23::text[]) AS j(token_hash, role)
), mail AS (
    INSERT INTO outbox (kind, recipient, render, message_id, dedupe_key, booking_id)
    SELECT m.kind, m.recipient, m.render::jsonb, m.message_id, m.dedupe_key, m.booking_id
    FROM made, unnest($24::text[], $25::text[], $26::text[], $27::text[], $28::text[], $29::bigint[])
        AS m(kind, recipient, render, message_id, dedupe_key, booking_id)
    ON CONFLICT (dedupe_key) DO NOTHING
)
SELECT active.active, made.*
FROM active LEFT JOIN made ON true
"""

# Why CREATE wrote nothing although the member was under the limit: a live booking of theirs at that time?
MEMBER_BUSY = """
SELECT EXISTS (
    SELECT 1 FROM bookings
    WHERE member_id = $1 AND status IN ('pending', 'confirmed')
      AND tstzrange(starts_at, ends_at) && tstzrange($2, $3)
)
"""

# Pending bookings whose hold lapsed still count for the exclusion constraint until they are cancelled.
LAPSED = """
SELECT * FROM bookings
WHERE status = 'pending' AND hold_expires_at <= $1
  AND ($2::bigint[] IS NULL OR lawyer_id = ANY($2::bigint[]) OR member_id = $3)
ORDER BY hold_expires_at, id
LIMIT $4
FOR UPDATE SKIP LOCKED
"""

BOOKING_VIEW = """
SELECT b.*, t.slug AS topic_slug, t.name_ru, t.name_kk, t.name_en,
       u.name AS lawyer_name, u.email AS lawyer_email
FROM bookings b
JOIN topics t ON t.id = b.topic_id
JOIN users u ON u.id = b.lawyer_id
"""

BY_TOKEN = BOOKING_VIEW + " WHERE b.manage_token_hash = $1"
BY_TOKEN_FOR_UPDATE = BY_TOKEN + " FOR UPDATE OF b"
BY_ID = BOOKING_VIEW + " WHERE b.id = $1"
BY_ID_FOR_UPDATE = BY_ID + " FOR UPDATE OF b"

APPLY_CHANGE = """
UPDATE bookings SET status = $2, updated_at = now(),
    ical_sequence = ical_sequence + $3::int,
    cancel_reason = CASE WHEN $2 = 'cancelled' THEN $4 ELSE cancel_reason END,
    cancelled_by = CASE WHEN $2 = 'cancelled' THEN $5 ELSE cancelled_by END,
    answer = COALESCE($6, answer),
    completed_at = CASE WHEN $2 IN ('completed', 'no_show') THEN now() ELSE completed_at END
WHERE id = $1
RETURNING *
"""

MOVE = """
UPDATE bookings b SET starts_at = $2, ends_at = $3::timestamptz, lawyer_id = l.user_id,
    blocked_until = $3::timestamptz + make_interval(mins => l.buffer_minutes),
    ical_sequence = b.ical_sequence + 1, updated_at = now()
FROM lawyers l
WHERE b.id = $1 AND l.user_id = $4
RETURNING b.*
"""

RECORD_EVENT = """
INSERT INTO booking_events (booking_id, actor, actor_id, from_status, to_status, detail)
VALUES ($1, $2, $3, $4, $5, $6)
"""

# A reminder queued for the old time must not go out after a move or a cancellation.
DROP_PENDING_REMINDERS = """
DELETE FROM outbox WHERE booking_id = $1 AND status = 'pending' AND kind = 'booking_reminder'
"""

LAWYER_BOOKINGS = (
    BOOKING_VIEW
    + """
WHERE b.lawyer_id = $1 AND b.starts_at >= $2 AND b.starts_at < $3
ORDER BY b.starts_at
"""
)

# The lawyer's day: today's consultations whatever their state, the live ones ahead, and confirmed ones
# of the past week still waiting to be marked completed or no-show.
LAWYER_DAY = (
    BOOKING_VIEW
    + """
WHERE b.lawyer_id = $1 AND b.starts_at < $3
  AND ((b.starts_at >= $2 AND (b.status IN ('pending', 'confirmed') OR b.starts_at < $2 + interval '1 day'))
       OR (b.status = 'confirmed' AND b.starts_at >= $2 - interval '7 days' AND b.starts_at < $2))
ORDER BY b.starts_at
"""
)

IDEMPOTENCY_CLAIM = """
INSERT INTO booking_idempotency (key, request_hash) VALUES ($1, $2)
ON CONFLICT (key) DO NOTHING
RETURNING key
"""
IDEMPOTENCY_LOOKUP = "SELECT request_hash, status, body FROM booking_idempotency WHERE key = $1"
IDEMPOTENCY_STORE = "UPDATE booking_idempotency SET status = $2, body = $3 WHERE key = $1"
IDEMPOTENCY_SWEEP = "DELETE FROM booking_idempotency WHERE created_at < $1::timestamptz - interval '1 day'"

RENEW_FEED = "UPDATE lawyers SET feed_token_hash = $2 WHERE user_id = $1"
