"""The scenarios: each checks that its endpoint exists, drives it from a separate process, judges the figure."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import asyncpg

from bench import data
from bench.procs import ROOT, CpuMeter, Processes, free_port, http_get, http_json, peak_rss_mb
from bench.report import Row


@dataclass
class Plan:
    """How long and how hard each scenario runs (the defaults and --quick differ)."""

    seconds: float = 8.0
    warmup: int = 100
    # Latency targets are judged alone (1 in flight) and under load (4 in flight, on a single process).
    latency_levels: tuple[int, ...] = (1, 4)
    throughput_concurrency: int = 16
    bookings: int = 3500
    booking_seconds: float = 90.0
    outbox_messages: int = 2000
    outbox_workers: int = field(default_factory=lambda: max(1, os.cpu_count() or 1))
    naive_queries: int = 30


@dataclass
class Context:
    plan: Plan
    procs: Processes
    db_url: str
    app: str  # base URL of consult
    floor: str  # base URL of the floor server
    app_pid: int
    app_env: dict[str, str]
    archive_entries: int
    lawyer_ids: list[int]
    paths: dict[str, set[str]] = field(default_factory=dict)  # OpenAPI path -> methods
    floor_rps: dict[int, float] = field(default_factory=dict)  # concurrency -> rate
    booked_slots: set[tuple[int, str]] = field(default_factory=set)


# --- driving the load generator ----------------------------------------------------------------------------


def drive(base: str, items: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    """Run python -m bench.load with this spec in its own process and return its figures."""
    spec = {"base": base, "requests_list": items, **spec}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as fp:
        json.dump(spec, fp, ensure_ascii=False)
        path = fp.name
    try:
        limit = float(spec.get("seconds", 30)) + 120
        out = subprocess.run(  # noqa: S603 (our own module)
            [sys.executable, "-m", "bench.load", "--spec", path],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=limit,
            check=False,
        )
    finally:
        Path(path).unlink(missing_ok=True)
    if out.returncode != 0:
        raise RuntimeError(f"bench.load failed: {out.stderr.strip()[-500:]}")
    return dict(json.loads(out.stdout))


def request(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> int:
    """One loopback request for probing; return its status."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError("loopback only")
    payload = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=payload, method=method)  # noqa: S310 (loopback)
    req.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req, timeout=10) as response:  # noqa: S310 (loopback)
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def discover(ctx: Context) -> None:
    """Read the OpenAPI document's paths (absent early on: then each scenario probes its endpoint)."""
    status, body = http_get(ctx.app + "/api/v1/openapi.json")
    if status == 200:
        doc = json.loads(body)
        ctx.paths = {p: {m.upper() for m in ops} for p, ops in doc.get("paths", {}).items()}


def has_endpoint(ctx: Context, method: str, path: str, probe: str, body: Any = None) -> bool:
    """The endpoint is listed in the OpenAPI document, or a probe does not get 404/405 (no such route)."""
    if method in ctx.paths.get(path, set()):
        return True
    return request(method, ctx.app + probe, body, {"X-Forwarded-For": "10.255.255.254"}) not in (404, 405)


def judge_p95(row: Row, limit_ms: float) -> Row:
    row.target = f"p95 <= {limit_ms:g} ms"
    row.passed = row.errors == 0 and row.p95_ms is not None and row.p95_ms <= limit_ms
    return row


def with_ratio(ctx: Context, row: Row) -> Row:
    floor = ctx.floor_rps.get(row.concurrency or 0)
    if floor and row.rps is not None:
        row.ratio = row.rps / floor
    return row


def timed_get(
    ctx: Context, name: str, items: list[dict[str, Any]], limit_ms: float, note: str = ""
) -> list[Row]:
    """Drive a GET scenario at each latency level; one row per level, each judged on its p95."""
    rows = []
    for level in ctx.plan.latency_levels:
        figures = drive(
            ctx.app,
            items,
            concurrency=level,
            requests=10**7,
            seconds=ctx.plan.seconds,
            warmup=ctx.plan.warmup,
        )
        rows.append(judge_p95(with_ratio(ctx, Row.from_load(name, figures, note=note)), limit_ms))
        note = ""  # said once
    return rows


