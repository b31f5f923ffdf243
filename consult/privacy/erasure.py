"""Erasing a member's personal data: on their request (staff confirm) and by retention.

Rows stay and keep their status, topic, region, lawyer and times, so reports count them; what goes is
what names or describes the person: names, emails, phones, membership numbers, questions and answers,
the threads of written questions and the files attached to them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from consult.archive.erasure import erase_drafts_of_member
from consult.calendar.ics import Invite, build_invite
from consult.i18n import N_, gettext, use_locale
from consult.mail.outbox import enqueue
from consult.mail.render import compose
from consult.privacy import queries
from consult.questions import storage
from consult.questions.queries import OPEN_STATUSES
from consult.settings import Settings

log = logging.getLogger("consult.privacy")
ERASED_NAME = "—"
ERASED_EMAIL = "erased@invalid"


class ErasureError(Exception):
    """The request cannot be decided (it is not open any more)."""


@dataclass(frozen=True)
class ErasureResult:
    user_id: int
    cancelled: int
    bookings: int
    closed_questions: int
    questions: int


async def erase_bookings(conn: asyncpg.Connection, booking_ids: list[int]) -> None:
    """Erase the personal data of these bookings, their event details and the emails about them."""
    if not booking_ids:
        return
    await conn.execute(queries.ERASE_BOOKINGS, booking_ids, ERASED_NAME, ERASED_EMAIL)
    await conn.execute(queries.ERASE_EVENT_DETAILS, booking_ids)


async def erase_questions(conn: asyncpg.Connection, settings: Settings, question_ids: list[int]) -> None:
    """Erase these written questions' personal data, threads, links, old emails and attached files.

    The files are deleted last, inside the caller's transaction: should it roll back, the rows remain
    (a download then answers 404) and the next erasure deletes them; files never outlive their rows.
    """
    if not question_ids:
        return
    files = [r["storage_name"] for r in await conn.fetch(queries.DELETE_QUESTION_ATTACHMENTS, question_ids)]
    await conn.execute(queries.DELETE_QUESTION_MESSAGES, question_ids)
    await conn.execute(queries.DELETE_QUESTION_LINKS, question_ids)
    await conn.execute(queries.ERASE_QUESTIONS, question_ids, ERASED_NAME, ERASED_EMAIL)
    await conn.execute(queries.DELETE_MAIL_OF_QUESTIONS, question_ids)
    await storage.remove(settings, files)


async def _tell_lawyer(
    conn: asyncpg.Connection, settings: Settings, booking: asyncpg.Record, sequence: int
) -> None:
    """Send the lawyer an iTIP CANCEL, so the consultation leaves their calendar; no member data in it."""
    with use_locale(booking["lawyer_language"], booking["lawyer_timezone"]):
        summary = gettext(N_("Union consultation"))
        description = gettext(N_("Cancelled: the member asked the union to erase their personal data."))
    invite = build_invite(
        Invite(
            uid=booking["ical_uid"],
            sequence=sequence,
            method="CANCEL",
            start=booking["starts_at"],
            end=booking["ends_at"],
            summary=summary,
            description=description,
            join_url=None,
            organizer_email=settings.smtp.mail_from,
            organizer_name=settings.smtp.mail_from_name,
            attendee_email=booking["lawyer_email"],
            attendee_name=booking["lawyer_name"],
            dtstamp=datetime.now(UTC),
            location_text=None,
        )
    )
    key = f"booking-{booking['id']}-erasure-cancel"
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
        booking_id=booking["id"],
        dedupe_key=key,
    )


async def erase_member(
    conn: asyncpg.Connection, settings: Settings, user_id: int, staff_id: int | None
) -> ErasureResult:
    """Cancel the member's future live bookings (telling the lawyers) and close their open questions,
    then erase everything personal."""
    email = await conn.fetchval(
        "SELECT email FROM users WHERE id = $1 AND role = 'member' FOR UPDATE", user_id
    )
    if email is None:
        raise ErasureError("not a member")
    upcoming = await conn.fetch(queries.FUTURE_LIVE_BOOKINGS, user_id)
    cancelled = []
    for booking in upcoming:
        sequence = await conn.fetchval(queries.CANCEL_BOOKING, booking["id"])
        cancelled.append((booking, sequence))
    booking_ids = [r["id"] for r in await conn.fetch(queries.MEMBER_BOOKING_IDS, user_id)]
    await erase_drafts_of_member(conn, user_id)
    await erase_bookings(conn, booking_ids)
    await conn.execute(queries.DELETE_MEMBER_MAIL, booking_ids, email)
    closed = await conn.fetch(queries.CLOSE_OPEN_QUESTIONS, user_id, list(OPEN_STATUSES))
    question_ids = [r["id"] for r in await conn.fetch(queries.MEMBER_QUESTION_IDS, user_id)]
    await erase_questions(conn, settings, question_ids)
    # Written after the erasure above, so the events keep their reason and the lawyers' notices survive.
    for booking, sequence in cancelled:
        detail = {"reason": "erasure"}
        await conn.execute(queries.BOOKING_EVENT, booking["id"], "staff", staff_id, booking["status"], detail)
        await _tell_lawyer(conn, settings, booking, sequence)
    await conn.execute(queries.ANONYMIZE_USER, user_id, ERASED_NAME)
    await conn.execute(queries.END_SESSIONS, user_id)
    result = ErasureResult(user_id, len(cancelled), len(booking_ids), len(closed), len(question_ids))
    log.info(
        "member erased",
        extra={
            "user_id": user_id,
            "cancelled": result.cancelled,
            "bookings": result.bookings,
            "closed_questions": result.closed_questions,
            "questions": result.questions,
        },
    )
    return result


async def _lock_open_request(conn: asyncpg.Connection, request_id: int) -> asyncpg.Record | None:
    """Lock the request; None when there is none, ErasureError when it was decided already."""
    row = await conn.fetchrow(queries.LOCK_REQUEST, request_id)
    if row is not None and row["status"] != "open":
        raise ErasureError(row["status"])
    return row


async def confirm_request(
    conn: asyncpg.Connection, settings: Settings, request_id: int, staff_id: int
) -> ErasureResult | None:
    """Carry out an open erasure request; None when there is no such request."""
    row = await _lock_open_request(conn, request_id)
    if row is None:
        return None
    result = await erase_member(conn, settings, row["user_id"], staff_id)
    await conn.execute(queries.DECIDE_REQUEST, request_id, "done", staff_id, "")
    detail = {
        "request_id": request_id,
        "cancelled": result.cancelled,
        "bookings": result.bookings,
        "closed_questions": result.closed_questions,
        "questions": result.questions,
    }
    await conn.execute(
        queries.AUDIT, staff_id, "privacy.erasure_confirmed", "user", str(row["user_id"]), detail
    )
    return result


async def decline_request(conn: asyncpg.Connection, request_id: int, staff_id: int, note: str) -> bool:
    """Decline an open request with a note for the record; False when there is no such request."""
    row = await _lock_open_request(conn, request_id)
    if row is None:
        return False
    await conn.execute(queries.DECIDE_REQUEST, request_id, "declined", staff_id, note)
    detail = {"request_id": request_id}
    await conn.execute(
        queries.AUDIT, staff_id, "privacy.erasure_declined", "user", str(row["user_id"]), detail
    )
    return True
