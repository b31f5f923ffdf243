"""The booking's emails and invites: what each change tells each participant, in their language and zone.

Booking emails are queued as rows the sender renders when it sends (mail.outbox.ToRender with renderer
"booking", registered by booking's capability), written in the same transaction as the change, with the
booking as it was at that moment (snapshot). The question never goes into an email or an invite.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import asyncpg

from consult import links
from consult.calendar.ics import Invite, build_invite
from consult.i18n import N_, gettext, localized, sender_name, use_locale
from consult.mail.message import make_message_id
from consult.mail.outbox import ToRender, enqueue, enqueue_rendered
from consult.mail.render import compose
from consult.settings import Settings

EVENTS = ("created", "confirmed", "moved", "cancelled")
RENDERER = "booking"  # the outbox renderer that turns a queued booking email into a message
REMINDER_KIND = "booking_reminder"

BOOKING = """
SELECT b.*, u.name AS lawyer_name, u.email AS lawyer_email, u.language AS lawyer_language,
       l.timezone AS lawyer_timezone, t.slug AS topic_slug, t.name_ru, t.name_kk, t.name_en
FROM bookings b
JOIN users u ON u.id = b.lawyer_id
JOIN lawyers l ON l.user_id = b.lawyer_id
JOIN topics t ON t.id = b.topic_id
WHERE b.id = $1
"""


def participant_invite(settings: Settings, booking: Any, role: str, method: str) -> bytes:
    """Build the participant's iTIP invite; the question never goes into it (calendars sync everywhere)."""
    member = role == "member"
    language = booking["language"] if member else booking["lawyer_language"]
    with use_locale(language):
        summary = gettext("Union legal consultation: %(topic)s") % {"topic": localized(booking, "name")}
        join = None if settings.video.provider == "none" else links.join_url(settings, booking, role)
        description = (
            gettext("Join link (opens 10 minutes before the start): %(url)s") % {"url": join}
            if join
            else gettext("The lawyer will call you.")
        )
        if member:
            description += "\n\n" + gettext("Manage your booking: %(url)s") % {
                "url": links.manage_url(settings, booking)
            }
        label = gettext("Video consultation")
        location = None if join else gettext("By phone")
    return _invite(
        settings,
        booking,
        role,
        method,
        summary=summary,
        description=description,
        join_url=join,
        location=location,
        label=label,
    )


def _invite(
    settings: Settings,
    booking: Any,
    role: str,
    method: str,
    *,
    summary: str,
    description: str,
    join_url: str | None = None,
    location: str | None = None,
    label: str = "",
    sequence: int | None = None,
) -> bytes:
    member = role == "member"
    return build_invite(
        Invite(
            uid=booking["ical_uid"],
            sequence=booking["ical_sequence"] if sequence is None else sequence,
            method="CANCEL" if method == "CANCEL" else "REQUEST",
            start=booking["starts_at"],
            end=booking["ends_at"],
            summary=summary,
            description=description,
            join_url=join_url,
            organizer_email=settings.smtp.mail_from,
            organizer_name=sender_name(
                settings.smtp.mail_from_name, booking["language"] if member else booking["lawyer_language"]
            ),
            attendee_email=booking["member_email"] if member else booking["lawyer_email"],
            attendee_name=booking["member_name"] if member else booking["lawyer_name"],
            dtstamp=datetime.now(UTC),
            location_text=location,
            conference_label=label or "Video consultation",
        )
    )


async def queue_erasure_notice(conn: asyncpg.Connection, settings: Settings, booking_id: int) -> None:
    """Tell the lawyer that a consultation is cancelled because the member's data is being erased.

    An iTIP CANCEL removes it from their calendar; neither the topic nor anything of the member is in it.
    Built now (not rendered later): the booking's own data is gone by the time a sender would render it.
    """
    booking = await conn.fetchrow(BOOKING, booking_id)
    if booking is None:
        raise LookupError(booking_id)
    with use_locale(booking["lawyer_language"], booking["lawyer_timezone"]):
        summary = gettext(N_("Union consultation"))
        description = gettext(N_("Cancelled: the member asked the union to erase their personal data."))
    invite = _invite(settings, booking, "lawyer", "CANCEL", summary=summary, description=description)
    key = f"booking-{booking_id}-erasure-cancel"
    message = compose(
        settings,
        name="erasure_cancelled",
        language=booking["lawyer_language"],
        timezone=booking["lawyer_timezone"],
        to_addr=booking["lawyer_email"],
        to_name=booking["lawyer_name"],
        context={"starts_at": booking["starts_at"], "lawyer_name": booking["lawyer_name"]},
        invite=invite,
        method="CANCEL",
        key=key,
    )
    await enqueue(
        conn,
        message,
        kind="erasure_cancelled",
        recipient=booking["lawyer_email"],
        booking_id=booking_id,
        dedupe_key=key,
    )


TEMPLATES = {
    "created": "booking_confirmed",
    "confirmed": "booking_confirmed",
    "moved": "booking_moved",
    "cancelled": "booking_cancelled",
}

OTHER_LAWYER = """
SELECT u.name AS lawyer_name, u.email AS lawyer_email, u.language AS lawyer_language,
       l.timezone AS lawyer_timezone
FROM users u JOIN lawyers l ON l.user_id = u.id WHERE u.id = $1
"""


def _rebook_url(settings: Settings, booking: Any) -> str:
    """Where a member whose consultation the union cancelled picks a new time (the topic's slot picker)."""
    return f"{settings.server.base_url}/book/{booking['topic_slug']}"


