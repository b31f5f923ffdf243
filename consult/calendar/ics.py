"""Build iCalendar data: iTIP invites (RFC 5545, 5546, 6047), subscription feeds, Google links."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from urllib.parse import quote, urlencode, urlsplit

from icalendar import Alarm, Calendar, Event, vCalAddress, vUri

from consult.forms import normalize_address
from consult.i18n import gettext

__all__ = ["PRODID", "FeedEvent", "Invite", "build_feed", "build_invite", "google_calendar_url"]

PRODID = "-//consult//Labour-law consultations//EN"
REMINDER_BEFORE = timedelta(minutes=15)
FEED_REFRESH = timedelta(minutes=15)

Method = Literal["REQUEST", "CANCEL"]
FeedStatus = Literal["CONFIRMED", "TENTATIVE", "CANCELLED"]

_UID_RE = re.compile(r"^[!-~]{1,255}$")
# Characters that end a line for some parser: CR and LF, and also NEL, LS and PS for Unicode-aware ones.
_LINE_BREAKS_RE = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


@dataclass(frozen=True)
class Invite:
    """One iTIP message about one booking, for one attendee."""

    uid: str
    sequence: int
    method: Method
    start: datetime
    end: datetime
    summary: str
    description: str
    join_url: str | None
    organizer_email: str
    organizer_name: str
    attendee_email: str
    attendee_name: str
    dtstamp: datetime
    location_text: str | None
    conference_label: str = "Video consultation"


@dataclass(frozen=True)
class FeedEvent:
    """One booking as it appears in a lawyer's subscription feed."""

    uid: str
    sequence: int
    status: FeedStatus
    start: datetime
    end: datetime
    summary: str
    description: str
    dtstamp: datetime
    join_url: str | None = None
    location_text: str | None = None
    conference_label: str = "Video consultation"  # pass the translated label (gettext) in the feed's language


def clean_text(text: str, *, multiline: bool = False) -> str:
    """Return text without control characters; line breaks become LF, or spaces unless multiline."""
    text = _LINE_BREAKS_RE.sub("\n" if multiline else " ", text)
    kept = (ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs"))
    return "".join(kept).strip()


def _param_text(text: str) -> str:
    # A DQUOTE cannot appear in a parameter value (RFC 5545 section 3.1) and many clients do not know
    # RFC 6868's ^' escape, so quotes become apostrophes; icalendar quotes values holding , ; or :.
    return " ".join(clean_text(text).replace('"', "'").split())


def _utc(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")
    return value.astimezone(UTC)


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc or not re.fullmatch(r"[!-~]+", url):
        raise ValueError(f"invalid join URL: {url!r}")
    return url


def _calendar() -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    return cal


def _event(
    *,
    uid: str,
    sequence: int,
    status: str,
    start: datetime,
    end: datetime,
    summary: str,
    description: str,
    dtstamp: datetime,
    join_url: str | None,
    location_text: str | None,
    conference_label: str,
) -> Event:
    """Return a VEVENT with the properties invites and feeds share."""
    if not _UID_RE.match(uid):
        raise ValueError(f"invalid UID: {uid!r}")
    if sequence < 0:
        raise ValueError("SEQUENCE must not be negative")
    start, end = _utc(start, "start"), _utc(end, "end")
    if end <= start:
        raise ValueError("end must be after start")
    summary = clean_text(summary)
    description = clean_text(description, multiline=True)
    location = clean_text(location_text) if location_text else ""
    if join_url is not None:
        join_url = _check_url(join_url)
        location = join_url
        # Clients that ignore URL and CONFERENCE (most of them) still show the link in the notes.
        if join_url not in description:
            description = f"{description}\n\n{join_url}" if description else join_url

    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", _utc(dtstamp, "dtstamp"))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", summary)
    event.add("description", description)
    if location:
        event.add("location", location)
    event.add("status", status)
    event.add("transp", "OPAQUE")
    if join_url is not None:
        event.add("url", join_url)
        conference = vUri(join_url)
        conference.params["VALUE"] = "URI"
        # A list makes FEATURE=AUDIO,VIDEO (two values); the string "AUDIO,VIDEO" would get quoted.
        conference.params["FEATURE"] = ["AUDIO", "VIDEO"]
        conference.params["LABEL"] = _param_text(conference_label)
        event.add("conference", conference)
    return event


def _calendar_user(email: str, name: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{normalize_address(email)}")
    cn = _param_text(name)
    if cn:
        address.params["CN"] = cn
    return address


def build_invite(inv: Invite) -> bytes:
    """Return the iCalendar object of one iTIP REQUEST or CANCEL."""
    if inv.method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"unsupported iTIP method: {inv.method!r}")
    cal = _calendar()
    cal.add("method", inv.method)
    event = _event(
        uid=inv.uid,
        sequence=inv.sequence,
        status="CONFIRMED" if inv.method == "REQUEST" else "CANCELLED",
        start=inv.start,
        end=inv.end,
        summary=inv.summary,
        description=inv.description,
        dtstamp=inv.dtstamp,
        join_url=inv.join_url,
        location_text=inv.location_text,
        conference_label=inv.conference_label,
    )
    event.add("organizer", _calendar_user(inv.organizer_email, inv.organizer_name))
    attendee = _calendar_user(inv.attendee_email, inv.attendee_name)
    attendee.params["CUTYPE"] = "INDIVIDUAL"
    attendee.params["ROLE"] = "REQ-PARTICIPANT"
    attendee.params["PARTSTAT"] = "NEEDS-ACTION"
    attendee.params["RSVP"] = "TRUE"
    event.add("attendee", attendee)
    if inv.method == "REQUEST":
        # A cancelled event must not ring, so only REQUEST carries the reminder.
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", clean_text(inv.summary) or gettext("Reminder"))
        alarm.add("trigger", -REMINDER_BEFORE)
        event.add_component(alarm)
    cal.add_component(event)
    return bytes(cal.to_ical())


def build_feed(events: list[FeedEvent], name: str) -> bytes:
    """Return a subscription calendar (no METHOD: it is not an iTIP message) holding events."""
    cal = _calendar()
    cal_name = clean_text(name)
    cal.add("x-wr-calname", cal_name)
    cal.add("name", cal_name)
    # RFC 7986 REFRESH-INTERVAL and its older Microsoft/Apple twin ask clients to poll often.
    cal.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT15M")
    for item in events:
        if item.status not in ("CONFIRMED", "TENTATIVE", "CANCELLED"):
            raise ValueError(f"unsupported STATUS: {item.status!r}")
        cal.add_component(
            _event(
                uid=item.uid,
                sequence=item.sequence,
                status=item.status,
                start=item.start,
                end=item.end,
                summary=item.summary,
                description=item.description,
                dtstamp=item.dtstamp,
                join_url=item.join_url,
                location_text=item.location_text,
                conference_label=item.conference_label,
            )
        )
    return bytes(cal.to_ical())


def _google_time(value: datetime, what: str) -> str:
    return _utc(value, what).strftime("%Y%m%dT%H%M%SZ")


def google_calendar_url(
    summary: str, start: datetime, end: datetime, details: str | None, location: str | None
) -> str:
    """Return a link that opens Google Calendar's new-event form filled in."""
    params = {
        "action": "TEMPLATE",
        "text": clean_text(summary),
        "dates": f"{_google_time(start, 'start')}/{_google_time(end, 'end')}",
    }
    if details:
        params["details"] = clean_text(details, multiline=True)
    if location:
        params["location"] = clean_text(location)
    return "https://calendar.google.com/calendar/render?" + urlencode(params, safe="/", quote_via=quote)
