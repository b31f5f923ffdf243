"""Everything the service holds about one member, as one JSON document (the right of access)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg

from consult.privacy import queries


def _rows(records: list[asyncpg.Record]) -> list[dict[str, Any]]:
    return [dict(r) for r in records]


async def member_export(conn: asyncpg.Connection, user_id: int) -> dict[str, Any]:
    """Collect the member's account, bookings with their events, emails to them and their requests."""
    user = await conn.fetchrow(queries.EXPORT_USER, user_id)
    if user is None:
        raise LookupError(user_id)
    bookings = _rows(await conn.fetch(queries.EXPORT_BOOKINGS, user_id))
    events: dict[int, list[dict[str, Any]]] = {}
    for event in await conn.fetch(queries.EXPORT_EVENTS, user_id):
        item = dict(event)
        events.setdefault(item.pop("booking_id"), []).append(item)
    for booking in bookings:
        booking["events"] = events.get(booking["id"], [])
    return {
        "exported_at": datetime.now(UTC),
        "user": dict(user),
        "bookings": bookings,
        "messages": _rows(await conn.fetch(queries.EXPORT_MESSAGES, user_id, user["email"])),
        "sessions": _rows(await conn.fetch(queries.EXPORT_SESSIONS, user_id)),
        "erasure_requests": _rows(await conn.fetch(queries.EXPORT_ERASURE_REQUESTS, user_id)),
        "actions": _rows(await conn.fetch(queries.EXPORT_OWN_ACTIONS, user_id)),
    }
