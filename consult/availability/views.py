"""Availability over HTTP: the lawyer's hours (page and API), staff closures, topics, profiles and slots."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from babel.dates import get_day_names

from consult import holiday_names, keys
from consult.availability import queries
from consult.availability.forms import (
    Availability,
    availability_json,
    day_off_runs,
    default_availability,
    hhmm,
    parse_availability,
    parse_date,
)
from consult.availability.service import bookable_spans
from consult.availability.slots import date_window, rfc3339
from consult.errors import ApiError, NotFound, invalid
from consult.i18n import N_, babel_locale, capitalized, current_language, current_timezone, gettext, localized
from consult.web import allow, current_user, json_response, read_json, render, request_zone

routes = web.RouteTableDef()
log = logging.getLogger("consult.availability")

MAX_WINDOW_DAYS = 62
# Zones offered in selectors: Kazakhstan's first, then where members and lawyers often are.
ZONE_CHOICES = (
    "Asia/Almaty",
    "Asia/Qostanay",
    "Asia/Aqtobe",
    "Asia/Aqtau",
    "Asia/Atyrau",
    "Asia/Oral",
    "Asia/Qyzylorda",
    "Europe/Moscow",
    "Asia/Tashkent",
    "Asia/Bishkek",
    "Europe/Istanbul",
    "Europe/Berlin",
    "Europe/London",
    "Asia/Dubai",
    "Asia/Seoul",
    "America/New_York",
    "UTC",
)
WEEKDAYS = range(1, 8)
EMPTY_ROWS = 3
MAX_FORM_ROWS = 200


def see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def clock(request: web.Request) -> datetime:
    """Return now; tests pin the service's clock with app[keys.SERVICES]["clock"] (a callable)."""
    pinned = request.app[keys.SERVICES].get("clock")
    return pinned() if pinned is not None else datetime.now(UTC)


def weekday_name(weekday: int) -> str:
    """Name an ISO weekday (1 = Monday) in the reader's language."""
    return capitalized(str(get_day_names("wide", locale=babel_locale())[weekday - 1]))


def zone_choices(current: str) -> list[str]:
    return list(ZONE_CHOICES) if current in ZONE_CHOICES else [current, *ZONE_CHOICES]


# --- The lawyer's availability: API ----------------------------------------------------------------------


async def _load(conn: Any, lawyer_id: int) -> Availability:
    saved = await queries.load_availability(conn, lawyer_id)
    return saved or default_availability(current_timezone())


async def _store(request: web.Request, body: dict[str, Any]) -> Availability:
    """Validate and save an availability object for the signed-in lawyer, or raise 400 with fields."""
    user = current_user(request)
    assert user is not None
    async with request.app[keys.POOL].acquire() as conn, conn.transaction():
        topics = [t["slug"] for t in await queries.active_topics(conn)]
        saved = await queries.load_availability(conn, user.id)
        value, errors = parse_availability(body, topics, saved.languages if saved else None)
        if value is None:
            raise invalid(errors)
        await queries.save_availability(conn, user.id, value)
        stored = await queries.load_availability(conn, user.id)
        detail = {"weekly": len(value.weekly), "exceptions": len(value.exceptions), "topics": value.topics}
        await queries.audit(conn, user.id, "availability_update", "lawyer", str(user.id), detail)
    log.info("availability saved", extra={"lawyer_id": user.id})
    assert stored is not None
    return stored


@routes.get("/api/v1/me/availability", name="api-availability")
@allow("lawyer")
async def api_get_availability(request: web.Request) -> web.Response:
    user = current_user(request)
    assert user is not None
    async with request.app[keys.POOL].acquire() as conn:
        value = await _load(conn, user.id)
    return json_response(availability_json(value))


@routes.put("/api/v1/me/availability", name="api-availability-put")
@allow("lawyer")
async def api_put_availability(request: web.Request) -> web.Response:
    value = await _store(request, await read_json(request))
    return json_response(availability_json(value))


# --- The lawyer's availability: page ---------------------------------------------------------------------


