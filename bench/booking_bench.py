"""Booking throughput against the bare stack, measured in the same run, the load from its own process.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python bench/booking_bench.py \
        [--bookings N] [--concurrency C] [--seconds S] [--modes none,email] [--profile DIR]

A scratch database is made (and dropped): 10 lawyers of the topic "dismissal", open 09:00-18:00 every
day, so that thousands of half-hour slots are free. Then, on loopback, as separate processes:

- the floor (python -m bench.floor): a bare aiohttp handler doing one indexed asyncpg query;
- consult (python -m consult serve --no-workers --no-migrate), once per confirmation mode
  (CONSULT_BOOKING_CONFIRMATION=none: confirmed at once, two emails with invites; =email: pending,
  one email asking to confirm);
- the load generator (python -m bench.load), at the same concurrency for both: GET /floor, then
  POST /api/v1/bookings with N bodies on distinct free slots, each from its own X-Forwarded-For
  address (members behind the proxy) and email. The booking rate limits stay at their defaults.

For each mode it prints the floor's rate, the booking rate, their ratio (target: at least 25% with zero
errors) and checks what was stored: N bookings, their events, join links and outbox rows.
--profile DIR runs consult under cProfile and leaves DIR/consult-MODE.prof.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from datetime import time as wall
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402

from bench.scratch import free_port, scratch_database  # noqa: E402
from bench.slots_bench import stop, wait_for  # noqa: E402
from consult.availability.slots import kz_holidays  # noqa: E402
from consult.db import migrate  # noqa: E402

ALMATY = ZoneInfo("Asia/Almaty")
LAWYERS = 10
QUESTION = "Меня хотят уволить по сокращению штата, какие у меня права?"


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
            await conn.executemany(
                "INSERT INTO availability_weekly (lawyer_id, weekday, starts, ends) VALUES ($1, $2, $3, $4)",
                [(uid, day, wall(9), wall(18)) for day in range(1, 8)],
            )
            lawyers.append(uid)
        await conn.execute("ANALYZE")
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


def booking_items(slots: list[tuple[int, datetime]], tag: str) -> list[dict[str, Any]]:
    return [
        {
            "method": "POST",
            "path": "/api/v1/bookings",
            "json": {
                "topic": "dismissal",
                "start": start.isoformat(),
                "lawyer_id": lawyer,
                "name": f"Member {tag} {n}",
                "email": f"member-{tag}-{n}@example.org",
                "question": QUESTION,
                "consent": True,
            },
            "headers": {"X-Forwarded-For": f"10.{n // 62500}.{n // 250 % 250}.{n % 250 + 1}"},
        }
        for n, (lawyer, start) in enumerate(slots)
    ]


# --- processes ---------------------------------------------------------------------------------------------


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(  # noqa: S603 (our own modules)
            [sys.executable, *args],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def load(base: str, items: list[dict[str, Any]], concurrency: int, requests: int, seconds: float) -> Any:
    """Drive base with bench.load in its own process (after 50 unrecorded requests); return its figures."""
    warmup = 50
    spec = {
        "base": base,
        "concurrency": concurrency,
        "requests": requests,
        "seconds": seconds,
        "warmup": warmup,
        "requests_list": items,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fp:
        json.dump(spec, fp)
    try:
        out = subprocess.run(  # noqa: S603 (our own module)
            [sys.executable, "-m", "bench.load", "--spec", fp.name],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        os.unlink(fp.name)
    return json.loads(out.stdout)


STORED = """
SELECT (SELECT count(*) FROM bookings WHERE member_email LIKE $1) AS bookings,
       (SELECT count(*) FROM booking_events e JOIN bookings b ON b.id = e.booking_id
        WHERE b.member_email LIKE $1) AS events,
       (SELECT count(*) FROM join_links j JOIN bookings b ON b.id = j.booking_id
        WHERE b.member_email LIKE $1) AS join_links,
       (SELECT count(*) FROM outbox o JOIN bookings b ON b.id = o.booking_id
        WHERE b.member_email LIKE $1) AS emails
