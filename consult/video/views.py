"""Our own join page in front of the video provider, and a lawyer's personal room (staff)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from babel.dates import format_timedelta

from consult import keys
from consult.errors import invalid, not_found
from consult.i18n import N_, babel_locale, current_language, gettext, set_request_locale
from consult.security import hash_token
from consult.video import queries
from consult.video.forms import RoomUrlError, clean_room_url
from consult.video.providers import VideoUnavailable
from consult.video.service import describe_meeting, enter_meeting, video_context, video_service
from consult.video.window import JoinState, closes_at, join_state, opens_at
from consult.web import allow, current_user, json_response, read_json, render

log = logging.getLogger("consult.video")
routes = web.RouteTableDef()

MAX_TOKEN_LENGTH = 100
# Pages for links that no longer lead anywhere answer 410 Gone; the page itself says why.
GONE_STATES = (JoinState.OVER, JoinState.CANCELLED, JoinState.MOVED)
# Without JavaScript the waiting page reloads itself, but only in the last hour before the window opens.
REFRESH_WITHIN_SECONDS = 3600
REFRESH_AT_MOST_SECONDS = 300


def setup(app: web.Application) -> None:
    app.cleanup_ctx.append(video_context)


def use_viewer_locale(request: web.Request, link: Mapping[str, Any]) -> str:
    """Show the page in the viewer's zone, and in their language unless they chose one; return the zone."""
    lawyer = link["role"] == "lawyer"
    zone = link["lawyer_timezone"] if lawyer else link["member_timezone"]
    chose = "lang" in request.query or "lang" in request.cookies or current_user(request) is not None
    language = (
        current_language() if chose else (link["lawyer_language"] if lawyer else link["member_language"])
    )
    set_request_locale(language, zone)
    return str(zone)


def refresh_seconds(now: datetime, opens: datetime) -> int | None:
    """Seconds until the no-JavaScript page should reload itself, or None when it is still far away."""
    wait = (opens - now).total_seconds()
    if wait > REFRESH_WITHIN_SECONDS:
        return None
    return int(min(max(wait + 1, 5), REFRESH_AT_MOST_SECONDS))


@routes.get("/join/{token}", name="join")
@allow("anyone")
async def join(request: web.Request) -> web.StreamResponse:
    """Check the booking, the person and the time; inside the window send them to a fresh provider URL."""
    token = request.match_info["token"]
    if len(token) > MAX_TOKEN_LENGTH:
        raise not_found()
    pool = request.app[keys.POOL]
    async with pool.acquire() as conn:
        link = await queries.join_link(conn, hash_token(token))
    if link is None:
        raise not_found()
    zone = use_viewer_locale(request, link)
    settings = request.app[keys.SETTINGS]
    now = datetime.now(UTC)
    state = join_state(
        now,
        starts_at=link["starts_at"],
        ends_at=link["ends_at"],
        status=link["status"],
        link_sequence=link["link_sequence"],
        booking_sequence=link["ical_sequence"],
    )
    meeting = describe_meeting(settings, link)
    context: dict[str, Any] = {
        "state": str(state),
        "role": link["role"],
        "token": token,
        "starts_at": link["starts_at"],
        "ends_at": link["ends_at"],
        "zone": zone,
        "meeting": meeting,
        "member_phone": link["member_phone"] if link["role"] == "lawyer" else None,
        "refresh": None,
    }
    if state is JoinState.OPEN:
        provider = video_service(request.app).provider(link["room_url"])
        if not provider.has_video:
            return render(request, "video/join.html", {**context, "state": "no_video"})
        try:
            target = await enter_meeting(pool, provider, link, now)
        except VideoUnavailable as exc:
            log.warning(
                "video provider failed",
                extra={"booking_id": link["booking_id"], "provider": provider.name, "error": str(exc)},
            )
            response = render(request, "video/unavailable.html", {"token": token}, status=503)
            response.headers["Retry-After"] = "15"
            return response
        log.info(
            "joined video meeting",
            extra={"booking_id": link["booking_id"], "provider": provider.name, "role": link["role"]},
        )
        # Returned, not raised: a raised redirect would skip the Referrer-Policy that keeps our token
        # out of the provider's logs.
        return web.Response(status=303, headers={"Location": target})
    if state is JoinState.EARLY:
        opens = opens_at(link["starts_at"])
        context.update(
            opens_at=opens,
            opens_in=format_timedelta(opens - now, add_direction=True, locale=babel_locale()),
            seconds_left=int((opens - now).total_seconds()) + 1,
            refresh=refresh_seconds(now, opens) if meeting["video"] else None,
        )
    if state is JoinState.OVER:
        context["closes_at"] = closes_at(link["ends_at"])
    status = 410 if state in GONE_STATES else 200
    return render(request, "video/join.html", context, status=status)


