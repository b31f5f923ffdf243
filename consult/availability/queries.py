"""SQL of availability: a lawyer's rules and profile, topics, public profiles and union-wide closures."""

from __future__ import annotations

from typing import Any

import asyncpg

from consult import audit as audit_trail
from consult import reference
from consult.availability.forms import Availability

TOPICS = reference.TOPICS

TOPIC_BY_SLUG = reference.TOPIC_BY_SLUG

LAWYER_SETTINGS = """
SELECT l.timezone, l.slot_minutes, l.buffer_minutes, l.languages,
       coalesce(array(SELECT t.slug FROM lawyer_topics lt JOIN topics t ON t.id = lt.topic_id
                      WHERE lt.lawyer_id = l.user_id ORDER BY t.position, t.id), '{}') AS topics
FROM lawyers l WHERE l.user_id = $1
"""

LAWYER_WEEKLY = """
SELECT weekday, starts, ends FROM availability_weekly WHERE lawyer_id = $1 ORDER BY weekday, starts
"""

LAWYER_EXCEPTIONS = """
SELECT day, available, starts, ends FROM availability_exceptions
WHERE lawyer_id = $1 ORDER BY day, available, starts
"""

# A lawyer account may exist before its profile row; saving availability creates the row.
UPSERT_LAWYER = """
INSERT INTO lawyers (user_id, timezone, slot_minutes, buffer_minutes, languages)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (user_id) DO UPDATE SET timezone = $2, slot_minutes = $3, buffer_minutes = $4, languages = $5
"""
DELETE_WEEKLY = "DELETE FROM availability_weekly WHERE lawyer_id = $1"
INSERT_WEEKLY = """
INSERT INTO availability_weekly (lawyer_id, weekday, starts, ends)
SELECT $1, * FROM unnest($2::smallint[], $3::time[], $4::time[])
"""
DELETE_EXCEPTIONS = "DELETE FROM availability_exceptions WHERE lawyer_id = $1"
INSERT_EXCEPTIONS = """
INSERT INTO availability_exceptions (lawyer_id, day, available, starts, ends)
SELECT $1, * FROM unnest($2::date[], $3::boolean[], $4::time[], $5::time[])
"""
DELETE_TOPICS = "DELETE FROM lawyer_topics WHERE lawyer_id = $1"
INSERT_TOPICS = """
INSERT INTO lawyer_topics (lawyer_id, topic_id)
SELECT $1, id FROM topics WHERE slug = ANY($2::text[])
"""

PUBLIC_LAWYERS = """
SELECT l.user_id AS id, u.name, l.languages, l.bio_ru, l.bio_kk, l.bio_en,
       array(SELECT t.slug FROM lawyer_topics lt JOIN topics t ON t.id = lt.topic_id AND t.active
             WHERE lt.lawyer_id = l.user_id ORDER BY t.position, t.id) AS topics
FROM lawyers l JOIN users u ON u.id = l.user_id AND u.active
WHERE $1::integer IS NULL OR EXISTS (
    SELECT 1 FROM lawyer_topics lt WHERE lt.lawyer_id = l.user_id AND lt.topic_id = $1)
ORDER BY u.name, l.user_id
"""

CLOSURES_FROM = "SELECT day, reason FROM closures WHERE day >= $1 ORDER BY day"
ADD_CLOSURE = """
INSERT INTO closures (day, reason) VALUES ($1, $2) ON CONFLICT (day) DO UPDATE SET reason = $2
"""
REMOVE_CLOSURE = "DELETE FROM closures WHERE day = $1 RETURNING day"


async def load_availability(conn: asyncpg.Connection, lawyer_id: int) -> Availability | None:
    """Return a lawyer's saved availability, or None when the lawyer has no profile yet."""
    row = await conn.fetchrow(LAWYER_SETTINGS, lawyer_id)
    if row is None:
        return None
    weekly = [(r["weekday"], r["starts"], r["ends"]) for r in await conn.fetch(LAWYER_WEEKLY, lawyer_id)]
    exceptions = [
        (r["day"], r["available"], r["starts"], r["ends"])
        for r in await conn.fetch(LAWYER_EXCEPTIONS, lawyer_id)
    ]
    return Availability(
        timezone=row["timezone"],
        slot_minutes=row["slot_minutes"],
        buffer_minutes=row["buffer_minutes"],
        weekly=weekly,
        exceptions=exceptions,
        topics=list(row["topics"]),
        languages=list(row["languages"]),
    )


async def save_availability(conn: asyncpg.Connection, lawyer_id: int, value: Availability) -> None:
    """Replace a lawyer's availability; bookings already made are left as they are."""
    await conn.execute(
        UPSERT_LAWYER, lawyer_id, value.timezone, value.slot_minutes, value.buffer_minutes, value.languages
    )
    await conn.execute(DELETE_WEEKLY, lawyer_id)
    await conn.execute(
        INSERT_WEEKLY,
        lawyer_id,
        [w[0] for w in value.weekly],
        [w[1] for w in value.weekly],
        [w[2] for w in value.weekly],
    )
    await conn.execute(DELETE_EXCEPTIONS, lawyer_id)
    await conn.execute(
        INSERT_EXCEPTIONS,
        lawyer_id,
        [e[0] for e in value.exceptions],
        [e[1] for e in value.exceptions],
        [e[2] for e in value.exceptions],
        [e[3] for e in value.exceptions],
    )
    await conn.execute(DELETE_TOPICS, lawyer_id)
    await conn.execute(INSERT_TOPICS, lawyer_id, value.topics)


async def audit(
    conn: asyncpg.Connection,
    actor_id: int,
    action: str,
    object_type: str,
    object_id: str,
    detail: dict[str, Any] | None = None,
) -> None:
    await audit_trail.record(conn, actor_id, action, object_type, object_id, detail)


async def active_topics(conn: asyncpg.Connection) -> list[Any]:
    return list(await conn.fetch(TOPICS))
