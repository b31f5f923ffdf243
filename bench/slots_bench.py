"""Benchmark GET /api/v1/slots against a bare aiohttp + asyncpg handler, measured in the same run.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python bench/slots_bench.py

Creates a fresh database on DATABASE_URL's server (dropped at the end unless --keep): 20 lawyers over
the 12 topics, all of them serving "dismissal", with weekly hours in several zones, days off and a union
closure; 10,000 members and 10,000 bookings (420 past and 80 in the next 31 days per lawyer, live and
cancelled). Starts `consult serve` and a bare handler (one indexed row by primary key) on loopback, then
drives each from a separate client process (asyncio + aiohttp) at the given concurrency levels, and
prints p50/p95/p99 latency and requests per second. Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LAWYERS = 20
BOOKINGS_PER_LAWYER = 500
FUTURE_PER_LAWYER = 80
TOPIC = "dismissal"
ZONES = (
    ["Asia/Almaty"] * 8
    + ["Asia/Aqtobe"] * 4
    + [
        "Asia/Qostanay",
        "Asia/Oral",
        "Asia/Atyrau",
        "Asia/Aqtau",
        "Asia/Qyzylorda",
        "Europe/Moscow",
        "Asia/Tashkent",
        "Asia/Almaty",
    ]
)
SLOT_MINUTES = [30] * 12 + [45] * 4 + [60] * 4
BUFFERS = [0, 10, 15, 5]
WEEKLY = [(d, time(9), time(13)) for d in range(1, 6)] + [(d, time(14), time(18)) for d in range(1, 6)]
BOOKING_COLUMNS = (
    "lawyer_id",
    "member_id",
    "topic_id",
    "status",
    "starts_at",
    "ends_at",
    "blocked_until",
    "member_name",
    "member_email",
    "question",
    "language",
    "timezone",
    "consent_at",
    "consent_version",
    "link_nonce",
    "manage_token_hash",
    "ical_uid",
    "hold_expires_at",
)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- Data --------------------------------------------------------------------------------------------------


def grid_starts(zone: str, slot: int, first: date, last: date) -> list[datetime]:
    """Every other slot start of the weekly hours from first to last (so pauses never collide)."""
    tz = ZoneInfo(zone)
    starts = []
    day = first
    while day <= last:
        for weekday, start, end in WEEKLY:
            if weekday != day.isoweekday():
                continue
            at = datetime.combine(day, start, tz)
            stop = datetime.combine(day, end, tz)
            index = 0
            while at + timedelta(minutes=slot) <= stop:
                if index % 2 == 0:
                    starts.append(at.astimezone(UTC))
                at += timedelta(minutes=slot)
                index += 1
        day += timedelta(days=1)
    return starts


async def seed(conn: asyncpg.Connection, now: datetime) -> dict[str, int]:
    rng = random.Random(20261203)
    topics = {r["slug"]: r["id"] for r in await conn.fetch("SELECT id, slug FROM topics ORDER BY position")}
    slugs = list(topics)
    lawyer_ids = []
    for n in range(LAWYERS):
        uid = await conn.fetchval(
            "INSERT INTO users (role, email, name, language) VALUES ('lawyer', $1, $2, 'ru') RETURNING id",
            f"lawyer{n}@bench.example",
            f"Lawyer {n}",
        )
        await conn.execute(
            "INSERT INTO lawyers (user_id, timezone, slot_minutes, buffer_minutes, languages) VALUES ($1, $2, $3, $4, $5)",
            uid,
            ZONES[n],
            SLOT_MINUTES[n],
            BUFFERS[n % len(BUFFERS)],
            ["ru", "kk"] if n % 2 else ["ru"],
        )
        served = {TOPIC} | {slugs[(n + k) % len(slugs)] for k in range(1, 5)}
        await conn.executemany(
            "INSERT INTO lawyer_topics (lawyer_id, topic_id) VALUES ($1, $2)",
            [(uid, topics[s]) for s in served],
        )
        await conn.executemany(
            "INSERT INTO availability_weekly (lawyer_id, weekday, starts, ends) VALUES ($1, $2, $3, $4)",
            [(uid, d, s, e) for d, s, e in WEEKLY],
        )
        if n % 3 == 0:
            await conn.execute(
                "INSERT INTO availability_weekly (lawyer_id, weekday, starts, ends) VALUES ($1, 6, '10:00', '14:00')",
                uid,
            )
        today = now.astimezone(ZoneInfo(ZONES[n])).date()
        off = [today + timedelta(days=3 + n % 7)] + [
            today + timedelta(days=20 + k) for k in range(5) if n % 4 == 0
        ]
        await conn.executemany(
            "INSERT INTO availability_exceptions (lawyer_id, day, available) VALUES ($1, $2, false)",
            [(uid, d) for d in off],
        )
        await conn.execute(
            "INSERT INTO availability_exceptions (lawyer_id, day, available, starts, ends) VALUES ($1, $2, true, '18:00', '20:00')",
            uid,
            today + timedelta(days=9),
        )
        lawyer_ids.append(uid)
    await conn.execute(
        "INSERT INTO closures (day, reason) VALUES ($1, 'bench')", now.date() + timedelta(days=12)
    )

    member_ids = [
        r["id"]
        for r in await conn.fetch(
            "INSERT INTO users (role, email, name) SELECT 'member', 'm' || g || '@bench.example', 'Member ' || g "
            "FROM generate_series(1, $1) g RETURNING id",
            LAWYERS * BOOKINGS_PER_LAWYER,
        )
    ]
    rows = []
    members = iter(member_ids)
    for n, uid in enumerate(lawyer_ids):
        slot = SLOT_MINUTES[n]
        buffer = BUFFERS[n % len(BUFFERS)]
        today = now.date()
        past = [s for s in grid_starts(ZONES[n], slot, today - timedelta(days=300), today) if s < now]
        future = [s for s in grid_starts(ZONES[n], slot, today, today + timedelta(days=31)) if s > now]
        picked = [(s, "past") for s in rng.sample(past, BOOKINGS_PER_LAWYER - FUTURE_PER_LAWYER)]
        picked += [(s, "future") for s in rng.sample(future, FUTURE_PER_LAWYER)]
        for start, when in picked:
            roll = rng.random()
            if when == "past":
                status = "completed" if roll < 0.8 else "cancelled" if roll < 0.95 else "no_show"
            else:
                status = "confirmed" if roll < 0.85 else "pending" if roll < 0.95 else "cancelled"
            member = next(members)
            nonce = secrets.token_hex(16)
            end = start + timedelta(minutes=slot)
            rows.append(
                (
                    uid,
                    member,
                    topics[TOPIC],
                    status,
                    start,
                    end,
                    end + timedelta(minutes=buffer),
                    f"Member {member}",
                    f"m{member}@bench.example",
                    "Вопрос о трудовом договоре",
                    "ru",
                    "Asia/Almaty",
                    now,
                    "bench",
                    nonce,
                    hashlib.sha256(nonce.encode()).digest(),
                    f"{nonce}@bench",
                    now + timedelta(days=1) if status == "pending" else None,
                )
            )
    await conn.copy_records_to_table("bookings", records=rows, columns=BOOKING_COLUMNS)
    await conn.execute("ANALYZE")
    live_ahead = sum(1 for r in rows if r[3] in ("pending", "confirmed"))
    return {"lawyers": LAWYERS, "bookings": len(rows), "live_ahead": live_ahead}


# --- The bare handler --------------------------------------------------------------------------------------


def run_bare_server(port: int, dsn: str) -> None:
    """One aiohttp handler, one asyncpg query by primary key, JSON out: the floor to compare with."""
    from aiohttp import web

    async def start(app: web.Application) -> Any:
        app["pool"] = await asyncpg.create_pool(dsn, min_size=2, max_size=10)
        yield
        await app["pool"].close()

    counter = iter(range(10**9))

    async def row(request: web.Request) -> web.Response:
        booking_id = next(counter) % (LAWYERS * BOOKINGS_PER_LAWYER) + 1
        async with request.app["pool"].acquire() as conn:
            found = await conn.fetchrow(
                "SELECT id, status, starts_at FROM bookings WHERE id = $1", booking_id
            )
        return web.json_response(
            {"id": found["id"], "status": found["status"], "start": found["starts_at"].isoformat()}
        )

    app = web.Application()
    app.cleanup_ctx.append(start)
    app.router.add_get("/row", row)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


# --- The client --------------------------------------------------------------------------------------------


async def drive(url: str, requests: int, concurrency: int, warmup: int) -> dict[str, Any]:
    import aiohttp

    latencies: list[float] = []
    sizes: list[int] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(record: bool) -> None:
            nonlocal errors
            began = clock.perf_counter()
            async with session.get(url) as response:
                body = await response.read()
                ok = response.status == 200
            if record:
                latencies.append(clock.perf_counter() - began)
                sizes.append(len(body))
                errors += 0 if ok else 1

        for _ in range(warmup):
            await one(False)
        remaining = iter(range(requests))

        async def worker() -> None:
            for _ in remaining:
                await one(True)

        began = clock.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = clock.perf_counter() - began
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {
        "p50": pct(0.50),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "rps": requests / wall,
        "errors": errors,
        "bytes": sum(sizes) // max(1, len(sizes)),
    }


def run_client(url: str, requests: int, concurrency: int, warmup: int) -> dict[str, Any]:
    """Measure from a separate process, so the client does not share the server's event loop."""
    out = subprocess.run(  # noqa: S603 (our own script)
        [sys.executable, __file__, "--client", url, str(requests), str(concurrency), str(warmup)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout))