def almaty_today() -> date:
    return datetime.now(data.ZONE).date()


# --- 1. the floor ------------------------------------------------------------------------------------------


def floor(ctx: Context) -> list[Row]:
    rows = []
    for level in sorted({*ctx.plan.latency_levels, ctx.plan.throughput_concurrency}):
        figures = floor_figures(ctx, level)
        ctx.floor_rps[level] = figures["rps"]
        cpu = figures.get("client_cpu")
        note = (
            f"the load generator used {cpu:.0%} of one CPU here: its ceiling is above this rate"
            if cpu
            else ""
        )
        rows.append(
            Row.from_load(
                "floor: aiohttp+asyncpg, one indexed row", figures, ratio=1.0, target="(yardstick)", note=note
            )
        )
    return rows


def floor_figures(ctx: Context, concurrency: int) -> dict[str, Any]:
    """Drive the floor at this concurrency for the plan's time; its figures."""
    return drive(
        ctx.floor,
        [{"path": "/floor"}],
        concurrency=concurrency,
        requests=10**7,
        seconds=ctx.plan.seconds,
        warmup=ctx.plan.warmup,
    )


def floor_rate(ctx: Context, concurrency: int) -> float:
    """The floor's rate at this concurrency, now (a scenario compared with it measures it beside itself)."""
    return float(floor_figures(ctx, concurrency)["rps"] or 0.0)


# --- 2. slots ----------------------------------------------------------------------------------------------


def slots_query(first: date, last: date, zone: str = "Asia/Almaty", lawyer: int | None = None) -> str:
    query = {"topic": data.TOPIC, "from": first.isoformat(), "to": last.isoformat(), "tz": zone}
    if lawyer is not None:
        query["lawyer"] = str(lawyer)
    return "/api/v1/slots?" + urlencode(query)


def slots(ctx: Context) -> list[Row]:
    name = "GET /api/v1/slots (20 lawyers, 31 days)"
    today = almaty_today()
    probe = slots_query(today, today + timedelta(days=30))
    if not has_endpoint(ctx, "GET", "/api/v1/slots", probe):
        return [Row.missing(name, "no GET /api/v1/slots yet", "p95 <= 25 ms")]
    answer = http_json(ctx.app + probe)
    offered = answer.get("slots", [])
    items = [
        {"path": slots_query(today, today + timedelta(days=30), zone)}
        for zone in ("Asia/Almaty", "Asia/Aqtobe", "Europe/Moscow")
    ]
    lawyers = len({s.get("lawyer_id") for s in offered})
    note = (
        f"each answer lists {len(offered)} free times ({lawyers} lawyers offer them); zones vary by request"
    )
    return timed_get(ctx, name, items, 25, note)


# --- 3. bookings -------------------------------------------------------------------------------------------


Offer = tuple[int, str, datetime, datetime]  # lawyer, start as the API wrote it, start, end


def free_slots(ctx: Context) -> list[tuple[int, str]]:
    """(lawyer, start) pairs free from day 2 to day 30 that can all be booked together.

    From the slots API (the engine in this process before the API exists). Two free slots of one lawyer
    may still exclude each other once one is booked (the lawyer's buffer after it), so each lawyer's
    offers are thinned to slots at least the slot plus the buffer apart.
    """
    today = almaty_today()
    first, last = today + timedelta(days=2), today + timedelta(days=30)
    offers: list[Offer] = []
    if has_endpoint(ctx, "GET", "/api/v1/slots", slots_query(first, last)):
        for lawyer in ctx.lawyer_ids:
            answer = http_json(ctx.app + slots_query(first, last, lawyer=lawyer))
            offers += [
                (
                    int(s["lawyer_id"]),
                    s["start"],
                    datetime.fromisoformat(s["start"]),
                    datetime.fromisoformat(s["end"]),
                )
                for s in answer.get("slots", [])
            ]
    else:
        offers = asyncio.run(_engine_slots(ctx, first, last))
    return bookable_together(offers, asyncio.run(_buffers(ctx.db_url)))


