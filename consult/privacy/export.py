"""Everything the service holds about one member, as one JSON document (the right of access)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg

from consult.privacy import queries


def _rows(records: list[asyncpg.Record]) -> list[dict[str, Any]]:
    return [dict(r) for r in records]


def _attach(parents: list[dict[str, Any]], name: str, records: list[asyncpg.Record], key: str) -> None:
    """Put each child record under parents[...][name], by the parent id held in its `key` column."""
    children: dict[int, list[dict[str, Any]]] = {}
    for record in records:
        item = dict(record)
        children.setdefault(item.pop(key), []).append(item)
    for parent in parents:
        parent[name] = children.get(parent["id"], [])


async def member_export(conn: asyncpg.Connection, user_id: int) -> dict[str, Any]:
    """Collect the member's account, bookings with their events, written questions with their threads
    and files' metadata, emails to them and their requests."""
    user = await conn.fetchrow(queries.EXPORT_USER, user_id)
    if user is None:
        raise LookupError(user_id)
    bookings = _rows(await conn.fetch(queries.EXPORT_BOOKINGS, user_id))
    _attach(bookings, "events", await conn.fetch(queries.EXPORT_EVENTS, user_id), "booking_id")
    questions = _rows(await conn.fetch(queries.EXPORT_QUESTIONS, user_id))
    _attach(questions, "messages", await conn.fetch(queries.EXPORT_QUESTION_MESSAGES, user_id), "question_id")
    attachments = await conn.fetch(queries.EXPORT_QUESTION_ATTACHMENTS, user_id)
    _attach(questions, "attachments", attachments, "question_id")
    return {
        "exported_at": datetime.now(UTC),
        "user": dict(user),
        "bookings": bookings,
        "questions": questions,
        "messages": _rows(await conn.fetch(queries.EXPORT_MESSAGES, user_id, user["email"])),
        "sessions": _rows(await conn.fetch(queries.EXPORT_SESSIONS, user_id)),
        "erasure_requests": _rows(await conn.fetch(queries.EXPORT_ERASURE_REQUESTS, user_id)),
        "actions": _rows(await conn.fetch(queries.EXPORT_OWN_ACTIONS, user_id)),
    }
