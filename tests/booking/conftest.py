"""Helpers for booking stories: a free slot some days ahead, and booking it through the API."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from email import message_from_bytes, policy
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp.test_utils import TestClient

from consult.availability.slots import kz_holidays
from consult.mail.outbox import message_bytes
from tests.conftest import make_settings

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


def booking_body(when: datetime, n: int = 1, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "topic": "dismissal",
        "start": when.isoformat(),
        "name": f"Айгерим Сапарова {n}",
        "email": f"member{n}@example.org",
        "question": "Директор школы требует написать заявление по собственному желанию. Что делать?",
        "language": "ru",
        "timezone": "Asia/Almaty",
        "consent": True,
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


async def book(client: TestClient, when: datetime, n: int = 1, **changes: Any) -> Any:
    return await client.post("/api/v1/bookings", json=booking_body(when, n, **changes))


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


async def queued(db: Any, recipient: str | None = None) -> list[Any]:
    """The emails in the outbox (optionally to one recipient), as the sender would send them, oldest first."""
    rows = await db.fetch(
        "SELECT kind, recipient, message, render FROM outbox"
        " WHERE $1::text IS NULL OR recipient = $1 ORDER BY id",
        recipient,
    )
    settings = make_settings()
    return [
        (r["kind"], r["recipient"], message_from_bytes(message_bytes(settings, r), policy=policy.default))
        for r in rows
    ]


async def manage_token(db: Any, recipient: str) -> str:
    """The member's secret link travels by email only: read it from the last email queued to them."""
    for _kind, _to, message in reversed(await queued(db, recipient)):
        found = re.search(r"/b/([A-Za-z0-9_-]{20,})", message.get_body(("plain",)).get_content())
        if found:
            return found.group(1)
    raise AssertionError(f"no manage link sent to {recipient}")
