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
from typing import Any

import asyncpg

from consult.errors import RateLimited
from consult.i18n import N_


def _counting_ctes(*, own_transaction: bool) -> str:
    """CTEs that count one hit in each bucket and end in rl_counts: one row, `counts`, an array of
    (hits, seconds into the window, hits of the previous window) in the buckets' order. A bucket is one
    row (migrations/0012): the upsert moves its window on and keeps the previous window's count. A
    booking's attempt is counted the same way, in its write batch: migrations/0014 repeats this upsert
    and judge()'s estimate in SQL; change them together.

    $1 and $2 hold the buckets' names and windows in seconds. own_transaction: the statement runs on
    its own (no BEGIN), so it is its own transaction.
    Counters are advisory: losing the last moment of them in a crash is harmless, so that commit need
    not wait for the disk. set_config(..., true) lasts until the end of the transaction, the statement's
    own; inside a caller's transaction (which may hold a booking) the commit must still wait.
    """
    asynchronous = "CROSS JOIN set_config('synchronous_commit', 'off', true)" if own_transaction else ""
    return f"""rl_b AS (
    SELECT bucket, secs, to_timestamp(floor(extract(epoch FROM now()) / secs) * secs) AS window_start, n
    FROM unnest($1::text[], $2::int[]) WITH ORDINALITY AS t(bucket, secs, n)
), rl_hit AS (
    INSERT INTO rate_limits AS r (bucket, window_seconds, window_start, hits, previous_hits)
    SELECT bucket, secs, window_start, 1, 0 FROM rl_b ORDER BY bucket
    ON CONFLICT (bucket) DO UPDATE SET
        previous_hits = CASE
            WHEN r.window_start = EXCLUDED.window_start THEN r.previous_hits
            WHEN r.window_start = EXCLUDED.window_start - make_interval(secs => EXCLUDED.window_seconds)
                THEN r.hits
            ELSE 0 END,
        hits = CASE WHEN r.window_start = EXCLUDED.window_start THEN r.hits + 1 ELSE 1 END,
        window_start = EXCLUDED.window_start,
        window_seconds = EXCLUDED.window_seconds
    RETURNING bucket, hits, previous_hits, window_start
), rl_counts AS (
    SELECT array_agg(
        ROW(rl_hit.hits, extract(epoch FROM now() - rl_hit.window_start)::float8, rl_hit.previous_hits)
        ORDER BY rl_b.n
    ) AS counts
    FROM rl_b JOIN rl_hit ON rl_hit.bucket = rl_b.bucket {asynchronous}
)"""


# Several buckets (distinct names) counted in one round trip: $1 their names, $2 their windows in seconds.
HIT = f"WITH {_counting_ctes(own_transaction=False)} SELECT counts FROM rl_counts"
HIT_ON_ITS_OWN = f"WITH {_counting_ctes(own_transaction=True)} SELECT counts FROM rl_counts"

Limits = Sequence[tuple[str, int, int]]


async def hit(conn: asyncpg.Connection, bucket: str, limit: int, window_seconds: int) -> None:
    """Count one attempt in bucket; raise 429 with Retry-After when more than limit fall in the window."""
    await hit_all(conn, [(bucket, limit, window_seconds)])


async def hit_all(conn: asyncpg.Connection, limits: Limits) -> None:
    """Count one attempt in each (bucket, limit, window_seconds) at once; 429 when any is over its limit.

    Every bucket counts the attempt, also when another one refuses it. Bucket names must differ.
    """
    sql = HIT if conn.is_in_transaction() else HIT_ON_ITS_OWN
    names, windows = [b for b, _l, _w in limits], [w for _b, _l, w in limits]
    judge(limits, await conn.fetchval(sql, names, windows))


def judge(limits: Limits, counts: Sequence[Any]) -> None:
    """Raise 429 with Retry-After when a bucket's count (from rl_counts) is over its limit."""
    retry = 0
    for (_bucket, limit, window_seconds), (hits, elapsed, previous) in zip(limits, counts, strict=True):
        elapsed = min(max(float(elapsed), 0.0), float(window_seconds))
        estimate = hits + (previous or 0) * (1 - elapsed / window_seconds)
        if estimate > limit:
            retry = max(retry, 1, math.ceil(window_seconds - elapsed))
    if retry:
        raise rate_limited(retry)


def rate_limited(retry_after: int) -> RateLimited:
    """Over a limit; try again in retry_after seconds."""
    return RateLimited(
        "rate_limited",
        N_("Too many attempts. Please wait a little and try again."),
        headers={"Retry-After": str(retry_after)},
    )


def key(*parts: str) -> str:
    """Name a bucket without storing personal data (an email) in it: a short hash of the parts."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


SWEEP = "DELETE FROM rate_limits WHERE window_start < now() - interval '2 days'"


async def sweep(conn: asyncpg.Connection) -> int:
    """Forget windows older than any limit looks at; return how many rows went."""
    status = await conn.execute(SWEEP)
    return int(status.split()[-1])
