"""Booking pages and API: the booking form, the member's secret page, the lawyer's day."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from aiohttp import web

from consult import audit, keys, links, ratelimit
from consult.availability.service import bookable_slots, free_lawyers_at
from consult.booking import queries as q
from consult.booking import service
from consult.booking.emails import BOOKING as NOTIFY_VIEW
from consult.booking.emails import participant_invite
from consult.booking.forms import (
    BookingRequest,
    parse_answer,
    parse_booking,
    parse_instant,
    parse_lawyer_id,
    parse_reason,
    valid_zone,
)
from consult.booking.states import allowed_actions
from consult.calendar.ics import google_calendar_url
from consult.errors import ApiError, Unprocessable, invalid, not_found
from consult.i18n import N_, current_language, gettext, localized, use_locale
from consult.mail.sender import wake_outbox
from consult.security import hash_token, new_token
from consult.web import (
    allow,
    client_address,
    current_user,
    error_body,
    json_response,
    read_json,
    render,
    request_zone,
    url_for,
)

routes = web.RouteTableDef()

JOIN_OPENS_BEFORE = timedelta(minutes=10)
RESCHEDULE_DAYS = 14
STATUS_LABELS = {
    "pending": N_("Waiting for confirmation"),
    "confirmed": N_("Confirmed"),
    "cancelled": N_("Cancelled"),
    "completed": N_("Completed"),
    "no_show": N_("Missed"),
}


def now_utc() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat()


def zone_of(request: web.Request) -> ZoneInfo:
    return request_zone(request)


def member_json(request: web.Request, booking: Mapping[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    """The booking as its member sees it (API.md: GET /api/v1/bookings/manage/{token})."""
    settings = request.app[keys.SETTINGS]
    token = links.manage_token(settings, booking)
    video = None if settings.video.provider == "none" else links.join_url(settings, booking, "member")
    return {
        "id": booking["id"],
        "status": booking["status"],
        "start": iso(booking["starts_at"], zone),
        "end": iso(booking["ends_at"], zone),
        "topic": booking["topic_slug"],
        "topic_name": localized(booking, "name"),
        "lawyer": {"id": booking["lawyer_id"], "name": booking["lawyer_name"]},
        "video_url": video if booking["status"] in ("pending", "confirmed") else None,
        "ics_url": settings.server.base_url + url_for(request, "manage-ics", token=token),
        "timezone": booking["timezone"],
        "cancel_reason": booking["cancel_reason"],
    }


def lawyer_json(booking: Mapping[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    """The booking as its lawyer (or staff) sees it: with the member's contacts and question."""
    return {
        "id": booking["id"],
        "status": booking["status"],
        "start": iso(booking["starts_at"], zone),
        "end": iso(booking["ends_at"], zone),
        "topic": booking["topic_slug"],
        "lawyer_id": booking["lawyer_id"],
        "member": {
            "name": booking["member_name"],
            "email": booking["member_email"],
            "phone": booking["member_phone"],
        },
        "question": booking["question"],
        "answer": booking["answer"],
        "language": booking["language"],
        "cancel_reason": booking["cancel_reason"],
    }


