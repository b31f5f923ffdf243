"""Reading a report's period and grouping from the query string."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from consult.errors import invalid
from consult.i18n import N_

GROUPS = ("region", "organization", "topic", "lawyer", "month")
# Long enough for a decade of the union's reports, short enough to keep one query cheap.
MAX_DAYS = 3660


@dataclass(frozen=True)
class Window:
    """A period of whole days [start, end] in a zone; consultations count by when they start."""

    start: date
    end: date
    zone: ZoneInfo

    def bounds(self) -> tuple[datetime, datetime]:
        begin = datetime.combine(self.start, time(0), self.zone)
        after = datetime.combine(self.end + timedelta(days=1), time(0), self.zone)
        return begin, after


def default_start(today: date) -> date:
    """The first day of the month eleven months back: a year of whole months up to today."""
    month = today.month - 11
    year = today.year + (month - 1) // 12
    return date(year, (month - 1) % 12 + 1, 1)


def _day(value: str | None, name: str, problems: dict[str, str]) -> date | None:
    if value is None or value == "":
        return None
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        problems[name] = N_("Use a date like 2026-12-31.")
        return None


def parse_window(query: Mapping[str, str], zone: ZoneInfo, today: date) -> Window:
    """Read ?from=&to= (dates, both optional); 400 for a bad date or a backwards period."""
    problems: dict[str, str] = {}
    start = _day(query.get("from"), "from", problems)
    end = _day(query.get("to"), "to", problems)
    if problems:
        raise invalid(problems)
    end = end or today
    start = start or default_start(end)
    if start > end:
        raise invalid({"from": N_("The start must not be after the end.")})
    if (end - start).days > MAX_DAYS:
        raise invalid({"from": N_("The period may be at most ten years.")})
    return Window(start, end, zone)


def parse_group(value: str | None) -> str:
    group = value or "month"
    if group not in GROUPS:
        raise invalid({"group": N_("Choose one of: region, organization, topic, lawyer, month.")})
    return group
