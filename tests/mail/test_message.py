"""Messages as a mail client and an SMTP server see them."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage
from typing import Any

import aiosmtplib
import icalendar
import pytest
import vobject
from aiosmtpd.controller import Controller

from consult.calendar.ics import Invite, build_invite
from consult.mail.message import build_message, make_message_id

ALMATY = timezone(timedelta(hours=5))
SERVICE = "consult@union.example"
SERVICE_NAME = "Кәсіподақ: заң кеңесі"
MEMBER = "aigerim@example.kz"
MEMBER_NAME = "Әйгерім Құрманғазықызы"
ENCODED_NEWLINE_NAME = "=?UTF-8?Q?=0A?=Bcc: x@example.org"


def make_invite(method: str = "REQUEST", sequence: int = 0, **changes: Any) -> bytes:
    fields: dict[str, Any] = {
        "uid": "booking-42@consult.example",
        "sequence": sequence,
        "method": method,
        "start": datetime(2026, 3, 2, 15, 0, tzinfo=ALMATY),
        "end": datetime(2026, 3, 2, 15, 45, tzinfo=ALMATY),
        "summary": "Консультация юриста",
        "description": "Еңбек шарты туралы сұрақ",
        "join_url": "https://consult.example/join/Zm9vYmFy",
        "organizer_email": SERVICE,
        "organizer_name": SERVICE_NAME,
        "attendee_email": MEMBER,
        "attendee_name": MEMBER_NAME,
        "dtstamp": datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        "location_text": None,
    }
    fields.update(changes)
    return build_invite(Invite(**fields))


def make_message(**changes: Any) -> EmailMessage:
    invite = make_invite()
    fields: dict[str, Any] = {
        "from_addr": SERVICE,
        "from_name": SERVICE_NAME,
        "to_addr": MEMBER,
        "to_name": MEMBER_NAME,
        "subject": "Консультация жазылды / Консультация назначена",
        "text": "Сәлеметсіз бе! Консультация 2 наурызда.\nhttps://consult.example/join/Zm9vYmFy\n",
        "html": "<p>Сәлеметсіз бе! <a href='https://consult.example/join/Zm9vYmFy'>Қосылу</a></p>",
        "message_id": "<outbox-123@consult.example>",
        "invite": invite,
        "method": "REQUEST",
        "date": datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
    }
    fields.update(changes)
    return build_message(**fields)


def received(msg: EmailMessage) -> EmailMessage:
    """Serialize and parse back, as the recipient's client would."""
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def mime_tree(msg: EmailMessage) -> list[str]:
    return [part.get_content_type() for part in msg.walk()]


def header_block(msg: EmailMessage) -> bytes:
    return msg.as_bytes().split(b"\r\n\r\n", 1)[0]


def header_names(raw: bytes) -> list[str]:
    """Return the header field names of a raw header block, ignoring folded continuation lines."""
    return [line.split(b":", 1)[0].decode() for line in raw.split(b"\r\n") if line[:1] not in (b" ", b"\t")]


def parse_ics(text: str) -> Any:
    """Parse with icalendar; Any because it types every property as a union of all value types."""
    return icalendar.Calendar.from_ical(text)


def calendar_part(msg: EmailMessage) -> EmailMessage:
    parts = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    return parts[0]


def test_invite_email_offers_the_calendar_inline_and_as_a_file() -> None:
    invite = make_invite()
    msg = received(make_message(invite=invite))

    assert mime_tree(msg) == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "text/calendar",
        "application/ics",
    ]
    cal_part = calendar_part(msg)
    assert cal_part.get_param("method") == "REQUEST"
    assert cal_part.get_content_charset() == "utf-8"
    assert cal_part["Content-Transfer-Encoding"] == "quoted-printable"
    assert cal_part.get_content_disposition() is None
    inline = cal_part.get_content()
    assert inline.replace("\r\n", "\n") == invite.decode().replace("\r\n", "\n")

    attachment = next(msg.iter_attachments())
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_param("name") == "invite.ics"
    assert attachment.get_content() == invite
    assert msg.get_body(("plain",)).get_content().startswith("Сәлеметсіз бе!")  # type: ignore[union-attr]
    assert "Қосылу" in msg.get_body(("html",)).get_content()  # type: ignore[union-attr]