def created_json(booking: Mapping[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    return {
        "id": booking["id"],
        "status": booking["status"],
        "start": iso(booking["starts_at"], zone),
        "end": iso(booking["ends_at"], zone),
        "lawyer_id": booking["lawyer_id"],
    }


def _buckets(request: web.Request, email: Any) -> list[tuple[str, int, int]]:
    """A booking attempt's rate limits: generous per address (a union office books for many), tight per email."""
    limits = request.app[keys.SETTINGS].booking
    address = "book-ip:" + ratelimit.key(client_address(request))
    buckets = [(address, limits.attempts_per_address, limits.address_window_minutes * 60)]
    if isinstance(email, str) and email.strip():
        key = "book-email:" + ratelimit.key(email.strip().lower())
        buckets.append((key, limits.attempts_per_email, limits.email_window_minutes * 60))
    return buckets


async def _limit(conn: asyncpg.Connection, request: web.Request, email: Any) -> None:
    """Count a booking attempt now (see _buckets)."""
    await ratelimit.hit_all(conn, _buckets(request, email))


async def _book(request: web.Request, data: Mapping[str, Any], email: Any) -> Mapping[str, Any]:
    """Count the attempt and book, outside any transaction: when the request is well formed the count
    rides on the booking's write (service.create_booking), else it is made before the 400. The pool's
    connection is held for the check only, not while the booking waits for its batch."""
    pool = request.app[keys.POOL]
    try:
        req = _booking_request(request, data)
    except ApiError:
        async with pool.acquire() as conn:
            await _limit(conn, request, email)
        raise
    settings = request.app[keys.SETTINGS]
    return await service.create_booking(
        pool,
        settings,
        req,
        now=now_utc(),
        rate_limits=_buckets(request, email),
        writer=request.app[keys.BOOKING_WRITER],
    )


def _booking_request(request: web.Request, data: Mapping[str, Any]) -> BookingRequest:
    settings = request.app[keys.SETTINGS]
    req, errors = parse_booking(
        data,
        require_membership=settings.booking.require_membership,
        default_language=current_language(),
        default_timezone=settings.i18n.default_timezone,
    )
    if req is None:
        raise invalid(errors)
    return req


# ---------------------------------------------------------------- API: booking


def _request_hash(body: Mapping[str, Any]) -> bytes:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).digest()


def _idempotency_key(request: web.Request) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not key or len(key) > 200 or not key.isascii() or not key.isprintable():
        raise invalid({"Idempotency-Key": N_("Use up to 200 printable ASCII characters.")})
    return key


@routes.post("/api/v1/bookings", name="api-bookings-create")
@allow("anyone")
async def api_create(request: web.Request) -> web.Response:
    body = await read_json(request)
    key = _idempotency_key(request)
    zone = zone_of(request)
    settings = request.app[keys.SETTINGS]
    if key is None:
        # No transaction of ours: create_booking's one writing call is a transaction of its own, and
        # a refusal writes nothing. Two round trips in all when it goes well.
        booking = await _book(request, body, body.get("email"))
        status, answer = 201, created_json(booking, zone)
    else:
        async with request.app[keys.POOL].acquire() as conn:
            await _limit(conn, request, body.get("email"))
            body_hash = _request_hash(body)
            async with conn.transaction():
                if await conn.fetchval(q.IDEMPOTENCY_CLAIM, key, body_hash) is None:
                    # Someone used this key before (ON CONFLICT waited for them to finish): answer as then.
                    seen = await conn.fetchrow(q.IDEMPOTENCY_LOOKUP, key)
                    if seen["request_hash"] != body_hash:
                        raise Unprocessable(
                            "idempotency_mismatch",
                            N_("This Idempotency-Key was used with a different request."),
                        )
                    return json_response(seen["body"], status=seen["status"])
                try:
                    async with conn.transaction():  # a savepoint: the refusal is remembered for the key
                        req = _booking_request(request, body)
                        booking = await service.create_booking(conn, settings, req, now=now_utc())
                    status, answer = 201, created_json(booking, zone)
                except ApiError as exc:
                    if exc.status not in (400, 409):
                        raise
                    status, answer = exc.status, error_body(exc)
                await conn.execute(q.IDEMPOTENCY_STORE, key, status, answer)
    if status == 201:
        wake_outbox(request.app)
    return json_response(answer, status=status)


async def _member_action(request: web.Request, action: str) -> web.Response:
    body = await read_json(request) if request.can_read_body else {}
    settings = request.app[keys.SETTINGS]
    zone = zone_of(request)
    async with request.app[keys.POOL].acquire() as conn, conn.transaction():
        booking = await service.load_by_token(conn, request.match_info["token"], for_update=True)
        await _member_changes(conn, settings, booking, action, body)
        fresh = await service.load_by_token(conn, request.match_info["token"])
    wake_outbox(request.app)
    return json_response(member_json(request, fresh, zone))


async def _member_changes(
    conn: asyncpg.Connection, settings: Any, booking: Mapping[str, Any], action: str, data: Mapping[str, Any]
) -> None:
    """Do what the member asked: confirm, cancel (with an optional reason) or reschedule."""
    now = now_utc()
    if action == "confirm":
        if booking["status"] == "pending" and booking["hold_expires_at"] <= now:
            raise service.invalid_state()  # the hold lapsed; the expiry job cancels it
        await service.change_status(
            conn, settings, booking, "confirm", actor="member", actor_id=booking["member_id"]
        )
        return
    if booking["status"] in ("pending", "confirmed") and not service.member_may_still_change(
        settings, booking, now
    ):
        raise service.too_late()
    if action == "cancel":
        reason, errors = parse_reason(data.get("reason"), required=False)
        if errors:
            raise invalid(errors)
        await service.change_status(
            conn, settings, booking, "cancel", actor="member", actor_id=booking["member_id"], reason=reason
        )
        return
    start = parse_instant(data.get("start"))
    lawyer_id, ok = parse_lawyer_id(data.get("lawyer_id"))
    if start is None or not ok:
        raise invalid(
            {"start": N_("Choose a time.")} if start is None else {"lawyer_id": N_("Unknown lawyer.")}
        )
    await service.reschedule(
        conn,
        settings,
        booking,
        start=start,
        lawyer_id=lawyer_id,
        actor="member",
        actor_id=booking["member_id"],
        now=now,
    )


@routes.get("/api/v1/bookings/manage/{token}", name="api-manage")
@allow("anyone")
async def api_manage(request: web.Request) -> web.Response:
    async with request.app[keys.POOL].acquire() as conn:
        booking = await service.load_by_token(conn, request.match_info["token"])
    return json_response(member_json(request, booking, zone_of(request)))


@routes.post("/api/v1/bookings/manage/{token}/confirm", name="api-manage-confirm")
@allow("anyone")
async def api_manage_confirm(request: web.Request) -> web.Response:
    return await _member_action(request, "confirm")


@routes.post("/api/v1/bookings/manage/{token}/cancel", name="api-manage-cancel")
@allow("anyone")
async def api_manage_cancel(request: web.Request) -> web.Response:
    return await _member_action(request, "cancel")


@routes.post("/api/v1/bookings/manage/{token}/reschedule", name="api-manage-reschedule")
@allow("anyone")
async def api_manage_reschedule(request: web.Request) -> web.Response:
    return await _member_action(request, "reschedule")


# ---------------------------------------------------------------- API: lawyers and staff


def _date_param(request: web.Request, name: str, default: date) -> date:
    value = request.query.get(name)
    if value is None:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise invalid({name: N_("Use a date like 2026-12-03.")}) from None


@routes.get("/api/v1/me/bookings", name="api-me-bookings")
@allow("lawyer")
async def api_my_bookings(request: web.Request) -> web.Response:
    user = current_user(request)
    assert user is not None
    zone = zone_of(request)
    today = now_utc().astimezone(zone).date()
    first = _date_param(request, "from", today)
    last = _date_param(request, "to", first + timedelta(days=30))
    if last < first or (last - first).days > 366:
        raise invalid({"to": N_("Choose an end date within a year after the start date.")})
    start = datetime.combine(first, datetime.min.time(), zone)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), zone)
    async with request.app[keys.POOL].acquire() as conn:
        rows = await conn.fetch(q.LAWYER_BOOKINGS, user.id, start, end)
    return json_response({"items": [lawyer_json(r, zone) for r in rows]})


