"""SQL of members' rights: what the service holds about a member, and how it is erased."""

from __future__ import annotations

# ---- export: only rows tied to this member (by id, or addressed to their email) ----

EXPORT_USER = """
SELECT id, role, name, email, language, timezone, active, created_at, personal_data_erased_at
FROM users WHERE id = $1
"""

EXPORT_BOOKINGS = """
SELECT b.id, b.status, b.starts_at, b.ends_at, t.slug AS topic, lu.name AS lawyer_name,
       b.member_name, b.member_email, b.member_phone, b.membership_no, r.code AS region, b.organization,
       b.question, b.answer, b.language, b.timezone, b.consent_at, b.consent_version,
       b.cancel_reason, b.cancelled_by, b.created_at, b.updated_at, b.completed_at, b.personal_data_erased_at
FROM bookings b
JOIN topics t ON t.id = b.topic_id
JOIN users lu ON lu.id = b.lawyer_id
LEFT JOIN regions r ON r.id = b.region_id
WHERE b.member_id = $1
ORDER BY b.starts_at, b.id
"""

# Events without actor ids or details: those name staff and lawyers, who are other people.
EXPORT_EVENTS = """
SELECT e.booking_id, e.at, e.actor, e.from_status, e.to_status
FROM booking_events e JOIN bookings b ON b.id = e.booking_id
WHERE b.member_id = $1
ORDER BY e.at, e.id
"""

# Emails addressed to the member: metadata only, never the message (it may quote other people).
EXPORT_MESSAGES = """
SELECT o.id, o.kind, o.recipient, o.status, o.booking_id, o.created_at, o.sent_at
FROM outbox o
WHERE o.recipient = $2
   OR o.id IN (SELECT o2.id FROM outbox o2 JOIN bookings b ON b.id = o2.booking_id
               WHERE b.member_id = $1 AND o2.recipient = b.member_email)
ORDER BY o.created_at, o.id
"""

# Written questions with their private thread and the files' metadata (never the files themselves).
EXPORT_QUESTIONS = """
SELECT q.id, q.status, t.slug AS topic, lu.name AS lawyer_name, q.member_name, q.member_email,
       q.membership_no, q.question, q.answer, q.language, q.timezone, q.consent_at, q.consent_version,
       q.created_at, q.due_at, q.answered_at, q.updated_at, q.personal_data_erased_at
FROM questions q
JOIN topics t ON t.id = q.topic_id
LEFT JOIN users lu ON lu.id = q.assigned_lawyer_id
WHERE q.member_id = $1
ORDER BY q.created_at, q.id
"""

EXPORT_QUESTION_MESSAGES = """
SELECT m.question_id, m.id, m.author, m.body, m.created_at
FROM question_messages m JOIN questions q ON q.id = m.question_id
WHERE q.member_id = $1
ORDER BY m.id
"""

EXPORT_QUESTION_ATTACHMENTS = """
SELECT a.question_id, a.id, a.filename, a.content_type, a.size_bytes AS size, a.created_at
FROM question_attachments a JOIN questions q ON q.id = a.question_id
WHERE q.member_id = $1
ORDER BY a.id
"""

EXPORT_SESSIONS = """
SELECT created_at, last_seen_at, expires_at FROM sessions WHERE user_id = $1 ORDER BY created_at
"""

EXPORT_ERASURE_REQUESTS = """
SELECT id, requested_at, status, decided_at FROM erasure_requests WHERE user_id = $1 ORDER BY requested_at
"""

EXPORT_OWN_ACTIONS = """
SELECT at, action, object_type, object_id FROM audit_log WHERE actor_id = $1 ORDER BY at, id
"""


# ---- erasure requests ----

OPEN_REQUEST = "SELECT id, status, requested_at FROM erasure_requests WHERE user_id = $1 AND status = 'open'"

CREATE_REQUEST = """
INSERT INTO erasure_requests (user_id) VALUES ($1)
ON CONFLICT (user_id) WHERE status = 'open' DO NOTHING
RETURNING id, status, requested_at
"""

LATEST_REQUEST = """
SELECT id, status, requested_at, decided_at FROM erasure_requests WHERE user_id = $1
ORDER BY requested_at DESC LIMIT 1
"""

LIST_REQUESTS = """
SELECT q.id, q.status, q.requested_at, q.decided_at, q.note, u.id AS user_id, u.name, u.email,
       (SELECT count(*) FROM bookings b WHERE b.member_id = u.id) AS bookings,
       (SELECT count(*) FROM bookings b WHERE b.member_id = u.id AND b.status IN ('pending', 'confirmed')
          AND b.starts_at > now()) AS upcoming
FROM erasure_requests q JOIN users u ON u.id = q.user_id
WHERE q.status = 'open' OR q.decided_at > now() - interval '90 days'
ORDER BY q.status <> 'open', q.requested_at DESC
LIMIT 200
"""

LOCK_REQUEST = "SELECT id, user_id, status FROM erasure_requests WHERE id = $1 FOR UPDATE"

DECIDE_REQUEST = """
UPDATE erasure_requests SET status = $2, decided_by = $3, decided_at = now(), note = $4 WHERE id = $1
"""