def bookable_together(offers: list[Offer], buffers: dict[int, int]) -> list[tuple[int, str]]:
    """(lawyer, start text) of the offers that stay free once the earlier ones of their lawyer are booked."""
    taken: list[tuple[int, str]] = []
    busy_until: dict[int, datetime] = {}
    for lawyer, text, start, end in sorted(offers, key=lambda o: (o[0], o[2])):
        if lawyer in busy_until and start < busy_until[lawyer]:
            continue
        busy_until[lawyer] = end + timedelta(minutes=buffers.get(lawyer, 0))
        taken.append((lawyer, text))
    return taken


async def _buffers(url: str) -> dict[int, int]:
    conn = await asyncpg.connect(url)
    try:
        return {
            r["user_id"]: r["buffer_minutes"]
            for r in await conn.fetch("SELECT user_id, buffer_minutes FROM lawyers")
        }
    finally:
        await conn.close()


async def engine_slots(
    conn: asyncpg.Connection, settings: Any, first: date, last: date
) -> dict[int, list[tuple[datetime, datetime]]]:
    """Each lawyer's free slots of the benchmark's topic from day first to day last (Almaty), by the engine."""
    from consult.availability.service import slots_per_lawyer

    topic_id = await conn.fetchval("SELECT id FROM topics WHERE slug = $1", data.TOPIC)
    per_lawyer, _load, _rules = await slots_per_lawyer(
        conn,
        settings,
        topic_id=topic_id,
        lawyer_id=None,
        window_start=datetime.combine(first, datetime.min.time(), data.ZONE),
        window_end=datetime.combine(last + timedelta(days=1), datetime.min.time(), data.ZONE),
        now=datetime.now(UTC),
    )
    return per_lawyer


async def _engine_slots(ctx: Context, first: date, last: date) -> list[Offer]:
    """Ask the slot engine in this process, with the app's settings, when the API is not there yet."""
    from consult.settings import load_settings

    settings = load_settings(environ=ctx.app_env)
    conn = await asyncpg.connect(ctx.db_url)
    try:
        per_lawyer = await engine_slots(conn, settings, first, last)
    finally:
        await conn.close()
    return [
        (lawyer, start.astimezone(data.ZONE).isoformat(), start, end)
        for lawyer, found in per_lawyer.items()
        for start, end in found
    ]


def booking_body(n: int, lawyer: int, start: str, tag: str) -> dict[str, Any]:
    return {
        "topic": data.TOPIC,
        "start": start,
        "lawyer_id": lawyer,
        "name": f"Участник Бенчмарк {n}",
        "email": f"{tag}{n}@bench.example",
        "question": data.QUESTION,
        "language": "kk" if n % 3 == 0 else "ru",
        "timezone": "Asia/Almaty",
        "consent": True,
    }


BOOKINGS_BY_STATUS = "SELECT status, count(*) AS n FROM bookings WHERE member_email LIKE $1 GROUP BY status"
OUTBOX_BY_STATUS = "SELECT status, count(*) AS n FROM outbox WHERE kind = $1 GROUP BY status"


def backend_pids(url: str) -> list[int]:
    """The server processes of the benchmark's database (on this machine when the server is local)."""

    async def ask() -> list[int]:
        conn = await asyncpg.connect(url)
        try:
            sql = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            return [r["pid"] for r in await conn.fetch(sql)]
        finally:
            await conn.close()

    return asyncio.run(ask())


async def _by_status(url: str, sql: str, *args: Any) -> dict[str, int]:
    """Count rows by status with one short connection (the app's pool is not ours to use)."""
    conn = await asyncpg.connect(url)
    try:
        return {r["status"]: int(r["n"]) for r in await conn.fetch(sql, *args)}
    finally:
        await conn.close()


