"""The staff's view of the outbox: messages not yet sent or failed, and sending one again."""

from __future__ import annotations

from aiohttp import web

from consult import audit, keys
from consult.errors import not_found
from consult.mail.sender import outbox_problems, resend, wake_outbox
from consult.web import allow, path_id, render, signed_in, url_for

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
    outbox_id = path_id(request)
    user = signed_in(request)
    async with request.app[keys.POOL].acquire() as conn, conn.transaction():
        if not await resend(conn, outbox_id):
            raise not_found()
        await audit.record(conn, user.id, "outbox_resend", "outbox", outbox_id)
    wake_outbox(request.app)
    raise web.HTTPSeeOther(url_for(request, "staff-outbox", {"resent": outbox_id}))
