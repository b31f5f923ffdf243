"""Every application key in one place, so that what the app holds is visible at a glance."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import asyncpg
from aiohttp import web

from consult.accounts.sessions import CurrentUser
from consult.booking.writer import BookingWriter
from consult.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", asyncpg.Pool)
DATABASE_URL = web.AppKey("database_url", str)
# Writes bookings in batches over connections of its own (consult/booking/writer.py).
BOOKING_WRITER = web.AppKey("booking_writer", BookingWriter)
WORKERS: web.AppKey[Any] = web.AppKey("workers")  # consult.workers.Workers
# The base context of every page (reader, language, CSRF token, link helpers).
PAGE_CONTEXT: web.AppKey[Callable[[web.Request], dict[str, Any]]] = web.AppKey("page_context")
# Extra services a capability registers at start (video provider, SMTP transport override in tests).
SERVICES = web.AppKey("services", dict[str, Any])

# Per-request values set by the middlewares.
USER: web.RequestKey[CurrentUser] = web.RequestKey("user")
REQUEST_ID = web.RequestKey("request_id", str)
CSRF_FORM_TOKEN: web.RequestKey[str | None] = web.RequestKey("csrf_form_token")
VISITOR_CSRF = web.RequestKey("visitor_csrf", str)
