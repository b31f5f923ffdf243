"""The member's slot picker: a topic, a month showing which days have free time, then that day's times."""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web
from babel.dates import get_day_names

from consult import keys
from consult.availability import queries
from consult.availability.service import bookable_slots
from consult.availability.slots import date_window
from consult.availability.views import clock, lawyer_param, topic_or_404, zone_choices
from consult.i18n import babel_locale, current_timezone, format_date, format_time, gettext
from consult.web import allow, render, request_zone

routes = web.RouteTableDef()

TZ_COOKIE = "tz"


def member_zone(request: web.Request) -> tuple[ZoneInfo, bool]:
    """Return the zone to show times in: ?tz= (remembered), the cookie, else the reader's default zone."""
    if request.query.get("tz"):
        return request_zone(request), True
    remembered = request.cookies.get(TZ_COOKIE, "").strip('"')
    if (
        remembered
        and len(remembered) <= 64
        and not remembered.startswith(("/", "."))
        and ".." not in remembered
    ):
        try:
            return ZoneInfo(remembered), False
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo(current_timezone()), False


def month_param(value: str | None, fallback: date) -> date:
    """Read ?month=YYYY-MM as the month's first day; anything else means the fallback's month."""
    if value and len(value) == 7 and value[4] == "-" and value[:4].isdigit() and value[5:].isdigit():
        year, month = int(value[:4]), int(value[5:])
        if 1 <= month <= 12 and 2000 <= year <= 2100:
            return date(year, month, 1)
    return fallback.replace(day=1)


def add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@routes.get("/book", name="book-start")
@allow("anyone")
async def book_start(request: web.Request) -> web.Response:
    async with request.app[keys.POOL].acquire() as conn:
        topics = await queries.active_topics(conn)
    return render(request, "booking/pick_topic.html", {"topics": topics})


@routes.get("/book/{topic}", name="book-topic")
@allow("anyone")
async def book_topic(request: web.Request) -> web.Response:
    settings = request.app[keys.SETTINGS]
    zone, chosen = member_zone(request)
    lawyer_id = lawyer_param(request)
    now = clock(request)
    today = now.astimezone(zone).date()
    last_bookable = today + timedelta(days=settings.booking.horizon_days)
    asked_day = _date(request.query.get("day"))
    month = month_param(request.query.get("month"), asked_day or today)
    month = max(month, today.replace(day=1))
    month_end = add_months(month, 1) - timedelta(days=1)
    first, last = max(month, today), min(month_end, last_bookable)

    async with request.app[keys.POOL].acquire() as conn:
        topic = await topic_or_404(conn, request.match_info["topic"])
        lawyers = await conn.fetch(queries.PUBLIC_LAWYERS, topic["id"])
        slots: list[Any] = []
        if first <= last:
            window_start, window_end = date_window(first, last, zone.key)
            slots = await bookable_slots(
                conn,
                settings,
                topic_id=topic["id"],
                lawyer_id=lawyer_id,
                window_start=window_start,
                window_end=window_end,
                now=now,
            )

    by_day: dict[date, list[Any]] = defaultdict(list)
    for start, end, lid in slots:
        by_day[start.astimezone(zone).date()].append((start, end, lid))
    day = asked_day if asked_day in by_day else min(by_day, default=None)
    if asked_day is not None and asked_day.replace(day=1) == month and asked_day not in by_day:
        day = asked_day  # a day with nothing free says so instead of jumping elsewhere

    base_query = {"tz": zone.key if chosen else None, "lawyer": lawyer_id}
    times = [
        {"label": format_time(start, "short", tz=zone.key), "start": start.astimezone(zone).isoformat()}
        for start, _end, _lid in (by_day.get(day, []) if day is not None else [])
    ]
    response = render(
        request,
        "booking/pick_time.html",
        {
            "topic": topic,
            "lawyers": lawyers,
            "lawyer_id": lawyer_id,
            "zone": zone.key,
            "zones": zone_choices(zone.key),
            "month": month,
            "month_label": format_date(month, "LLLL y"),
            "weeks": _weeks(month, by_day, day),
            "weekday_names": _weekday_names(),
            "prev_month": add_months(month, -1).strftime("%Y-%m") if month > today.replace(day=1) else None,
            "next_month": add_months(month, 1).strftime("%Y-%m") if month_end < last_bookable else None,
            "day": day,
            "day_label": format_date(day, "full") if day else "",
            "times": times,
            "base_query": base_query,
            "month_query": {**base_query, "month": month.strftime("%Y-%m")},
        },
    )
    if chosen:
        response.set_cookie(TZ_COOKIE, zone.key, max_age=365 * 86400, samesite="Lax", path="/")
    return response


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value and len(value) == 10 else None
    except ValueError:
        return None


def _weekday_names() -> list[dict[str, str]]:
    locale = babel_locale()
    short = get_day_names("abbreviated", locale=locale)
    wide = get_day_names("wide", locale=locale)
    return [{"short": short[i], "wide": wide[i]} for i in range(7)]


def _weeks(
    month: date, by_day: dict[date, list[Any]], chosen: date | None
) -> list[list[dict[str, Any] | None]]:
    """Lay a month out as weeks (Monday first); each day says how many free times it has."""
    weeks: list[list[dict[str, Any] | None]] = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month):
        row: list[dict[str, Any] | None] = []
        for day in week:
            if day.month != month.month:
                row.append(None)
                continue
            free = len(by_day.get(day, ()))
            label = format_date(day, "d MMMM")
            row.append(
                {
                    "date": day,
                    "iso": day.isoformat(),
                    "number": day.day,
                    "free": free,
                    "chosen": day == chosen,
                    "label": gettext("%(day)s, free times: %(count)s") % {"day": label, "count": free}
                    if free
                    else gettext("%(day)s, no free time") % {"day": label},
                }
            )
        weeks.append(row)
    return weeks
