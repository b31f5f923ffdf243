"""Load lawyers' rules, holidays and live bookings, and ask the pure slot engine for bookable slots."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from consult.availability.slots import (
    BusySpans,
    DateException,
    LawyerSlot,
    Rules,
    ServiceRules,
    Slot,
    Span,
    WeeklyRange,
    available_spans,
    from_micros,
    kz_holidays,
    merge_lawyers,
)
from consult.settings import Settings

LIVE = ("pending", "confirmed")

LAWYERS_OF_TOPIC = """
SELECT l.user_id AS id, l.timezone, l.slot_minutes, l.buffer_minutes, l.languages
FROM lawyers l
JOIN users u ON u.id = l.user_id AND u.active
JOIN lawyer_topics lt ON lt.lawyer_id = l.user_id
WHERE lt.topic_id = $1 AND ($2::bigint IS NULL OR l.user_id = $2)
ORDER BY l.user_id
"""

WEEKLY = (
    "SELECT lawyer_id, weekday, starts, ends FROM availability_weekly WHERE lawyer_id = ANY($1::bigint[])"
)

EXCEPTIONS = """
SELECT lawyer_id, day, available, starts, ends FROM availability_exceptions
WHERE lawyer_id = ANY($1::bigint[]) AND day BETWEEN $2 AND $3
"""

# A pending booking whose hold has lapsed frees its time at once, even before the expiry job runs.
# A booking lasts at most 2 hours plus a 4-hour pause (the lawyers table's checks), so one starting over a
# day before the window cannot reach into it: that bound lets the (lawyer_id, starts_at) index skip the
# lawyer's whole past instead of reading it.
BUSY = """
SELECT lawyer_id, (extract(epoch FROM starts_at) * 1000000)::int8 AS starts_us,
       (extract(epoch FROM ends_at) * 1000000)::int8 AS ends_us
FROM bookings
WHERE lawyer_id = ANY($1::bigint[]) AND starts_at < $3 AND starts_at > $2::timestamptz - interval '1 day'
  AND blocked_until > $2
  AND (status = 'confirmed' OR (status = 'pending' AND hold_expires_at > $4))
ORDER BY lawyer_id, starts_at
"""

CLOSURES = "SELECT day FROM closures WHERE day BETWEEN $1 AND $2"


@dataclass(frozen=True)
class LawyerRules:
    id: int
    rules: Rules
    languages: tuple[str, ...]


@functools.lru_cache(maxsize=16)
def _holidays_of(years: tuple[int, ...]) -> frozenset[date]:
    return frozenset(kz_holidays(years))


def days_off(years: tuple[int, ...], closed: set[date]) -> frozenset[date] | set[date]:
    """Public holidays of those years and the union's closure days."""
    return _holidays_of(years) | closed if closed else _holidays_of(years)


def judge(
    settings: Settings,
    lawyers: Sequence[LawyerRules],
    busy: dict[int, BusySpans],
    off: Set[date],
    window_start: datetime,
    window_end: datetime,
    now: datetime,
) -> tuple[dict[int, list[Span]], dict[int, int]]:
    """Ask the pure engine for each lawyer's bookable slots in the window; return them and the live load."""
    rules_of_service = service_rules(settings)
    per_lawyer: dict[int, list[Span]] = {}
    load: dict[int, int] = {}
    for lr in lawyers:
        zone = ZoneInfo(lr.rules.timezone)
        booked = busy[lr.id]
        counts = (
            Counter(from_micros(s).astimezone(zone).date() for s, _e in booked.spans)
            if rules_of_service.daily_cap
            else None
        )
        per_lawyer[lr.id] = available_spans(
            lr.rules, booked, off, window_start, window_end, now, rules_of_service, counts
        )
        load[lr.id] = len(booked.spans)
    return per_lawyer, load


def service_rules(settings: Settings) -> ServiceRules:
    booking = settings.booking
    return ServiceRules(
        min_notice=timedelta(minutes=booking.min_notice_minutes),
        horizon=timedelta(days=booking.horizon_days),
        daily_cap=booking.daily_cap or None,
    )