async def _staff_action(
    request: web.Request, booking_id: int, action: str, data: Mapping[str, Any]
) -> asyncpg.Record:
    """Complete, mark no-show or cancel a booking as its lawyer (or staff); return it fresh."""
    user = current_user(request)
    assert user is not None
    settings = request.app[keys.SETTINGS]
    reason = answer = None
    if action == "cancel":
        reason, errors = parse_reason(data.get("reason"), required=True)
    elif action == "complete":
        answer, errors = parse_answer(data.get("answer"))
    else:
        errors = {}
    async with request.app[keys.POOL].acquire() as conn, conn.transaction():
        booking = await service.load_for_staff(conn, booking_id, user.role, user.id, for_update=True)
        if errors:
            raise invalid(errors)
        await service.change_status(
            conn, settings, booking, action, actor=user.role, actor_id=user.id, reason=reason, answer=answer
        )
        fresh = await service.load_for_staff(conn, booking_id, user.role, user.id)
    wake_outbox(request.app)
    return fresh


def _booking_id(request: web.Request) -> int:
    value = request.match_info["id"]
    if not value.isdigit() or len(value) > 18:
        raise not_found()
    return int(value)


async def _api_staff_action(request: web.Request, action: str) -> web.Response:
    data = await read_json(request) if request.can_read_body else {}
    booking = await _staff_action(request, _booking_id(request), action, data)
    return json_response(lawyer_json(booking, zone_of(request)))


@routes.post("/api/v1/bookings/{id}/complete", name="api-booking-complete")
@allow("lawyer", "staff")
async def api_complete(request: web.Request) -> web.Response:
    return await _api_staff_action(request, "complete")


