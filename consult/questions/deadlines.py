"""The promised answer time, counted in Kazakh working days (pure functions, no I/O)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

ZONE = ZoneInfo("Asia/Almaty")
# A promise "within N working days" ends with the Nth working day's office hours.
END_OF_WORKING_DAY = time(18, 0)


@cache
def _public_holidays(year: int) -> frozenset[date]:
    # Observed (moved) days are included by the package: Nauryz on a weekend moves to the next days.
    return frozenset(holidays.country_holidays("KZ", years=year).keys())


def is_working_day(day: date, closed: Collection[date] = ()) -> bool:
    """Monday to Friday, not a public holiday of Kazakhstan, not a union closure."""
    return day.weekday() < 5 and day not in _public_holidays(day.year) and day not in closed


def add_working_days(start: datetime, days: int, closed: Collection[date] = ()) -> datetime:
    """Return the end of the `days`-th working day after the day of `start` (Almaty time)."""
    if start.tzinfo is None:
        raise ValueError("start must carry a time zone")
    day = start.astimezone(ZONE).date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day, closed):
            counted += 1
    return datetime.combine(day, END_OF_WORKING_DAY, ZONE)


def answer_due(created_at: datetime, working_days: int, closed: Collection[date] = ()) -> datetime:
    """The promised answer time of a question asked at created_at."""
    return add_working_days(created_at, working_days, closed)


def due_soon_cutoff(now: datetime, closed: Collection[date] = ()) -> datetime:
    """Questions due before this are close to the limit: due within one working day from now."""
    return add_working_days(now, 1, closed)