async def load_rules(
    conn: asyncpg.Connection, topic_id: int, lawyer_id: int | None, first_day: date, last_day: date
) -> list[LawyerRules]:
    """Load the rules of the active lawyers of a topic (or one of them) for a range of dates."""
    lawyers = await conn.fetch(LAWYERS_OF_TOPIC, topic_id, lawyer_id)
    if not lawyers:
        return []
    ids = [r["id"] for r in lawyers]
    weekly: dict[int, list[WeeklyRange]] = {i: [] for i in ids}
    for r in await conn.fetch(WEEKLY, ids):
        weekly[r["lawyer_id"]].append(WeeklyRange(r["weekday"], r["starts"], r["ends"]))
    exceptions: dict[int, list[DateException]] = {i: [] for i in ids}
    for r in await conn.fetch(EXCEPTIONS, ids, first_day, last_day):
        exceptions[r["lawyer_id"]].append(DateException(r["day"], r["available"], r["starts"], r["ends"]))
    return [
        LawyerRules(
            r["id"],
            Rules(
                r["timezone"], r["slot_minutes"], r["buffer_minutes"], weekly[r["id"]], exceptions[r["id"]]
            ),
            tuple(r["languages"]),
        )
        for r in lawyers
    ]


async def load_busy(
    conn: asyncpg.Connection, lawyer_ids: Sequence[int], start: datetime, end: datetime, now: datetime
) -> dict[int, BusySpans]:
    """Return each lawyer's live bookings that reach into [start, end), as epoch-microsecond spans."""
    # Instants arrive as integers: the engine computes with them, and a busy month has thousands.
    busy: dict[int, BusySpans] = {i: BusySpans([]) for i in lawyer_ids}
    for lawyer_id, starts_us, ends_us in await conn.fetch(BUSY, list(lawyer_ids), start, end, now):
        busy[lawyer_id].spans.append((starts_us, ends_us))
    return busy


async def spans_per_lawyer(
    conn: asyncpg.Connection,
    settings: Settings,
    *,
    topic_id: int,
    lawyer_id: int | None,
    window_start: datetime,
    window_end: datetime,
    now: datetime,
) -> tuple[dict[int, list[Span]], dict[int, int], list[LawyerRules]]:
    """Return each lawyer's bookable slots as epoch-microsecond spans, their live load, and their rules."""
    # Local dates differ from UTC ones by up to a day either way; widen the date range to cover them.
    first_day = (window_start - timedelta(days=1)).date()
    last_day = (window_end + timedelta(days=1)).date()
    lawyers = await load_rules(conn, topic_id, lawyer_id, first_day, last_day)
    if not lawyers:
        return {}, {}, []
    ids = [lr.id for lr in lawyers]
    # Bookings around the window matter too: their buffers reach into it.
    busy = await load_busy(conn, ids, window_start - timedelta(days=1), window_end + timedelta(days=1), now)
    years = tuple(range(first_day.year, last_day.year + 1))
    closed = {r["day"] for r in await conn.fetch(CLOSURES, first_day, last_day)}
    per_lawyer, load = judge(settings, lawyers, busy, days_off(years, closed), window_start, window_end, now)
    return per_lawyer, load, lawyers


async def slots_per_lawyer(
    conn: asyncpg.Connection,
    settings: Settings,
    *,
    topic_id: int,
    lawyer_id: int | None,
    window_start: datetime,
    window_end: datetime,
    now: datetime,
) -> tuple[dict[int, list[Slot]], dict[int, int], list[LawyerRules]]:
    """Return each lawyer's bookable slots in the window, their live-booking load, and their rules."""
    per_lawyer, load, lawyers = await spans_per_lawyer(
        conn,
        settings,
        topic_id=topic_id,
        lawyer_id=lawyer_id,
        window_start=window_start,
        window_end=window_end,
        now=now,
    )
    slots = {lid: [(from_micros(s), from_micros(e)) for s, e in spans] for lid, spans in per_lawyer.items()}
    return slots, load, lawyers


async def bookable_spans(
    conn: asyncpg.Connection,
    settings: Settings,
    *,
    topic_id: int,
    lawyer_id: int | None,
    window_start: datetime,
    window_end: datetime,
    now: datetime,
) -> list[tuple[int, int, int]]:
    """Return (start, end, lawyer_id) per bookable slot, as epoch microseconds; 'any lawyer' merges."""
    per_lawyer, load, _rules = await spans_per_lawyer(
        conn,
        settings,
        topic_id=topic_id,
        lawyer_id=lawyer_id,
        window_start=window_start,
        window_end=window_end,
        now=now,
    )
    return merge_lawyers(per_lawyer, load)


