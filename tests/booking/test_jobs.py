"""Background work on bookings: unconfirmed holds lapse; reminders go once per booking version."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from consult.booking.jobs import expiry_job
from consult.booking.reminders import queue_reminders
from tests.booking.conftest import book, manage_token, queued, slot
from tests.conftest import Factory, make_settings


async def test_an_unconfirmed_booking_expires_frees_the_slot_and_the_member_is_told(
    client: Any, factory: Factory, db: asyncpg.Connection
) -> None:
    await factory.lawyer()
    created = await (await book(client, slot())).json()
    token = await manage_token(db, "member1@example.org")
    assert await expiry_job(client.app) == 0  # still within its 30 minutes
    await db.execute("UPDATE bookings SET hold_expires_at = now() - interval '1 second'")
    assert (await client.post(f"/api/v1/bookings/manage/{token}/confirm")).status == 409
    assert await expiry_job(client.app) == 1
    row = await db.fetchrow(
        "SELECT status, cancelled_by, ical_sequence FROM bookings WHERE id = $1", created["id"]
    )
    assert tuple(row) == ("cancelled", "system", 1)
    event = await db.fetchrow(
        "SELECT actor, from_status, to_status, detail FROM booking_events ORDER BY id DESC LIMIT 1"
    )
    assert tuple(event)[:3] == ("system", "pending", "cancelled")
    assert '"expire"' in event["detail"]
    assert [k for k, _r, _m in await queued(db)] == ["booking_confirm_request", "booking_cancelled"]
    assert (await book(client, slot(), 2)).status == 201


async def test_a_lapsed_hold_does_not_block_a_new_booking_before_the_job_runs(
    client: Any, factory: Factory, db: asyncpg.Connection
) -> None:
    await factory.lawyer()
    first = await (await book(client, slot())).json()
    await db.execute("UPDATE bookings SET hold_expires_at = now() - interval '1 second'")
    response = await book(client, slot(), 2)
    assert response.status == 201
    assert await db.fetchval("SELECT status FROM bookings WHERE id = $1", first["id"]) == "cancelled"


async def test_reminders_go_24_and_1_hours_before_once_per_version_and_never_when_cancelled(
    db: asyncpg.Connection, factory: Factory
) -> None:
    settings = make_settings()
    lawyer = await factory.lawyer()
    start = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    booking = await factory.booking(lawyer, start=start)
    gone = await factory.booking(lawyer, start=start + timedelta(hours=2), status="cancelled")
    await db.execute("UPDATE bookings SET updated_at = now() - interval '1 day'")

    assert await queue_reminders(db, settings, start - timedelta(hours=25)) == 0
    assert await queue_reminders(db, settings, start - timedelta(hours=23)) == 2
    assert await queue_reminders(db, settings, start - timedelta(hours=22)) == 0
    assert await queue_reminders(db, settings, start - timedelta(minutes=50)) == 2
    reminders = await db.fetch("SELECT recipient, booking_id FROM outbox WHERE kind = 'booking_reminder'")
    assert sorted(r["recipient"] for r in reminders) == sorted([booking["member_email"], lawyer["email"]] * 2)
    assert all(r["booking_id"] == booking["id"] for r in reminders)
    assert gone["id"] not in {r["booking_id"] for r in reminders}


async def test_a_booking_moved_closer_gets_no_tomorrow_reminder_for_its_new_time(
    db: asyncpg.Connection, factory: Factory
) -> None:
    settings = make_settings()
    lawyer = await factory.lawyer()
    start = (datetime.now(UTC) + timedelta(hours=5)).replace(microsecond=0)
    await factory.booking(lawyer, start=start)  # made (or moved) just now, 5 hours ahead
    assert await queue_reminders(db, settings, datetime.now(UTC)) == 0
    assert await queue_reminders(db, settings, start - timedelta(minutes=30)) == 2
