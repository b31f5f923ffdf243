"""Benchmark archive search: N synthetic published entries, the API's search function vs a naive ILIKE.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python bench/search_bench.py [--entries N]

Creates a fresh database on DATABASE_URL's server, migrates it, loads N entries with
consult.archive.generate (COPY), runs a mix of one- to three-word queries (frequent and rare words,
prefixes) through consult.archive.search.search_archive exactly as GET /api/v1/faq does (a pooled
connection, one transaction, first page of 20), then the same queries as ILIKE scans, prints
p50/p95/p99 of both, and drops the database. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from consult.archive import generate as gen
from consult.archive.search import search_archive
from consult.db import migrate

# Frequent words and phrases of each language (in a third to a half of the entries), prefixes included.
FREQUENT = {
    "ru": ["отпуск", "учитель", "заработной платы", "трудового кодекса", "отпуск педагога", "56 дней",
           "аттестация", "категория", "выговор", "согласия работника", "комиссия", "учебная нагрузка",
           "праздничные дни оплата", "отпу", "аттест", "педагог сельской местности"],
    "kk": ["демалыс", "мұғалім", "мұғалімнің демалысы", "жалақы", "еңбек кодексі", "аттестаттау",
           "жұмыс беруші", "сабақ", "демал", "санат", "келісім комиссиясы", "жүктеме"],
}  # fmt: skip
NAIVE = (
    "SELECT id, count(*) OVER () AS total FROM archive_entries WHERE status = 'published' AND {where} "
    "ORDER BY published_at DESC LIMIT 20"
)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def query_mix(count: int, seed: int = 7) -> list[str]:
    """One- to three-word queries in one language each: frequent words, rare words, and both."""
    rng = random.Random(seed)
    rare = {
        "ru": gen._rare_vocabulary(random.Random(1), gen.RU_SYLLABLES),
        "kk": gen._rare_vocabulary(random.Random(1), gen.KK_SYLLABLES),
    }
    queries = []
    for i in range(count):
        language = "ru" if rng.random() < 0.6 else "kk"
        frequent, kind = FREQUENT[language], i % 5
        if kind in (0, 1):
            queries.append(rng.choice(frequent))
        elif kind == 2:
            queries.append(rng.choice(rare[language]))
        elif kind == 3:
            queries.append(f"{rng.choice(frequent).split()[0]} {rng.choice(rare[language])}")
        else:
            first, second = rng.sample(frequent, 2)
            queries.append(f"{first.split()[0]} {second.split()[0]}")
    return queries


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return f"p50 {q[49]:7.1f} ms   p95 {q[94]:7.1f} ms   p99 {q[98]:7.1f} ms   (n={len(ordered)})"


async def run_search(pool: asyncpg.Pool, queries: list[str]) -> tuple[list[float], int]:
    times, hits = [], 0
    for q in queries:
        started = time.perf_counter()
        async with pool.acquire() as conn, conn.transaction():
            page = await search_archive(conn, q, page=1, per_page=20)
        times.append((time.perf_counter() - started) * 1000)
        hits += page.total
    return times, hits


async def run_naive(pool: asyncpg.Pool, queries: list[str]) -> list[float]:
    times = []
    for q in queries:
        words = q.split()
        where = " AND ".join(
            f"(question ILIKE '%' || ${i} || '%' OR answer ILIKE '%' || ${i} || '%')"
            for i in range(1, len(words) + 1)
        )
        started = time.perf_counter()
        async with pool.acquire() as conn:
            await conn.fetch(NAIVE.format(where=where), *words)
        times.append((time.perf_counter() - started) * 1000)
    return times


async def main(entries: int, queries: int, naive_queries: int, keep: bool, reuse: str | None) -> None:
    server = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = reuse or f"consult_bench_{os.getpid()}"
    admin = await asyncpg.connect(server)
    if not reuse:
        await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = with_database(server, name)
        conn = await asyncpg.connect(url)
        try:
            if not reuse:
                await migrate(conn)
                started = time.perf_counter()
                await gen.generate(conn, entries)
                await conn.execute("VACUUM ANALYZE archive_entries")
                print(f"loaded {entries} published entries in {time.perf_counter() - started:.1f} s")
        finally:
            await conn.close()
        pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
        try:
            mix = query_mix(queries)
            await run_search(pool, mix[:20])  # warm the cache, as a running service has it
            search_times, hits = await run_search(pool, mix)
            naive_times = await run_naive(pool, mix[:naive_queries])
        finally:
            await pool.close()
        print(f"full-text search_archive: {percentiles(search_times)}   mean hits {hits / len(mix):.0f}")
        print(f"naive ILIKE scan:         {percentiles(naive_times)}")
        slowest = sorted(zip(search_times, mix, strict=True), reverse=True)[:8]
        print("slowest full-text queries: " + ", ".join(f"{q!r} {t:.0f} ms" for t, q in slowest))
    finally:
        if not keep and not reuse:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            print(f"kept database {name}")
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="archive search benchmark")
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--million", action="store_true", help="shorthand for --entries 1000000")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--naive-queries", type=int, default=40)
    parser.add_argument("--keep", action="store_true", help="keep the database (for EXPLAIN)")
    parser.add_argument("--reuse", help="run against a database kept by an earlier --keep run")
    args = parser.parse_args()
    entries = 1_000_000 if args.million else args.entries
    asyncio.run(main(entries, args.queries, args.naive_queries, args.keep, args.reuse))