def _rows(form: Any, prefix: str, names: tuple[str, ...]) -> list[dict[str, str]]:
    """Read the numbered rows of one table of the form (prefix-0-name, prefix-1-name, ...)."""
    try:
        count = min(int(str(form.get(f"{prefix}_rows", "0"))), MAX_FORM_ROWS)
    except ValueError:
        count = 0
    rows = []
    for i in range(count):
        row = {name: str(form.get(f"{prefix}-{i}-{name}", "")).strip() for name in names}
        row["remove"] = "1" if form.get(f"{prefix}-{i}-remove") else ""
        rows.append(row)
    return rows


def _filled(rows: list[dict[str, str]], names: tuple[str, ...]) -> list[int]:
    """Return the indexes of rows with something typed in and not marked for removal."""
    return [i for i, row in enumerate(rows) if not row["remove"] and any(row[n] for n in names)]


def _number(text: str) -> int | str:
    return int(text) if text.isdigit() else text


def form_to_body(form: Any) -> tuple[dict[str, Any], dict[str, list[dict[str, str]]], dict[str, list[int]]]:
    """Turn the page's form into the API's object; return it, the rows as typed, and which rows were sent."""
    rows = {
        "weekly": _rows(form, "weekly", ("weekday", "start", "end")),
        "off": _rows(form, "off", ("from", "to")),
        "extra": _rows(form, "extra", ("date", "start", "end")),
    }
    sent = {
        "weekly": _filled(rows["weekly"], ("start", "end")),
        "off": _filled(rows["off"], ("from", "to")),
        "extra": _filled(rows["extra"], ("date", "start", "end")),
    }
    body: dict[str, Any] = {
        "timezone": str(form.get("timezone", "")),
        "slot_minutes": _number(str(form.get("slot_minutes", ""))),
        "buffer_minutes": _number(str(form.get("buffer_minutes", "0")) or "0"),
        "weekly": [
            {"weekday": _number(rows["weekly"][i]["weekday"]), **_pick(rows["weekly"][i], "start", "end")}
            for i in sent["weekly"]
        ],
        "vacations": [
            {
                "from": rows["off"][i]["from"] or rows["off"][i]["to"],
                "to": rows["off"][i]["to"] or rows["off"][i]["from"],
            }
            for i in sent["off"]
        ],
        "exceptions": [
            {"date": rows["extra"][i]["date"], "available": True, **_pick(rows["extra"][i], "start", "end")}
            for i in sent["extra"]
        ],
        "topics": [str(v) for v in form.getall("topics", [])],
        "languages": [str(v) for v in form.getall("languages", [])],
    }
    return body, rows, sent


def _pick(row: dict[str, str], *names: str) -> dict[str, str]:
    # Browsers may send seconds (HH:MM:SS) from a time input; the API takes HH:MM.
    return {n: row[n][:5] if len(row[n]) == 8 and row[n][5] == ":" else row[n] for n in names}


def form_errors(errors: dict[str, str]) -> dict[str, str]:
    """Name each API field problem after the form field the lawyer typed it in."""
    where = {"weekly": "weekly", "vacations": "off", "exceptions": "extra"}
    result: dict[str, str] = {}
    for key, message in errors.items():
        kind, _sep, rest = key.partition(".")
        index, _sep, name = rest.partition(".")
        if kind in where and index.isdigit():
            row = int(index)
            field = {"date": "date", "from": "from", "to": "to", "available": "date"}.get(name, name)
            result[f"{where[kind]}-{row}-{field or 'start'}"] = gettext(message)
        else:
            result.setdefault(kind, gettext(message))
    return result


def value_rows(value: Availability) -> dict[str, list[dict[str, str]]]:
    off = day_off_runs(d for d, available, _s, _e in value.exceptions if not available)
    return {
        "weekly": [
            {"weekday": str(d), "start": hhmm(s), "end": hhmm(e), "remove": ""} for d, s, e in value.weekly
        ],
        "off": [{"from": a.isoformat(), "to": b.isoformat(), "remove": ""} for a, b in off],
        "extra": [
            {"date": d.isoformat(), "start": hhmm(s), "end": hhmm(e), "remove": ""}
            for d, available, s, e in value.exceptions
            if available
        ],
    }