# --- A lawyer's personal room, set by staff -------------------------------------------------------


def room_json(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"lawyer_id": row["lawyer_id"], "room_url": row["room_url"]}


async def load_lawyer(request: web.Request) -> Mapping[str, Any]:
    lawyer_id = int(request.match_info["id"])
    async with request.app[keys.POOL].acquire() as conn:
        row = await queries.lawyer_room(conn, lawyer_id)
    if row is None:
        raise not_found()
    return row


async def save_room(request: web.Request, lawyer_id: int, room_url: str | None) -> Mapping[str, Any]:
    user = current_user(request)
    assert user is not None
    async with request.app[keys.POOL].acquire() as conn, conn.transaction():
        row = await queries.set_lawyer_room(conn, lawyer_id, room_url, user.id)
    if row is None:
        raise not_found()
    return row


@routes.get(r"/api/v1/lawyers/{id:\d{1,18}}/room", name="api-lawyer-room")
@allow("staff")
async def api_lawyer_room(request: web.Request) -> web.Response:
    return json_response(room_json(await load_lawyer(request)))


@routes.put(r"/api/v1/lawyers/{id:\d{1,18}}/room", name="api-lawyer-room-put")
@allow("staff")
async def api_set_lawyer_room(request: web.Request) -> web.Response:
    """Set (or clear with null or "") the lawyer's fixed room link, used instead of the provider."""
    body = await read_json(request)
    if "room_url" not in body:
        raise invalid({"room_url": N_("Required.")})
    try:
        room_url = clean_room_url(body["room_url"])
    except RoomUrlError as exc:
        raise invalid({"room_url": str(exc)}) from None
    row = await save_room(request, int(request.match_info["id"]), room_url)
    return json_response(room_json(row))


@routes.get(r"/staff/lawyers/{id:\d{1,18}}/room", name="staff-lawyer-room")
@allow("staff")
async def lawyer_room_page(request: web.Request) -> web.Response:
    lawyer = await load_lawyer(request)
    saved = request.query.get("saved") == "1"
    return render(
        request,
        "video/lawyer_room.html",
        {"lawyer": lawyer, "room_url": lawyer["room_url"] or "", "error": None, "saved": saved},
    )


@routes.post(r"/staff/lawyers/{id:\d{1,18}}/room", name="staff-lawyer-room-post")
@allow("staff")
async def lawyer_room_form(request: web.Request) -> web.StreamResponse:
    lawyer = await load_lawyer(request)
    form = await request.post()
    typed = str(form.get("room_url", ""))
    try:
        room_url = clean_room_url(typed)
    except RoomUrlError as exc:
        context = {"lawyer": lawyer, "room_url": typed, "error": gettext(str(exc)), "saved": False}
        return render(request, "video/lawyer_room.html", context, status=400)
    await save_room(request, lawyer["lawyer_id"], room_url)
    target = request.app.router["staff-lawyer-room"].url_for(id=str(lawyer["lawyer_id"]))
    return web.Response(status=303, headers={"Location": str(target.with_query(saved="1"))})
