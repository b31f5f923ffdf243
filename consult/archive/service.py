"""What other capabilities ask of the archive: erasing a member reaches the drafts made from their words."""

from __future__ import annotations

import asyncpg

from consult.archive import erasure


async def erase_drafts_of_member(conn: asyncpg.Connection, member_id: int) -> int:
    """Delete the member's drafts and strip their names from published entries (archive/erasure.py)."""
    return await erasure.erase_drafts_of_member(conn, member_id)
