"""Shared test fixtures: a real PostgreSQL (DATABASE_URL, else embedded), a real SMTP server, a factory.

The schema is migrated once per run into a template database; each test that needs the database gets
its own copy of it (CREATE DATABASE ... TEMPLATE), so tests are isolated and may use a real pool.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from aiohttp.test_utils import TestClient
from aiosmtpd.controller import Controller

from consult.app import create_app, register_outbox
from consult.db import EmbeddedPostgres, migrate
from consult.security import booking_token, hash_password, hash_token, new_token
from consult.settings import Settings, load_settings

_counter = itertools.count()
# As in every process that sends (the web app and `consult worker`): the outbox knows the renderers of
# the capabilities, so a test that renders a queued row without starting an app renders it the same way.
register_outbox()


def url_with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The URL of the server the tests use (its maintenance database)."""
    url = os.environ.get("DATABASE_URL")
    if url:
        yield url
        return
    folder = tempfile.mkdtemp(prefix="consult-test-pg-")
    embedded = EmbeddedPostgres(folder)
    try:
        yield embedded.start()
    finally:
        embedded.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def template_db(pg_server: str) -> Iterator[str]:
    """Migrate the schema once into a template database; return its name."""
    name = f"consult_tpl_{os.getpid()}"

    async def build() -> None:
        conn = await asyncpg.connect(pg_server)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        conn = await asyncpg.connect(url_with_database(pg_server, name))
        try:
            await migrate(conn)
        finally:
            await conn.close()

    async def drop() -> None:
        conn = await asyncpg.connect(pg_server)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(build())
    yield name
    asyncio.run(drop())


