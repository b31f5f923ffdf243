"""Background housekeeping of accounts: old rate-limit windows, long-dead links, ended sessions."""

from __future__ import annotations

from aiohttp import web

from consult import keys, ratelimit
from consult.accounts import onetime

EXPIRED_SESSIONS = "DELETE FROM sessions WHERE expires_at < now()"


async def sweep(app: web.Application) -> int:
    """Delete what no request will look at again; return how many rows went."""
    async with app[keys.POOL].acquire() as conn:
        removed = await ratelimit.sweep(conn)
        for statement in (onetime.SWEEP, EXPIRED_SESSIONS):
            removed += int((await conn.execute(statement)).split()[-1])
    return removed
