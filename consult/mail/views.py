"""The staff's view of the outbox: messages not yet sent or failed, and sending one again."""

from __future__ import annotations

from aiohttp import web

from consult import keys
from consult.errors import not_found
from consult.mail.sender import outbox_problems, resend, wake_outbox
from consult.web import allow, current_user, render, url_for

routes = web.RouteTableDef()


@routes.get("/staff/outbox", name="staff-outbox")
@allow("staff")
async def staff_outbox(request: web.Request) -> web.Response:
    async with request.app[keys.POOL].acquire() as conn:
        rows = await outbox_problems(conn)
    return render(
        request,
        "mail/staff_outbox.html",
        {
            "pending": [r for r in rows if r["status"] == "pending"],
            "failed": [r for r in rows if r["status"] == "failed"],
            "resent": request.query.get("resent"),
        },
    )


@routes.post("/staff/outbox/{id}/resend", name="staff-outbox-resend")
@allow("staff")
async def staff_outbox_resend(request: web.Request) -> web.StreamResponse:
    value = request.match_info["id"]
    if not value.isdigit() or len(value) > 18:
        raise not_found()
    user = current_user(request)
    assert user is not None
    async with request.app[keys.POOL].acquire() as conn, conn.transaction():
        if not await resend(conn, int(value)):
            raise not_found()
        await conn.execute(
            "INSERT INTO audit_log (actor_id, action, object_type, object_id) VALUES ($1, 'outbox_resend', 'outbox', $2)",
            user.id,
            value,
        )
    wake_outbox(request.app)
    raise web.HTTPSeeOther(url_for(request, "staff-outbox", {"resent": value}))