@pytest.mark.parametrize(("method", "sequence"), [("REQUEST", 0), ("REQUEST", 1), ("CANCEL", 2)])
def test_method_is_the_same_in_the_mime_part_and_in_the_calendar(method: str, sequence: int) -> None:
    invite = make_invite(method=method, sequence=sequence)
    msg = received(make_message(invite=invite, method=method))
    cal_part = calendar_part(msg)
    inline = cal_part.get_content()
    cal = parse_ics(inline)
    vcal = vobject.readOne(inline)

    assert cal_part.get_param("method") == cal["METHOD"] == vcal.method.value == method
    event = cal.walk("VEVENT")[0]
    assert event["UID"] == "booking-42@consult.example" and event["SEQUENCE"] == sequence
    assert event["STATUS"] == ("CANCELLED" if method == "CANCEL" else "CONFIRMED")
    assert bool(event.walk("VALARM")) is (method == "REQUEST")


def test_organizer_is_the_sender_and_the_attendee_is_the_only_recipient() -> None:
    msg = received(make_message())
    event = parse_ics(calendar_part(msg).get_content()).walk("VEVENT")[0]

    (sender,) = msg["From"].addresses
    (recipient,) = msg["To"].addresses
    assert str(event["ORGANIZER"]) == f"mailto:{sender.addr_spec}"
    assert str(event["ATTENDEE"]) == f"mailto:{recipient.addr_spec}"
    assert event["ATTENDEE"].params["RSVP"] == "TRUE"
    assert sender.display_name == SERVICE_NAME
    assert recipient.display_name == MEMBER_NAME


def test_message_carries_identity_date_and_auto_submitted() -> None:
    msg = received(make_message())

    assert msg["Message-ID"] == "<outbox-123@consult.example>"
    assert msg["Date"].datetime == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert msg["MIME-Version"] == "1.0"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert str(msg["Subject"]) == "Консультация жазылды / Консультация назначена"
    assert [p["MIME-Version"] for p in msg.walk()][1:] == [None] * 5


def test_kazakh_and_russian_headers_are_encoded_and_lines_stay_short() -> None:
    long_name = "Әйгерім Құрманғазықызы Нұрсұлтанова, Алматы облысы өңірлік ұйымы, ұстаз"
    msg = make_message(to_name=long_name, subject="Кеңес: " + "ғқңөұүһі " * 12)
    raw = header_block(msg)
    parsed = received(msg)

    raw.decode("ascii")
    assert all(len(line) <= 78 for line in raw.split(b"\r\n"))
    # Python 3.11's parser shows a doubled space where a name is split between encoded words; mail
    # clients following RFC 2047 do not, so the comparison ignores runs of spaces.
    assert " ".join(parsed["To"].addresses[0].display_name.split()) == long_name
    assert str(parsed["Subject"]) == "Кеңес: " + " ".join(["ғқңөұүһі"] * 12)


def test_names_with_quotes_and_commas_stay_one_address() -> None:
    msg = received(make_message(to_name='Doe, John "JJ" (union)', to_addr="john.doe@example.org"))

    (recipient,) = msg["To"].addresses
    assert recipient.display_name == 'Doe, John "JJ" (union)'
    assert recipient.addr_spec == "john.doe@example.org"


def test_encoded_newline_in_a_name_stays_a_literal_name() -> None:
    msg = make_message(
        to_name=ENCODED_NEWLINE_NAME, from_name=ENCODED_NEWLINE_NAME, subject=ENCODED_NEWLINE_NAME
    )
    raw = header_block(msg)
    parsed = received(msg)

    # The look-alike must travel encoded, or a reader would decode it to a line break.
    assert b"=?UTF-8?Q?=0A?=" not in raw
    assert header_names(raw) == [
        "From",
        "To",
        "Subject",
        "Date",
        "Message-ID",
        "MIME-Version",
        "Auto-Submitted",
        "Content-Type",
    ]
    assert "Bcc" not in parsed
    (recipient,) = parsed["To"].addresses
    assert (recipient.display_name, recipient.addr_spec) == (ENCODED_NEWLINE_NAME, MEMBER)
    assert parsed["From"].addresses[0].display_name == ENCODED_NEWLINE_NAME
    assert str(parsed["Subject"]) == ENCODED_NEWLINE_NAME