# --- Orchestration -----------------------------------------------------------------------------------------


def wait_for(url: str, process: subprocess.Popen[Any], seconds: float = 60) -> None:
    import urllib.request

    deadline = clock.monotonic() + seconds
    while clock.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited early with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 (loopback)
                return
        except OSError:
            clock.sleep(0.2)
    raise SystemExit(f"{url} did not answer")


def stop(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


async def prepare(server_url: str, name: str) -> dict[str, int]:
    from consult.db import migrate

    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    conn = await asyncpg.connect(with_database(server_url, name))
    try:
        await migrate(conn)
        return await seed(conn, datetime.now(UTC))
    finally:
        await conn.close()


async def drop(server_url: str, name: str) -> None:
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", default="1,4", help="comma-separated levels (default 1,4)")
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()
    server_url = os.environ.get("DATABASE_URL")
    if not server_url:
        raise SystemExit("set DATABASE_URL to a PostgreSQL server the bench may create a database on")
    name = f"consult_bench_{os.getpid()}"
    started = clock.perf_counter()
    facts = asyncio.run(prepare(server_url, name))
    dsn = with_database(server_url, name)
    print(
        f"seeded {facts['lawyers']} lawyers, {facts['bookings']} bookings "
        f"({facts['live_ahead']} live in the next 31 days) in {clock.perf_counter() - started:.1f} s"
    )

    app_port, bare_port = free_port(), free_port()
    env = {
        **os.environ,
        "DATABASE_URL": dsn,
        "CONSULT_SERVER_WORKERS": "false",
        "CONSULT_SERVER_BASE_URL": f"http://127.0.0.1:{app_port}",
        "PYTHONPATH": str(ROOT),
    }
    app_log = open(os.devnull, "w")
    app = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "consult",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(app_port),
            "--no-workers",
        ],
        cwd=ROOT,
        env=env,
        stdout=app_log,
        stderr=app_log,
    )
    bare = subprocess.Popen(  # noqa: S603
        [sys.executable, __file__, "--bare-server", str(bare_port), dsn], cwd=ROOT, env=env
    )
    try:
        wait_for(f"http://127.0.0.1:{app_port}/healthz", app)
        wait_for(f"http://127.0.0.1:{bare_port}/row", bare)
        today = datetime.now(ZoneInfo("Europe/Moscow")).date()
        query = f"topic={TOPIC}&from={today}&to={today + timedelta(days=30)}&tz=Europe/Moscow"
        slots_url = f"http://127.0.0.1:{app_port}/api/v1/slots?{query}"
        import urllib.request

        with urllib.request.urlopen(slots_url) as response:
            answer = json.loads(response.read())
        offered = {s["lawyer_id"] for s in answer["slots"]}
        print(f"GET /api/v1/slots?{query}")
        print(f"  answers {len(answer['slots'])} distinct times offered by {len(offered)} lawyers")
        print(f"{'target':<34}{'conc':>5}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'req/s':>9}{'errors':>8}")
        for level in [int(c) for c in args.concurrency.split(",")]:
            for label, url in (
                ("GET /api/v1/slots (31 days, 20)", slots_url),
                ("bare aiohttp+asyncpg row by id", f"http://127.0.0.1:{bare_port}/row"),
            ):
                r = run_client(url, args.requests, level, args.warmup)
                print(
                    f"{label:<34}{level:>5}{r['p50']:>9.2f}{r['p95']:>9.2f}{r['p99']:>9.2f}"
                    f"{r['rps']:>9.0f}{r['errors']:>8}"
                )
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"machine: {os.cpu_count()} cores shared by server, PostgreSQL and client; load average {load}")
    finally:
        stop(app)
        stop(bare)
        app_log.close()
        if not args.keep:
            asyncio.run(drop(server_url, name))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--client":
        url, requests, concurrency, warmup = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
        print(json.dumps(asyncio.run(drive(url, requests, concurrency, warmup))))
    elif len(sys.argv) > 1 and sys.argv[1] == "--bare-server":
        run_bare_server(int(sys.argv[2]), sys.argv[3])
    else:
        main()
