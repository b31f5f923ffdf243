"""Booking throughput against the bare stack, measured in the same run.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python bench/booking_bench.py [N] [CONCURRENCY]

1. A bare aiohttp + asyncpg app answering one `SELECT 1` per request: the ceiling of this machine.
2. The real app: N bookings through POST /api/v1/bookings, each on a distinct free slot (10 lawyers,
   every half hour for weeks ahead), with its events, join links and email rows.
Prints both rates and their ratio; the target is a booking rate of at least 25% of the bare rate, with
zero errors. A scratch database is made and dropped.
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import datetime, timedelta
from datetime import time as wall
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp
import asyncpg
from aiohttp import web
from scratch import free_port, scratch_database

from consult.app import create_app
from consult.availability.slots import kz_holidays
from consult.db import migrate
from consult.settings import load_settings

ALMATY = ZoneInfo("Asia/Almaty")
LAWYERS = 10


async def _serve(app: web.Application, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


async def _fire(
    url: str, bodies: list[dict[str, object] | None], concurrency: int
) -> tuple[float, dict[int, int]]:
    statuses: dict[int, int] = {}
    queue = list(enumerate(bodies))
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            while queue:
                n, body = queue.pop()
                headers = {"X-Forwarded-For": f"10.0.{n // 250}.{n % 250}"}
                if body is None:
                    async with session.get(url) as response:
                        await response.read()
                else:
                    async with session.post(url, json=body, headers=headers) as response:
                        await response.read()
                statuses[response.status] = statuses.get(response.status, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started, statuses


async def bare_rate(db_url: str, n: int, concurrency: int) -> float:
    pool = await asyncpg.create_pool(db_url, min_size=2, max_size=10)

    async def handler(request: web.Request) -> web.Response:
        async with pool.acquire() as conn:
            value = await conn.fetchval("SELECT 1")
        return web.json_response({"value": value})

    app = web.Application()
    app.router.add_get("/", handler)
    port = free_port()
    runner = await _serve(app, port)
    try:
        elapsed, statuses = await _fire(f"http://127.0.0.1:{port}/", [None] * n, concurrency)
    finally:
        await runner.cleanup()
        await pool.close()
    assert statuses == {200: n}, statuses
    return n / elapsed


async def seed(db_url: str) -> list[tuple[int, datetime]]:
    """Ten lawyers open 09:00-18:00 every day; return (lawyer, start) for free slots 3+ days ahead."""
    conn = await asyncpg.connect(db_url)
    try:
        await migrate(conn)
        topic = await conn.fetchval("SELECT id FROM topics WHERE slug = 'dismissal'")
        lawyers = []
        for i in range(LAWYERS):
            uid = await conn.fetchval(
                "INSERT INTO users (role, email, name, password_hash) VALUES ('lawyer', $1, $2, 'x') RETURNING id",
                f"lawyer{i}@example.org",
                f"Lawyer {i}",
            )
            await conn.execute("INSERT INTO lawyers (user_id) VALUES ($1)", uid)
            await conn.execute("INSERT INTO lawyer_topics (lawyer_id, topic_id) VALUES ($1, $2)", uid, topic)
            for day in range(1, 8):
                await conn.execute(
                    "INSERT INTO availability_weekly (lawyer_id, weekday, starts, ends) VALUES ($1, $2, $3, $4)",
                    uid,
                    day,
                    wall(9),
                    wall(18),
                )
            lawyers.append(uid)
    finally:
        await conn.close()
    today = datetime.now(ALMATY).date()
    holidays = kz_holidays([today.year, today.year + 1])
    slots = []
    for offset in range(3, 29):
        day = today + timedelta(days=offset)
        if day in holidays:
            continue
        for half in range(18):
            start = datetime.combine(day, wall(9), ALMATY) + timedelta(minutes=30 * half)
            slots.extend((lawyer, start) for lawyer in lawyers)
    return slots


async def booking_rate(db_url: str, n: int, concurrency: int) -> float:
    slots = await seed(db_url)
    assert len(slots) >= n, f"only {len(slots)} free slots"
    settings = load_settings(environ={"CONSULT_SECRET_KEY": "b" * 40})
    settings = settings.with_changes("server", workers=False, trusted_proxies=("127.0.0.1",))
    app = create_app(settings, database_url=db_url)
    port = free_port()
    runner = await _serve(app, port)
    bodies: list[dict[str, object] | None] = [
        {
            "topic": "dismissal",
            "start": start.isoformat(),
            "lawyer_id": lawyer,
            "name": f"Member {i}",
            "email": f"member{i}@example.org",
            "question": "Меня хотят уволить по сокращению штата, какие у меня права?",
            "consent": True,
        }
        for i, (lawyer, start) in enumerate(slots[:n])
    ]
    try:
        elapsed, statuses = await _fire(f"http://127.0.0.1:{port}/api/v1/bookings", bodies, concurrency)
    finally:
        await runner.cleanup()
    assert statuses == {201: n}, statuses
    return n / elapsed


async def main(n: int, concurrency: int) -> None:
    async with scratch_database() as db_url:
        bare = await bare_rate(db_url, n, concurrency)
        booked = await booking_rate(db_url, n, concurrency)
    print(f"bare aiohttp + asyncpg (SELECT 1): {bare:.0f} requests/second")
    print(f"bookings on distinct free slots:   {booked:.0f} bookings/second, 0 errors")
    print(f"ratio: {100 * booked / bare:.0f}% (target >= 25%)")


if __name__ == "__main__":
    asyncio.run(
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000, int(sys.argv[2]) if len(sys.argv) > 2 else 10)
    )