"""


async def stored(db_url: str, tag: str) -> dict[str, int]:
    conn = await asyncpg.connect(db_url)
    try:
        return dict(await conn.fetchrow(STORED, f"member-{tag}-%"))
    finally:
        await conn.close()


# --- the run -----------------------------------------------------------------------------------------------


def figures(label: str, result: dict[str, Any]) -> str:
    return (
        f"{label:<34} {result['rps']:>7.0f}/s  p50 {result['p50_ms']:>6.1f} ms  p95 {result['p95_ms']:>6.1f} ms"
        f"  statuses {result['statuses']}  errors {result['errors']}"
    )


async def prepare(db_url: str) -> list[tuple[int, datetime]]:
    return await seed(db_url)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bookings", type=int, default=1500, help="bookings per mode (default 1500)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60.0, help="cap on each load run")
    parser.add_argument("--modes", default="none,email")
    parser.add_argument("--profile", type=Path, help="run consult under cProfile, profiles in this folder")
    args = parser.parse_args()
    modes = [m for m in args.modes.split(",") if m]
    asyncio.run(run(args, modes))


async def run(args: argparse.Namespace, modes: list[str]) -> None:
    logs = Path(tempfile.mkdtemp(prefix="booking-bench-"))
    async with scratch_database() as db_url:
        slots = await prepare(db_url)
        per_mode = args.bookings + 50
        if len(slots) < per_mode * len(modes):
            raise SystemExit(f"only {len(slots)} free slots for {len(modes)} x {per_mode}")
        floor_port = free_port()
        floor = start(
            ["-m", "bench.floor", "--dsn", db_url, "--port", str(floor_port)], {}, logs / "floor.log"
        )
        floor_base = f"http://127.0.0.1:{floor_port}"
        try:
            wait_for(floor_base + "/floor", floor)
            floor_items = [{"method": "GET", "path": "/floor"}]
            print(
                f"{len(slots)} free slots; {args.bookings} bookings per mode at concurrency {args.concurrency}; "
                f"logs in {logs}"
            )
            for index, mode in enumerate(modes):
                mine = slots[index :: len(modes)][:per_mode]  # spread over the whole month for each mode
                await bench_mode(args, mode, mine, db_url, floor_base, floor_items, logs)
        finally:
            stop(floor)


async def bench_mode(
    args: argparse.Namespace,
    mode: str,
    slots: list[tuple[int, datetime]],
    db_url: str,
    floor_base: str,
    floor_items: list[dict[str, Any]],
    logs: Path,
) -> None:
    port = free_port()
    env = {
        "DATABASE_URL": db_url,
        "CONSULT_SECRET_KEY": "bench-" + "b" * 40,
        "CONSULT_BASE_URL": f"http://127.0.0.1:{port}",
        "CONSULT_MAIL_FROM": "consult@bench.example",
        "CONSULT_BOOKING_CONFIRMATION": mode,
        "CONSULT_SERVER_TRUSTED_PROXIES": "127.0.0.1",
    }
    serve = f"-m consult serve --host 127.0.0.1 --port {port} --no-workers --no-migrate".split()
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
        serve = ["-m", "cProfile", "-o", str(args.profile / f"consult-{mode}.prof"), *serve]
    log = logs / f"consult-{mode}.log"
    app = start(serve, env, log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/healthz", app)
        bare = load(floor_base, floor_items, args.concurrency, args.bookings * 4, args.seconds)
        booked = load(base, booking_items(slots, mode), args.concurrency, args.bookings, args.seconds)
    finally:
        stop(app)
    facts = await stored(db_url, mode)
    ratio = booked["rps"] / bare["rps"] if bare["rps"] else 0.0
    ok = booked["errors"] == 0 and set(booked["statuses"]) == {"201"}
    print(f"\nCONSULT_BOOKING_CONFIRMATION={mode}")
    print(figures("floor: GET /floor (1 indexed row)", bare))
    print(figures("POST /api/v1/bookings", booked))
    print(f"stored: {facts}")
    verdict = "meets" if ok and ratio >= 0.25 else "MISSES"
    print(f"ratio: {100 * ratio:.1f}% of the floor ({verdict} the target of >= 25% with zero errors)")


if __name__ == "__main__":
    main()
