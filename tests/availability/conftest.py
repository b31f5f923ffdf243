"""Fixtures of the availability tests: an app whose clock is pinned, with a stand-in booking form."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from consult import keys
from consult.app import create_app
from consult.settings import Settings
from consult.web import allow

ClientAt = Callable[..., Awaitable[TestClient]]


@allow("anyone")
async def _stand_in_booking_form(request: web.Request) -> web.Response:
    return web.Response(text="booking form")


@pytest.fixture
async def client_at(aiohttp_client: Any, settings: Settings, db_url: str) -> AsyncIterator[ClientAt]:
    """Start the app as if it were `now` (aware), optionally with changed booking settings."""
    clients: list[TestClient] = []

    async def start(now: datetime, **booking: Any) -> TestClient:
        app = create_app(
            settings.with_changes("booking", **booking) if booking else settings, database_url=db_url
        )
        app[keys.SERVICES]["clock"] = lambda: now
        if "book-form" not in app.router.named_resources():
            # The booking form belongs to another capability; the picker only links to it.
            app.router.add_get("/book/{topic}/new", _stand_in_booking_form, name="book-form")
        client = await aiohttp_client(app)
        clients.append(client)
        return client

    yield start
    for client in clients:
        await client.close()
