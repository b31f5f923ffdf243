"""One-time links and sign-in steps: a random token out, its hash in one_time_links, used at most once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg

from consult.security import hash_token, new_token

# How long each kind of link lives.
LIFETIMES = {
    "signin": timedelta(minutes=15),
    "reset": timedelta(hours=1),
    "invite": timedelta(days=7),
    "second-factor": timedelta(minutes=5),
    "totp-enrol": timedelta(minutes=15),
}

CREATE = """
INSERT INTO one_time_links (token_hash, purpose, user_id, email, detail, created_by, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, now() + $7::interval)
"""


async def create(
    conn: asyncpg.Connection,
    purpose: str,
    email: str,
    *,
    user_id: int | None = None,
    created_by: int | None = None,
    **detail: Any,
) -> str:
    """Store a new link's hash and return the token to send."""
    token = new_token()
    await conn.execute(
        CREATE, hash_token(token), purpose, user_id, email, detail, created_by, LIFETIMES[purpose]
    )
    return token


PEEK = """
SELECT token_hash, purpose, user_id, email, detail, created_by, expires_at
FROM one_time_links
WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
"""


async def peek(conn: asyncpg.Connection, purpose: str, token: str) -> asyncpg.Record | None:
    """Look at a live link without using it (GET pages: mail scanners open links too)."""
    if not token or len(token) > 100:
        return None
    return await conn.fetchrow(PEEK, hash_token(token), purpose)


USE = """
UPDATE one_time_links SET used_at = now()
WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
RETURNING token_hash, purpose, user_id, email, detail, created_by, expires_at
"""


async def use(conn: asyncpg.Connection, purpose: str, token: str) -> asyncpg.Record | None:
    """Use a live link once; a second use, a late one or a wrong purpose gets None."""
    if not token or len(token) > 100:
        return None
    return await conn.fetchrow(USE, hash_token(token), purpose)


RETIRE_FOR_USER = """
UPDATE one_time_links SET used_at = now()
WHERE user_id = $1 AND purpose = ANY($2::text[]) AND used_at IS NULL
"""


async def retire_for_user(conn: asyncpg.Connection, user_id: int, *purposes: str) -> None:
    """Make a user's other open links of these kinds useless (after a password was set)."""
    await conn.execute(RETIRE_FOR_USER, user_id, list(purposes))


SWEEP = "DELETE FROM one_time_links WHERE expires_at < now() - interval '30 days'"
