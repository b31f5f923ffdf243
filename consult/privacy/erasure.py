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

from consult import audit
from consult.archive import service as archive_service
from consult.booking import service as booking_service
from consult.privacy import queries
from consult.questions import service as questions_service
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
    await questions_service.remove_files(settings, files)


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
    upcoming = await booking_service.future_live_bookings_of(conn, user_id, datetime.now(UTC))
    booking_ids = [r["id"] for r in await conn.fetch(queries.MEMBER_BOOKING_IDS, user_id)]
    await archive_service.erase_drafts_of_member(conn, user_id)
    await erase_bookings(conn, booking_ids)
    await conn.execute(queries.DELETE_MEMBER_MAIL, booking_ids, email)
    closed = await questions_service.close_for_erasure(conn, user_id)
    question_ids = [r["id"] for r in await conn.fetch(queries.MEMBER_QUESTION_IDS, user_id)]
    await erase_questions(conn, settings, question_ids)
    # Cancelled by their owner, through its state machine, after the erasure above: the events keep
    # their reason and the lawyers' notices are not among the member's emails just deleted.
    for booking_id in upcoming:
        await booking_service.cancel_for_erasure(conn, settings, booking_id, staff_id)
    await conn.execute(queries.ANONYMIZE_USER, user_id, ERASED_NAME)
    await conn.execute(queries.END_SESSIONS, user_id)
    result = ErasureResult(user_id, len(upcoming), len(booking_ids), len(closed), len(question_ids))
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
    await audit.record(conn, staff_id, "privacy.erasure_confirmed", "user", row["user_id"], detail)
    return result


async def decline_request(conn: asyncpg.Connection, request_id: int, staff_id: int, note: str) -> bool:
    """Decline an open request with a note for the record; False when there is no such request."""
    row = await _lock_open_request(conn, request_id)
    if row is None:
        return False
    await conn.execute(queries.DECIDE_REQUEST, request_id, "declined", staff_id, note)
    detail = {"request_id": request_id}
    await audit.record(conn, staff_id, "privacy.erasure_declined", "user", row["user_id"], detail)
    return True