# ---- erasure itself ----

MEMBER_BOOKING_IDS = "SELECT id FROM bookings WHERE member_id = $1"

# Names, emails, phones, membership numbers, questions and answers go; status, topic, region, lawyer
# and times stay, so that reports still count the consultation. The placeholder fills NOT NULL columns.
ERASE_BOOKINGS = """
UPDATE bookings
SET member_name = $2, member_email = $3, member_phone = NULL, membership_no = NULL,
    question = '', answer = NULL, cancel_reason = NULL,
    personal_data_erased_at = coalesce(personal_data_erased_at, now()), updated_at = now()
WHERE id = ANY($1::bigint[])
"""

# Event details may quote a reason the member wrote.
ERASE_EVENT_DETAILS = "UPDATE booking_events SET detail = '{}' WHERE booking_id = ANY($1::bigint[])"

# Emails about these bookings or to this address hold names and questions, the lawyers' copies too.
DELETE_MEMBER_MAIL = "DELETE FROM outbox WHERE booking_id = ANY($1::bigint[]) OR recipient = $2"


MEMBER_QUESTION_IDS = "SELECT id FROM questions WHERE member_id = $1 ORDER BY id FOR UPDATE"

# The files go from disk by these names once the rows are gone.
DELETE_QUESTION_ATTACHMENTS = """
DELETE FROM question_attachments WHERE question_id = ANY($1::bigint[]) RETURNING storage_name
"""

# The thread is nothing but the member's and the lawyer's words about the member's case.
DELETE_QUESTION_MESSAGES = "DELETE FROM question_messages WHERE question_id = ANY($1::bigint[])"

# The member's secret links stop working.
DELETE_QUESTION_LINKS = "DELETE FROM question_links WHERE question_id = ANY($1::bigint[])"

# Names, emails, membership numbers, the question and the answer go; status, topic, lawyer and dates
# stay for counts (updated_at too: it is the time retention measures by).
ERASE_QUESTIONS = """
UPDATE questions
SET member_name = $2, member_email = $3, membership_no = NULL, question = '',
    answer = CASE WHEN answer IS NULL THEN NULL ELSE '' END,
    personal_data_erased_at = coalesce(personal_data_erased_at, now())
WHERE id = ANY($1::bigint[])
"""

# Emails about these questions (dedupe keys 'question:<id>:...') that are no longer waiting to go.
DELETE_MAIL_OF_QUESTIONS = """
DELETE FROM outbox
WHERE status <> 'pending' AND dedupe_key LIKE ANY (SELECT 'question:' || id || ':%' FROM unnest($1::bigint[]) AS id)
"""


ANONYMIZE_USER = """
UPDATE users SET name = $2, email = 'erased-' || id || '@invalid', active = false, totp_secret = NULL,
       personal_data_erased_at = now()
WHERE id = $1 AND role = 'member'
RETURNING email
"""

END_SESSIONS = "DELETE FROM sessions WHERE user_id = $1"

# ---- retention ----

OLD_BOOKINGS = """
SELECT id FROM bookings
WHERE personal_data_erased_at IS NULL AND starts_at < now() - make_interval(months => $1)
  AND status NOT IN ('pending', 'confirmed')
ORDER BY starts_at
LIMIT $2
FOR UPDATE SKIP LOCKED
"""

DELETE_MAIL_OF_BOOKINGS = "DELETE FROM outbox WHERE booking_id = ANY($1::bigint[]) AND status <> 'pending'"

# Answered and closed questions whose last change is older than the period.
OLD_QUESTIONS = """
SELECT id FROM questions
WHERE personal_data_erased_at IS NULL AND status IN ('answered', 'closed')
  AND updated_at < now() - make_interval(months => $1)
ORDER BY updated_at
LIMIT $2
FOR UPDATE SKIP LOCKED
"""

# Members who joined before the period, have consulted or asked, and whose every consultation and
# question is past the period and erased: a member with anything recent stays.
OLD_MEMBERS = """
SELECT u.id FROM users u
WHERE u.role = 'member' AND u.personal_data_erased_at IS NULL
  AND u.created_at < now() - make_interval(months => $1)
  AND (EXISTS (SELECT 1 FROM bookings b WHERE b.member_id = u.id)
       OR EXISTS (SELECT 1 FROM questions q WHERE q.member_id = u.id))
  AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.member_id = u.id
                  AND (b.personal_data_erased_at IS NULL OR b.starts_at >= now() - make_interval(months => $1)))
  AND NOT EXISTS (SELECT 1 FROM questions q WHERE q.member_id = u.id
                  AND (q.personal_data_erased_at IS NULL OR q.updated_at >= now() - make_interval(months => $1)))
ORDER BY u.id
LIMIT $2
FOR UPDATE SKIP LOCKED
"""

PURGE_SENT_MAIL = """
DELETE FROM outbox WHERE id IN (
    SELECT id FROM outbox WHERE status = 'sent' AND sent_at < now() - make_interval(days => $1)
    LIMIT $2 FOR UPDATE SKIP LOCKED
)
"""
