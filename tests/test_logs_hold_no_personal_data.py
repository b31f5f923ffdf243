"""What the service logs while a member books, confirms, is emailed and cancels holds nothing personal."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from consult.logs import JsonFormatter
from consult.mail.sender import outbox_job
from tests.booking.conftest import book, manage_token, slot
from tests.conftest import Factory


async def test_a_whole_booking_leaves_no_name_email_phone_question_or_token_in_the_logs(
    client: Any, factory: Factory, db: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await factory.lawyer()
    secrets = {
        "name": "Гульжан Тулеубаевна Сарсенова",
        "email": "g.sarsenova.private@example.org",
        "phone": "+7 701 555 12 34",
        "question": "Мне не оплачивают классное руководство уже третий месяц, директор угрожает увольнением.",
    }
    response = await book(client, slot(3), **secrets)
    assert response.status == 201, await response.text()
    token = await manage_token(db, secrets["email"])
    assert (await client.post(f"/api/v1/bookings/manage/{token}/confirm")).status == 200
    assert (await client.get(f"/b/{token}")).status == 200
    assert (await client.get(f"/api/v1/bookings/manage/{token}")).status == 200
    await outbox_job(client.server.app)
    assert (
        await client.post(f"/api/v1/bookings/manage/{token}/cancel", json={"reason": "болею"})
    ).status == 200
    await outbox_job(client.server.app)
    assert (await client.get("/b/" + "x" * 43)).status == 404

    formatter = JsonFormatter()
    # Our process's loggers only: `mail.log` is the test's SMTP server standing in for the union's, and
    # `consult serve` runs without aiohttp's access log (it prints paths), which the test server has.
    ours = ("consult", "aiohttp", "asyncpg", "aiosmtplib", "root")
    lines = [
        formatter.format(record)
        for record in caplog.records
        if record.name.split(".")[0] in ours and record.name != "aiohttp.access"
    ]
    assert any('"route"' in line for line in lines)  # the request lines were captured
    leaked = [
        (what, line)
        for line in lines
        for what, value in {
            **secrets,
            "token": token,
            "surname": "Сарсенова",
            "mailbox": "g.sarsenova",
        }.items()
        if value in line
    ]
    assert leaked == []