@routes.post("/api/v1/bookings/{id}/no-show", name="api-booking-no-show")
@allow("lawyer", "staff")
async def api_no_show(request: web.Request) -> web.Response:
    return await _api_staff_action(request, "no_show")


@routes.post("/api/v1/bookings/{id}/cancel", name="api-booking-cancel")
@allow("lawyer", "staff")
async def api_cancel(request: web.Request) -> web.Response:
    return await _api_staff_action(request, "cancel")


# ---------------------------------------------------------------- pages: booking form


async def _form_context(
    request: web.Request, conn: asyncpg.Connection, values: Mapping[str, Any]
) -> dict[str, Any]:
    """What the booking form shows: the topic, the chosen time in the member's zone, the lawyer if any."""
    settings = request.app[keys.SETTINGS]
    topic = await conn.fetchrow(q.TOPIC_BY_SLUG, request.match_info["topic"])
    if topic is None:
        raise not_found()
    start = parse_instant(values.get("start"))
    lawyer_id, _ok = parse_lawyer_id(values.get("lawyer_id"))
    free: list[tuple[int, datetime]] = []
    if start is not None:
        free = await free_lawyers_at(
            conn, settings, topic_id=topic["id"], start=start, now=now_utc(), lawyer_id=lawyer_id
        )
    lawyer = await conn.fetchrow(q.LAWYER_NAME, lawyer_id) if lawyer_id else None
    tz = values.get("timezone") or settings.i18n.default_timezone
    return {
        "topic": topic,
        "start": start,
        "end": free[0][1] if free else None,
        "available": bool(free),
        "lawyer": lawyer,
        "tz": valid_zone(tz) or settings.i18n.default_timezone,
        "values": values,
        "require_membership": settings.booking.require_membership,
        "languages": [("ru", "Русский"), ("kk", "Қазақша"), ("en", "English")],
    }


@routes.get("/book/{topic}/new", name="book-form")
@allow("anyone")
async def book_form(request: web.Request) -> web.Response:
    values = {
        "start": request.query.get("start", ""),
        "lawyer_id": request.query.get("lawyer", ""),
        "timezone": request.query.get("tz", ""),
        "language": current_language(),
    }
    async with request.app[keys.POOL].acquire() as conn:
        ctx = await _form_context(request, conn, values)
    return render(request, "booking/form.html", {**ctx, "errors": {}, "alert": None})


FORM_FIELDS = (
    "start",
    "lawyer_id",
    "timezone",
    "name",
    "email",
    "phone",
    "membership_no",
    "question",
    "language",
)


@routes.post("/book/{topic}/new", name="book-submit")
@allow("anyone")
async def book_submit(request: web.Request) -> web.Response:
    form = await request.post()
    values: dict[str, Any] = {name: str(form.get(name, "")) for name in FORM_FIELDS}
    data = {**values, "topic": request.match_info["topic"], "consent": form.get("consent") == "yes"}
    try:
        booking = await _book(request, {k: v for k, v in data.items() if v != ""}, values["email"])
    except ApiError as exc:
        if exc.status not in (400, 409):
            raise
        async with request.app[keys.POOL].acquire() as conn:
            ctx = await _form_context(request, conn, values)
            errors = {name: gettext(problem) for name, problem in exc.fields.items()}
            alert = gettext(exc.message)
            return render(
                request,
                "booking/form.html",
                {**ctx, "errors": errors, "alert": alert, "code": exc.code},
                exc.status,
            )
    wake_outbox(request.app)
    target = url_for(request, "book-done", {"status": booking["status"]}, topic=request.match_info["topic"])
    raise web.HTTPSeeOther(target)


@routes.get("/book/{topic}/done", name="book-done")
@allow("anyone")
async def book_done(request: web.Request) -> web.Response:
    status = "confirmed" if request.query.get("status") == "confirmed" else "pending"
    return render(request, "booking/done.html", {"status": status, "topic_slug": request.match_info["topic"]})


# ---------------------------------------------------------------- pages: the member's booking


