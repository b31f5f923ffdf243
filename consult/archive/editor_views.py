"""The staff draft editor's further actions: decide all findings of a kind, undo a decision, mark text.

Form posts from templates/archive/editor.html; each answers with a redirect to the editor at the place
the decision was made (an anchor), or the editor again with the error.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from consult.archive import decisions
from consult.archive.views import _staff_action, actor
from consult.web import allow

routes = web.RouteTableDef()


@routes.post(r"/staff/archive/{id:\d{1,18}}/redactions/kind", name="staff-archive-redactions-kind")
@allow("staff")
async def staff_resolve_kind(request: web.Request) -> web.StreamResponse:
    async def resolve(conn: Any, entry: dict[str, Any], body: dict[str, Any]) -> None:
        await decisions.resolve_kind(conn, entry, body.get("kind"), body.get("action"), actor(request))

    return await _staff_action(request, resolve, "findings-heading")


@routes.post(
    r"/staff/archive/{id:\d{1,18}}/redactions/{rid:\d{1,18}}/undo", name="staff-archive-redaction-undo"
)
@allow("staff")
async def staff_undo(request: web.Request) -> web.StreamResponse:
    rid = int(request.match_info["rid"])

    async def undo(conn: Any, entry: dict[str, Any], body: dict[str, Any]) -> None:
        await decisions.undo(conn, entry, rid, actor(request))

    return await _staff_action(request, undo, f"item-{rid}")


@routes.post(r"/staff/archive/{id:\d{1,18}}/mark", name="staff-archive-mark")
@allow("staff")
async def staff_mark(request: web.Request) -> web.StreamResponse:
    async def mark(conn: Any, entry: dict[str, Any], body: dict[str, Any]) -> None:
        await decisions.mark(
            conn, entry, body.get("field"), body.get("text"), body.get("kind"), actor(request)
        )

    return await _staff_action(request, mark, "mark-heading")
