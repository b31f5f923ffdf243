"""What one booking costs PostgreSQL, piece by piece, with nothing else running.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python -m bench.write_costs

Makes a fresh database on that server, loads the benchmark's people and bookings, and prepares real
bookings the way the API does (service.create_booking, its writer replaced by one that keeps the
items). Then, on one connection planned as the app's writer is (generic plans), it times:

- the slot check of a booking (availability.check_slot): plain, and drawing the booking's id, as the
  API's booking does;
- consult_book_batch() for batches of 1, 5, 10 and 20 bookings, each a fresh slot, each counting the
  attempt in two rate-limit buckets of its own, as the API's booking does (migrations/0014).

Figures per booking: wall time, and the backend's CPU time from /proc when the server runs on this
machine. The difference between batch sizes is the per-batch cost (executor start-up, commit); what
stays is the per-booking cost (rows, indexes, constraints). The database is dropped afterwards.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

import consult.app  # noqa: F401  (imports the capabilities in the app's order)
from bench import data, scenarios
from consult.availability.service import check_slot
from consult.booking import writer as booking_writer
from consult.booking.forms import BookingRequest
from consult.booking.service import create_booking
from consult.settings import load_settings

SIZES = (1, 5, 10, 20)
PER_SIZE = 200  # bookings written per batch size
CHECKS = 300  # slot checks per kind


class KeepItems:
    """A stand-in for the app's BookingWriter that keeps each booking's item instead of writing it."""

    def __init__(self) -> None:
        self.items: list[tuple[Any, ...]] = []

    async def write(self, item: tuple[Any, ...]) -> dict[str, Any]:
        self.items.append(item)
        return {"id": item[0]}


def backend_cpu(pid: int) -> float | None:
    """CPU seconds the server process has used, when it runs on this machine."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def timed(conn: asyncpg.Connection, n: int, work: Callable[[], Awaitable[Any]]) -> str:
    """Run work() until n units are done (it answers how many it did); per unit: wall ms and CPU ms."""
    pid = conn.get_server_pid()
    cpu, started, done = backend_cpu(pid), time.perf_counter(), 0
    while done < n:
        done += await work()
    wall = (time.perf_counter() - started) / done * 1000
    after = backend_cpu(pid)
    used = (
        f"{(after - cpu) / done * 1000:6.3f} ms CPU" if cpu is not None and after is not None else "CPU n/a"
    )
    return f"{wall:6.3f} ms wall, {used}"


async def free_pairs(conn: asyncpg.Connection, settings: Any) -> list[tuple[int, datetime]]:
    """(lawyer, start) of free slots that can all be booked together (as the benchmark picks them)."""
    today = scenarios.almaty_today()
    per_lawyer = await scenarios.engine_slots(
        conn, settings, today + timedelta(days=2), today + timedelta(days=30)
    )
    buffers = {r["user_id"]: r["buffer_minutes"] for r in await conn.fetch("SELECT * FROM lawyers")}
    offers = [
        (lawyer, start.isoformat(), start, end)
        for lawyer, found in per_lawyer.items()
        for start, end in found
    ]
    return [
        (lawyer, datetime.fromisoformat(text))
        for lawyer, text in scenarios.bookable_together(offers, buffers)
    ]


def request(n: int, lawyer: int, start: datetime) -> BookingRequest:
    return BookingRequest(
        topic=data.TOPIC,
        start=start,
        lawyer_id=lawyer,
        name=f"Участник Бенчмарк {n}",
        email=f"cost{n}@bench.example",
        phone=None,
        membership_no=None,
        question=data.QUESTION,
        language="kk" if n % 3 == 0 else "ru",
        timezone="Asia/Almaty",
        consent=True,
    )


async def measure(url: str) -> None:
    env = {
        "DATABASE_URL": url,
        "CONSULT_BOOKING_CONFIRMATION": "none",
        "CONSULT_BOOKING_MIN_NOTICE_MINUTES": "0",
        "CONSULT_MAIL_FROM": "consult@bench.example",
        "CONSULT_SECRET_KEY": "bench-" + secrets.token_urlsafe(32),
    }
    settings = load_settings(environ=env)
    conn = await asyncpg.connect(url, server_settings={"plan_cache_mode": "force_generic_plan"})
    try:
        pairs = await free_pairs(conn, settings)
        wanted = PER_SIZE * len(SIZES)
        if len(pairs) < wanted + 3 * CHECKS:
            raise SystemExit(f"only {len(pairs)} free slots; {wanted + 3 * CHECKS} needed")
        checks = iter(pairs[wanted:])

        def check(**kw: Any) -> Callable[[], Awaitable[int]]:
            async def one() -> int:
                lawyer, start = next(checks)
                await check_slot(
                    conn, settings, start=start, now=datetime.now(UTC), topic_slug=data.TOPIC,
                    lawyer_id=lawyer, language="ru", **kw,
                )  # fmt: skip
                return 1

            return one

        print("slot check, per booking:")
        print("  plain                        ", await timed(conn, CHECKS, check()))
        print("  drawing the booking's id     ", await timed(conn, CHECKS, check(draw_booking_id=True)))

        keep = KeepItems()
        for n, (lawyer, start) in enumerate(pairs[:wanted]):
            # Each attempt counted in two buckets of its own, as the benchmark's requests are (their own
            # address and email): two rows inserted, the costlier case.
            limits = [(f"cost-ip:{n}", 10**6, 600), (f"cost-email:{n}", 10**6, 3600)]
            await create_booking(
                conn,
                settings,
                request(n, lawyer, start),
                now=datetime.now(UTC),
                writer=keep,
                rate_limits=limits,
            )
        print("consult_book_batch(), counting two rate limits, per booking:")
        items = iter(keep.items)
        for size in SIZES:

            async def batch(size: int = size) -> int:
                chunk = [next(items) for _ in range(size)]
                answers = await booking_writer.write_batch(conn, chunk)
                assert all(isinstance(a, dict) for a in answers), answers
                return size

            print(f"  batches of {size:<2}                ", await timed(conn, PER_SIZE, batch))
    finally:
        await conn.close()


async def main() -> None:
    db = data.BenchDatabase(os.environ.get("DATABASE_URL") or None)
    url = await db.create()
    try:
        await data.load(url, 0, lambda *_: None)
        await measure(url)
    finally:
        await db.drop()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
