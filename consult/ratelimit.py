"""Rate limits kept in PostgreSQL, so that every app copy counts against the same numbers."""

from __future__ import annotations

import hashlib
import math

import asyncpg

from consult.i18n import N_
from consult.web import ApiError

HIT = """
INSERT INTO rate_limits (bucket, window_start, hits)
VALUES ($1, to_timestamp(floor(extract(epoch FROM now()) / $2) * $2), 1)
ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1
RETURNING hits, extract(epoch FROM now() - window_start)::float8 AS elapsed
"""


async def hit(conn: asyncpg.Connection, bucket: str, limit: int, window_seconds: int) -> None:
    """Count one attempt in bucket; raise 429 with Retry-After when more than limit fall in the window."""
    row = await conn.fetchrow(HIT, bucket, window_seconds)
    if row["hits"] > limit:
        retry = max(1, math.ceil(window_seconds - float(row["elapsed"])))
        raise ApiError(
            429,
            "rate_limited",
            N_("Too many attempts. Please wait a little and try again."),
            headers={"Retry-After": str(retry)},
        )


def key(*parts: str) -> str:
    """Name a bucket without storing personal data (an email) in it: a short hash of the parts."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
