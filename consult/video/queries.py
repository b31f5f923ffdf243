"""SQL of the video capability."""

from __future__ import annotations

import asyncpg

from consult import audit
from consult.video.window import CLOSES_AFTER

CLOSES_AFTER_MINUTES = int(CLOSES_AFTER.total_seconds() // 60)

# One join link with what the join page needs: the booking, both people's zones and the lawyer's room.
JOIN_LINK = """
SELECT j.role, j.sequence AS link_sequence,
       b.id AS booking_id, b.status, b.starts_at, b.ends_at, b.ical_sequence, b.lawyer_id,
       b.timezone AS member_timezone, b.language AS member_language, b.member_name, b.member_phone,
       u.name AS lawyer_name, u.language AS lawyer_language, l.timezone AS lawyer_timezone, l.room_url
FROM join_links j
JOIN bookings b ON b.id = j.booking_id
JOIN lawyers l ON l.user_id = b.lawyer_id
JOIN users u ON u.id = l.user_id
WHERE j.token_hash = $1
"""


async def join_link(conn: asyncpg.Connection, token_hash: bytes) -> asyncpg.Record | None:
    return await conn.fetchrow(JOIN_LINK, token_hash)


# The provider is refreshed on every use, so a row always says which provider last held the room.
ENSURE_ROOM = """
INSERT INTO video_rooms (booking_id, provider, room) VALUES ($1, $2, $3)
ON CONFLICT (booking_id) DO UPDATE SET provider = EXCLUDED.provider
RETURNING booking_id, provider, room, created_at, ended_at
"""


async def ensure_room(conn: asyncpg.Connection, booking_id: int, provider: str, room: str) -> asyncpg.Record:
    """Return the booking's room, creating it with the given fresh name if it has none yet."""
    row = await conn.fetchrow(ENSURE_ROOM, booking_id, provider, room)
    assert row is not None
    return row


# Marks the room ended once; a second call finds nothing to end and returns no row.
END_ROOM = """
UPDATE video_rooms v SET ended_at = now()
FROM bookings b
WHERE v.booking_id = $1 AND b.id = v.booking_id AND v.ended_at IS NULL
RETURNING v.booking_id, v.provider, v.room, b.starts_at, b.ends_at
"""


async def end_room(conn: asyncpg.Connection, booking_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow(END_ROOM, booking_id)


# Rooms still open whose consultation will not take place or is over (past the join window's close).
ROOMS_TO_END = """
SELECT v.booking_id FROM video_rooms v JOIN bookings b ON b.id = v.booking_id
WHERE v.ended_at IS NULL
  AND (b.status IN ('cancelled', 'completed', 'no_show') OR b.ends_at < now() - make_interval(mins => $2))
ORDER BY v.booking_id
LIMIT $1
"""


async def rooms_to_end(conn: asyncpg.Connection, limit: int) -> list[int]:
    return [r["booking_id"] for r in await conn.fetch(ROOMS_TO_END, limit, CLOSES_AFTER_MINUTES)]


LAWYER_ROOM = """
SELECT l.user_id AS lawyer_id, u.name, l.room_url FROM lawyers l JOIN users u ON u.id = l.user_id
WHERE l.user_id = $1
"""


async def lawyer_room(conn: asyncpg.Connection, lawyer_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow(LAWYER_ROOM, lawyer_id)


SET_LAWYER_ROOM = """
UPDATE lawyers SET room_url = $2 WHERE user_id = $1
RETURNING user_id AS lawyer_id, room_url
"""


async def set_lawyer_room(
    conn: asyncpg.Connection, lawyer_id: int, room_url: str | None, actor_id: int
) -> asyncpg.Record | None:
    """Set or clear a lawyer's personal room and record who did it; None when no such lawyer."""
    row = await conn.fetchrow(SET_LAWYER_ROOM, lawyer_id, room_url)
    if row is not None:
        await audit.record(conn, actor_id, "lawyer_room_set", "lawyer", lawyer_id, cleared=room_url is None)
    return row
