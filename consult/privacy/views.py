"""Members' rights: download one's data, ask for erasure; staff confirm or decline erasure requests."""

from __future__ import annotations

from datetime import date

from aiohttp import web

from consult import audit, keys
from consult.errors import conflict, invalid, not_found
from consult.i18n import N_
from consult.privacy import queries
from consult.privacy.erasure import ErasureError, confirm_request, decline_request
from consult.privacy.export import member_export
from consult.web import allow, current_user, json_response, render, url_for

routes = web.RouteTableDef()


def _user_id(request: web.Request) -> int:
    user = current_user(request)
    assert user is not None  # @allow guarantees it
    return user.id


@routes.get("/api/v1/me/export", name="api-me-export")
@allow("member")
async def api_export(request: web.Request) -> web.Response:
    user_id = _user_id(request)
    async with request.app[keys.POOL].acquire() as conn, conn.transaction(isolation="repeatable_read"):
        data = await member_export(conn, user_id)
        await audit.record(conn, user_id, "privacy.export", "user", user_id)
    filename = f"consult-my-data-{date.today().isoformat()}.json"
    return json_response(data, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


async def _ask_erasure(request: web.Request) -> tuple[dict[str, object], bool]:
    """Open an erasure request, or return the one already open; True when it is new."""
    user_id = _user_id(request)
    async with request.app[keys.POOL].acquire() as conn, conn.transaction():
        row = await conn.fetchrow(queries.CREATE_REQUEST, user_id)
        created = row is not None
        if row is None:
            row = await conn.fetchrow(queries.OPEN_REQUEST, user_id)
        else:
            await audit.record(
                conn, user_id, "privacy.erasure_requested", "user", user_id, request_id=row["id"]
            )
    return dict(row), created


@routes.post("/api/v1/me/erasure", name="api-me-erasure")
@allow("member")
async def api_erasure(request: web.Request) -> web.Response:
    row, created = await _ask_erasure(request)
    return json_response(row, status=201 if created else 200)


@routes.get("/me/data", name="my-data")
@allow("member")
async def my_data_page(request: web.Request) -> web.Response:
    async with request.app[keys.POOL].acquire() as conn:
        latest = await conn.fetchrow(queries.LATEST_REQUEST, _user_id(request))
    return render(request, "privacy/my_data.html", {"latest": latest, "asked": "asked" in request.query})


@routes.post("/me/data/erasure", name="my-data-erasure")
@allow("member")
async def my_data_erasure(request: web.Request) -> web.StreamResponse:
    await _ask_erasure(request)
    raise web.HTTPSeeOther(url_for(request, "my-data", {"asked": "1"}))


@routes.get("/staff/erasure", name="staff-erasure")
@allow("staff")
async def staff_erasure_page(request: web.Request) -> web.Response:
    async with request.app[keys.POOL].acquire() as conn:
        requests = await conn.fetch(queries.LIST_REQUESTS)
    return render(
        request, "privacy/staff_erasure.html", {"requests": requests, "done": request.query.get("done")}
    )


def _request_id(request: web.Request) -> int:
    try:
        return int(request.match_info["id"])
    except ValueError:
        raise not_found() from None


async def _decide(request: web.Request, note: str | None = None) -> dict[str, object]:
    """Confirm (note None) or decline an erasure request in one transaction; 404 or 409 as it stands."""
    staff_id, request_id = _user_id(request), _request_id(request)
    answer: dict[str, object] = {"id": request_id, "status": "declined"}
    async with request.app[keys.POOL].acquire() as conn, conn.transaction():
        try:
            if note is None:
                result = await confirm_request(conn, request.app[keys.SETTINGS], request_id, staff_id)
                found = result is not None
                if result is not None:
                    answer = {
                        **answer,
                        "status": "done",
                        "cancelled": result.cancelled,
                        "bookings": result.bookings,
                        "closed_questions": result.closed_questions,
                        "questions": result.questions,
                    }
            else:
                found = await decline_request(conn, request_id, staff_id, note)
        except ErasureError:
            raise conflict("invalid_state", N_("This request has been decided already.")) from None
    if not found:
        raise not_found()
    return answer


@routes.post("/staff/erasure/{id:[0-9]{1,18}}/confirm", name="staff-erasure-confirm")
@allow("staff")
async def staff_erasure_confirm(request: web.Request) -> web.StreamResponse:
    await _decide(request)
    raise web.HTTPSeeOther(url_for(request, "staff-erasure", {"done": "confirmed"}))


@routes.post("/staff/erasure/{id:[0-9]{1,18}}/decline", name="staff-erasure-decline")
@allow("staff")
async def staff_erasure_decline(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    note = str(form.get("note", "")).strip()
    if len(note) > 1000:
        raise invalid({"note": N_("At most 1000 characters.")})
    await _decide(request, note)
    raise web.HTTPSeeOther(url_for(request, "staff-erasure", {"done": "declined"}))


@routes.post("/api/v1/erasure-requests/{id:[0-9]{1,18}}/confirm", name="api-erasure-confirm")
@allow("staff")
async def api_erasure_confirm(request: web.Request) -> web.Response:
    return json_response(await _decide(request))
