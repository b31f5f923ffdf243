"""Slots from the database: rules, live bookings, holidays and the choice of a free lawyer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from consult.availability.service import bookable_slots, free_lawyers_at
from tests.conftest import Factory, make_settings

# A Monday with no public holiday in Kazakhstan.
MONDAY = datetime(2026, 12, 7, tzinfo=UTC)
NOW = MONDAY - timedelta(days=3)


async def test_a_confirmed_booking_takes_its_slot_away_and_a_lapsed_hold_does_not(
    db: asyncpg.Connection, factory: Factory
) -> None:
    settings = make_settings()
    lawyer = await factory.lawyer(weekly=[(1, "09:00", "11:00")], buffer_minutes=0)
    topic = await factory.topic_id("dismissal")
    # 09:00 in Almaty (UTC+5) is 04:00 UTC.
    first = MONDAY.replace(hour=4)
    await factory.booking(lawyer, start=first, status="confirmed")
    lapsed = await factory.booking(lawyer, start=first + timedelta(hours=1), status="pending")
    await db.execute(
        "UPDATE bookings SET hold_expires_at = $2 WHERE id = $1", lapsed["id"], NOW - timedelta(minutes=1)
    )
    slots = await bookable_slots(
        db,
        settings,
        topic_id=topic,
        lawyer_id=None,
        window_start=MONDAY,
        window_end=MONDAY + timedelta(days=1),
        now=NOW,
    )
    assert [s[0] for s in slots] == [first + timedelta(minutes=30 * i) for i in (1, 2, 3)]
    assert {s[2] for s in slots} == {lawyer["id"]}


async def test_any_lawyer_prefers_the_members_language_then_the_least_loaded(
    db: asyncpg.Connection, factory: Factory
) -> None:
    settings = make_settings()
    weekly = [(1, "09:00", "12:00")]
    russian: Any = await factory.lawyer(weekly=weekly, languages=("ru",))
    kazakh_busy: Any = await factory.lawyer(weekly=weekly, languages=("kk", "ru"))
    kazakh_free: Any = await factory.lawyer(weekly=weekly, languages=("kk",))
    await factory.booking(kazakh_busy, start=MONDAY.replace(hour=6))
    topic = await factory.topic_id("dismissal")
    start = MONDAY.replace(hour=4)
    free = await free_lawyers_at(db, settings, topic_id=topic, start=start, now=NOW, language="kk")
    assert [lid for lid, _end in free] == [kazakh_free["id"], kazakh_busy["id"], russian["id"]]
    assert all(end == start + timedelta(minutes=30) for _lid, end in free)


async def test_any_lawyer_is_found_for_a_start_given_as_an_ambiguous_local_time(
    db: asyncpg.Connection, factory: Factory
) -> None:
    from zoneinfo import ZoneInfo

    settings = make_settings()
    # Thursday 2024-02-29: 23:00 happened twice in Almaty (UTC+6, then UTC+5); the first is 17:00Z.
    lawyer: Any = await factory.lawyer(weekly=[(4, "22:00", "23:30")])
    topic = await factory.topic_id("dismissal")
    local = datetime(2024, 2, 29, 23, tzinfo=ZoneInfo("Asia/Almaty"))
    first = datetime(2024, 2, 29, 17, tzinfo=UTC)
    assert local != first  # PEP 495: an ambiguous time never equals a datetime of another zone
    free = await free_lawyers_at(db, settings, topic_id=topic, start=local, now=first - timedelta(days=3))
    assert [lid for lid, _end in free] == [lawyer["id"]]
