"""GET /metrics for Prometheus, open only to the addresses in server.metrics_allow."""

from __future__ import annotations

import ipaddress
import time

from aiohttp import web

from consult import keys
from consult.booking.states import STATUSES
from consult.errors import not_found
from consult.middleware import request_context
from consult.ops import queries
from consult.ops.heartbeats import INSTANCE
from consult.ops.metrics import (
    SERVICE_KEY,
    RequestMetrics,
    family,
    histogram_lines,
    request_metrics_middleware,
)
from consult.web import allow, client_address

routes = web.RouteTableDef()
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def setup(app: web.Application) -> None:
    """Measure every request, just inside request_context so that errors are counted with their status."""
    metrics = RequestMetrics()
    app[keys.SERVICES][SERVICE_KEY] = metrics
    position = list(app.middlewares).index(request_context) + 1 if request_context in app.middlewares else 0
    app.middlewares.insert(position, request_metrics_middleware(metrics))


def address_allowed(address: str, allowed: tuple[str, ...]) -> bool:
    """Match an address against single addresses and networks (10.0.0.0/8) from the settings."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in allowed:
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


@routes.get("/metrics", name="metrics")
@allow("anyone")
async def metrics(request: web.Request) -> web.Response:
    settings = request.app[keys.SETTINGS]
    # Not found rather than forbidden: the rest of the world need not learn that the endpoint exists.
    if not address_allowed(client_address(request), settings.server.metrics_allow):
        raise not_found()
    async with request.app[keys.POOL].acquire() as conn:
        by_status = {r["status"]: r["n"] for r in await conn.fetch(queries.BOOKINGS_BY_STATUS)}
        outbox = await conn.fetchrow(queries.OUTBOX)
        stored = await conn.fetch(queries.HEARTBEATS)
    beats = {(r["instance"], r["job"]): r["age"] for r in stored}
    workers = request.app.get(keys.WORKERS)
    now = time.time()
    for job, at in workers.heartbeats.items() if workers is not None else ():
        beats[(INSTANCE, job)] = max(now - at, 0.0)  # this process's own, fresher than the stored row
    lines = [
        *histogram_lines(
            "consult_http_request_duration_seconds",
            "Time to answer a request, by route name, method and status class.",
            request.app[keys.SERVICES][SERVICE_KEY],
        ),
        *family(
            "consult_bookings",
            "gauge",
            "Bookings by status.",
            [({"status": s}, by_status.get(s, 0)) for s in STATUSES],
        ),
        *family("consult_outbox_pending", "gauge", "Emails waiting to be sent.", [({}, outbox["pending"])]),
        *family(
            "consult_outbox_retrying",
            "gauge",
            "Pending emails that failed at least once.",
            [({}, outbox["retrying"])],
        ),
        *family(
            "consult_outbox_oldest_pending_age_seconds",
            "gauge",
            "Age of the oldest email waiting to be sent (0 when none waits).",
            [({}, outbox["oldest_pending_seconds"])],
        ),
        *family(
            "consult_outbox_failed",
            "gauge",
            "Emails that failed for good and wait for staff.",
            [({}, outbox["failed"])],
        ),
        *family(
            "consult_worker_heartbeat_age_seconds",
            "gauge",
            "Seconds since each background job last finished a round, per process.",
            [({"instance": inst, "job": job}, age) for (inst, job), age in sorted(beats.items())],
        ),
    ]
    return web.Response(body=("\n".join(lines) + "\n").encode(), headers={"Content-Type": CONTENT_TYPE})