@pytest.fixture
async def db_url(pg_server: str, template_db: str) -> AsyncIterator[str]:
    """A fresh database for one test, copied from the migrated template."""
    name = f"consult_t_{os.getpid()}_{next(_counter)}"
    conn = await asyncpg.connect(pg_server)
    try:
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}" STRATEGY FILE_COPY')
    finally:
        await conn.close()
    yield url_with_database(pg_server, name)
    conn = await asyncpg.connect(pg_server)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection to the test's database, for arranging rows and checking effects."""
    conn = await asyncpg.connect(db_url)
    try:
        yield conn
    finally:
        await conn.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Mailbox:
    """What a real SMTP server on loopback received."""

    envelopes: list[tuple[str, list[str], bytes]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"

    @property
    def messages(self) -> list[EmailMessage]:
        return [message_from_bytes(raw, policy=policy.default) for _f, _r, raw in self.envelopes]  # type: ignore[misc]

    def to(self, address: str) -> list[EmailMessage]:
        return [
            m for (_f, rcpts, _raw), m in zip(self.envelopes, self.messages, strict=True) if address in rcpts
        ]


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.mailbox = Mailbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


TEST_SECRET = "t" * 40


def make_settings(**sections: dict[str, Any]) -> Settings:
    """Settings for tests: defaults, no outside environment, changes per section."""
    environ = {"CONSULT_SERVER_BASE_URL": "http://127.0.0.1", "CONSULT_SECRET_KEY": TEST_SECRET}
    settings = load_settings(environ=environ)
    settings = settings.with_changes("server", workers=False, base_url="http://127.0.0.1")
    for section, values in sections.items():
        settings = settings.with_changes(section, **values)
    return settings


@pytest.fixture
def settings(smtp: SmtpServer) -> Settings:
    return make_settings(smtp={"port": smtp.port})


@pytest.fixture
async def client(aiohttp_client: Any, settings: Settings, db_url: str) -> AsyncIterator[TestClient]:
    app = create_app(settings, database_url=db_url)
    test_client = await aiohttp_client(app)
    yield test_client
    await test_client.close()  # before the test's database is dropped


class Factory:
    """Insert the rows a story needs, with sensible defaults."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.seq = itertools.count(1)

    async def topic_id(self, slug: str = "dismissal") -> int:
        return int(await self.conn.fetchval("SELECT id FROM topics WHERE slug = $1", slug))

    async def user(
        self,
        role: str = "staff",
        *,
        email: str | None = None,
        name: str | None = None,
        password: str | None = "correct horse battery",
        language: str = "ru",
    ) -> dict[str, Any]:
        n = next(self.seq)
        email = email or f"{role}{n}@example.org"
        hashed = await hash_password(password) if password and role != "member" else None
        row = await self.conn.fetchrow(
            "INSERT INTO users (role, email, name, password_hash, language) VALUES ($1, $2, $3, $4, $5) RETURNING *",
            role,
            email,
            name or f"{role.title()} {n}",
            hashed,
            language,
        )
        return {**dict(row), "password": password}

    async def lawyer(
        self,
        *,
        topics: tuple[str, ...] = ("dismissal",),
        languages: tuple[str, ...] = ("ru",),
        timezone: str = "Asia/Almaty",
        slot_minutes: int = 30,
        buffer_minutes: int = 0,
        weekly: list[tuple[int, str, str]] | None = None,
        **kw: Any,
    ) -> dict[str, Any]:
        user = await self.user("lawyer", **kw)
        await self.conn.execute(
            "INSERT INTO lawyers (user_id, languages, timezone, slot_minutes, buffer_minutes) VALUES ($1, $2, $3, $4, $5)",
            user["id"],
            list(languages),
            timezone,
            slot_minutes,
            buffer_minutes,
        )
        for slug in topics:
            await self.conn.execute(
                "INSERT INTO lawyer_topics (lawyer_id, topic_id) VALUES ($1, $2)",
                user["id"],
                await self.topic_id(slug),
            )
        for day, start, end in weekly if weekly is not None else [(d, "09:00", "18:00") for d in range(1, 8)]:
            await self.conn.execute(
                "INSERT INTO availability_weekly (lawyer_id, weekday, starts, ends) VALUES ($1, $2, $3, $4)",
                user["id"],
                day,
                time.fromisoformat(start),
                time.fromisoformat(end),
            )
        return user

    async def booking(
        self,
        lawyer: dict[str, Any],
        *,
        member: dict[str, Any] | None = None,
        start: datetime | None = None,
        minutes: int = 30,
        status: str = "confirmed",
        topic: str = "dismissal",
        question: str = "Меня уволили без предупреждения, что делать?",
        language: str = "ru",
    ) -> dict[str, Any]:
        """Insert a booking; the returned dict carries its manage token in 'token'."""
        member = member or await self.user("member", password=None)
        start = start or (datetime.now(UTC) + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
        nonce = new_token()
        token = booking_token(TEST_SECRET, "manage", nonce)
        row = await self.conn.fetchrow(
            """
            INSERT INTO bookings (lawyer_id, member_id, topic_id, status, starts_at, ends_at, blocked_until,
                member_name, member_email, question, language, timezone, consent_at, consent_version,
                manage_token_hash, ical_uid, hold_expires_at, link_nonce)
            VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10, 'Asia/Almaty', now(), 'test', $11, $12, $13, $14)
            RETURNING *
            """,
            lawyer["id"],
            member["id"],
            await self.topic_id(topic),
            status,
            start,
            start + timedelta(minutes=minutes),
            member["name"],
            member["email"],
            question,
            language,
            hash_token(token),
            f"{new_token()}@consult",
            datetime.now(UTC) + timedelta(minutes=30) if status == "pending" else None,
            nonce,
        )
        return {**dict(row), "token": token}


@pytest.fixture
def factory(db: asyncpg.Connection) -> Factory:
    return Factory(db)


async def login(client: TestClient, user: dict[str, Any]) -> str:
    """Sign in through the API as a lawyer or staff member; return the CSRF token for later writes."""
    response = await client.post(
        "/api/v1/session", json={"email": user["email"], "password": user["password"]}
    )
    assert response.status == 200, await response.text()
    return str((await response.json())["csrf_token"])
