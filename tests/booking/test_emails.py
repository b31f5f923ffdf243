"""Booking events queue the right emails, each in its recipient's language, with iTIP invites."""

from __future__ import annotations

from email import message_from_bytes, policy
from typing import Any

import asyncpg
import icalendar

from consult.booking.emails import booking_changed
from consult.mail.outbox import message_bytes
from tests.conftest import Factory, make_settings


async def outbox(db: asyncpg.Connection) -> list[Any]:
    """The queued emails as the sender would send them (rendering those queued to be rendered)."""
    rows = await db.fetch("SELECT kind, recipient, message, render FROM outbox ORDER BY id")
    settings = make_settings()
    return [
        (r["kind"], r["recipient"], message_from_bytes(message_bytes(settings, r), policy=policy.default))
        for r in rows
    ]


def invite_of(message: Any) -> icalendar.Calendar | None:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return icalendar.Calendar.from_ical(part.get_content())
    return None


async def test_a_pending_booking_asks_only_the_member_to_confirm(
    db: asyncpg.Connection, factory: Factory
) -> None:
    lawyer = await factory.lawyer()
    booking = await factory.booking(lawyer, status="pending", language="kk")
    await booking_changed(db, make_settings(), booking["id"], "created")
    [(kind, recipient, message)] = await outbox(db)
    assert (kind, recipient) == ("booking_confirm_request", booking["member_email"])
    assert message["Subject"] == "Кеңесті растаңыз"
    assert f"/b/{booking['token']}" in message.get_body(("plain",)).get_content()
    assert invite_of(message) is None


async def test_a_confirmed_booking_sends_each_participant_an_invite_in_their_language(
    db: asyncpg.Connection, factory: Factory
) -> None:
    lawyer = await factory.lawyer(language="en")
    booking = await factory.booking(lawyer, status="confirmed", language="ru")
    await booking_changed(db, make_settings(), booking["id"], "confirmed")
    await booking_changed(db, make_settings(), booking["id"], "confirmed")  # a retry queues nothing new
    sent = await outbox(db)
    assert [(k, r) for k, r, _m in sent] == [
        ("booking_confirmed", booking["member_email"]),
        ("booking_confirmed", lawyer["email"]),
    ]
    member_mail, lawyer_mail = sent[0][2], sent[1][2]
    assert member_mail["Subject"] == "Консультация назначена"
    assert lawyer_mail["Subject"] == "Your consultation is booked"
    for message in (member_mail, lawyer_mail):
        calendar = invite_of(message)
        assert calendar is not None and calendar["METHOD"] == "REQUEST"
        [event] = calendar.walk("VEVENT")
        assert str(event["UID"]) == booking["ical_uid"]
        assert booking["question"] not in calendar.to_ical().decode()
