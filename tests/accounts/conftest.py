"""Helpers for the accounts stories: forms with the visitor's CSRF token, links out of queued emails."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from consult.middleware import CSRF_COOKIE

LINK = re.compile(r"http://127\.0\.0\.1(/\S+)")


def cookie(client: TestClient, name: str) -> str | None:
    for morsel in client.session.cookie_jar:
        if morsel.key == name:
            return morsel.value
    return None


async def visitor_token(client: TestClient) -> str:
    """Open a page as a visitor would, and return the CSRF token its forms carry."""
    if cookie(client, CSRF_COOKIE) is None:
        response = await client.get("/signin")
        assert response.status == 200
    token = cookie(client, CSRF_COOKIE)
    assert token
    return token


async def post_form(
    client: TestClient, path: str, data: dict[str, Any], csrf: str | None = None, **kw: Any
) -> Any:
    """Post a form like a browser on our own site; csrf defaults to the visitor's token."""
    token = csrf if csrf is not None else await visitor_token(client)
    return await client.post(path, data={**data, "csrf_token": token}, allow_redirects=False, **kw)


async def outbox(db: asyncpg.Connection, recipient: str) -> list[EmailMessage]:
    """The queued emails to one address, parsed, oldest first."""
    rows = await db.fetch("SELECT message FROM outbox WHERE recipient = $1 ORDER BY id", recipient)
    return [message_from_bytes(r["message"], policy=policy.default) for r in rows]  # type: ignore[misc]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def link_in(message: EmailMessage) -> str:
    """The path of the one link to our site in the email's plain text."""
    found = LINK.findall(text_of(message))
    assert len(found) == 1, found
    return str(found[0])


class Browser:
    """A second browser (its own cookies) on the same running service as the `client` fixture."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def request(self, method: str, path: str, **kw: Any) -> aiohttp.ClientResponse:
        response = await self.session.request(method, self.client.make_url(path), **kw)
        await response.read()
        return response

    async def get(self, path: str, **kw: Any) -> aiohttp.ClientResponse:
        return await self.request("GET", path, **kw)

    async def post(self, path: str, **kw: Any) -> aiohttp.ClientResponse:
        return await self.request("POST", path, **kw)


@pytest.fixture
async def another_browser(client: TestClient) -> AsyncIterator[Browser]:
    browser = Browser(client)
    yield browser
    await browser.session.close()
