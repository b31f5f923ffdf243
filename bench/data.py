"""The benchmark's data: a fresh database, migrated, loaded with a generated data set in bulk.

20 lawyers over the 12 topics (all of them serve `dismissal`), weekly hours Monday to Friday 09:00-18:00
in Asia/Almaty, 10,000 bookings (mostly past: completed, cancelled, no-show; some ahead, live or
cancelled, on every other slot so that most future time stays free), and published archive entries
in Russian and Kazakh from consult.archive.generate when that module exists.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import random
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import asyncpg

from consult.db import EmbeddedPostgres, migrate

TOPIC = "dismissal"
ZONE = ZoneInfo("Asia/Almaty")
LAWYERS = 20
BOOKINGS = 10_000
FUTURE_PER_LAWYER = 50
# Lawyers differ a little, as real ones do: most hold 30-minute slots, some 45 or 60, half keep a buffer.
SLOT_MINUTES = [30] * 14 + [45] * 3 + [60] * 3
BUFFER_MINUTES = [0, 10]
OPEN, CLOSE = wall(9), wall(18)
QUESTION = "Меня хотят уволить по сокращению штата во время отпуска. Какие у меня права и что делать?"

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
    "completed_at",
    "cancelled_by",
    "cancel_reason",
)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


@dataclass
class BenchDatabase:
    """A database of its own on DATABASE_URL's server, or on an embedded server in a temp folder."""

    server_url: str | None = None
    name: str = field(default_factory=lambda: f"consult_bench_{os.getpid()}_{secrets.token_hex(3)}")
    url: str = ""
    _embedded: EmbeddedPostgres | None = None
    _folder: str | None = None

    async def create(self) -> str:
        if not self.server_url:
            self._folder = tempfile.mkdtemp(prefix="consult-bench-pg-")
            self._embedded = EmbeddedPostgres(self._folder)
            self.server_url = self._embedded.start()
        admin = await asyncpg.connect(self.server_url)
        try:
            await admin.execute(f'CREATE DATABASE "{self.name}"')
        finally:
            await admin.close()
        self.url = with_database(self.server_url, self.name)
        return self.url

    async def drop(self) -> None:
        try:
            if self.server_url and self.url:
                admin = await asyncpg.connect(self.server_url)
                try:
                    await admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
                finally:
                    await admin.close()
        finally:
            if self._embedded is not None:
                self._embedded.stop()
                self._embedded = None
            if self._folder:
                shutil.rmtree(self._folder, ignore_errors=True)
                self._folder = None


def grid(slot: int, first: date, last: date) -> list[datetime]:
    """Every other slot start of Monday-Friday 09:00-18:00 in Almaty from first to last (UTC instants)."""
    starts = []
    day = first
    while day <= last:
        if day.isoweekday() <= 5:
            at, stop = datetime.combine(day, OPEN, ZONE), datetime.combine(day, CLOSE, ZONE)
            index = 0
            while at + timedelta(minutes=slot) <= stop:
                if index % 2 == 0:
                    starts.append(at.astimezone(UTC))
                at += timedelta(minutes=slot)
                index += 1
        day += timedelta(days=1)
    return starts


async def seed_people(conn: asyncpg.Connection) -> tuple[int, list[int]]:
    """Insert the lawyers with their topics and hours; return the `dismissal` topic id and lawyer ids."""
    topics = {
        r["slug"]: r["id"] for r in await conn.fetch("SELECT id, slug FROM topics ORDER BY position, id")
    }
    slugs = [s for s in topics if s != TOPIC]
    lawyer_ids = []
    for n in range(LAWYERS):
        uid = await conn.fetchval(
            "INSERT INTO users (role, email, name, language) VALUES ('lawyer', $1, $2, $3) RETURNING id",
            f"lawyer{n}@bench.example",
            f"Юрист {n}",
            "kk" if n % 3 == 0 else "ru",
        )
        await conn.execute(
            "INSERT INTO lawyers (user_id, timezone, slot_minutes, buffer_minutes, languages)"
            " VALUES ($1, 'Asia/Almaty', $2, $3, $4)",
            uid,
            SLOT_MINUTES[n],
            BUFFER_MINUTES[n % 2],
            ["ru", "kk"] if n % 2 else ["ru"],
        )
        served = {TOPIC} | {slugs[(n + k) % len(slugs)] for k in range(4)} if slugs else {TOPIC}
        await conn.executemany(
            "INSERT INTO lawyer_topics (lawyer_id, topic_id) VALUES ($1, $2)",
            [(uid, topics[s]) for s in sorted(served)],
        )
        await conn.executemany(
            "INSERT INTO availability_weekly (lawyer_id, weekday, starts, ends) VALUES ($1, $2, $3, $4)",
            [(uid, d, OPEN, CLOSE) for d in range(1, 6)],
        )
        lawyer_ids.append(uid)
    return topics[TOPIC], lawyer_ids


