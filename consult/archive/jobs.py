"""Background jobs of the archive."""

from __future__ import annotations

from aiohttp import web

from consult import keys
from consult.archive import entries


async def prune_votes_job(app: web.Application) -> int:
    """Forget vote keys older than two days: they only have to stop a second vote on the same day."""
    async with app[keys.POOL].acquire() as conn, conn.transaction():
        return await entries.prune_votes(conn)