def bookings(ctx: Context) -> list[Row]:
    name = "POST /api/v1/bookings, distinct free slots"
    race_name = "POST /api/v1/bookings, 100 at once on one slot"
    if not has_endpoint(ctx, "POST", "/api/v1/bookings", "/api/v1/bookings", {}):
        return [
            Row.missing(name, "no POST /api/v1/bookings yet", ">= 25% of floor, 0 errors"),
            Row.missing(race_name, "no POST /api/v1/bookings yet", "1 x 201 + 99 x 409"),
        ]
    pairs = free_slots(ctx)
    random.Random(5).shuffle(pairs)
    race_slot, pairs = pairs[0], pairs[1:]
    warmup = min(20, ctx.plan.warmup)
    wanted = min(ctx.plan.bookings, len(pairs) - warmup)
    items = [
        {"method": "POST", "path": "/api/v1/bookings", "json": booking_body(n, lawyer, start, "bench")}
        for n, (lawyer, start) in enumerate(pairs[: wanted + warmup])
    ]
    # The yardstick is the floor at the same concurrency, measured again just before and just after
    # (their mean): this machine's speed drifts over a run, and the first floor rows are minutes older.
    floor_before = floor_rate(ctx, ctx.plan.throughput_concurrency)
    with CpuMeter(lambda: [ctx.app_pid]) as app_cpu, CpuMeter(lambda: backend_pids(ctx.db_url)) as db_cpu:
        figures = drive(
            ctx.app,
            items,
            concurrency=ctx.plan.throughput_concurrency,
            requests=wanted,
            seconds=ctx.plan.booking_seconds,
            warmup=warmup,
            ok=[201],
            forwarded_for=True,
        )
    floor_after = floor_rate(ctx, ctx.plan.throughput_concurrency)
    made = asyncio.run(_by_status(ctx.db_url, BOOKINGS_BY_STATUS, "bench%@bench.example"))
    row = Row.from_load(name, figures, target=">= 25% of floor, 0 errors")
    yardstick = (floor_before + floor_after) / 2
    if yardstick and row.rps is not None:
        row.ratio = row.rps / yardstick
    row.passed = row.errors == 0 and row.ratio is not None and row.ratio >= 0.25
    row.note = (
        f"{len(pairs)} free slots offered; {sum(made.values())} bookings stored ({made}); "
        f"compared with the floor at the same concurrency measured just before and after: "
        f"{floor_before:,.0f} and {floor_after:,.0f} req/s, mean {yardstick:,.0f}"
    )
    row.extra["floor_before_after"] = [floor_before, floor_after]
    # CPU per booking (warm-up included: 20 of 3,500): where the two CPUs went, a steadier figure than the
    # rate on a machine whose speed drifts, and the one to compare when changing what a booking costs.
    done = wanted + warmup
    per = {
        name: round(seconds / done * 1000, 3)
        for name, seconds in (("app", app_cpu.seconds), ("PostgreSQL", db_cpu.seconds))
        if seconds is not None
    }
    if figures.get("client_cpu") and figures.get("rps"):
        per["load generator"] = round(figures["client_cpu"] / figures["rps"] * 1000, 3)
    if per:
        row.extra["cpu_ms_per_booking"] = per
        row.note += "; CPU ms per booking: " + ", ".join(f"{n} {ms:.2f}" for n, ms in per.items())
    row.extra["stored"] = made

    lawyer, start = race_slot
    race_items = [
        {"method": "POST", "path": "/api/v1/bookings", "json": booking_body(n, lawyer, start, "race")}
        for n in range(100)
    ]
    race = drive(ctx.app, race_items, concurrency=100, requests=100, seconds=60, warmup=0, ok=[201, 409])
    stored = asyncio.run(_by_status(ctx.db_url, BOOKINGS_BY_STATUS, "race%@bench.example"))
    race_row = Row.from_load(race_name, race, target="1 x 201 + 99 x 409")
    race_row.passed = race["statuses"] == {"201": 1, "409": 99} and stored == {"confirmed": 1}
    race_row.note = f"answers {race['statuses']}; rows stored for that slot: {stored}"
    return [row, race_row]


# --- 4. archive search -------------------------------------------------------------------------------------

