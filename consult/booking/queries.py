"""SQL of the booking capability; callers own the transaction."""

from __future__ import annotations

from consult import reference

TOPIC_BY_SLUG = reference.TOPIC_BY_SLUG

LAWYER_NAME = """
SELECT u.id, u.name FROM lawyers l JOIN users u ON u.id = l.user_id WHERE l.user_id = $1 AND u.active
"""

# Bookings, each with its member, first event, join links and emails, in one call (see migrations/0012 and
# consult/booking/writer.py): one row per booking asked for, in order: 'made', 'rate_limited' (with
# retry_after), 'too_many' or 'not_inserted' (an exclusion constraint refused the time), and then nothing
# was written for it (migrations/0014: the attempt's rate limits are counted in the same call).
CREATE = """
SELECT * FROM consult_book_batch($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
    $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33)
"""

# Why CREATE wrote nothing although the member was under the limit: a live booking of theirs at that time?
MEMBER_BUSY = """
SELECT EXISTS (
    SELECT 1 FROM bookings
    WHERE member_id = (SELECT id FROM users WHERE email = $1) AND status IN ('pending', 'confirmed')
      AND tstzrange(starts_at, ends_at) && tstzrange($2, $3)
)
"""

# Pending bookings whose hold lapsed still count for the exclusion constraint until they are cancelled.
LAPSED = """
SELECT * FROM bookings
WHERE status = 'pending' AND hold_expires_at <= $1
  AND ($2::bigint[] IS NULL OR lawyer_id = ANY($2::bigint[]) OR member_id = $3
       OR member_id = (SELECT id FROM users WHERE email = $4))
ORDER BY hold_expires_at, id
LIMIT $5
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

# A member's live bookings that have not started yet, locked: what erasing the member cancels.
MEMBER_FUTURE_LIVE = """
SELECT id, status FROM bookings
WHERE member_id = $1 AND status IN ('pending', 'confirmed') AND starts_at > $2
ORDER BY starts_at
FOR UPDATE
"""

LOCK_STATUS = "SELECT id, status FROM bookings WHERE id = $1 FOR UPDATE"
