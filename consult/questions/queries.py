"""SQL of written questions. Callers own the transaction."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import asyncpg

from consult import audit as audit_trail
from consult import reference

OPEN_STATUSES = ("new", "assigned", "waiting_member")

TOPIC_BY_SLUG = reference.TOPIC_BY_SLUG


async def topic_by_slug(conn: asyncpg.Connection, slug: str) -> asyncpg.Record | None:
    return await conn.fetchrow(TOPIC_BY_SLUG, slug)


TOPICS = reference.TOPICS


async def topics(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch(TOPICS)


CLOSURES = "SELECT day FROM closures WHERE day BETWEEN $1 AND $2"


async def closures(conn: asyncpg.Connection, first: date, last: date) -> frozenset[date]:
    """Union-wide closure days in a range (they count as non-working days like public holidays)."""
    return frozenset(r["day"] for r in await conn.fetch(CLOSURES, first, last))


# Upsert by the lower-cased email; the no-op update locks the row, so two questions of one member
# sent at once are counted one after the other against the open-question limit.
UPSERT_MEMBER = """
INSERT INTO users (role, email, name, language) VALUES ('member', $1, $2, $3)
ON CONFLICT (email) DO UPDATE SET email = users.email
RETURNING id
"""


async def upsert_member(conn: asyncpg.Connection, email: str, name: str, language: str) -> int:
    return int(await conn.fetchval(UPSERT_MEMBER, email, name, language))


COUNT_OPEN = "SELECT count(*) FROM questions WHERE member_id = $1 AND status = ANY($2::text[])"


async def count_open(conn: asyncpg.Connection, member_id: int) -> int:
    return int(await conn.fetchval(COUNT_OPEN, member_id, list(OPEN_STATUSES)))


INSERT_QUESTION = """
INSERT INTO questions (member_id, topic_id, member_name, member_email, membership_no, question,
                       language, timezone, consent_at, consent_version, created_at, due_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $9, $11)
RETURNING id, status, created_at, due_at
"""


async def insert_question(conn: asyncpg.Connection, values: dict[str, Any]) -> asyncpg.Record:
    return await conn.fetchrow(
        INSERT_QUESTION,
        values["member_id"],
        values["topic_id"],
        values["name"],
        values["email"],
        values["membership_no"],
        values["question"],
        values["language"],
        values["timezone"],
        values["created_at"],
        values["consent_version"],
        values["due_at"],
    )


INSERT_LINK = "INSERT INTO question_links (token_hash, question_id) VALUES ($1, $2)"


async def insert_link(conn: asyncpg.Connection, token_hash: bytes, question_id: int) -> None:
    await conn.execute(INSERT_LINK, token_hash, question_id)


INSERT_ATTACHMENT = """
INSERT INTO question_attachments (question_id, filename, content_type, size_bytes, storage_name)
VALUES ($1, $2, $3, $4, $5)
"""


async def insert_attachment(
    conn: asyncpg.Connection, question_id: int, filename: str, content_type: str, size: int, storage: str
) -> None:
    await conn.execute(INSERT_ATTACHMENT, question_id, filename, content_type, size, storage)


QUESTION_COLUMNS = """
q.id, q.member_id, q.topic_id, q.status, q.assigned_lawyer_id, q.member_name, q.member_email,
q.membership_no, q.question, q.answer, q.language, q.timezone, q.consent_at, q.consent_version,
q.created_at, q.due_at, q.assigned_at, q.answered_at,
t.slug AS topic_slug, t.name_ru AS topic_name_ru, t.name_kk AS topic_name_kk, t.name_en AS topic_name_en,
l.name AS lawyer_name, l.email AS lawyer_email, l.language AS lawyer_language, l.timezone AS lawyer_timezone
"""
QUESTION_FROM = """
FROM questions q JOIN topics t ON t.id = q.topic_id LEFT JOIN users l ON l.id = q.assigned_lawyer_id
"""
QUESTION_BY_ID = f"SELECT {QUESTION_COLUMNS} {QUESTION_FROM} WHERE q.id = $1"


async def question_by_id(conn: asyncpg.Connection, question_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow(QUESTION_BY_ID, question_id)


QUESTION_BY_TOKEN = f"""
SELECT {QUESTION_COLUMNS} {QUESTION_FROM}
JOIN question_links k ON k.question_id = q.id WHERE k.token_hash = $1
"""


async def question_by_token(conn: asyncpg.Connection, token_hash: bytes) -> asyncpg.Record | None:
    return await conn.fetchrow(QUESTION_BY_TOKEN, token_hash)


MESSAGES = """
SELECT m.id, m.author, m.body, m.created_at, u.name AS author_name
FROM question_messages m LEFT JOIN users u ON u.id = m.author_id
WHERE m.question_id = $1 ORDER BY m.id
"""


async def messages(conn: asyncpg.Connection, question_id: int) -> list[asyncpg.Record]:
    return await conn.fetch(MESSAGES, question_id)


ATTACHMENTS = """
SELECT id, filename, content_type, size_bytes, storage_name, created_at
FROM question_attachments WHERE question_id = $1 ORDER BY id
"""


async def attachments(conn: asyncpg.Connection, question_id: int) -> list[asyncpg.Record]:
    return await conn.fetch(ATTACHMENTS, question_id)


ATTACHMENT = """
SELECT a.id, a.filename, a.content_type, a.size_bytes, a.storage_name, q.assigned_lawyer_id
FROM question_attachments a JOIN questions q ON q.id = a.question_id
WHERE a.id = $2 AND a.question_id = $1
"""


async def attachment(conn: asyncpg.Connection, question_id: int, attachment_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow(ATTACHMENT, question_id, attachment_id)


# The queue: unassigned questions of the topics this lawyer consults in, the most urgent first.
QUEUE = """
SELECT q.id, q.status, q.language, q.created_at, q.due_at, left(q.question, 200) AS excerpt,
       t.slug AS topic_slug, t.name_ru AS topic_name_ru, t.name_kk AS topic_name_kk, t.name_en AS topic_name_en