async def seed_bookings(
    conn: asyncpg.Connection, topic_id: int, lawyer_ids: list[int], now: datetime
) -> dict[str, int]:
    """COPY 10,000 bookings, one member each; past ones far outnumber those ahead (from day 2 on)."""
    rng = random.Random(20261203)
    member_ids = [
        r["id"]
        for r in await conn.fetch(
            "INSERT INTO users (role, email, name) SELECT 'member', 'm' || g || '@bench.example',"
            " 'Участник ' || g FROM generate_series(1, $1) g RETURNING id",
            BOOKINGS,
        )
    ]
    today = now.astimezone(ZONE).date()
    per_lawyer = BOOKINGS // len(lawyer_ids)
    rows: list[tuple[Any, ...]] = []
    members = iter(member_ids)
    live_ahead = 0
    for n, uid in enumerate(lawyer_ids):
        slot, buffer = SLOT_MINUTES[n], BUFFER_MINUTES[n % 2]
        past = [s for s in grid(slot, today - timedelta(days=720), today - timedelta(days=1))]
        ahead = grid(slot, today + timedelta(days=2), today + timedelta(days=31))
        picked = [(s, False) for s in rng.sample(past, per_lawyer - FUTURE_PER_LAWYER)]
        picked += [(s, True) for s in rng.sample(ahead, FUTURE_PER_LAWYER)]
        for start, future in picked:
            roll = rng.random()
            if future:
                status = "confirmed" if roll < 0.8 else "pending" if roll < 0.9 else "cancelled"
            else:
                status = "completed" if roll < 0.75 else "cancelled" if roll < 0.9 else "no_show"
            live_ahead += status in ("confirmed", "pending")
            member = next(members)
            nonce = secrets.token_hex(16)
            end = start + timedelta(minutes=slot)
            rows.append(
                (
                    uid,
                    member,
                    topic_id,
                    status,
                    start,
                    end,
                    end + timedelta(minutes=buffer),
                    f"Участник {member}",
                    f"m{member}@bench.example",
                    QUESTION,
                    "ru",
                    "Asia/Almaty",
                    start - timedelta(days=3),
                    "2026-11",
                    nonce,
                    hashlib.sha256(nonce.encode()).digest(),
                    f"{nonce}@bench.example",
                    now + timedelta(days=1) if status == "pending" else None,
                    end if status == "completed" else None,
                    "member" if status == "cancelled" else None,
                    "bench" if status == "cancelled" else None,
                )
            )
    await conn.copy_records_to_table("bookings", records=rows, columns=BOOKING_COLUMNS)
    return {"bookings": len(rows), "live_ahead": live_ahead, "members": len(member_ids)}


def archive_available() -> bool:
    return importlib.util.find_spec("consult.archive.generate") is not None


async def seed_archive(conn: asyncpg.Connection, entries: int) -> int:
    from consult.archive.generate import generate

    return int(await generate(conn, entries) or entries)


async def load(url: str, archive_entries: int, log: Any = print) -> dict[str, Any]:
    """Migrate and load everything; return what was loaded and how long each part took."""
    facts: dict[str, Any] = {}
    conn = await asyncpg.connect(url)
    try:
        started = time.perf_counter()
        await migrate(conn)
        facts["migrate_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        topic_id, lawyer_ids = await seed_people(conn)
        facts.update(await seed_bookings(conn, topic_id, lawyer_ids, datetime.now(UTC)))
        facts["lawyers"] = len(lawyer_ids)
        facts["people_s"] = round(time.perf_counter() - started, 1)
        log(
            f"  {facts['lawyers']} lawyers, {facts['bookings']} bookings"
            f" ({facts['live_ahead']} live ahead) in {facts['people_s']} s"
        )
        facts["archive_entries"] = 0
        if archive_available():
            started = time.perf_counter()
            facts["archive_entries"] = await seed_archive(conn, archive_entries)
            facts["archive_s"] = round(time.perf_counter() - started, 1)
            log(f"  {facts['archive_entries']} archive entries in {facts['archive_s']} s")
        else:
            log("  archive: consult.archive.generate is not there yet; no entries")
        await conn.execute("VACUUM ANALYZE")
        facts["lawyer_ids"] = lawyer_ids
        facts["postgres"] = await conn.fetchval("SHOW server_version")
    finally:
        await conn.close()
    return facts