FREQUENT = [
    "отпуск", "учитель", "заработной платы", "трудового кодекса", "отпуск педагога", "учебная нагрузка",
    "выговор", "аттестация", "согласия работника", "праздничные дни оплата", "комиссия", "сокращение штата",
    "демалыс", "мұғалім", "мұғалімнің демалысы", "жалақы", "еңбек кодексі", "жұмыс беруші", "сабақ",
    "аттестаттау нәтижесі", "келісім комиссиясы", "үстемеақы", "педагог сельской местности", "демалыс күндері",
]  # fmt: skip


def rare_words() -> list[str]:
    """Words of the generator's long tail (a handful of entries each), else words that match nothing."""
    try:
        from consult.archive import generate as gen

        vocab = gen._rare_vocabulary(random.Random(1), gen.RU_SYLLABLES)
        vocab += gen._rare_vocabulary(random.Random(1), gen.KK_SYLLABLES)
        return vocab[:: max(1, len(vocab) // 400)]
    except (ImportError, AttributeError):
        return ["кораминолу", "бетөсыне", "дорамизо", "қатыбалері"]


def query_mix(count: int = 300, seed: int = 7) -> list[str]:
    """One- to three-word queries in Russian and Kazakh: frequent words, rare ones, and both mixed."""
    rng = random.Random(seed)
    rare = rare_words()
    queries = []
    for i in range(count):
        kind = i % 5
        if kind in (0, 1):
            queries.append(rng.choice(FREQUENT))
        elif kind == 2:
            queries.append(rng.choice(rare))
        elif kind == 3:
            queries.append(f"{rng.choice(FREQUENT).split()[0]} {rng.choice(rare)}")
        else:
            a, b = rng.sample(FREQUENT, 2)
            queries.append(f"{a.split()[0]} {b.split()[-1]}")
    return queries


NAIVE = (
    "SELECT id, count(*) OVER () AS total FROM archive_entries WHERE status = 'published' AND {where} "
    "ORDER BY published_at DESC LIMIT 20"
)


async def _naive(url: str, queries: list[str], budget: float) -> list[float]:
    """The same queries as ILIKE scans over question and answer, timed in SQL, one after another."""
    conn = await asyncpg.connect(url)
    times: list[float] = []
    deadline = time.perf_counter() + budget
    try:
        for q in queries:
            if time.perf_counter() > deadline:
                break
            words = q.split()
            where = " AND ".join(
                f"(question ILIKE '%' || ${i} || '%' OR answer ILIKE '%' || ${i} || '%')"
                for i in range(1, len(words) + 1)
            )
            started = time.perf_counter()
            await conn.fetch(NAIVE.format(where=where), *words)
            times.append((time.perf_counter() - started) * 1000)
    finally:
        await conn.close()
    return times


def search(ctx: Context) -> list[Row]:
    limit = 20 if ctx.archive_entries <= 100_000 else 100
    name = f"GET /api/v1/faq?q= ({ctx.archive_entries:,} entries)"
    target = f"p95 <= {limit} ms"
    if not has_endpoint(ctx, "GET", "/api/v1/faq", "/api/v1/faq?q=" + quote("отпуск")):
        return [Row.missing(name, "no GET /api/v1/faq yet", target)]
    mix = query_mix()
    items = [
        {"path": "/api/v1/faq?" + urlencode({"q": q}), "headers": {"Accept-Language": "ru"}} for q in mix
    ]
    note = f"{len(mix)} queries round-robin: 2/5 frequent, 1/5 rare, 1/5 frequent+rare, 1/5 two frequent"
    if ctx.archive_entries < 100_000:
        note += f"; the target is for 100,000 entries, this run has {ctx.archive_entries:,}"
    rows = timed_get(ctx, name, items, limit, note)
    for row in rows if ctx.archive_entries < 100_000 else ():
        row.passed = None
    naive = asyncio.run(_naive(ctx.db_url, mix[: ctx.plan.naive_queries], ctx.plan.seconds * 4))
    if naive:
        from bench.load import percentile

        rows.append(
            Row(
                name="naive ILIKE scan, same queries, in SQL",
                concurrency=1,
                requests=len(naive),
                rps=round(1000 / (sum(naive) / len(naive)), 1),
                p50_ms=round(percentile(naive, 50), 2),
                p95_ms=round(percentile(naive, 95), 2),
                p99_ms=round(percentile(naive, 99), 2),
                errors=0,
                target="(comparison)",
                note="one query at a time straight to PostgreSQL, no HTTP: the full-text search's yardstick",
            )
        )
    return rows


# --- 5. pages ----------------------------------------------------------------------------------------------


async def _slugs(url: str) -> list[str]:
    conn = await asyncpg.connect(url)
    try:
        if not await conn.fetchval("SELECT to_regclass('archive_entries') IS NOT NULL"):
            return []
        rows = await conn.fetch(
            "SELECT slug FROM archive_entries WHERE status = 'published' ORDER BY random() LIMIT 200"
        )
        return [r["slug"] for r in rows]
    finally:
        await conn.close()


def pages(ctx: Context) -> list[Row]:
    slugs = asyncio.run(_slugs(ctx.db_url))
    wanted = [
        ("page: home /", ["/"]),
        (f"page: slot picker /book/{data.TOPIC}", [f"/book/{data.TOPIC}"]),
        ("page: archive entry /faq/{slug}", [f"/faq/{s}" for s in slugs]),
    ]
    rows = []
    for name, paths in wanted:
        if not paths or http_get(ctx.app + paths[0])[0] != 200:
            rows.append(Row.missing(name, "the page is not there yet", "p95 <= 30 ms"))
            continue
        items = [{"path": p, "headers": {"Accept-Language": lang}} for p in paths for lang in ("ru", "kk")]
        rows += timed_get(ctx, name, items, 30)
    return rows


# --- 6. the outbox -----------------------------------------------------------------------------------------


def _built_message() -> bytes:
    """A booking-sized message with an invite, when no real one was queued by the booking scenario."""
    from consult.calendar.ics import Invite, build_invite
    from consult.mail.message import build_message, make_message_id

    start = datetime.now(UTC) + timedelta(days=3)
    invite = build_invite(
        Invite(
            uid="bench@bench.example",
            sequence=0,
            method="REQUEST",
            start=start,
            end=start + timedelta(minutes=30),
            summary="Консультация юриста профсоюза: Увольнение",
            description="Подключитесь по ссылке ниже.",
            join_url="https://consult.example.kz/join/token",
            organizer_email="consult@bench.example",
            organizer_name="Consult",
            attendee_email="member@bench.example",
            attendee_name="Айгерим Сапарова",
            dtstamp=datetime.now(UTC),
            location_text=None,
        )
    )
    text = "Здравствуйте!\n\nКонсультация назначена. Приглашение во вложении.\n" * 5
    return build_message(
        from_addr="consult@bench.example",
        from_name="Consult",
        to_addr="member@bench.example",
        to_name="Айгерим Сапарова",
        subject="Консультация назначена",
        text=text,
        html=f"<p>{text}</p>",
        message_id=make_message_id("bench", "bench.example"),
        invite=invite,
        method="REQUEST",
    ).as_bytes()


SAMPLE_OUTBOX = "SELECT * FROM outbox ORDER BY id LIMIT 100"


async def _queue(url: str, n: int, kind: str) -> dict[str, Any]:
    """Replace the pending outbox with n messages like those the bookings queued, else a built one.

    The booking scenario's rows are copied as they are: built messages (outbox.message) or, since the
    deferred outbox, what to say (outbox.render), which the sender renders as it sends.
    """
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(SAMPLE_OUTBOX)
        dropped = await conn.execute("DELETE FROM outbox WHERE status = 'pending'")
        deferred = "render" in (rows[0].keys() if rows else ())
        samples = [(r["message"], r["render"] if deferred else None) for r in rows]
        if samples and deferred and samples[0][1] is not None:
            source = "booking emails queued by the booking scenario, rendered by the sender as it sends"
        elif samples:
            source = "messages queued by the booking scenario"
        else:
            source, samples, deferred = "a built booking message", [(_built_message(), None)], False
        columns = ["kind", "recipient", "message", *(["render"] if deferred else []), "message_id"]
        tag = secrets.token_hex(4)
        records = []
        for i in range(n):
            message, render = samples[i % len(samples)]
            records.append(
                (kind, f"r{i}@bench.example", message, *([render] if deferred else []),
                 f"<bench-{tag}-{i}@bench.example>")
            )  # fmt: skip
        await conn.copy_records_to_table("outbox", columns=columns, records=records)
        built = [len(m) for m, _r in samples if m is not None]
        return {"source": source, "dropped": dropped, "bytes": sum(built) // len(built) if built else None}
    finally:
        await conn.close()


def outbox(ctx: Context) -> list[Row]:
    name = "outbox draining to local SMTP (consult worker)"
    target = ">= 200 msg/s"
    if importlib.util.find_spec("consult.mail.sender") is None:
        return [Row.missing(name, "no outbox sender (consult.mail.sender) yet", target)]
    # One worker process, then as many as the machine has CPUs: senders claim rows with SKIP LOCKED.
    return [drain(ctx, workers) for workers in sorted({1, ctx.plan.outbox_workers})]


def drain(ctx: Context, workers: int) -> Row:
    """Queue n messages, start a counting SMTP server and `workers` x `consult worker`; time the drain."""
    n = ctx.plan.outbox_messages
    kind = f"bench-{workers}"
    queued = asyncio.run(_queue(ctx.db_url, n, kind))
    port = free_port()
    stats_path = ctx.procs.logdir / f"smtp-{workers}.json"
    ctx.procs.start("smtp", ["bench.smtp_sink", "--port", str(port), "--stats", str(stats_path)])
    deadline = time.monotonic() + 20
    while "ready" not in ctx.procs.log_tail("smtp") and time.monotonic() < deadline:
        time.sleep(0.1)
    env = {**ctx.app_env, "CONSULT_SMTP_HOST": "127.0.0.1", "CONSULT_SMTP_PORT": str(port)}
    started = time.perf_counter()
    names = [f"worker-{i}" for i in range(workers)]
    for worker in names:
        ctx.procs.start(worker, ["consult", "worker"], env)
    state: dict[str, int] = {}
    limit = time.monotonic() + max(60.0, n / 50)
    while time.monotonic() < limit:
        state = asyncio.run(_by_status(ctx.db_url, OUTBOX_BY_STATUS, kind))
        if not state.get("pending") or any(ctx.procs.children[w].poll() is not None for w in names):
            break
        time.sleep(0.2)
    wall = time.perf_counter() - started
    for worker in names:
        ctx.procs.stop(worker)
    ctx.procs.stop("smtp")
    try:
        stats = json.loads(stats_path.read_text())
    except (OSError, ValueError):
        stats = {"messages": 0}
    got = int(stats.get("messages", 0))
    rate = None
    if got > 1 and stats.get("first") and stats.get("last") and stats["last"] > stats["first"]:
        rate = round((got - 1) / (stats["last"] - stats["first"]), 1)
    row = Row(
        name=f"outbox draining to local SMTP, {workers} x consult worker",
        concurrency=workers,
        requests=got,
        rps=rate,
        unit="msg/s",
        errors=state.get("failed", 0) + state.get("pending", 0),
        target=">= 200 msg/s",
        statuses=state,
        extra={"queued": queued, "smtp": stats, "wall_s": round(wall, 2)},
    )
    row.passed = rate is not None and rate >= 200 and state.get("sent", 0) == n and got >= n
    row.note = (
        f"{n} messages ({queued['source']}); rate between the first and the last "
        f"message the SMTP server received; {n / wall:.0f} msg/s counting the workers' start-up"
    )
    return row


# --- 7. memory ---------------------------------------------------------------------------------------------


def memory(ctx: Context, at_start: float | None) -> list[Row]:
    peak = peak_rss_mb(ctx.app_pid)
    if peak is None:
        return [Row.missing("peak RSS of the app process", "the process is gone", "<= 200 MB")]
    row = Row(
        name="peak RSS of the app process (VmHWM)",
        value=peak,
        unit="MiB",
        target="<= 200 MB",
        passed=peak <= 200,
        note=f"after every scenario above; {at_start} MiB just after start-up",
    )
    return [row]