FROM questions q JOIN topics t ON t.id = q.topic_id
WHERE q.status = 'new'
  AND q.topic_id IN (SELECT topic_id FROM lawyer_topics WHERE lawyer_id = $1)
ORDER BY q.due_at, q.id
LIMIT 200
"""


async def queue(conn: asyncpg.Connection, lawyer_id: int) -> list[asyncpg.Record]:
    return await conn.fetch(QUEUE, lawyer_id)


MINE = """
SELECT q.id, q.status, q.language, q.created_at, q.due_at, left(q.question, 200) AS excerpt,
       t.slug AS topic_slug, t.name_ru AS topic_name_ru, t.name_kk AS topic_name_kk, t.name_en AS topic_name_en
FROM questions q JOIN topics t ON t.id = q.topic_id
WHERE q.assigned_lawyer_id = $1 AND q.status = ANY($2::text[])
ORDER BY q.due_at, q.id
LIMIT 200
"""


async def mine(conn: asyncpg.Connection, lawyer_id: int) -> list[asyncpg.Record]:
    return await conn.fetch(MINE, lawyer_id, ["assigned", "waiting_member"])


# One statement decides who takes a question: the row lock makes a second UPDATE wait, re-check
# `assigned_lawyer_id IS NULL` on the committed row, and match nothing.
TAKE = """
UPDATE questions SET assigned_lawyer_id = $2, status = 'assigned', assigned_at = now(), updated_at = now()
WHERE id = $1 AND assigned_lawyer_id IS NULL AND status = 'new'
  AND topic_id IN (SELECT topic_id FROM lawyer_topics WHERE lawyer_id = $2)
RETURNING id
"""


async def take(conn: asyncpg.Connection, question_id: int, lawyer_id: int) -> bool:
    return await conn.fetchval(TAKE, question_id, lawyer_id) is not None


IN_LAWYER_TOPICS = """
SELECT EXISTS (SELECT 1 FROM questions q JOIN lawyer_topics lt ON lt.topic_id = q.topic_id
               WHERE q.id = $1 AND lt.lawyer_id = $2)
"""


async def in_lawyer_topics(conn: asyncpg.Connection, question_id: int, lawyer_id: int) -> bool:
    return bool(await conn.fetchval(IN_LAWYER_TOPICS, question_id, lawyer_id))


ADD_MESSAGE = """
INSERT INTO question_messages (question_id, author, author_id, body) VALUES ($1, $2, $3, $4)
RETURNING id, author, body, created_at
"""


async def add_message(
    conn: asyncpg.Connection, question_id: int, author: str, author_id: int, body: str
) -> asyncpg.Record:
    return await conn.fetchrow(ADD_MESSAGE, question_id, author, author_id, body)


# Status changes name the statuses they start from, so a stale page cannot move a question backwards.
SET_STATUS = """
UPDATE questions SET status = $2, updated_at = now()
WHERE id = $1 AND status = ANY($3::text[])
RETURNING id
"""


async def set_status(
    conn: asyncpg.Connection, question_id: int, status: str, from_statuses: list[str]
) -> bool:
    return await conn.fetchval(SET_STATUS, question_id, status, from_statuses) is not None


ANSWER = """
UPDATE questions SET status = 'answered', answer = $3, answered_at = now(), updated_at = now()
WHERE id = $1 AND assigned_lawyer_id = $2 AND status IN ('assigned', 'waiting_member')
RETURNING id
"""


async def answer(conn: asyncpg.Connection, question_id: int, lawyer_id: int, text: str) -> bool:
    return await conn.fetchval(ANSWER, question_id, lawyer_id, text) is not None


ASSIGN = """
UPDATE questions SET assigned_lawyer_id = $2, assigned_at = now(), updated_at = now(),
       status = CASE WHEN status = 'new' THEN 'assigned' ELSE status END
