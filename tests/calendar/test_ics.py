"""Invites and feeds, read back by icalendar and by vobject, an independent parser."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest
import vobject

from consult.calendar.ics import FeedEvent, Invite, build_feed, build_invite, google_calendar_url

ALMATY = timezone(timedelta(hours=5))
HOSTILE = "x\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:owned"
JOIN_URL = "https://consult.example/join/Zm9vYmFyYmF6cXV4"


def make_invite(**changes: Any) -> Invite:
    invite = Invite(
        uid="booking-42@consult.example",
        sequence=0,
        method="REQUEST",
        start=datetime(2026, 3, 2, 15, 0, tzinfo=ALMATY),
        end=datetime(2026, 3, 2, 15, 45, tzinfo=ALMATY),
        summary="Консультация юриста: еңбек шарты",
        description="Сұрақ: жалақы кешіктірілді.\nВопрос: задержка зарплаты.",
        join_url=JOIN_URL,
        organizer_email="consult@union.example",
        organizer_name="Кәсіподақ консультациялары",
        attendee_email="aigerim@example.kz",
        attendee_name="Әйгерім Құрманғазықызы",
        dtstamp=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        location_text=None,
    )
    return dataclasses.replace(invite, **changes)


def parse_both(data: bytes) -> tuple[Any, Any]:
    """Parse with both libraries, insisting on exactly one calendar in the bytes."""
    # Any: icalendar types every property as a union of all value types, too wide for assertions.
    cal = icalendar.Calendar.from_ical(data)
    components = list(vobject.readComponents(data.decode("utf-8")))
    assert len(components) == 1
    return cal, components[0]


def only_event(cal: Any) -> Any:
    events = cal.walk("VEVENT")
    assert len(events) == 1
    return events[0]


def test_member_invite_reads_the_same_in_both_parsers() -> None:
    data = build_invite(make_invite())
    cal, vcal = parse_both(data)
    event = only_event(cal)

    assert cal["METHOD"] == "REQUEST" and vcal.method.value == "REQUEST"
    assert cal["VERSION"] == "2.0" and cal["CALSCALE"] == "GREGORIAN" and cal["PRODID"]
    assert event["UID"] == vcal.vevent.uid.value == "booking-42@consult.example"
    assert event["SEQUENCE"] == 0 and vcal.vevent.sequence.value == "0"
    assert event["SUMMARY"] == vcal.vevent.summary.value == "Консультация юриста: еңбек шарты"
    assert event["STATUS"] == "CONFIRMED" and event["TRANSP"] == "OPAQUE"
    assert vcal.vevent.dtstart.value == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert vcal.vevent.dtend.value == datetime(2026, 3, 2, 10, 45, tzinfo=UTC)
    assert vcal.vevent.dtstamp.value == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert vcal.vevent.description.value.startswith("Сұрақ: жалақы кешіктірілді.\nВопрос:")


def test_times_are_written_in_utc_without_a_timezone_block() -> None:
    data = build_invite(make_invite())
    lines = data.decode().split("\r\n")

    assert "DTSTART:20260302T100000Z" in lines
    assert "DTEND:20260302T104500Z" in lines
    assert "DTSTAMP:20260301T093000Z" in lines
    assert b"TZID" not in data and b"VTIMEZONE" not in data


def test_attendee_is_asked_to_reply_and_organizer_is_the_service_mailbox() -> None:
    cal, vcal = parse_both(build_invite(make_invite()))
    event = only_event(cal)
    attendee, organizer = event["ATTENDEE"], event["ORGANIZER"]

    assert str(attendee) == "mailto:aigerim@example.kz"
    assert attendee.params["CN"] == "Әйгерім Құрманғазықызы"
    assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
    assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
    assert attendee.params["RSVP"] == "TRUE"
    assert str(organizer) == "mailto:consult@union.example"
    assert organizer.params["CN"] == "Кәсіподақ консультациялары"
    assert vcal.vevent.attendee.params["RSVP"] == ["TRUE"]
    assert vcal.vevent.organizer.value == "mailto:consult@union.example"


def test_join_link_is_in_location_url_description_and_conference() -> None:
    data = build_invite(make_invite())
    cal, vcal = parse_both(data)
    event = only_event(cal)

    assert event["LOCATION"] == JOIN_URL
    assert str(event["URL"]) == JOIN_URL
    assert event["DESCRIPTION"].endswith("\n\n" + JOIN_URL)
    conference = event["CONFERENCE"]
    assert str(conference) == JOIN_URL
    assert conference.params["VALUE"] == "URI"
    assert conference.params["LABEL"] == "Video consultation"
    assert vcal.vevent.conference.params["FEATURE"] == ["AUDIO", "VIDEO"]
    unfolded = data.replace(b"\r\n ", b"")
    assert (
        b"CONFERENCE;FEATURE=AUDIO,VIDEO;LABEL=Video consultation;VALUE=URI:" + JOIN_URL.encode() in unfolded
    )


def test_phone_consultation_shows_where_instead_of_a_link() -> None:
    cal, _ = parse_both(
        build_invite(make_invite(join_url=None, location_text="По телефону / Телефон арқылы"))
    )
    event = only_event(cal)

    assert event["LOCATION"] == "По телефону / Телефон арқылы"
    assert "URL" not in event and "CONFERENCE" not in event
    assert "http" not in event["DESCRIPTION"]


def test_request_reminds_fifteen_minutes_before() -> None:
    cal, vcal = parse_both(build_invite(make_invite()))
    alarms = only_event(cal).walk("VALARM")

    assert len(alarms) == 1
    assert alarms[0]["ACTION"] == "DISPLAY"
    assert alarms[0]["TRIGGER"].dt == timedelta(minutes=-15)
    assert vcal.vevent.valarm.trigger.value == timedelta(minutes=-15)


def test_booking_keeps_its_uid_while_it_is_moved_and_cancelled() -> None:
    created = make_invite(sequence=0)
    moved = make_invite(
        sequence=1,
        start=datetime(2026, 3, 3, 11, 0, tzinfo=ALMATY),
        end=datetime(2026, 3, 3, 11, 45, tzinfo=ALMATY),
    )
    cancelled = dataclasses.replace(moved, sequence=2, method="CANCEL")

    seen = []
    for invite in (created, moved, cancelled):
        cal, vcal = parse_both(build_invite(invite))
        event = only_event(cal)
        seen.append((cal["METHOD"], event["UID"], event["SEQUENCE"], vcal.vevent.dtstart.value))

    assert seen == [
        ("REQUEST", "booking-42@consult.example", 0, datetime(2026, 3, 2, 10, 0, tzinfo=UTC)),
        ("REQUEST", "booking-42@consult.example", 1, datetime(2026, 3, 3, 6, 0, tzinfo=UTC)),
        ("CANCEL", "booking-42@consult.example", 2, datetime(2026, 3, 3, 6, 0, tzinfo=UTC)),
    ]


def test_cancellation_is_cancelled_and_does_not_ring() -> None:
    data = build_invite(make_invite(sequence=3, method="CANCEL"))
    cal, vcal = parse_both(data)
    event = only_event(cal)

    assert cal["METHOD"] == "CANCEL" and vcal.method.value == "CANCEL"
    assert event["STATUS"] == "CANCELLED" and vcal.vevent.status.value == "CANCELLED"
    assert event.walk("VALARM") == []
    assert b"VALARM" not in data
    assert str(event["ATTENDEE"]) == "mailto:aigerim@example.kz"
    assert str(event["ORGANIZER"]) == "mailto:consult@union.example"


def test_hostile_text_stays_inside_one_property_of_one_event() -> None:
    invite = make_invite(
        summary=HOSTILE,
        description=HOSTILE,
        attendee_name='Eve "boss";ROLE=CHAIR:mailto:eve@evil.example\r\nATTENDEE:mailto:x@evil.example',
        organizer_name='Union\x00\x1b"',
        location_text=HOSTILE,
        join_url=None,
    )
    data = build_invite(invite)
    cal, vcal = parse_both(data)
    event = only_event(cal)
    lines = data.decode().split("\r\n")

    assert lines.count("BEGIN:VEVENT") == 1 and lines.count("END:VEVENT") == 1
    assert not any(line.startswith(("SUMMARY:owned", "ATTENDEE:mailto:x@")) for line in lines)
    assert len(vcal.contents["vevent"]) == 1
    assert event["SUMMARY"] == vcal.vevent.summary.value == "x END:VEVENT BEGIN:VEVENT SUMMARY:owned"
    assert event["DESCRIPTION"] == vcal.vevent.description.value == HOSTILE.replace("\r\n", "\n")
    assert event["LOCATION"] == "x END:VEVENT BEGIN:VEVENT SUMMARY:owned"
    attendees = event.get("ATTENDEE")
    assert not isinstance(attendees, list)
    assert str(attendees) == "mailto:aigerim@example.kz"
    assert attendees.params["ROLE"] == "REQ-PARTICIPANT"
    assert (
        attendees.params["CN"]
        == "Eve 'boss';ROLE=CHAIR:mailto:eve@evil.example ATTENDEE:mailto:x@evil.example"
    )
    assert vcal.vevent.attendee.value == "mailto:aigerim@example.kz"
    assert only_event(cal)["ORGANIZER"].params["CN"] == "Union'"


def test_every_line_is_folded_crlf_utf8() -> None:
    data = build_invite(make_invite(description="Өте ұзақ сипаттама " * 30))

    assert data.endswith(b"\r\n")
    for line in data.split(b"\r\n")[:-1]:
        assert len(line) <= 75
        line.decode("utf-8")
    assert b"\n" not in data.replace(b"\r\n", b"")


@pytest.mark.parametrize(
    "changes",
    [
        {"start": datetime(2026, 3, 2, 10, 0)},
        {"end": datetime(2026, 3, 2, 9, 0, tzinfo=UTC)},
        {"attendee_email": "a@example.org, b@example.org"},
        {"attendee_email": "a@example.org\r\nATTENDEE:mailto:b@example.org"},
        {"organizer_email": "not-an-address"},
        {"join_url": "javascript:alert(1)"},
        {"join_url": "https://consult.example/join/x\r\nEND:VEVENT"},
        {"uid": "two words"},
        {"sequence": -1},
        {"method": "PUBLISH"},
    ],
)
def test_invalid_invites_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        build_invite(make_invite(**changes))


def make_feed_event(**changes: Any) -> FeedEvent:
    event = FeedEvent(
        uid="booking-42@consult.example",
        sequence=1,
        status="CONFIRMED",
        start=datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
        end=datetime(2026, 3, 2, 10, 45, tzinfo=UTC),
        summary="Әйгерім Құрманғазықызы: еңбек шарты",
        description="Жалақы",
        dtstamp=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        join_url=JOIN_URL,
    )
    return dataclasses.replace(event, **changes)


def test_lawyer_feed_lists_bookings_and_marks_cancelled_ones() -> None:
    data = build_feed(
        [
            make_feed_event(),
            make_feed_event(uid="booking-43@consult.example", status="CANCELLED", sequence=2, join_url=None),
        ],
        "Консультации: Асқар Бекұлы",
    )
    cal, vcal = parse_both(data)
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}

    assert "METHOD" not in cal
    assert cal["X-WR-CALNAME"] == "Консультации: Асқар Бекұлы"
    assert events["booking-42@consult.example"]["STATUS"] == "CONFIRMED"
    assert events["booking-42@consult.example"]["LOCATION"] == JOIN_URL
    assert events["booking-43@consult.example"]["STATUS"] == "CANCELLED"
    assert events["booking-43@consult.example"]["SEQUENCE"] == 2
    assert [e.status.value for e in vcal.contents["vevent"]] == ["CONFIRMED", "CANCELLED"]
    assert not cal.walk("VALARM")


def test_empty_feed_is_still_a_calendar() -> None:
    cal, vcal = parse_both(build_feed([], "Empty"))

    assert cal.walk("VEVENT") == [] and vcal.x_wr_calname.value == "Empty"


def test_google_calendar_link_carries_the_event() -> None:
    url = google_calendar_url(
        "Консультация & co",
        datetime(2026, 3, 2, 15, 0, tzinfo=ALMATY),
        datetime(2026, 3, 2, 15, 45, tzinfo=ALMATY),
        "Сілтеме:\n" + JOIN_URL,
        JOIN_URL,
    )
    parts = urlsplit(url)

    assert (parts.scheme, parts.netloc, parts.path) == ("https", "calendar.google.com", "/calendar/render")
    assert parse_qs(parts.query) == {
        "action": ["TEMPLATE"],
        "text": ["Консультация & co"],
        "dates": ["20260302T100000Z/20260302T104500Z"],
        "details": ["Сілтеме:\n" + JOIN_URL],
        "location": [JOIN_URL],
    }
    assert "dates=20260302T100000Z/20260302T104500Z" in url


def test_google_calendar_link_leaves_out_what_is_missing() -> None:
    url = google_calendar_url(
        "Call",
        datetime(2026, 3, 2, 10, tzinfo=UTC),
        datetime(2026, 3, 2, 11, tzinfo=UTC),
        None,
        None,
    )

    assert set(parse_qs(urlsplit(url).query)) == {"action", "text", "dates"}
