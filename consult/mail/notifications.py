"""Emails caused by a booking's changes, queued in the same transaction as the change."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg

from consult import links
from consult.calendar.ics import Invite, build_invite
from consult.i18n import gettext, localized, use_locale
from consult.mail.outbox import enqueue
from consult.mail.render import compose
from consult.settings import Settings

EVENTS = ("created", "confirmed", "moved", "cancelled")

BOOKING = """
SELECT b.*, u.name AS lawyer_name, u.email AS lawyer_email, u.language AS lawyer_language,
       l.timezone AS lawyer_timezone, t.slug AS topic_slug, t.name_ru, t.name_kk, t.name_en
FROM bookings b
JOIN users u ON u.id = b.lawyer_id
JOIN lawyers l ON l.user_id = b.lawyer_id
JOIN topics t ON t.id = b.topic_id
WHERE b.id = $1
"""


def _invite(settings: Settings, booking: Any, role: str, method: str) -> bytes:
    """Build the participant's iTIP invite; the question never goes into it (calendars sync everywhere)."""
    member = role == "member"
    language = booking["language"] if member else booking["lawyer_language"]
    with use_locale(language):
        summary = gettext("Union legal consultation: %(topic)s") % {"topic": localized(booking, "name")}
        join = None if settings.video.provider == "none" else links.join_url(settings, booking, role)
        description = (
            gettext("Join the call with the link below.") if join else gettext("The lawyer will call you.")
        )
        if member:
            description += "\n\n" + gettext("Manage your booking: %(url)s") % {
                "url": links.manage_url(settings, booking)
            }
        label = gettext("Video consultation")
        location = None if join else gettext("By phone")
    return build_invite(
        Invite(
            uid=booking["ical_uid"],
            sequence=booking["ical_sequence"],
            method="CANCEL" if method == "CANCEL" else "REQUEST",
            start=booking["starts_at"],
            end=booking["ends_at"],
            summary=summary,
            description=description,
            join_url=join,
            organizer_email=settings.smtp.mail_from,
            organizer_name=settings.smtp.mail_from_name,
            attendee_email=booking["member_email"] if member else booking["lawyer_email"],
            attendee_name=booking["member_name"] if member else booking["lawyer_name"],
            dtstamp=datetime.now(UTC),
            location_text=location,
            conference_label=label,
        )
    )


TEMPLATES = {
    "created": "booking_confirmed",
    "confirmed": "booking_confirmed",
    "moved": "booking_moved",
    "cancelled": "booking_cancelled",
}


async def booking_changed(
    conn: asyncpg.Connection,
    settings: Settings,
    booking_id: int,
    event: str,
    previous_status: str | None = None,
) -> None:
    """Queue the emails one booking event causes: each participant, in their own language and zone.

    While a booking waits for the member's confirmation, only the member hears of it and gets no invite;
    once confirmed, member and lawyer each get an iTIP invite (REQUEST, or CANCEL when cancelled).
    """
    if event not in EVENTS:
        raise ValueError(event)
    booking = await conn.fetchrow(BOOKING, booking_id)
    if booking is None:
        raise LookupError(booking_id)
    was_confirmed = booking["status"] == "confirmed" or (
        event == "cancelled" and previous_status == "confirmed"
    )
    plan: list[tuple[str, str, str | None]]
    if was_confirmed:
        itip = "CANCEL" if event == "cancelled" else "REQUEST"
        plan = [("member", TEMPLATES[event], itip), ("lawyer", TEMPLATES[event], itip)]
    else:
        plan = [("member", "booking_cancelled" if event == "cancelled" else "booking_confirm_request", None)]
    for role, name, method in plan:
        member = role == "member"
        recipient = booking["member_email"] if member else booking["lawyer_email"]
        key = f"booking-{booking_id}-{booking['ical_sequence']}-{event}-{role}"
        message = compose(
            settings,
            name=name,
            language=booking["language"] if member else booking["lawyer_language"],
            timezone=booking["timezone"] if member else booking["lawyer_timezone"],
            to_addr=recipient,
            to_name=booking["member_name"] if member else booking["lawyer_name"],
            context={
                "booking": booking,
                "role": role,
                "manage_url": links.manage_url(settings, booking) if member else None,
                "join_url": None
                if settings.video.provider == "none"
                else links.join_url(settings, booking, role),
            },
            invite=_invite(settings, booking, role, method) if method else None,
            method=method,
            key=key,
        )
        await enqueue(conn, message, kind=name, recipient=recipient, booking_id=booking_id, dedupe_key=key)