WHERE id = $1 AND status IN ('new', 'assigned', 'waiting_member')
RETURNING id
"""


async def assign(conn: asyncpg.Connection, question_id: int, lawyer_id: int) -> bool:
    return await conn.fetchval(ASSIGN, question_id, lawyer_id) is not None


ACTIVE_LAWYERS = """
SELECT u.id, u.name FROM users u JOIN lawyers l ON l.user_id = u.id
WHERE u.active AND u.role = 'lawyer' ORDER BY u.name, u.id
"""


async def active_lawyers(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch(ACTIVE_LAWYERS)


IS_ACTIVE_LAWYER = """
SELECT EXISTS (SELECT 1 FROM users u JOIN lawyers l ON l.user_id = u.id
               WHERE u.id = $1 AND u.active AND u.role = 'lawyer')
"""


async def is_active_lawyer(conn: asyncpg.Connection, lawyer_id: int) -> bool:
    return bool(await conn.fetchval(IS_ACTIVE_LAWYER, lawyer_id))


# Staff watch: questions nobody has answered whose promised time is near (before `cutoff`) or past.
# Questions waiting for the member are left out: the next move is the member's.
WATCHLIST = """
SELECT q.id, q.status, q.language, q.created_at, q.due_at, q.assigned_lawyer_id,
       l.name AS lawyer_name, q.due_at <= $1 AS overdue,
       t.slug AS topic_slug, t.name_ru AS topic_name_ru, t.name_kk AS topic_name_kk, t.name_en AS topic_name_en
FROM questions q JOIN topics t ON t.id = q.topic_id LEFT JOIN users l ON l.id = q.assigned_lawyer_id
WHERE q.status IN ('new', 'assigned') AND q.due_at <= $2
ORDER BY q.due_at, q.id
LIMIT 500
"""


async def watchlist(conn: asyncpg.Connection, now: datetime, cutoff: datetime) -> list[asyncpg.Record]:
    """Open questions due before cutoff; `overdue` tells those already past their time at `now`."""
    return await conn.fetch(WATCHLIST, now, cutoff)


RECENTLY_ANSWERED = """
SELECT q.id, q.status, q.language, q.created_at, q.due_at, q.answered_at, l.name AS lawyer_name,
       t.slug AS topic_slug, t.name_ru AS topic_name_ru, t.name_kk AS topic_name_kk, t.name_en AS topic_name_en
FROM questions q JOIN topics t ON t.id = q.topic_id LEFT JOIN users l ON l.id = q.assigned_lawyer_id
WHERE q.status = 'answered' ORDER BY q.answered_at DESC LIMIT 50
"""


async def recently_answered(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return await conn.fetch(RECENTLY_ANSWERED)


async def audit(
    conn: asyncpg.Connection,
    actor_id: int,
    action: str,
    question_id: int,
    detail: dict[str, Any] | None = None,
) -> None:
    await audit_trail.record(conn, actor_id, action, "question", question_id, detail)


FOR_ARCHIVE = """
SELECT q.question, q.answer, q.topic_id, q.language, q.member_name
FROM questions q WHERE q.id = $1 AND q.status = 'answered' AND q.personal_data_erased_at IS NULL
"""


async def question_for_archive(conn: asyncpg.Connection, question_id: int) -> dict[str, Any] | None:
    """The parts of an answered question an archive draft starts from; None when not answered (or erased).

    member_name is given so the archive's redactor can look for it in the text; it never goes public.
    """
    row = await conn.fetchrow(FOR_ARCHIVE, question_id)
    return dict(row) if row is not None else None


# Open questions of a member who asked for erasure are closed first, so no lawyer keeps working on them.
CLOSE_OPEN_OF_MEMBER = """
UPDATE questions SET status = 'closed', updated_at = now()
WHERE member_id = $1 AND status = ANY($2::text[])
RETURNING id
"""