def _manage_context(request: web.Request, booking: Mapping[str, Any]) -> dict[str, Any]:
    settings = request.app[keys.SETTINGS]
    now = now_utc()
    token = links.manage_token(settings, booking)
    live = booking["status"] in ("pending", "confirmed")
    join_url = None
    if settings.video.provider != "none" and booking["status"] == "confirmed":
        join_url = links.join_url(settings, booking, "member")
    with use_locale(current_language(), booking["timezone"]):
        summary = gettext("Union legal consultation: %(topic)s") % {"topic": localized(booking, "name")}
    google = (
        google_calendar_url(summary, booking["starts_at"], booking["ends_at"], join_url, join_url)
        if live
        else None
    )
    may_change = live and service.member_may_still_change(settings, booking, now)
    actions = allowed_actions(booking["status"], "member")
    return {
        "booking": booking,
        "token": token,
        "tz": booking["timezone"],
        "live": live,
        "join_url": join_url,
        "join_open": join_url is not None
        and booking["starts_at"] - JOIN_OPENS_BEFORE <= now < booking["ends_at"],
        "google_url": google,
        "can_confirm": "confirm" in actions,
        "can_cancel": "cancel" in actions and may_change,
        "can_reschedule": "reschedule" in actions and may_change,
        "too_late": live and not may_change,
        "cutoff_minutes": settings.booking.cancel_cutoff_minutes,
        "STATUS_LABELS": STATUS_LABELS,
        "errors": {},
        "alert": None,
    }


@routes.get("/b/{token}", name="manage")
@allow("anyone")
async def manage_page(request: web.Request) -> web.Response:
    async with request.app[keys.POOL].acquire() as conn:
        booking = await service.load_by_token(conn, request.match_info["token"])
    return render(request, "booking/manage.html", _manage_context(request, booking))


@routes.get("/b/{token}/invite.ics", name="manage-ics")
@allow("anyone")
async def manage_ics(request: web.Request) -> web.Response:
    settings = request.app[keys.SETTINGS]
    async with request.app[keys.POOL].acquire() as conn:
        booking = await service.load_by_token(conn, request.match_info["token"])
        full = await conn.fetchrow(NOTIFY_VIEW, booking["id"])
    method = "REQUEST" if booking["status"] in ("pending", "confirmed") else "CANCEL"
    body = participant_invite(settings, full, "member", method)
    return web.Response(
        body=body,
        content_type="text/calendar",
        charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="consultation.ics"'},
    )


async def _manage_post(request: web.Request, action: str) -> web.StreamResponse:
    form = await request.post()
    data = {name: str(form[name]) for name in ("reason", "start", "lawyer_id") if name in form}
    token = request.match_info["token"]
    settings = request.app[keys.SETTINGS]
    async with request.app[keys.POOL].acquire() as conn:
        try:
            async with conn.transaction():
                booking = await service.load_by_token(conn, token, for_update=True)
                await _member_changes(conn, settings, booking, action, data)
        except ApiError as exc:
            if exc.status not in (400, 409):
                raise
            booking = await service.load_by_token(conn, token)
            ctx = _manage_context(request, booking)
            ctx["errors"] = {name: gettext(problem) for name, problem in exc.fields.items()}
            ctx["alert"] = gettext(exc.message)
            return render(request, "booking/manage.html", ctx, exc.status)
    wake_outbox(request.app)
    raise web.HTTPSeeOther(url_for(request, "manage", {"done": action}, token=token))


@routes.post("/b/{token}/confirm", name="manage-confirm")
@allow("anyone")
async def manage_confirm(request: web.Request) -> web.StreamResponse:
    return await _manage_post(request, "confirm")


@routes.post("/b/{token}/cancel", name="manage-cancel")
@allow("anyone")
async def manage_cancel(request: web.Request) -> web.StreamResponse:
    return await _manage_post(request, "cancel")


@routes.post("/b/{token}/reschedule", name="manage-reschedule-submit")
@allow("anyone")
async def manage_reschedule_submit(request: web.Request) -> web.StreamResponse:
    return await _manage_post(request, "reschedule")


