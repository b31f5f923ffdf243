"""The audit trail: who did what to which object, and when (read by staff on the audit page).

Every capability writes its rows with `record`, in the caller's transaction. The detail is a JSON object
of ids and codes, never personal data; it goes to PostgreSQL as text cast to jsonb, so the row is the
same whether or not the connection carries the pool's JSON codec (migrations/0015 repaired the rows an
older writer stored as a JSON string).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import asyncpg

RECORD = """
INSERT INTO audit_log (actor_id, action, object_type, object_id, detail)
VALUES ($1, $2, $3, $4, $5::text::jsonb)
"""


async def record(
    conn: asyncpg.Connection,
    actor_id: int | None,
    action: str,
    object_type: str | None = None,
    object_id: int | str | None = None,
    detail: Mapping[str, Any] | None = None,
    **more: Any,
) -> None:
    """Write one audit row; detail (and keyword arguments) hold ids and codes, never personal data."""
    values = {**(detail or {}), **more}
    await conn.execute(
        RECORD,
        actor_id,
        action,
        object_type,
        None if object_id is None else str(object_id),
        json.dumps(values, ensure_ascii=False, default=str),
    )
