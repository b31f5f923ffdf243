"""Background jobs of bookings: expire unconfirmed holds, queue reminders."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from consult import keys
from consult.booking import queries as q
from consult.booking.reminders import queue_reminders
from consult.booking.service import expire_lapsed
from consult.mail.sender import wake_outbox


async def expiry_job(app: web.Application) -> int:
    """Cancel pending bookings whose confirmation window has passed (cancelled_by 'system')."""
    settings = app[keys.SETTINGS]
    now = datetime.now(UTC)
    async with app[keys.POOL].acquire() as conn:
        async with conn.transaction():
            expired = await expire_lapsed(conn, settings, now)
        await conn.execute(q.IDEMPOTENCY_SWEEP, now)
    if expired:
        wake_outbox(app)
    return expired


async def reminders_job(app: web.Application) -> int:
    """Queue the reminders that are due (settings.booking.reminder_hours before each start)."""
    async with app[keys.POOL].acquire() as conn, conn.transaction():
        queued = await queue_reminders(conn, app[keys.SETTINGS], datetime.now(UTC))
    if queued:
        wake_outbox(app)
    # Reminders are few and not urgent to the second: report 0 so the job rests between rounds.
    return 0
