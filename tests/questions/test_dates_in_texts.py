"""Dates and times in pages and emails read as a person writes them: no «г..», no seconds, one pair of
brackets around the zone, and Kazakh sentences that do not need a case ending on a formatted date."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiohttp import FormData

from consult.booking.emails import booking_changed
from consult.mail.render import render_email
from tests.booking.test_emails import outbox
from tests.conftest import Factory, make_settings
from tests.questions.conftest import ask_body, outbox_messages, text_of

DOUBLE_STOP = re.compile(r"(?<!\.)\.\.(?!\.)")
SECONDS = re.compile(r"\b\d{1,2}:\d{2}:\d{2}\b")
NESTED = re.compile(r"\([^()]*\([^()]*\)[^()]*\)")
STARTS = datetime(2026, 12, 3, 5, 30, tzinfo=UTC)  # Thursday 3 December 2026, 10:30 in Almaty


def readable(text: str) -> None:
    assert DOUBLE_STOP.search(text) is None, DOUBLE_STOP.search(text)
    assert SECONDS.search(text) is None, text
    assert NESTED.search(text) is None, NESTED.search(text)


async def sent_page(client: Any, language: str) -> str:
    form_page = await (await client.get("/questions/new", params={"lang": language})).text()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form_page)
    assert csrf is not None
    form = FormData()
    for name, value in ask_body(email=f"teacher.{language}@example.kz", language=language).items():
        form.add_field(name, "on" if value is True else str(value))
    form.add_field("csrf_token", csrf[1])
    response = await client.post("/questions/new", data=form, params={"lang": language})
    assert response.status == 201, await response.text()
    return await response.text()


async def test_no_page_or_email_shows_a_double_full_stop_or_seconds(
    client: Any, db: asyncpg.Connection, factory: Factory
) -> None:
    # The page after a written question, and the email that confirms it, in each language.
    pages = {language: await sent_page(client, language) for language in ("ru", "kk", "en")}
    for page in pages.values():
        readable(page)
    assert "Срок ответа юриста профсоюза — до " in pages["ru"]
    assert "Кәсіподақ заңгерінің жауап беру мерзімі: " in pages["kk"]  # no «… желтоқсан дейін»
    assert "дейін" not in pages["kk"].split("мерзімі:")[1].split("<")[0]
    mails = [text_of(message) for _to, message in await outbox_messages(db, "question_received")]
    assert len(mails) == 3
    for mail in mails:
        readable(mail)

    # The erasure email to the lawyer: the date in full, the time to the minute, the zone once.
    for language in ("ru", "kk", "en"):
        email = render_email(
            "erasure_cancelled", language, "Asia/Almaty", {"lawyer_name": "Айгуль", "starts_at": STARTS}
        )
        readable(email.subject + "\n" + email.text)
    ru = render_email(
        "erasure_cancelled", "ru", "Asia/Almaty", {"lawyer_name": "Айгуль", "starts_at": STARTS}
    ).text
    assert (
        "Консультация, назначенная на четверг, 3 декабря 2026\u202fг., 10:30 (Казахстан, Алматы), отменена"
        in ru
    )
    kk = render_email(
        "erasure_cancelled", "kk", "Asia/Almaty", {"lawyer_name": "Айгуль", "starts_at": STARTS}
    )
    assert kk.subject == "Кеңес болдырылмады: 2026 ж. 03 жел., 10:30"

    # A booking's emails: the facts block says the zone in one pair of brackets, then a blank line.
    lawyer = await factory.lawyer(language="kk")
    booking = await factory.booking(lawyer, status="confirmed", language="ru", start=STARTS)
    await booking_changed(db, make_settings(), booking["id"], "confirmed")
    for _kind, _to, message in await outbox(db):
        body = message.get_body(("plain",)).get_content()
        readable(body)
        readable(message.get_body(("html",)).get_content())
    [member_mail] = [
        m for kind, to, m in await outbox(db) if kind == "booking_confirmed" and to == booking["member_email"]
    ]
    member_text = member_mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "четверг, 3 декабря 2026\u202fг., 10:30 (Казахстан, Алматы)\n" in member_text
    assert re.search(r"Юрист: [^\n]+\n\n", member_text)
