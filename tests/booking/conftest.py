"""Helpers for booking stories: a free slot some days ahead, and booking it through the API."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp.test_utils import TestClient

from consult.availability.slots import kz_holidays

ALMATY = ZoneInfo("Asia/Almaty")


def working_day(days_ahead: int = 2) -> date:
    """A date at least days_ahead from today that is no public holiday of Kazakhstan."""
    day = datetime.now(ALMATY).date() + timedelta(days=days_ahead)
    holidays = kz_holidays([day.year, day.year + 1])
    while day in holidays:
        day += timedelta(days=1)
    return day


def slot(days_ahead: int = 2, hour: int = 10, minute: int = 0) -> datetime:
    """An instant inside the factory lawyer's default hours (09:00-18:00 Almaty, every day)."""
    return datetime.combine(working_day(days_ahead), time(hour, minute), ALMATY)


def booking_body(start: datetime, n: int = 1, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "topic": "dismissal",
        "start": start.isoformat(),
        "name": f"Айгерим Сапарова {n}",
        "email": f"member{n}@example.org",
        "question": "Директор школы требует написать заявление по собственному желанию. Что делать?",
        "language": "ru",
        "timezone": "Asia/Almaty",
        "consent": True,
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


async def book(client: TestClient, start: datetime, n: int = 1, **changes: Any) -> Any:
    return await client.post("/api/v1/bookings", json=booking_body(start, n, **changes))


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
