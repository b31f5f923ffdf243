"""The site itself: home page, health checks."""

from __future__ import annotations

from aiohttp import web

from consult import keys, reference
from consult.db import pending_migrations
from consult.web import allow, json_response, render

routes = web.RouteTableDef()


@routes.get("/", name="home")
@allow("anyone")
async def home(request: web.Request) -> web.Response:
    async with request.app[keys.POOL].acquire() as conn:
        topics = await reference.topics(conn)
    return render(request, "site/home.html", {"topics": topics})


@routes.get("/healthz", name="healthz")
@allow("anyone")
async def healthz(request: web.Request) -> web.Response:
    return json_response({"status": "ok"})


@routes.get("/readyz", name="readyz")
@allow("anyone")
async def readyz(request: web.Request) -> web.Response:
    """Answer 200 when the database answers and every migration is applied, else 503."""
    try:
        async with request.app[keys.POOL].acquire(timeout=2) as conn:
            pending = await pending_migrations(conn)
    except Exception:
        return json_response({"status": "unavailable", "database": "unreachable"}, status=503)
    if pending:
        return json_response({"status": "unavailable", "pending_migrations": pending}, status=503)
    return json_response({"status": "ok", "database": "ok"})
