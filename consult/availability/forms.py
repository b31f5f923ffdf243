"""Read a lawyer's availability from JSON or a page's form, with a clear message per wrong field."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

from consult.availability.slots import DateException, Rules, WeeklyRange, expand_vacation, validate_rules
from consult.i18n import N_
from consult.settings import LANGUAGES

TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_WEEKLY = 100
MAX_EXCEPTIONS = 1000
MAX_VACATIONS = 50
MAX_VACATION_DAYS = 366

Weekly = tuple[int, time, time]
Exception_ = tuple[date, bool, time | None, time | None]


@dataclass
class Availability:
    """A lawyer's availability as stored: rules, topics (slugs) and languages."""

    timezone: str
    slot_minutes: int
    buffer_minutes: int
    weekly: list[Weekly] = field(default_factory=list)
    exceptions: list[Exception_] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=lambda: ["ru"])


def default_availability(timezone: str) -> Availability:
    return Availability(timezone=timezone, slot_minutes=30, buffer_minutes=0)


def hhmm(value: time | None) -> str:
    return "" if value is None else value.strftime("%H:%M")


def availability_json(value: Availability) -> dict[str, Any]:
    """Answer the API's availability object (languages is an extension of the contract)."""
    exceptions: list[dict[str, Any]] = []
    for day, available, start, end in value.exceptions:
        if available:
            exceptions.append(
                {"date": day.isoformat(), "start": hhmm(start), "end": hhmm(end), "available": True}
            )
        else:
            exceptions.append({"date": day.isoformat(), "available": False})
    return {
        "timezone": value.timezone,
        "slot_minutes": value.slot_minutes,
        "buffer_minutes": value.buffer_minutes,
        "weekly": [{"weekday": d, "start": hhmm(s), "end": hhmm(e)} for d, s, e in value.weekly],
        "exceptions": exceptions,
        "topics": list(value.topics),
        "languages": list(value.languages),
    }


def parse_time(value: Any) -> time | None:
    if isinstance(value, str) and TIME_RE.match(value):
        return time.fromisoformat(value)
    return None