async def bookable_slots(
    conn: asyncpg.Connection,
    settings: Settings,
    *,
    topic_id: int,
    lawyer_id: int | None,
    window_start: datetime,
    window_end: datetime,
    now: datetime,
) -> list[LawyerSlot]:
    """Return (start, end, lawyer_id) for every bookable slot; 'any lawyer' merges the topic's lawyers."""
    spans = await bookable_spans(
        conn,
        settings,
        topic_id=topic_id,
        lawyer_id=lawyer_id,
        window_start=window_start,
        window_end=window_end,
        now=now,
    )
    # Merging on integers and converting only the merged slots keeps a busy month cheap.
    return [(from_micros(s), from_micros(e), lid) for s, e, lid in spans]


# Everything the engine needs to judge one start time, in one round trip: the topic (by id, or by slug when
# active), then one row per active lawyer of it with their weekly hours, date exceptions, live bookings
# around the start (as in BUSY), work of the last 30 days and ahead ("least loaded", only when the member
# lets us choose) and the union's closures; the contact fields are what a booking's emails name. Always
# one row at least: topic_id is NULL when there is no such topic, id when the topic has no lawyer.
#
# The statement comes in variants (one lawyer or any; booking or not) rather than one text with
# "$3 IS NULL OR ..." in it: each variant's generic plan is then as good as a custom one, and PostgreSQL
# keeps it instead of planning the statement anew on every call (which cost more than running it).


# A booking also draws the new booking's id in the same round trip (before the insert, so that its
# emails, keyed by it, can be made beforehand). The statement stays read-only: the attempt is counted
# against its rate limits where it is written (migrations/0014).
DRAW_ID = "nextval(pg_get_serial_sequence('bookings', 'id'))"
RECENT_WORK = """(SELECT count(*) FROM bookings b
            WHERE b.lawyer_id = l.user_id AND b.status IN ('pending', 'confirmed', 'completed')
              AND b.starts_at > $4::timestamptz - interval '30 days')"""


def _slot_check(*, one_lawyer: bool, booking: bool) -> str:
    return f"""
WITH t AS (
    SELECT id, slug, name_ru, name_kk, name_en FROM topics WHERE id = $1 OR (slug = $2 AND active)
)
SELECT x.booking_id,
       t.id AS topic_id, t.slug AS topic_slug, t.name_ru, t.name_kk, t.name_en,
       l.user_id AS id, l.timezone, l.slot_minutes, l.buffer_minutes, l.languages,
       l.name, l.email, l.language,
       ARRAY(SELECT ROW(w.weekday, w.starts, w.ends) FROM availability_weekly w
             WHERE w.lawyer_id = l.user_id) AS weekly,
       ARRAY(SELECT ROW(e.day, e.available, e.starts, e.ends) FROM availability_exceptions e
             WHERE e.lawyer_id = l.user_id AND e.day BETWEEN $5 AND $6) AS exceptions,
       ARRAY(SELECT ROW((extract(epoch FROM b.starts_at) * 1000000)::int8,
                        (extract(epoch FROM b.ends_at) * 1000000)::int8)
             FROM bookings b
             WHERE b.lawyer_id = l.user_id AND b.starts_at < $8
               AND b.starts_at > $7::timestamptz - interval '1 day' AND b.blocked_until > $7
               AND (b.status = 'confirmed' OR (b.status = 'pending' AND b.hold_expires_at > $4))
             ORDER BY b.starts_at) AS busy,
       {"0::bigint" if one_lawyer else RECENT_WORK} AS recent,
       ARRAY(SELECT c.day FROM closures c WHERE c.day BETWEEN $5 AND $6) AS closed
FROM (SELECT {DRAW_ID if booking else "NULL"}::bigint AS booking_id) x
LEFT JOIN t ON true
LEFT JOIN LATERAL (
    SELECT l.*, u.name, u.email, u.language FROM lawyer_topics lt
    JOIN lawyers l ON l.user_id = lt.lawyer_id
    JOIN users u ON u.id = l.user_id AND u.active
    WHERE lt.topic_id = t.id AND {"l.user_id = $3" if one_lawyer else "$3::bigint IS NULL"}
) l ON true
ORDER BY l.user_id
"""


SLOT_CHECKS = {
    (one_lawyer, booking): _slot_check(one_lawyer=one_lawyer, booking=booking)
    for one_lawyer in (True, False)
    for booking in (True, False)
}


@dataclass(frozen=True)
class SlotCheck:
    """The topic asked for, and the lawyers free at the start: (lawyer_id, end), best choice first."""

    topic: Mapping[str, Any]
    free: list[tuple[int, datetime]]
    # Each free lawyer's name, email, language and timezone (what the booking's emails need).
    lawyers: dict[int, Mapping[str, Any]]
    # A fresh id for the booking about to be made (draw_booking_id=True), else None.
    booking_id: int | None = None


async def check_slot(
    conn: asyncpg.Connection,
    settings: Settings,
    *,
    start: datetime,
    now: datetime,
    topic_id: int | None = None,
    topic_slug: str | None = None,
    lawyer_id: int | None = None,
    language: str | None = None,
    draw_booking_id: bool = False,
) -> SlotCheck | None:
    """Which lawyers of the topic have a slot starting exactly at `start`; None when there is no such topic.

    One query loads what the pure engine needs; the engine judges, as it does for the slots API.
    Preference: one who consults in the member's language, then the least loaded, then the lowest id,
    so that work spreads fairly across the topic's lawyers.
    """
    # The engine answers in UTC; compare instants there (an ambiguous local time never equals UTC in Python).
    start = start.astimezone(UTC)
    window_end = start + timedelta(seconds=1)
    # Local dates differ from UTC ones by up to a day either way; widen the date range to cover them.
    first_day = (start - timedelta(days=1)).date()
    last_day = (window_end + timedelta(days=1)).date()
    rows = await conn.fetch(
        SLOT_CHECKS[lawyer_id is not None, draw_booking_id],
        topic_id,
        topic_slug,
        lawyer_id,
        now,
        first_day,
        last_day,
        start - timedelta(days=1),
        window_end + timedelta(days=1),
    )
    if rows[0]["topic_id"] is None:
        return None
    topic = {k: rows[0][k] for k in ("topic_id", "topic_slug", "name_ru", "name_kk", "name_en")}
    booking_id = rows[0]["booking_id"]
    rows = [r for r in rows if r["id"] is not None]
    lawyers = [
        LawyerRules(
            r["id"],
            Rules(
                r["timezone"],
                r["slot_minutes"],
                r["buffer_minutes"],
                [WeeklyRange(*w) for w in r["weekly"]],
                [DateException(*e) for e in r["exceptions"]],
            ),
            tuple(r["languages"]),
        )
        for r in rows
    ]
    busy = {r["id"]: BusySpans([(s, e) for s, e in r["busy"]]) for r in rows}
    years = tuple(range(first_day.year, last_day.year + 1))
    closed = set(rows[0]["closed"]) if rows else set()
    per_lawyer, _load = judge(settings, lawyers, busy, days_off(years, closed), start, window_end, now)
    languages = {lr.id: lr.languages for lr in lawyers}
    load = {r["id"]: r["recent"] for r in rows}
    free = [
        (lid, from_micros(spans[0][1]))
        for lid, spans in per_lawyer.items()
        if spans and from_micros(spans[0][0]) == start
    ]
    free.sort(
        key=lambda item: (language is not None and language not in languages[item[0]], load[item[0]], item[0])
    )
    profiles = {
        r["id"]: {
            "name": r["name"],
            "email": r["email"],
            "language": r["language"],
            "timezone": r["timezone"],
        }
        for r in rows
    }
    return SlotCheck(topic, free, {lid: profiles[lid] for lid, _end in free}, booking_id)


async def free_lawyers_at(
    conn: asyncpg.Connection,
    settings: Settings,
    *,
    topic_id: int,
    start: datetime,
    now: datetime,
    lawyer_id: int | None = None,
    language: str | None = None,
) -> list[tuple[int, datetime]]:
    """Return (lawyer_id, end) of lawyers with a slot starting exactly at `start`, best choice first."""
    found = await check_slot(
        conn, settings, start=start, now=now, topic_id=topic_id, lawyer_id=lawyer_id, language=language
    )
    return found.free if found is not None else []
