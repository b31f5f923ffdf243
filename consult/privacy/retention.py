"""Retention: personal data of consultations and written questions older than retention.months is erased
in the background."""

from __future__ import annotations

import logging

from aiohttp import web

from consult import audit, keys
from consult.privacy import queries
from consult.privacy.erasure import ERASED_NAME, erase_bookings, erase_questions

log = logging.getLogger("consult.privacy")
BATCH = 500
# Sent emails keep names and questions; a month is enough to answer "did my email go out?".
SENT_MAIL_DAYS = 30


async def run_retention(app: web.Application) -> int:
    """One round: erase a batch of old bookings, questions and members, purge old sent mail; return rows handled."""
    settings = app[keys.SETTINGS]
    months = settings.retention.months
    async with app[keys.POOL].acquire() as conn, conn.transaction():
        booking_ids = [r["id"] for r in await conn.fetch(queries.OLD_BOOKINGS, months, BATCH)]
        await erase_bookings(conn, booking_ids)
        if booking_ids:
            await conn.execute(queries.DELETE_MAIL_OF_BOOKINGS, booking_ids)
        question_ids = [r["id"] for r in await conn.fetch(queries.OLD_QUESTIONS, months, BATCH)]
        await erase_questions(conn, settings, question_ids)
        member_ids = [r["id"] for r in await conn.fetch(queries.OLD_MEMBERS, months, BATCH)]
        for member_id in member_ids:
            await conn.execute(queries.ANONYMIZE_USER, member_id, ERASED_NAME)
            await conn.execute(queries.END_SESSIONS, member_id)
        purged = int((await conn.execute(queries.PURGE_SENT_MAIL, SENT_MAIL_DAYS, BATCH)).split()[-1])
        if booking_ids or question_ids or member_ids:
            detail = {
                "bookings": len(booking_ids),
                "questions": len(question_ids),
                "members": len(member_ids),
                "months": months,
            }
            await audit.record(conn, None, "privacy.retention", None, None, detail)
    handled = len(booking_ids) + len(question_ids) + len(member_ids) + purged
    if handled:
        log.info(
            "retention round",
            extra={
                "bookings": len(booking_ids),
                "questions": len(question_ids),
                "members": len(member_ids),
                "sent_mail": purged,
            },
        )
    return handled