@routes.get("/b/{token}/reschedule", name="manage-reschedule")
@allow("anyone")
async def manage_reschedule(request: web.Request) -> web.Response:
    """A simple chooser: the next two weeks of free times of the same lawyer, grouped by day."""
    settings = request.app[keys.SETTINGS]
    now = now_utc()
    async with request.app[keys.POOL].acquire() as conn:
        booking = await service.load_by_token(conn, request.match_info["token"])
        zone = ZoneInfo(booking["timezone"])
        first = _date_param(request, "from", now.astimezone(zone).date())
        window_start = max(datetime.combine(first, datetime.min.time(), zone), now)
        window_end = datetime.combine(first + timedelta(days=RESCHEDULE_DAYS), datetime.min.time(), zone)
        slots = await bookable_slots(
            conn,
            settings,
            topic_id=booking["topic_id"],
            lawyer_id=booking["lawyer_id"],
            window_start=window_start,
            window_end=window_end,
            now=now,
        )
    days: dict[date, list[datetime]] = {}
    for start, _end, _lawyer in slots:
        days.setdefault(start.astimezone(zone).date(), []).append(start)
    ctx = _manage_context(request, booking)
    ctx.update(
        days=sorted(days.items()),
        next_from=(first + timedelta(days=RESCHEDULE_DAYS)).isoformat(),
    )
    return render(request, "booking/reschedule.html", ctx)


# ---------------------------------------------------------------- pages: the lawyer's day

DAY_AHEAD = timedelta(days=30)


async def _day_context(request: web.Request, conn: asyncpg.Connection) -> dict[str, Any]:
    user = current_user(request)
    assert user is not None
    zone = ZoneInfo(user.timezone)
    now = now_utc()
    today = datetime.combine(now.astimezone(zone).date(), datetime.min.time(), zone)
    rows = await conn.fetch(q.LAWYER_DAY, user.id, today, today + DAY_AHEAD)
    tomorrow = today + timedelta(days=1)
    return {
        "today_items": [r for r in rows if today <= r["starts_at"] < tomorrow],
        "earlier_items": [r for r in rows if r["starts_at"] < today],
        "later_items": [r for r in rows if r["starts_at"] >= tomorrow],
        "now": now,
        "STATUS_LABELS": STATUS_LABELS,
        "errors": {},
        "error_for": None,
        "alert": None,
        "feed_url": None,
    }


@routes.get("/lawyer/day", name="lawyer-day")
@allow("lawyer")
async def lawyer_day(request: web.Request) -> web.Response:
    async with request.app[keys.POOL].acquire() as conn:
        ctx = await _day_context(request, conn)
    return render(request, "booking/lawyer_day.html", ctx)


async def _lawyer_post(request: web.Request, action: str) -> web.StreamResponse:
    form = await request.post()
    data = {name: str(form[name]) for name in ("reason", "answer") if name in form}
    booking_id = _booking_id(request)
    try:
        await _staff_action(request, booking_id, action, data)
    except ApiError as exc:
        if exc.status not in (400, 409):
            raise
        async with request.app[keys.POOL].acquire() as conn:
            ctx = await _day_context(request, conn)
        ctx.update(
            errors={name: gettext(problem) for name, problem in exc.fields.items()},
            error_for=booking_id,
            alert=gettext(exc.message),
        )
        return render(request, "booking/lawyer_day.html", ctx, exc.status)
    raise web.HTTPSeeOther(url_for(request, "lawyer-day"))


@routes.post("/lawyer/bookings/{id}/complete", name="lawyer-complete")
@allow("lawyer")
async def lawyer_complete(request: web.Request) -> web.StreamResponse:
    return await _lawyer_post(request, "complete")


@routes.post("/lawyer/bookings/{id}/no-show", name="lawyer-no-show")
@allow("lawyer")
async def lawyer_no_show(request: web.Request) -> web.StreamResponse:
    return await _lawyer_post(request, "no_show")


@routes.post("/lawyer/bookings/{id}/cancel", name="lawyer-cancel")
@allow("lawyer")
async def lawyer_cancel(request: web.Request) -> web.StreamResponse:
    return await _lawyer_post(request, "cancel")


@routes.post("/lawyer/feed", name="lawyer-feed-renew")
@allow("lawyer")
async def lawyer_feed_renew(request: web.Request) -> web.Response:
    """Make a new secret calendar feed address; the old one stops working. Shown this once."""
    user = current_user(request)
    assert user is not None
    token = new_token()
    async with request.app[keys.POOL].acquire() as conn:
        async with conn.transaction():
            await conn.execute(q.RENEW_FEED, user.id, hash_token(token))
            await audit.record(conn, user.id, "feed_renewed", "lawyer", user.id)
        ctx = await _day_context(request, conn)
    settings = request.app[keys.SETTINGS]
    ctx["feed_url"] = settings.server.base_url + url_for(request, "calendar-feed", token=token)
    return render(request, "booking/lawyer_day.html", ctx)