def test_line_breaks_in_names_subject_and_headers_add_no_header() -> None:
    msg = make_message(
        to_name="Aigerim\r\nBcc: spy@evil.example",
        from_name="Union\nCc: spy@evil.example",
        subject="Hi\r\nBcc: spy@evil.example\r\n\r\n<html>",
        headers={"X-Consult-Outbox": "7\r\nBcc: spy@evil.example"},
        invite=make_invite(
            summary="x\r\nEND:VEVENT\r\nBEGIN:VEVENT", description="\r\nEND:VEVENT\r\nBEGIN:VEVENT"
        ),
    )
    raw = header_block(msg)
    parsed = received(msg)

    assert header_names(raw) == [
        "From",
        "To",
        "Subject",
        "Date",
        "Message-ID",
        "MIME-Version",
        "Auto-Submitted",
        "X-Consult-Outbox",
        "Content-Type",
    ]
    assert "Bcc" not in parsed and "Cc" not in parsed
    assert [a.addr_spec for a in parsed["To"].addresses] == [MEMBER]
    assert str(parsed["Subject"]) == "Hi Bcc: spy@evil.example <html>"
    assert parsed["X-Consult-Outbox"] == "7 Bcc: spy@evil.example"
    inline = calendar_part(parsed).get_content()
    assert len(parse_ics(inline).walk("VEVENT")) == 1
    assert len(vobject.readOne(inline).contents["vevent"]) == 1


def test_plain_and_html_without_invite_is_an_alternative() -> None:
    msg = received(make_message(invite=None, method=None))

    assert mime_tree(msg) == ["multipart/alternative", "text/plain", "text/html"]


def test_plain_text_only() -> None:
    msg = received(make_message(invite=None, method=None, html=None, text="Just text\n"))

    assert mime_tree(msg) == ["text/plain"]
    assert msg.get_content().replace("\r\n", "\n") == "Just text\n"
    assert msg["Content-Transfer-Encoding"] == "7bit"


def test_invite_without_html_keeps_the_calendar_next_to_plain_text() -> None:
    msg = received(make_message(html=None))

    assert mime_tree(msg) == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/calendar",
        "application/ics",
    ]


@pytest.mark.parametrize(
    "changes",
    [
        {"to_addr": "a@example.org, b@example.org"},
        {"to_addr": "a@example.org\r\nBcc: b@example.org"},
        {"to_addr": "Aigerim <a@example.org>"},
        {"from_addr": "not an address"},
        {"message_id": "outbox-1@consult.example"},
        {"message_id": "<outbox 1@consult.example>"},
        {"method": "CANCEL"},
        {"method": "PUBLISH"},
        {"method": None},
        {"invite": None},
        {"headers": {"Bcc": "x@example.org"}},
        {"headers": {"reply-to": "x@example.org"}},
        {"headers": {"Content-Type": "text/plain"}},
        {"headers": {"X-A\r\nBcc": "x"}},
        {"headers": {"X-A: b": "x"}},
        {"date": datetime(2026, 3, 1, 9, 30)},
    ],
)
def test_unsafe_or_inconsistent_input_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        make_message(**changes)


def test_idn_domain_is_sent_in_punycode() -> None:
    msg = received(make_message(to_addr="member@мектеп.қаз", invite=None, method=None))

    domain = msg["To"].addresses[0].domain
    assert domain.isascii() and domain.encode("ascii").decode("idna") == "мектеп.қаз"


def test_message_id_is_stable_and_safe() -> None:
    assert make_message_id("outbox-123", "consult.example") == "<outbox-123@consult.example>"
    assert make_message_id("outbox-123", "consult.example") == make_message_id(
        "outbox-123", "consult.example"
    )
    odd = make_message_id("key with spaces>\r\n", "consult.example")
    assert odd == make_message_id("key with spaces>\r\n", "consult.example")
    assert odd.startswith("<") and odd.endswith("@consult.example>") and " " not in odd
    make_message(message_id=odd)
    with pytest.raises(ValueError):
        make_message_id("outbox-1", "evil.example>\r\nBcc: x@y")


class Inbox:
    """Keep every envelope an aiosmtpd server accepts."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    # aiosmtpd looks the hook up by this exact name.
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_invite_sent_over_smtp_reaches_only_the_member_intact() -> None:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        msg = make_message(to_name=ENCODED_NEWLINE_NAME)
        # Envelope taken from the headers on purpose: an injected Bcc or Cc would show up here.
        asyncio.run(aiosmtplib.send(msg, hostname="127.0.0.1", port=controller.port, timeout=10))
    finally:
        controller.stop()

    (envelope,) = inbox.envelopes
    assert envelope.mail_from == SERVICE
    assert envelope.rcpt_tos == [MEMBER]
    arrived = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert isinstance(arrived, EmailMessage)
    assert mime_tree(arrived) == mime_tree(received(msg))
    assert arrived["Message-ID"] == "<outbox-123@consult.example>"
    assert arrived["To"].addresses[0].display_name == ENCODED_NEWLINE_NAME
    inline = calendar_part(arrived).get_content()
    cal = parse_ics(inline)
    assert calendar_part(arrived).get_param("method") == cal["METHOD"] == "REQUEST"
    assert str(cal.walk("VEVENT")[0]["ATTENDEE"]) == f"mailto:{MEMBER}"
