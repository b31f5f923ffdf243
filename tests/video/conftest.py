"""Fixtures of the video tests: an app with chosen video settings, and a BigBlueButton look-alike."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from consult.app import create_app
from consult.settings import Settings
from tests.conftest import SmtpServer, make_settings

BBB_SECRET = "639259d4-9dd8-4b25-bf01-95f9567eaf4b"

MakeClient = Callable[..., Awaitable[TestClient]]


@pytest.fixture
async def video_client(aiohttp_client: Any, db_url: str, smtp: SmtpServer) -> AsyncIterator[MakeClient]:
    """Start the app with some [video] settings changed: `await video_client(provider="none")`."""
    clients: list[TestClient] = []

    async def make(**video: Any) -> TestClient:
        settings = make_settings(smtp={"port": smtp.port}, video=video)
        client = await aiohttp_client(create_app(settings, database_url=db_url))
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


def settings_of(client: TestClient) -> Settings:
    from consult import keys

    return client.app[keys.SETTINGS]  # type: ignore[index]


def _xml(returncode: str, **fields: str) -> web.Response:
    inner = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items())
    return web.Response(
        text=f"<response><returncode>{returncode}</returncode>{inner}</response>", content_type="text/xml"
    )


@dataclass
class FakeBigBlueButton:
    """A BigBlueButton API look-alike: checks every checksum the way the real server does."""

    secret: str = BBB_SECRET
    meetings: dict[str, dict[str, str]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    failing: bool = False
    server: TestServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/bigbluebutton/"))

    def checksum_ok(self, call: str, raw_query: str) -> bool:
        # The server signs the query string as it arrived, less the checksum parameter.
        parts = raw_query.split("&")
        sent = [p.partition("=")[2] for p in parts if p.startswith("checksum=")]
        signed = "&".join(p for p in parts if not p.startswith("checksum="))
        expected = hashlib.sha256(f"{call}{signed}{self.secret}".encode()).hexdigest()
        return len(sent) == 1 and sent[0] == expected

    async def handle(self, request: web.Request) -> web.Response:
        call = request.match_info["call"]
        raw_query = request.raw_path.partition("?")[2]  # as received, like the servlet's getQueryString()
        if not self.checksum_ok(call, raw_query):
            self.rejected.append(call)
            return _xml("FAILED", messageKey="checksumError", message="Checksums do not match")
        params = dict(parse_qsl(raw_query))
        params.pop("checksum")
        self.calls.append((call, params))
        if self.failing:
            return web.Response(status=502, text="Bad Gateway")
        meeting = self.meetings.get(params.get("meetingID", ""))
        if call == "create":
            if meeting is not None:
                return _xml("SUCCESS", meetingID=params["meetingID"], messageKey="duplicateWarning")
            self.meetings[params["meetingID"]] = params
            return _xml("SUCCESS", meetingID=params["meetingID"])
        if call == "join":
            if meeting is None:
                return _xml("FAILED", messageKey="invalidMeetingIdentifier")
            role = {meeting["moderatorPW"]: "MODERATOR", meeting["attendeePW"]: "VIEWER"}.get(
                params.get("password", "")
            )
            if role is None or role != params.get("role"):
                return _xml("FAILED", messageKey="invalidPassword")
            return web.Response(text=f"in meeting {params['meetingID']} as {role}: {params['fullName']}")
        if call == "end":
            if meeting is None:
                return _xml("FAILED", messageKey="notFound")
            del self.meetings[params["meetingID"]]
            return _xml("SUCCESS", messageKey="sentEndMeetingRequest")
        return _xml("FAILED", messageKey="unsupportedRequest")


@pytest.fixture
async def bbb(aiohttp_server: Any) -> FakeBigBlueButton:
    fake = FakeBigBlueButton()
    app = web.Application()
    app.router.add_get("/bigbluebutton/api/{call}", fake.handle)
    fake.server = await aiohttp_server(app, host="127.0.0.1")
    return fake
