"""The outbox reaches a real SMTP server: MIME structure, iTIP invites, outages, hostile input."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import asyncpg
import icalendar
import pytest
import vobject
from aiosmtpd.controller import Controller

from consult import keys
from consult.app import create_app
from consult.db import create_pool
from consult.mail.sender import retry_delay, send_due
from tests.booking.conftest import book, manage_token, slot
from tests.conftest import Factory, SmtpServer, free_port, login, make_settings

MAIL_FROM = "consult@union.example.kz"


@pytest.fixture
def settings(smtp: SmtpServer) -> Any:
    return make_settings(
        smtp={"port": smtp.port, "mail_from": MAIL_FROM, "mail_from_name": "Union consultations"},
        booking={"confirmation": "none"},
    )


async def drain(app: Any) -> int:
    total = 0
    while handled := await send_due(app[keys.POOL], app[keys.SETTINGS]):
        total += handled
    return total


def calendar_part(message: EmailMessage) -> EmailMessage:
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return part  # type: ignore[return-value]


def check_structure(message: EmailMessage, recipient: str, with_invite: bool) -> None:
    """multipart/mixed > multipart/alternative (plain, html, calendar) + invite.ics; one To; From = us."""
    assert message["From"].addresses[0].addr_spec == MAIL_FROM
    assert [a.addr_spec for a in message["To"].addresses] == [recipient]
    assert message["Cc"] is None and message["Bcc"] is None
    assert re.fullmatch(r"<[^<>@\s]+@union\.example\.kz>", message["Message-ID"])
    assert message["Auto-Submitted"] == "auto-generated"
    if not with_invite:
        assert message.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
        return
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    plain, html, calendar = alternative.iter_parts()
    assert (plain.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_param("charset") == "utf-8"
    assert calendar["Content-Transfer-Encoding"] == "quoted-printable"
    assert attachment.get_content_type() == "application/ics"
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content() == calendar.get_content().encode()


def check_itip(message: EmailMessage, recipient: str, uid: str | None, sequence: int) -> str:
    """Check the invite against iTIP with icalendar and, independently, with vobject; return its UID."""
    part = calendar_part(message)
    method = part.get_param("method")
    text = part.get_content()
    cal = icalendar.Calendar.from_ical(text)
    assert cal["METHOD"] == method
    [event] = cal.walk("VEVENT")
    assert text.count("BEGIN:VEVENT") == 1
    assert int(event["SEQUENCE"]) == sequence
    assert str(event["ORGANIZER"]).lower() == f"mailto:{MAIL_FROM}"
    attendee = event["ATTENDEE"]
    assert str(attendee).lower() == f"mailto:{recipient}"
    assert attendee.params["RSVP"] == "TRUE"
    assert event["DTSTART"].dt.utcoffset() == timedelta(0)
    assert re.search(r"^DTSTART:\d{8}T\d{6}Z\r?$", text, re.M)
    assert "METHOD:PUBLISH" not in text
    if method == "CANCEL":
        assert str(event["STATUS"]) == "CANCELLED"
        assert not event.walk("VALARM")
    else:
        assert method == "REQUEST"
        [alarm] = event.walk("VALARM")
        assert alarm["TRIGGER"].dt == timedelta(minutes=-15)
        join = str(event["URL"])
        assert str(event["LOCATION"]) == join and join in str(event["DESCRIPTION"])
        assert str(event["CONFERENCE"]) == join
    other = vobject.readOne(text)
    assert other.method.value == method
    assert other.vevent.uid.value == str(event["UID"])
    assert int(other.vevent.sequence.value) == sequence
    assert other.vevent.attendee.value.lower() == f"mailto:{recipient}"
    if uid is not None:
        assert str(event["UID"]) == uid
    return str(event["UID"])


async def test_invites_follow_itip_across_create_move_and_cancel(
    client: Any, factory: Factory, smtp: SmtpServer, db: asyncpg.Connection
) -> None:
    lawyer = await factory.lawyer(language="kk")
    question = "Мне не выплатили отпускные за лето, куда обращаться?"
    created = await (await book(client, slot(), question=question)).json()
    assert await drain(client.app) == 2
    token = await manage_token(db, "member1@example.org")
    response = await client.post(
        f"/api/v1/bookings/manage/{token}/reschedule", json={"start": slot(days_ahead=3, hour=15).isoformat()}
    )
    assert response.status == 200
    assert await drain(client.app) == 2
    response = await client.post(f"/api/v1/bookings/manage/{token}/cancel", json={"reason": "Решилось"})
    assert response.status == 200
    assert await drain(client.app) == 2

    mailbox = smtp.mailbox
    assert len(mailbox.envelopes) == 6
    uid = None
    expected = [("REQUEST", 0), ("REQUEST", 0), ("REQUEST", 1), ("REQUEST", 1), ("CANCEL", 2), ("CANCEL", 2)]
    for (mail_from, rcpts, _raw), message, (method, sequence) in zip(
        mailbox.envelopes, mailbox.messages, expected, strict=True
    ):
        [recipient] = rcpts
        assert mail_from == MAIL_FROM
        assert recipient in ("member1@example.org", lawyer["email"])
        check_structure(message, recipient, with_invite=True)
        assert calendar_part(message).get_param("method") == method
        ics = calendar_part(message).get_content()
        assert question not in ics
        assert ("/b/" in ics) == (recipient == "member1@example.org")
        uid = check_itip(message, recipient, uid, sequence)
    assert uid == await db.fetchval("SELECT ical_uid FROM bookings WHERE id = $1", created["id"])
    languages = [m["Subject"] for m in mailbox.messages]
    assert languages[0] == "Консультация назначена"  # the member reads Russian
    assert languages[1] == "Кеңес тағайындалды"  # the lawyer reads Kazakh
    assert len({m["Message-ID"] for m in mailbox.messages}) == 6
    sent = await db.fetch("SELECT status, attempts FROM outbox")
    assert {(r["status"], r["attempts"]) for r in sent} == {("sent", 1)}


async def test_the_confirm_request_has_no_invite_and_holds_the_manage_link(
    aiohttp_client: Any, db_url: str, factory: Factory, smtp: SmtpServer, db: asyncpg.Connection
) -> None:
    await factory.lawyer()
    client = await aiohttp_client(
        create_app(make_settings(smtp={"port": smtp.port, "mail_from": MAIL_FROM}), db_url)
    )
    await book(client, slot())
    assert await drain(client.app) == 1
    [message] = smtp.mailbox.messages
    check_structure(message, "member1@example.org", with_invite=False)
    assert "/b/" in message.get_body(("plain",)).get_content()
    assert "30" in message.get_body(("plain",)).get_content()
    await client.close()


async def test_a_hostile_name_and_question_add_no_header_no_recipient_and_no_event(
    client: Any, factory: Factory, smtp: SmtpServer
) -> None:
    lawyer = await factory.lawyer()
    name = "=?UTF-8?Q?=0A?=Bcc: x@example.org"
    question = "Вопрос о сокращении штата\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:Взлом"
    response = await book(client, slot(), name=name, question=question)
    assert response.status == 201
    assert await drain(client.app) == 2
    for (_from, rcpts, raw), message in zip(smtp.mailbox.envelopes, smtp.mailbox.messages, strict=True):
        assert rcpts in (["member1@example.org"], [lawyer["email"]])
        head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
        assert not re.search(r"^(bcc|cc):", head, re.I | re.M)
        assert "x@example.org" not in head
        assert message["Bcc"] is None
        ics = calendar_part(message).get_content()
        assert ics.count("BEGIN:VEVENT") == 1 and ics.count("END:VEVENT") == 1
        assert len(icalendar.Calendar.from_ical(ics).walk("VEVENT")) == 1
        assert len(list(vobject.readOne(ics).vevent_list)) == 1
    member_mail = smtp.mailbox.to("member1@example.org")[0]
    assert member_mail["To"].addresses[0].display_name == name
    assert member_mail["To"].addresses[0].addr_spec == "member1@example.org"


async def test_after_an_outage_every_message_arrives_exactly_once_with_two_workers(
    client: Any, factory: Factory, smtp: SmtpServer, db: asyncpg.Connection, db_url: str
) -> None:
    await factory.lawyer()
    await factory.lawyer()
    smtp.stop()
    for n in range(4):
        response = await book(client, slot(hour=10 + n // 2), n)
        assert response.status == 201
    assert await drain(client.app) == 8
    rows = await db.fetch("SELECT status, attempts, last_error, next_attempt_at > now() AS later FROM outbox")
    assert {(r["status"], r["attempts"], r["last_error"], r["later"]) for r in rows} == {
        ("pending", 1, "connection SMTPConnectError", True)
    }
    smtp.start()
    await db.execute("UPDATE outbox SET next_attempt_at = now()")  # a minute later
    settings = client.app[keys.SETTINGS]
    pools = [await create_pool(db_url, settings) for _ in range(2)]
    try:

        async def worker(pool: asyncpg.Pool) -> int:
            total = 0
            while handled := await send_due(pool, settings, batch_size=2):
                total += handled
                await asyncio.sleep(0)
            return total

        counts = await asyncio.gather(*(worker(p) for p in pools))
    finally:
        for pool in pools:
            await pool.close()
    assert sum(counts) == 8
    ids = [m["Message-ID"] for m in smtp.mailbox.messages]
    assert len(ids) == len(set(ids)) == 8
    assert await db.fetchval("SELECT count(*) FROM outbox WHERE status = 'sent' AND attempts = 2") == 8


class PickyServer:
    """Refuses some recipients: 550 for gone@, 451 (try later) for busy@."""

    def __init__(self) -> None:
        self.received: list[list[str]] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.startswith("gone@"):
            return "550 5.1.1 no such user gone@example.org"
        if address.startswith("busy@"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(list(envelope.rcpt_tos))
        return "250 OK"


async def test_5xx_fails_at_once_4xx_retries_and_the_others_still_go(
    aiohttp_client: Any, db_url: str, factory: Factory, db: asyncpg.Connection
) -> None:
    await factory.lawyer()
    await factory.lawyer()
    await factory.lawyer()
    handler = PickyServer()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        client = await aiohttp_client(create_app(make_settings(smtp={"port": port}), db_url))
        for n, email in enumerate(["gone@example.org", "busy@example.org", "fine@example.org"]):
            assert (await book(client, slot(), n, email=email)).status == 201
        await drain(client.app)
        await client.close()
    finally:
        controller.stop()
    rows = {r["recipient"]: r for r in await db.fetch("SELECT * FROM outbox")}
    assert (rows["gone@example.org"]["status"], rows["gone@example.org"]["last_error"]) == (
        "failed",
        "recipient refused 550",
    )
    assert (rows["busy@example.org"]["status"], rows["busy@example.org"]["last_error"]) == (
        "pending",
        "recipient refused 451",
    )
    assert rows["fine@example.org"]["status"] == "sent"
    assert handler.received == [["fine@example.org"]]
    # No personal data in the stored error.
    assert all("@" not in (r["last_error"] or "") for r in rows.values())


def test_retries_wait_a_minute_then_double_up_to_hours_and_give_up_after_three_days() -> None:
    assert [retry_delay(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert retry_delay(12) == timedelta(hours=4)
    attempts = 1
    waited = timedelta(0)
    while (delay := retry_delay(attempts)) is not None:
        waited += delay
        attempts += 1
    assert timedelta(days=2, hours=20) < waited <= timedelta(days=3)


async def test_staff_see_failed_messages_and_send_one_again(
    client: Any, factory: Factory, db: asyncpg.Connection, smtp: SmtpServer
) -> None:
    staff = await factory.user("staff")
    outbox_id = await db.fetchval(
        "INSERT INTO outbox (kind, recipient, message, message_id, status, attempts, last_error) "
        "VALUES ('booking_confirmed', 'someone@example.org', $1, '<x1@union.example.kz>', 'failed', 3, 'recipient refused 550') RETURNING id",
        b"From: consult@union.example.kz\r\nTo: someone@example.org\r\nSubject: hi\r\nMessage-ID: <x1@union.example.kz>\r\n\r\nhello\r\n",
    )
    assert (await client.get("/staff/outbox", allow_redirects=False)).status == 303
    csrf = await login(client, staff)
    page = await (await client.get("/staff/outbox", params={"lang": "en"})).text()
    assert "someone@example.org" in page and "recipient refused 550" in page and "booking_confirmed" in page
    response = await client.post(
        f"/staff/outbox/{outbox_id}/resend", data={"csrf_token": csrf}, allow_redirects=False
    )
    assert response.status == 303
    row = await db.fetchrow("SELECT status, attempts, last_error FROM outbox WHERE id = $1", outbox_id)
    assert tuple(row) == ("pending", 0, None)
    assert await drain(client.app) == 1
    assert smtp.mailbox.envelopes[0][1] == ["someone@example.org"]
    assert await db.fetchval("SELECT action FROM audit_log ORDER BY id DESC LIMIT 1") == "outbox_resend"
