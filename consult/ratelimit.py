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
from collections.abc import Sequence

import asyncpg

from consult.i18n import N_
from consult.web import ApiError

# Several buckets (distinct names) counted in one round trip: $1 their names, $2 their windows in seconds.
HIT = """
WITH b AS (
    SELECT bucket, secs, to_timestamp(floor(extract(epoch FROM now()) / secs) * secs) AS window_start, n
    FROM unnest($1::text[], $2::int[]) WITH ORDINALITY AS t(bucket, secs, n)
), hit AS (
    INSERT INTO rate_limits (bucket, window_start, hits)
    SELECT bucket, window_start, 1 FROM b
    ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1
    RETURNING bucket, hits
)
SELECT hit.hits, extract(epoch FROM now() - b.window_start)::float8 AS elapsed,
    (SELECT p.hits FROM rate_limits p
     WHERE p.bucket = b.bucket AND p.window_start = b.window_start - make_interval(secs => b.secs)) AS previous
FROM b JOIN hit ON hit.bucket = b.bucket
ORDER BY b.n
"""


async def hit(conn: asyncpg.Connection, bucket: str, limit: int, window_seconds: int) -> None:
    """Count one attempt in bucket; raise 429 with Retry-After when more than limit fall in the window."""
    await hit_all(conn, [(bucket, limit, window_seconds)])


async def hit_all(conn: asyncpg.Connection, limits: Sequence[tuple[str, int, int]]) -> None:
    """Count one attempt in each (bucket, limit, window_seconds) at once; 429 when any is over its limit.

    Every bucket counts the attempt, also when another one refuses it. Bucket names must differ.
    """
    names, windows = [b for b, _l, _w in limits], [w for _b, _l, w in limits]
    if conn.is_in_transaction():
        rows = await conn.fetch(HIT, names, windows)
    else:
        # Counters are advisory: losing the last moment of them in a crash is harmless, so their commit
        # need not wait for the disk (SET LOCAL: this transaction only; a booking's commit still does).
        async with conn.transaction():
            await conn.execute("SET LOCAL synchronous_commit TO off")
            rows = await conn.fetch(HIT, names, windows)
    retry = 0
    for (_bucket, limit, window_seconds), row in zip(limits, rows, strict=True):
        elapsed = min(max(float(row["elapsed"]), 0.0), float(window_seconds))
        previous = row["previous"] or 0
        estimate = row["hits"] + previous * (1 - elapsed / window_seconds)
        if estimate > limit:
            retry = max(retry, 1, math.ceil(window_seconds - elapsed))
    if retry:
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