async def _page(
    request: web.Request,
    body: dict[str, Any],
    rows: dict[str, list[dict[str, str]]],
    errors: dict[str, str],
    status: int = 200,
    more: str = "",
) -> web.Response:
    async with request.app[keys.POOL].acquire() as conn:
        topics = await queries.active_topics(conn)
    blank = {
        "weekly": {"weekday": "1", "start": "", "end": "", "remove": ""},
        "off": {"from": "", "to": "", "remove": ""},
        "extra": {"date": "", "start": "", "end": "", "remove": ""},
    }
    padded = {
        kind: [*kept, *[dict(blank[kind]) for _ in range(EMPTY_ROWS * (2 if more == kind else 1))]]
        for kind, kept in rows.items()
    }
    return render(
        request,
        "availability/edit.html",
        {
            "value": body,
            "rows": padded,
            "errors": errors,
            "topics": topics,
            "zones": zone_choices(str(body.get("timezone") or current_timezone())),
            "weekdays": WEEKDAYS,
            "weekday_name": weekday_name,
            "saved": request.query.get("saved") == "1",
        },
        status=status,
    )


@routes.get("/availability", name="availability")
@allow("lawyer")
async def availability_page(request: web.Request) -> web.Response:
    user = current_user(request)
    assert user is not None
    async with request.app[keys.POOL].acquire() as conn:
        value = await _load(conn, user.id)
    return await _page(request, availability_json(value), value_rows(value), {})


