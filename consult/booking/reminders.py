"""Reminders before a consultation: which are due, queued once per booking version and participant."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from consult.booking.emails import BOOKING, REMINDER_KIND, booking_email
from consult.mail import outbox
from consult.settings import Settings

# Bounds on starts_at itself (not on starts_at minus hours), so that the scan is a range of the partial
# index bookings_confirmed_start_idx rather than every confirmed booking ahead.
REMINDER_CANDIDATES = """
SELECT b.id FROM bookings b
WHERE b.status = 'confirmed' AND b.starts_at > $1
  AND b.starts_at <= $1::timestamptz + make_interval(hours => $2)
  AND b.starts_at > $1::timestamptz + make_interval(hours => $3)
  AND b.updated_at <= b.starts_at - make_interval(hours => $2)
ORDER BY b.starts_at
LIMIT $4
"""


async def queue_reminders(
    conn: asyncpg.Connection, settings: Settings, now: datetime, limit: int = 200
) -> int:
    """Queue the reminders now due: each of settings.booking.reminder_hours, once per booking version.

    A reminder is due from `hours` before the start until the next, shorter one is due; only for
    confirmed bookings whose current time was set before that moment (a booking made 3 hours ahead gets
    no "tomorrow" reminder). The dedupe key holds the booking's SEQUENCE, so a moved booking is reminded
    anew and a cancelled one (no longer confirmed) never.
    """
    hours = sorted(set(settings.booking.reminder_hours), reverse=True)
    queued = 0
    for index, h in enumerate(hours):
        next_h = hours[index + 1] if index + 1 < len(hours) else 0
        for row in await conn.fetch(REMINDER_CANDIDATES, now, h, next_h, limit):
            booking = await conn.fetchrow(BOOKING, row["id"])
            for role in ("member", "lawyer"):
                key = f"reminder-{booking['id']}-{booking['ical_sequence']}-{h}h-{role}"
                if await outbox.is_queued(conn, key):
                    continue
                email = booking_email(
                    settings,
                    booking,
                    role=role,
                    name=REMINDER_KIND,
                    method=None,
                    key=key,
                    extra={"hours": h},
                )
                await outbox.enqueue_rendered(conn, [email])
                queued += 1
    return queued