# What a booking's email and invite say about it: the booking as it was when the email was queued, so the
# sender renders the same email whenever it runs. The question is not among them (emails never quote it).
SNAPSHOT_FIELDS = (
    "id",
    "status",
    "cancelled_by",
    "cancel_reason",
    "starts_at",
    "ends_at",
    "member_name",
    "member_email",
    "language",
    "timezone",
    "lawyer_id",
    "lawyer_name",
    "lawyer_email",
    "lawyer_language",
    "lawyer_timezone",
    "topic_slug",
    "name_ru",
    "name_kk",
    "name_en",
    "link_nonce",
    "ical_uid",
    "ical_sequence",
)
INSTANTS = ("starts_at", "ends_at")


def snapshot(booking: Any) -> dict[str, Any]:
    """The booking's fields an email needs, as JSON values (instants as ISO 8601 text)."""
    values = {name: booking[name] for name in SNAPSHOT_FIELDS}
    for name in INSTANTS:
        values[name] = values[name].astimezone(UTC).isoformat()
    return values


def from_snapshot(values: Mapping[str, Any]) -> dict[str, Any]:
    booking = dict(values)
    for name in INSTANTS:
        booking[name] = datetime.fromisoformat(booking[name])
    return booking


def message_id_domain(settings: Settings) -> str:
    return settings.smtp.mail_from.partition("@")[2] or "localhost"


def booking_email(
    settings: Settings,
    booking: Any,
    *,
    role: str,
    name: str,
    method: str | None,
    key: str,
    extra: dict[str, Any] | None = None,
) -> ToRender:
    """One email to one participant of a booking, to be rendered by the sender (render_booking_email)."""
    member = role == "member"
    render = {
        "renderer": RENDERER,
        "name": name,
        "role": role,
        "method": method,
        "key": key,
        "extra": extra or {},
        "pending_minutes": settings.booking.pending_minutes,
        "booking": snapshot(booking),
    }
    return ToRender(
        kind=name,
        recipient=booking["member_email"] if member else booking["lawyer_email"],
        render=render,
        message_id=make_message_id(key, message_id_domain(settings)),
        dedupe_key=key,
        booking_id=booking["id"],
    )


def render_booking_email(settings: Settings, render: Mapping[str, Any]) -> EmailMessage:
    """Render one queued booking email: the template in the recipient's language and zone, with its invite."""
    booking = from_snapshot(render["booking"])
    role, method = render["role"], render["method"]
    member = role == "member"
    cancelled_by_union = booking["status"] == "cancelled" and booking["cancelled_by"] in ("lawyer", "staff")
    message: EmailMessage = compose(
        settings,
        name=render["name"],
        language=booking["language"] if member else booking["lawyer_language"],
        timezone=booking["timezone"] if member else booking["lawyer_timezone"],
        to_addr=booking["member_email"] if member else booking["lawyer_email"],
        to_name=booking["member_name"] if member else booking["lawyer_name"],
        context={
            "booking": booking,
            "role": role,
            "manage_url": links.manage_url(settings, booking) if member else None,
            "join_url": None
            if settings.video.provider == "none"
            else links.join_url(settings, booking, role),
            "pending_minutes": render["pending_minutes"],
            "rebook_url": _rebook_url(settings, booking) if member and cancelled_by_union else None,
            **render["extra"],
        },
        invite=participant_invite(settings, booking, role, method) if method else None,
        method=method,
        key=render["key"],
    )
    return message


async def booking_changed(
    conn: asyncpg.Connection,
    settings: Settings,
    booking_id: int,
    event: str,
    previous_status: str | None = None,
    *,
    previous_lawyer_id: int | None = None,
) -> None:
    """Queue the emails one booking event causes: each participant, in their own language and zone.

    While a booking waits for the member's confirmation, only the member hears of it and gets no invite;
    once confirmed, member and lawyer each get an iTIP invite (REQUEST, or CANCEL when cancelled). A
    confirmed booking moved to another lawyer sends that lawyer a REQUEST and the previous one a CANCEL.
    """
    if event not in EVENTS:
        raise ValueError(event)
    booking = await conn.fetchrow(BOOKING, booking_id)
    if booking is None:
        raise LookupError(booking_id)
    emails = event_emails(settings, booking, event, previous_status)
    confirmed = booking["status"] == "confirmed"
    if event == "moved" and confirmed and previous_lawyer_id not in (None, booking["lawyer_id"]):
        old = await conn.fetchrow(OTHER_LAWYER, previous_lawyer_id)
        if old is not None:
            # The previous lawyer's calendar holds this UID: an iTIP CANCEL of the new version removes it.
            gone = {**dict(booking), **dict(old), "status": "cancelled", "cancelled_by": "staff"}
            key = f"booking-{booking_id}-{booking['ical_sequence']}-handover-{previous_lawyer_id}"
            emails.append(
                booking_email(
                    settings, gone, role="lawyer", name="booking_cancelled", method="CANCEL", key=key
                )
            )
    await enqueue_rendered(conn, emails)


def event_emails(
    settings: Settings, booking: Any, event: str, previous_status: str | None = None
) -> list[ToRender]:
    """The emails one booking event causes (booking_changed says which), the previous lawyer's aside."""
    if event not in EVENTS:
        raise ValueError(event)
    was_confirmed = booking["status"] == "confirmed" or (
        event == "cancelled" and previous_status == "confirmed"
    )
    prefix = f"booking-{booking['id']}-{booking['ical_sequence']}-{event}"
    if not was_confirmed:
        name = "booking_cancelled" if event == "cancelled" else "booking_confirm_request"
        return [
            booking_email(settings, booking, role="member", name=name, method=None, key=f"{prefix}-member")
        ]
    itip = "CANCEL" if event == "cancelled" else "REQUEST"
    return [
        booking_email(
            settings, booking, role=role, name=TEMPLATES[event], method=itip, key=f"{prefix}-{role}"
        )
        for role in ("member", "lawyer")
    ]
