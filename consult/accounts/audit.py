"""The audit trail: who did what to which object, and when (read by staff on the audit page)."""

from __future__ import annotations

from typing import Any

import asyncpg

RECORD = """
INSERT INTO audit_log (actor_id, action, object_type, object_id, detail) VALUES ($1, $2, $3, $4, $5)
"""


async def record(
    conn: asyncpg.Connection,
    actor_id: int | None,
    action: str,
    object_type: str | None = None,
    object_id: int | str | None = None,
    **detail: Any,
) -> None:
    """Write one audit row in the caller's transaction; detail holds ids and codes, never personal data."""
    await conn.execute(
        RECORD, actor_id, action, object_type, None if object_id is None else str(object_id), detail
    )