def parse_date(value: Any) -> date | None:
    if isinstance(value, str) and DATE_RE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _whole_number(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _items(body: Mapping[str, Any], name: str, limit: int, errors: dict[str, str]) -> list[Any]:
    value = body.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        errors[name] = N_("Must be a list.")
        return []
    if len(value) > limit:
        errors[name] = N_("Too many entries.")
        return []
    return value


def parse_availability(
    body: Mapping[str, Any], known_topics: Iterable[str], current_languages: list[str] | None = None
) -> tuple[Availability | None, dict[str, str]]:
    """Check a whole availability object (what PUT replaces); return it, or the problems per field."""
    errors: dict[str, str] = {}
    timezone = body.get("timezone")
    if not isinstance(timezone, str) or not timezone:
        errors["timezone"] = N_("Required.")
        timezone = ""
    slot = _whole_number(body.get("slot_minutes"))
    if slot is None:
        errors["slot_minutes"] = N_("Must be a whole number of minutes.")
    buffer = _whole_number(body.get("buffer_minutes", 0))
    if buffer is None:
        errors["buffer_minutes"] = N_("Must be a whole number of minutes.")

    weekly: list[tuple[int, WeeklyRange]] = []
    for i, item in enumerate(_items(body, "weekly", MAX_WEEKLY, errors)):
        parsed = _weekly_item(item, f"weekly.{i}", errors)
        if parsed is not None:
            weekly.append((i, parsed))

    exceptions: list[tuple[int, DateException]] = []
    for i, item in enumerate(_items(body, "exceptions", MAX_EXCEPTIONS, errors)):
        parsed_exception = _exception_item(item, f"exceptions.{i}", errors)
        if parsed_exception is not None:
            exceptions.append((i, parsed_exception))

    vacation_days: list[date] = []
    for i, item in enumerate(_items(body, "vacations", MAX_VACATIONS, errors)):
        vacation_days.extend(_vacation_days(item, f"vacations.{i}", errors))

    known = set(known_topics)
    topics: list[str] = []
    for i, slug in enumerate(_items(body, "topics", 100, errors)):
        if not isinstance(slug, str) or slug not in known:
            errors[f"topics.{i}"] = N_("Unknown topic.")
        elif slug not in topics:
            topics.append(slug)

    languages: list[str] = []
    if body.get("languages") is None:
        languages = list(current_languages or ["ru"])
    else:
        for i, language in enumerate(_items(body, "languages", 10, errors)):
            if language not in LANGUAGES:
                errors[f"languages.{i}"] = N_("Unknown language.")
            elif language not in languages:
                languages.append(language)
        if (
            not languages
            and "languages" not in errors
            and not any(k.startswith("languages.") for k in errors)
        ):
            errors["languages"] = N_("Choose at least one language.")

    if slot is not None and buffer is not None:
        rules = Rules(timezone, slot, buffer, [w for _i, w in weekly], [e for _i, e in exceptions])
        for key, message in validate_rules(rules).items():
            errors.setdefault(_original_key(key, weekly, exceptions), message)
    if errors or slot is None or buffer is None:
        return None, errors

    days_off = {e.date for _i, e in exceptions if not e.available} | set(vacation_days)
    extra = sorted({(e.date, e.start, e.end) for _i, e in exceptions if e.available})
    stored: list[Exception_] = [(d, False, None, None) for d in sorted(days_off)]
    stored += [(d, True, s, e) for d, s, e in extra]
    stored.sort(key=lambda e: (e[0], e[1], e[2] or time(0)))
    return (
        Availability(
            timezone=timezone,
            slot_minutes=slot,
            buffer_minutes=buffer,
            weekly=sorted({(w.weekday, w.start, w.end) for _i, w in weekly}),
            exceptions=stored,
            topics=topics,
            languages=languages,
        ),
        {},
    )


def _original_key(
    key: str, weekly: list[tuple[int, WeeklyRange]], exceptions: list[tuple[int, DateException]]
) -> str:
    """Map an engine field key (an index among the items that parsed) back to the caller's index."""
    kind, _sep, rest = key.partition(".")
    index, _sep, name = rest.partition(".")
    if not index.isdigit():
        return key
    source: list[Any] = weekly if kind == "weekly" else exceptions if kind == "exceptions" else []
    if int(index) >= len(source):
        return key
    return f"{kind}.{source[int(index)][0]}.{name}" if name else f"{kind}.{source[int(index)][0]}"


def _object(item: Any, where: str, errors: dict[str, str]) -> Mapping[str, Any] | None:
    if not isinstance(item, dict):
        errors[where] = N_("Must be an object.")
        return None
    return item


def _times(item: Mapping[str, Any], where: str, errors: dict[str, str]) -> tuple[time | None, time | None]:
    start, end = parse_time(item.get("start")), parse_time(item.get("end"))
    if start is None:
        errors[f"{where}.start"] = N_("Use the form HH:MM, for example 09:30.")
    if end is None:
        errors[f"{where}.end"] = N_("Use the form HH:MM, for example 09:30.")
    return start, end


def _weekly_item(item: Any, where: str, errors: dict[str, str]) -> WeeklyRange | None:
    data = _object(item, where, errors)
    if data is None:
        return None
    weekday = _whole_number(data.get("weekday"))
    if weekday is None or not 1 <= weekday <= 7:
        errors[f"{where}.weekday"] = N_("The weekday is a number from 1 (Monday) to 7 (Sunday).")
    start, end = _times(data, where, errors)
    if weekday is None or start is None or end is None or not 1 <= weekday <= 7:
        return None
    return WeeklyRange(weekday, start, end)


def _exception_item(item: Any, where: str, errors: dict[str, str]) -> DateException | None:
    data = _object(item, where, errors)
    if data is None:
        return None
    day = parse_date(data.get("date"))
    if day is None:
        errors[f"{where}.date"] = N_("Use a date in the form YYYY-MM-DD.")
    available = data.get("available")
    if not isinstance(available, bool):
        errors[f"{where}.available"] = N_("Must be true or false.")
        return None
    if not available:
        if data.get("start") is not None or data.get("end") is not None:
            errors[f"{where}.start"] = N_("A day off has no hours; leave start and end out.")
            return None
        return DateException(day, False) if day is not None else None
    start, end = _times(data, where, errors)
    if day is None or start is None or end is None:
        return None
    return DateException(day, True, start, end)


def _vacation_days(item: Any, where: str, errors: dict[str, str]) -> list[date]:
    data = _object(item, where, errors)
    if data is None:
        return []
    first, last = parse_date(data.get("from")), parse_date(data.get("to"))
    if first is None:
        errors[f"{where}.from"] = N_("Use a date in the form YYYY-MM-DD.")
    if last is None:
        errors[f"{where}.to"] = N_("Use a date in the form YYYY-MM-DD.")
    if first is None or last is None:
        return []
    if last < first:
        errors[f"{where}.to"] = N_("The last day comes before the first.")
        return []
    if (last - first).days >= MAX_VACATION_DAYS:
        errors[f"{where}.to"] = N_("A vacation lasts at most a year.")
        return []
    return [e.date for e in expand_vacation(first, last)]


def day_off_runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Group days off into runs of consecutive dates (a vacation shows as one from-to row)."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs
