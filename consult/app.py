"""The application factory: settings in, a ready aiohttp application out."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from consult import i18n, keys, openapi
from consult.accounts.capability import CAPABILITY as ACCOUNTS
from consult.archive.capability import CAPABILITY as ARCHIVE
from consult.availability.capability import CAPABILITY as AVAILABILITY
from consult.booking.capability import CAPABILITY as BOOKING
from consult.booking.writer import BookingWriter
from consult.calendar.capability import CAPABILITY as CALENDAR
from consult.capability import Capability, NavItem
from consult.consent.capability import CAPABILITY as CONSENT
from consult.consent.service import record_texts as record_consent_texts
from consult.db import create_pool, database_url, migrate
from consult.mail.capability import CAPABILITY as MAIL
from consult.mail.outbox import register_renderers
from consult.middleware import MIDDLEWARES, csrf_token_for
from consult.ops.capability import CAPABILITY as OPS
from consult.privacy.capability import CAPABILITY as PRIVACY
from consult.questions.capability import CAPABILITY as QUESTIONS
from consult.reports.capability import CAPABILITY as REPORTS
from consult.settings import Settings
from consult.site.capability import CAPABILITY as SITE
from consult.templating import STATIC, setup_templates
from consult.video.capability import CAPABILITY as VIDEO
from consult.web import current_user, url_for
from consult.workers import Job, Workers

log = logging.getLogger("consult.app")

# The capabilities the app is made of, in the order their routes are added: a new one is a package with
# a capability.py and one line here.
CAPABILITIES: list[Capability] = [
    SITE,
    ACCOUNTS,
    QUESTIONS,
    VIDEO,
    REPORTS,
    OPS,
    PRIVACY,
    BOOKING,
    CALENDAR,
    MAIL,
    AVAILABILITY,
    ARCHIVE,
    CONSENT,
]


def jobs(capabilities: list[Capability] = CAPABILITIES) -> list[Job]:
    """Every background job of the capabilities (run by the web process or by `consult worker`)."""
    return [job for capability in capabilities for job in capability.jobs]


def nav(capabilities: list[Capability] = CAPABILITIES) -> list[NavItem]:
    return sorted((item for c in capabilities for item in c.nav), key=lambda item: item.position)


def register_outbox(capabilities: list[Capability] = CAPABILITIES) -> None:
    """Teach the outbox to render what the capabilities queue (the web process and the worker both send)."""
    for capability in capabilities:
        register_renderers(capability.renderers)


def base_context(request: web.Request) -> dict[str, Any]:
    """Give every page the reader, the language, the CSRF token and the link helpers."""
    settings = request.app[keys.SETTINGS]

    def url(name: str, query: dict[str, Any] | None = None, **parts: Any) -> str:
        return url_for(request, name, query, **parts)

    def switch_language(language: str) -> str:
        query = dict(request.query)
        query["lang"] = language
        return f"{request.path}?{urlencode(query)}"

    user = current_user(request)
    names = request.app.router.named_resources()

    def nav_items() -> list[dict[str, Any]]:
        items = []
        for item in request.app[keys.NAV]:
            role, name, label = item.role, item.route, item.label
            if name in names and (role == "anyone" or (user is not None and user.role == role)):
                href = url_for(request, name)
                items.append({"href": href, "label": i18n.gettext(label), "current": href == request.path})
        return items

    return {
        "request": request,
        "nav_items": nav_items,
        "has_route": lambda name: name in names,
        "user": user,
        "lang": i18n.current_language(),
        "url": url,
        "static": lambda path: f"/static/{path}",
        "csrf_token": csrf_token_for(request),
        "switch_language": switch_language,
        "union_name": settings.server.union_name
        or i18n.gettext("Trade union of education and science workers"),
        "base_url": settings.server.base_url,
    }


# Bookings are written in batches (consult/booking/writer.py), one at a time over a connection of the
# writer's own: what arrives while a batch runs goes in the next one. (Measured with python -m bench.run
# --only bookings: one at a time made batches of ~5 and beat two, whose batches were half as big.)
WRITER_CONNECTIONS = 1


async def database(app: web.Application) -> AsyncIterator[None]:
    """Open the pool (starting the embedded server when no URL is set) and migrate if asked."""
    settings = app[keys.SETTINGS]
    embedded = None
    if keys.DATABASE_URL in app:
        url = app[keys.DATABASE_URL]
    else:
        url, embedded = database_url(settings)
        app[keys.DATABASE_URL] = url
    pool = await create_pool(url, settings)
    if settings.database.migrate_on_start:
        async with pool.acquire() as conn:
            await migrate(conn)
    await record_consent_texts(pool, settings)  # the texts the forms show now, readable by their version
    app[keys.POOL] = pool
    own = settings.with_changes("database", pool_min=1, pool_max=WRITER_CONNECTIONS)
    writer = BookingWriter(await create_pool(url, own, generic_plans=True), in_flight=WRITER_CONNECTIONS)
    app[keys.BOOKING_WRITER] = writer
    try:
        yield
    finally:
        await writer.close()
        await pool.close()
        if embedded is not None:
            embedded.stop()


async def background_workers(app: web.Application) -> AsyncIterator[None]:
    workers = Workers(app, jobs(app[keys.CAPABILITIES]) if app[keys.SETTINGS].server.workers else [])
    app[keys.WORKERS] = workers
    workers.start()
    try:
        yield
    finally:
        await workers.stop()


def create_app(
    settings: Settings,
    database_url: str | None = None,
    capabilities: list[Capability] = CAPABILITIES,
) -> web.Application:
    """Build the application from its capabilities; the pool and the workers start with it and stop with it."""
    app = web.Application(middlewares=MIDDLEWARES, client_max_size=16 * 1024 * 1024)
    app[keys.SETTINGS] = settings
    app[keys.SERVICES] = {}
    app[keys.PAGE_CONTEXT] = base_context
    app[keys.CAPABILITIES] = list(capabilities)
    app[keys.NAV] = nav(capabilities)
    app[keys.OPENAPI] = openapi.document(list(capabilities))
    if database_url:
        app[keys.DATABASE_URL] = database_url
    setup_templates(app)
    register_outbox(capabilities)
    app.cleanup_ctx.append(database)
    app.cleanup_ctx.append(background_workers)
    app.add_routes(openapi.routes)
    for capability in capabilities:
        for table in capability.routes:
            app.add_routes(table)
        if capability.setup is not None:
            capability.setup(app)
    app.router.add_static("/static/", STATIC, name="static", append_version=False)
    return app