@routes.post("/availability", name="availability-save")
@allow("lawyer")
async def availability_save(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    body, rows, sent = form_to_body(form)
    # The form comes back with the rows that were sent, in order, so API indexes name them directly.
    shown = {kind: [kind_rows[i] for i in sent[kind]] for kind, kind_rows in rows.items()}
    more = str(form.get("more", ""))
    if more in shown:
        # "More rows" shows the form again as typed, with extra empty rows, and saves nothing yet.
        return await _page(request, body, shown, {}, more=more)
    try:
        await _store(request, body)
    except ApiError as exc:
        if exc.status != 400:
            raise
        return await _page(request, body, shown, form_errors(exc.fields), status=400)
    return see_other(str(request.app.router["availability"].url_for().with_query(saved="1")))


# --- Staff: union-wide closures --------------------------------------------------------------------------


def holidays_named(years: list[int]) -> list[tuple[date, str]]:
    """Return Kazakhstan's public days off with their names in the reader's language."""
    return holiday_names.holidays_named(years, current_language())


@routes.get("/staff/closures", name="staff-closures")
@allow("staff")
async def closures_page(request: web.Request) -> web.Response:
    today = clock(request).astimezone(ZoneInfo(current_timezone())).date()
    async with request.app[keys.POOL].acquire() as conn:
        closures = await conn.fetch(queries.CLOSURES_FROM, today - timedelta(days=31))
    holidays = [(d, name) for d, name in holidays_named([today.year, today.year + 1]) if d >= today]
    return render(
        request,
        "availability/closures.html",
        {"closures": closures, "holidays": holidays, "errors": {}, "today": today},
    )


@routes.post("/staff/closures", name="staff-closures-add")
@allow("staff")
async def closures_add(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    day = parse_date(str(form.get("day", "")))
    reason = str(form.get("reason", "")).strip()[:200]
    if day is None:
        raise invalid({"day": N_("Use a date in the form YYYY-MM-DD.")})
    user = current_user(request)
    assert user is not None
    async with request.app[keys.POOL].acquire() as conn, conn.transaction():
        await conn.execute(queries.ADD_CLOSURE, day, reason)
        await queries.audit(conn, user.id, "closure_add", "closure", day.isoformat())
    return see_other(str(request.app.router["staff-closures"].url_for()))


@routes.post("/staff/closures/{day}/remove", name="staff-closures-remove")
@allow("staff")
async def closures_remove(request: web.Request) -> web.StreamResponse:
    day = parse_date(request.match_info["day"])
    user = current_user(request)
    assert user is not None
    async with request.app[keys.POOL].acquire() as conn, conn.transaction():
        removed = await conn.fetchval(queries.REMOVE_CLOSURE, day) if day else None
        if removed is None:
            raise NotFound()
        await queries.audit(conn, user.id, "closure_remove", "closure", removed.isoformat())
    return see_other(str(request.app.router["staff-closures"].url_for()))


# --- Public API: topics, lawyers, slots ------------------------------------------------------------------


async def topic_or_404(conn: Any, slug: str | None) -> Any:
    """Return the active topic of a slug; a missing slug is a 400, an unknown one a 404."""
    if not slug:
        raise invalid({"topic": N_("Required.")})
    topic = await conn.fetchrow(queries.TOPIC_BY_SLUG, slug) if len(slug) <= 60 else None
    if topic is None:
        raise NotFound(message=N_("There is no such topic."))
    return topic


def lawyer_param(request: web.Request) -> int | None:
    """Read the optional ?lawyer= id; anything but a positive whole number is a 400."""
    value = request.query.get("lawyer")
    if value is None or value == "":
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 18 or int(value) == 0:
        raise invalid({"lawyer": N_("A lawyer is given by their id, a whole number.")})
    return int(value)


def date_range(request: web.Request, zone: ZoneInfo, horizon_days: int) -> tuple[date, date]:
    """Read ?from= and ?to= (dates in the asked zone), defaulting to today and the booking horizon."""
    today = clock(request).astimezone(zone).date()
    errors: dict[str, str] = {}
    first = last = None
    for name in ("from", "to"):
        raw = request.query.get(name)
        if raw is not None and parse_date(raw) is None:
            errors[name] = N_("Use a date in the form YYYY-MM-DD.")
    if errors:
        raise invalid(errors)
    first = parse_date(request.query.get("from")) or today
    last = parse_date(request.query.get("to")) or max(first, today) + timedelta(days=horizon_days)
    if first < today:
        errors["from"] = N_("The date is in the past.")
    elif last < first:
        errors["to"] = N_("The last day comes before the first.")
    elif (last - first).days > MAX_WINDOW_DAYS:
        errors["to"] = N_("Ask for at most 62 days at once.")
    if errors:
        raise invalid(errors)
    return first, last


@routes.get("/api/v1/topics", name="api-topics")
@allow("anyone")
async def api_topics(request: web.Request) -> web.Response:
    async with request.app[keys.POOL].acquire() as conn:
        topics = await queries.active_topics(conn)
    return json_response([{"slug": t["slug"], "name": localized(t, "name")} for t in topics])


@routes.get("/api/v1/lawyers", name="api-lawyers")
@allow("anyone")
async def api_lawyers(request: web.Request) -> web.Response:
    async with request.app[keys.POOL].acquire() as conn:
        slug = request.query.get("topic")
        topic = await topic_or_404(conn, slug) if slug is not None else None
        rows = await conn.fetch(queries.PUBLIC_LAWYERS, topic["id"] if topic else None)
    return json_response(
        [
            {
                "id": r["id"],
                "name": r["name"],
                "languages": list(r["languages"]),
                "topics": list(r["topics"]),
                "bio": localized(r, "bio"),
            }
            for r in rows
        ]
    )


@routes.get("/api/v1/slots", name="api-slots")
@allow("anyone")
async def api_slots(request: web.Request) -> web.Response:
    settings = request.app[keys.SETTINGS]
    zone = request_zone(request)
    lawyer_id = lawyer_param(request)
    first, last = date_range(request, zone, settings.booking.horizon_days)
    window_start, window_end = date_window(first, last, zone.key)
    async with request.app[keys.POOL].acquire() as conn:
        topic = await topic_or_404(conn, request.query.get("topic"))
        spans = await bookable_spans(
            conn,
            settings,
            topic_id=topic["id"],
            lawyer_id=lawyer_id,
            window_start=window_start,
            window_end=window_end,
            now=clock(request),
        )
    return json_response(
        {
            "slots": [
                {"start": rfc3339(s, zone), "end": rfc3339(e, zone), "lawyer_id": lid} for s, e, lid in spans
            ]
        }
    )
