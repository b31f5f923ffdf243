"""Rate limits over the shared rate_limits table (fixed windows, counted in PostgreSQL).

A stand-in until consult/ratelimit.py (built in parallel by the accounts helper) lands with the same
`hit(conn, bucket, limit, window_seconds)`; the integrator can point callers there and drop this file.
"""

from __future__ import annotations

import hashlib

import asyncpg

from consult.i18n import N_
from consult.web import ApiError

HIT = """
INSERT INTO rate_limits (bucket, window_start, hits)
VALUES ($1, to_timestamp(floor(extract(epoch FROM now()) / $2) * $2), 1)
ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1
RETURNING hits, ceil(extract(epoch FROM window_start + make_interval(secs => $2) - now()))::int AS retry
"""


def bucket_name(kind: str, secret_key: str, value: str) -> str:
    """Name a bucket without storing the email or address itself (a keyed hash of it)."""
    digest = hashlib.sha256(f"{secret_key}:{kind}:{value}".encode()).hexdigest()[:32]
    return f"{kind}:{digest}"


async def hit(conn: asyncpg.Connection, bucket: str, limit: int, window_seconds: int) -> None:
    """Count one attempt; raise 429 with Retry-After once the window holds more than `limit`.

    Run it outside the request's transaction, so a refused or failed request still counts.
    """
    row = await conn.fetchrow(HIT, bucket, float(window_seconds))
    if row["hits"] > limit:
        raise ApiError(
            429,
            "rate_limited",
            N_("Too many requests. Please try again later."),
            headers={"Retry-After": str(max(1, row["retry"]))},
        )
