"""The application factory: settings in, a ready aiohttp application out."""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
import jinja2
from aiohttp import web

from consult import i18n, keys
from consult.accounts import jobs as accounts_jobs
from consult.archive.views import prune_votes_job
from consult.booking.jobs import expiry_job, reminders_job
from consult.booking.writer import BookingWriter
from consult.db import create_pool, database_url, migrate
from consult.mail.sender import outbox_job
from consult.middleware import MIDDLEWARES, csrf_token_for, current_user
from consult.ops.heartbeats import JOB_NAME as HEARTBEAT_JOB
from consult.ops.heartbeats import record_heartbeats
from consult.privacy.retention import run_retention
from consult.settings import ROOT, Settings
from consult.web import url_for
from consult.workers import Workers, collect_jobs

log = logging.getLogger("consult.app")
TEMPLATES = ROOT / "templates"
STATIC = Path(__file__).resolve().parent / "static"

# Each capability's views module exposes `routes` (a web.RouteTableDef); listed here in one place.
ROUTE_MODULES = [
    "consult.site.views",
    "consult.accounts.views",
    "consult.openapi",
    "consult.questions.views",
    "consult.video.views",
    "consult.reports.views",
    "consult.ops.views",
    "consult.privacy.views",
    "consult.accounts.staff_views",
    "consult.booking.views",
    "consult.calendar.views",
    "consult.mail.views",
    "consult.availability.views",
    "consult.availability.picker",
    "consult.archive.views",
    "consult.archive.editor_views",
]

# The menu: (who sees it, route name, label); items whose route does not exist are left out.
NAV: list[tuple[str, str, str]] = [
    ("anyone", "book-start", i18n.N_("Book a consultation")),
    ("anyone", "faq-list", i18n.N_("Answers")),
    ("member", "my-bookings", i18n.N_("My consultations")),
    ("member", "my-settings", i18n.N_("Settings")),
    ("lawyer", "lawyer-day", i18n.N_("My day")),
    ("lawyer", "availability", i18n.N_("Availability")),
    ("lawyer", "questions-queue", i18n.N_("Written questions")),
    ("staff", "staff-archive", i18n.N_("Archive drafts")),
    ("staff", "staff-questions", i18n.N_("Written questions")),
    ("staff", "reports", i18n.N_("Reports")),
    ("staff", "staff-erasure", i18n.N_("Erasure requests")),
    ("member", "my-data", i18n.N_("My data")),
    ("staff", "staff-users", i18n.N_("People")),
    ("staff", "staff-register", i18n.N_("Member register")),
    ("staff", "staff-audit", i18n.N_("Audit trail")),
    ("staff", "staff-outbox", i18n.N_("Outbox")),
    ("lawyer", "account", i18n.N_("Account")),
    ("staff", "account", i18n.N_("Account")),
]

# Background jobs: (name, coroutine function taking the app and returning items handled, idle seconds).
JOBS: list[tuple[str, Any, float]] = [
    (HEARTBEAT_JOB, record_heartbeats, 15.0),
    ("retention", run_retention, 3600.0),
    ("accounts-sweep", accounts_jobs.sweep, 3600.0),
    ("outbox", outbox_job, 5.0),
    ("booking-expiry", expiry_job, 30.0),
    ("reminders", reminders_job, 60.0),
    ("archive-votes-prune", prune_votes_job, 3600.0),
]


def setup_templates(app: web.Application) -> jinja2.Environment:
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    configure_environment(env)
    return env


def configure_environment(env: jinja2.Environment) -> None:
    """Install translations and formatters; shared by pages and emails."""
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        datetime=i18n.format_datetime,
        date=i18n.format_date,
        time=i18n.format_time,
        number=i18n.format_number,
    )
    env.globals.update(
        LANGUAGE_NAMES=i18n.LANGUAGE_NAMES,
        current_language=i18n.current_language,
        current_timezone=i18n.current_timezone,
        zone_name=i18n.zone_name,
        localized=i18n.localized,
    )


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
        for role, name, label in NAV:
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
    workers = Workers(app, collect_jobs() if app[keys.SETTINGS].server.workers else [])
    app[keys.WORKERS] = workers
    workers.start()
    try:
        yield
    finally:
        await workers.stop()


def create_app(settings: Settings, database_url: str | None = None) -> web.Application:
    """Build the application; the pool and the workers start with it and stop with it."""
    app = web.Application(middlewares=MIDDLEWARES, client_max_size=16 * 1024 * 1024)
    app[keys.SETTINGS] = settings
    app[keys.SERVICES] = {}
    app[keys.PAGE_CONTEXT] = base_context
    if database_url:
        app[keys.DATABASE_URL] = database_url
    setup_templates(app)
    app.cleanup_ctx.append(database)
    app.cleanup_ctx.append(background_workers)
    for module_name in ROUTE_MODULES:
        module = importlib.import_module(module_name)
        app.add_routes(module.routes)
        setup = getattr(module, "setup", None)
        if setup is not None:
            setup(app)
    app.router.add_static("/static/", STATIC, name="static", append_version=False)
    return app
