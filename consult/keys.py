"""Every application key in one place, so that what the app holds is visible at a glance."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import asyncpg
from aiohttp import web

from consult.settings import Settings

if TYPE_CHECKING:  # the foundation names these types without importing what they belong to
    from consult.booking.writer import BookingWriter
    from consult.capability import Capability, NavItem
    from consult.sessions import CurrentUser
    from consult.workers import Workers

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", asyncpg.Pool)
DATABASE_URL = web.AppKey("database_url", str)
# Writes bookings in batches over connections of its own (consult/booking/writer.py).
BOOKING_WRITER: web.AppKey[BookingWriter] = web.AppKey("booking_writer")
WORKERS: web.AppKey[Workers] = web.AppKey("workers")
# The capabilities the app was assembled from (consult.app.CAPABILITIES), for the nav and the OpenAPI.
CAPABILITIES: web.AppKey[list[Capability]] = web.AppKey("capabilities")
NAV: web.AppKey[list[NavItem]] = web.AppKey("nav")
# The OpenAPI document, assembled from the capabilities with the app (consult/openapi.py).
OPENAPI: web.AppKey[dict[str, Any]] = web.AppKey("openapi")
# The clock: tests pin it; everything that asks "what time is it?" for a request asks web.now().
CLOCK: web.AppKey[Callable[[], datetime]] = web.AppKey("clock")
# The base context of every page (reader, language, CSRF token, link helpers).
PAGE_CONTEXT: web.AppKey[Callable[[web.Request], dict[str, Any]]] = web.AppKey("page_context")
# Extra services a capability registers at start (video provider, SMTP transport override in tests).
SERVICES = web.AppKey("services", dict[str, Any])

# Per-request values set by the middlewares.
USER: web.RequestKey[CurrentUser] = web.RequestKey("user")
REQUEST_ID = web.RequestKey("request_id", str)
CSRF_FORM_TOKEN: web.RequestKey[str | None] = web.RequestKey("csrf_form_token")
VISITOR_CSRF = web.RequestKey("visitor_csrf", str)
