"""A member asks a lawyer in writing, from the page or the API, and gets a private link by email."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import asyncpg
from aiohttp import FormData

from consult.app import create_app
from consult.consent.service import version
from consult.security import hash_token
from consult.settings import Settings
from tests.conftest import make_settings
from tests.questions.conftest import JPEG, PDF, QUESTION, ask_body, outbox_messages, stored_files, text_of

LINK = re.compile(r"http://127\.0\.0\.1/q/([A-Za-z0-9_-]{43})")


def multipart(body: dict[str, Any], files: list[tuple[str, str, bytes]], csrf: str | None = None) -> FormData:
    form = FormData()
    for name, value in body.items():
        form.add_field(name, "on" if value is True else str(value))
    if csrf:
        form.add_field("csrf_token", csrf)
    for filename, content_type, data in files:
        form.add_field("attachments", data, filename=filename, content_type=content_type)
    return form


async def visitor_csrf(client: Any) -> str:
    """Open the form as a browser would: the page sets the CSRF cookie and carries the same token."""
    page = await client.get("/questions/new")
    found = re.search(r'name="csrf_token" value="([^"]+)"', await page.text())
    assert found is not None
    return found[1]


async def test_member_asks_in_writing_and_gets_an_email_with_a_private_link(
    client: Any, db: asyncpg.Connection, settings: Settings
) -> None:
    response = await client.post("/api/v1/questions", json=ask_body())
    assert response.status == 201, await response.text()
    body = await response.json()
    row = await db.fetchrow("SELECT * FROM questions")
    assert body == {
        "id": row["id"],
        "status": "new",
        "topic": "dismissal",
        "created_at": row["created_at"].astimezone(ALMATY).isoformat(),
        "due_at": row["due_at"].astimezone(ALMATY).isoformat(),
    }
    member = await db.fetchrow(
        "SELECT role, email, name, language FROM users WHERE id = $1", row["member_id"]
    )
    assert dict(member) == {
        "role": "member",
        "email": "aigul@example.kz",
        "name": "Айгуль Серикова",
        "language": "kk",
    }
    assert row["member_email"] == "aigul@example.kz" and row["membership_no"] == "KZ-1234"
    assert (
        row["consent_version"] == version(settings, "question", "ru")
        and row["consent_at"] == row["created_at"]
    )
    assert row["status"] == "new" and row["assigned_lawyer_id"] is None and row["due_at"] > row["created_at"]

    [(recipient, message)] = await outbox_messages(db)
    assert recipient == "aigul@example.kz"
    assert message["Subject"] == "Сұрағыңыз қабылданды"
    text = text_of(message)
    token = LINK.search(text)
    assert token is not None, text
    assert "Жұмыстан шығару және қысқарту" in text  # the topic, in the member's language
    assert (
        await db.fetchval(
            "SELECT question_id FROM question_links WHERE token_hash = $1", hash_token(token[1])
        )
        == row["id"]
    )
    assert QUESTION not in text  # the email carries a link, not the question

    page = await client.get(f"/q/{token[1]}", params={"lang": "en"})
    assert page.status == 200
    html = await page.text()
    assert QUESTION in html and "Waiting for a lawyer" in html
    assert page.headers["Referrer-Policy"] == "no-referrer" and page.headers["Cache-Control"] == "no-store"


async def test_member_asks_from_the_page_with_a_pdf_and_a_photo(
    client: Any, db: asyncpg.Connection, attachments_dir: Path
) -> None:
    home = await client.get("/", params={"lang": "ru"})
    assert '<a class="button" href="/questions/new">Задать вопрос письменно</a>' in await home.text()
    page = await client.get("/questions/new", params={"lang": "ru"})
    assert page.status == 200
    html = await page.text()
    assert 'enctype="multipart/form-data"' in html and "Задать вопрос юристу письменно" in html
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert csrf is not None
    files = [("Приказ №12.pdf", "application/pdf", PDF), ("договор.jpg", "image/jpeg", JPEG)]
    response = await client.post(
        "/questions/new", data=multipart(ask_body(language="ru"), files, csrf[1]), params={"lang": "ru"}
    )
    html = await response.text()
    assert response.status == 201, html
    assert "Ваш вопрос получен" in html and "aigul@example.kz" in html

    rows = await db.fetch(
        "SELECT filename, content_type, size_bytes, storage_name FROM question_attachments ORDER BY id"
    )
    assert [(r["filename"], r["content_type"], r["size_bytes"]) for r in rows] == [
        ("Приказ №12.pdf", "application/pdf", len(PDF)),
        ("договор.jpg", "image/jpeg", len(JPEG)),
    ]
    stored = stored_files(attachments_dir)
    assert stored == {rows[0]["storage_name"]: PDF, rows[1]["storage_name"]: JPEG}
    assert all(re.fullmatch(r"[0-9a-f]{32}", name) for name in stored)
    assert (os.stat(attachments_dir).st_mode & 0o777) == 0o700


async def test_an_attachment_that_claims_to_be_a_pdf_but_is_not_is_refused(
    client: Any, db: asyncpg.Connection, attachments_dir: Path
) -> None:
    fake = b"MZ\x90\x00\x03\x00\x00\x00 this is a Windows program, not a PDF"
    response = await client.post(
        "/api/v1/questions",
        data=multipart(ask_body(), [("order.pdf", "application/pdf", fake)], await visitor_csrf(client)),
        headers={"Accept-Language": "en"},
    )
    assert response.status == 400
    assert await response.json() == {
        "error": {
            "code": "invalid",
            "message": "Some fields need attention.",
            "fields": {"attachments": "This file is not a valid PDF."},
        }
    }
    assert await db.fetchval("SELECT count(*) FROM questions") == 0
    assert await db.fetchval("SELECT count(*) FROM outbox") == 0
    assert stored_files(attachments_dir) == {}


async def test_the_page_form_shows_the_refused_file_next_to_the_field(
    client: Any, db: asyncpg.Connection
) -> None:
    page = await client.get("/questions/new", params={"lang": "en"})
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', await page.text())
    assert csrf is not None
    response = await client.post(
        "/questions/new", data=multipart(ask_body(), [("photo.png", "image/png", PDF)], csrf[1])
    )
    assert response.status == 400
    html = await response.text()
    assert (
        '<p class="field-error" id="attachments-error">The file&#39;s type does not match its content.</p>'
        in html
    )
    assert QUESTION in html  # what the member wrote is kept
    assert await db.fetchval("SELECT count(*) FROM questions") == 0


async def test_four_files_are_too_many(client: Any) -> None:
    files = [(f"p{i}.pdf", "application/pdf", PDF) for i in range(4)]
    response = await client.post(
        "/api/v1/questions",
        data=multipart(ask_body(), files, await visitor_csrf(client)),
        headers={"Accept-Language": "en"},
    )
    assert response.status == 400
    assert (await response.json())["error"]["fields"] == {"attachments": "Attach at most 3 files."}


async def test_a_name_with_a_line_break_and_other_mistakes_are_named_field_by_field(client: Any) -> None:
    response = await client.post(
        "/api/v1/questions",
        json=ask_body(
            name="Айгуль\r\nBcc: x@evil.example",
            question="коротко",
            email="no-at-sign",
            consent=False,
            topic="",
        ),
        headers={"Accept-Language": "en"},
    )
    assert response.status == 400
    assert (await response.json())["error"]["fields"] == {
        "name": "The name must be on one line.",
        "question": "Describe your question in at least 20 characters.",
        "email": "Enter a valid email address.",
        "consent": "Please agree to the processing of your data.",
        "topic": "Choose a topic.",
    }


async def test_an_unknown_topic_is_a_field_error_not_a_crash(client: Any, db: asyncpg.Connection) -> None:
    response = await client.post(
        "/api/v1/questions", json=ask_body(topic="no-such-topic"), headers={"Accept-Language": "en"}
    )
    assert response.status == 400
    assert (await response.json())["error"]["fields"] == {"topic": "Choose a topic."}
    assert await db.fetchval("SELECT count(*) FROM users") == 0


async def test_a_member_with_three_open_questions_is_asked_to_wait(
    client: Any, db: asyncpg.Connection
) -> None:
    for n in range(3):
        response = await client.post(
            "/api/v1/questions", json=ask_body(email="AIGUL@example.kz", question=QUESTION + str(n))
        )
        assert response.status == 201
    response = await client.post(
        "/api/v1/questions", json=ask_body(email="aigul@example.kz"), headers={"Accept-Language": "en"}
    )
    assert response.status == 409
    assert (await response.json())["error"]["code"] == "too_many_open_questions"
    assert await db.fetchval("SELECT count(DISTINCT member_id) FROM questions") == 1
    assert await db.fetchval("SELECT count(*) FROM users WHERE role = 'member'") == 1


async def test_too_many_questions_from_one_address_are_slowed_down(
    aiohttp_client: Any, db_url: str, db: asyncpg.Connection, smtp: Any
) -> None:
    app = create_app(
        make_settings(
            smtp={"port": smtp.port}, questions={"asks_per_address_per_hour": 2, "max_open_per_member": 10}
        ),
        database_url=db_url,
    )
    client = await aiohttp_client(app)
    try:
        statuses = []
        for n in range(3):
            response = await client.post("/api/v1/questions", json=ask_body(email=f"m{n}@example.kz"))
            statuses.append(response.status)
        assert statuses == [201, 201, 429]
        assert int(response.headers["Retry-After"]) > 0
        assert (await response.json())["error"]["code"] == "rate_limited"
        buckets = await db.fetch("SELECT bucket FROM rate_limits")
        assert not any("@" in r["bucket"] or "127.0.0.1" in r["bucket"] for r in buckets)
    finally:
        await client.close()


async def test_one_email_may_ask_only_a_few_times_a_day(aiohttp_client: Any, db_url: str, smtp: Any) -> None:
    app = create_app(
        make_settings(smtp={"port": smtp.port}, questions={"asks_per_email_per_day": 1}), database_url=db_url
    )
    client = await aiohttp_client(app)
    try:
        first = await client.post("/api/v1/questions", json=ask_body())
        second = await client.post("/api/v1/questions", json=ask_body(email="AIGUL@example.kz"))
        assert (first.status, second.status) == (201, 429)
    finally:
        await client.close()


from zoneinfo import ZoneInfo  # noqa: E402

ALMATY = ZoneInfo("Asia/Almaty")
