"""Rate limits kept in PostgreSQL, so that every app copy counts against the same numbers.

Each bucket counts hits in fixed windows; the limit is checked against a sliding estimate (the current
window plus the share of the previous one that still lies within window_seconds), so that a burst
across a window boundary is counted as one burst.

Call hit() outside the unit of work's transaction (or before it starts): a hit made inside a
transaction that then rolls back, say because the password was wrong, would not be counted.
"""

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
RETURNING hits, window_start, extract(epoch FROM now() - window_start)::float8 AS elapsed,
    (SELECT p.hits FROM rate_limits p
     WHERE p.bucket = $1 AND p.window_start = rate_limits.window_start - make_interval(secs => $2)) AS previous
"""


async def hit(conn: asyncpg.Connection, bucket: str, limit: int, window_seconds: int) -> None:
    """Count one attempt in bucket; raise 429 with Retry-After when more than limit fall in the window."""
    row = await conn.fetchrow(HIT, bucket, window_seconds)
    elapsed = min(max(float(row["elapsed"]), 0.0), float(window_seconds))
    previous = row["previous"] or 0
    estimate = row["hits"] + previous * (1 - elapsed / window_seconds)
    if estimate > limit:
        retry = max(1, math.ceil(window_seconds - elapsed))
        raise ApiError(
            429,
            "rate_limited",
            N_("Too many attempts. Please wait a little and try again."),
            headers={"Retry-After": str(retry)},
        )


def key(*parts: str) -> str:
    """Name a bucket without storing personal data (an email) in it: a short hash of the parts."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


SWEEP = "DELETE FROM rate_limits WHERE window_start < now() - interval '2 days'"


async def sweep(conn: asyncpg.Connection) -> int:
    """Forget windows older than any limit looks at; return how many rows went."""
    status = await conn.execute(SWEEP)
    return int(status.split()[-1])
