"""A hundred members press "book" for the same slot at once: PostgreSQL lets exactly one through."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient

from consult.app import create_app
from tests.booking.conftest import book, slot
from tests.conftest import Factory, make_settings

REQUESTS = 100


async def test_a_hundred_concurrent_requests_for_one_slot_give_one_booking_and_99_slot_taken(
    aiohttp_client: Any, db_url: str, factory: Factory, db: asyncpg.Connection
) -> None:
    lawyer = await factory.lawyer()
    settings = make_settings(database={"pool_min": 2, "pool_max": 30})
    client: TestClient = await aiohttp_client(create_app(settings, db_url))
    try:
        responses = await asyncio.gather(*(book(client, slot(), n) for n in range(REQUESTS)))
        statuses = sorted(r.status for r in responses)
        bodies = [await r.json() for r in responses]
    finally:
        await client.close()
    assert statuses == [201] + [409] * (REQUESTS - 1)
    assert sum(1 for b in bodies if b.get("error", {}).get("code") == "slot_taken") == REQUESTS - 1
    [winner] = [b for b in bodies if "id" in b]
    rows = await db.fetch("SELECT id, lawyer_id, member_email FROM bookings")
    assert [(r["id"], r["lawyer_id"]) for r in rows] == [(winner["id"], lawyer["id"])]
    mails = await db.fetch("SELECT kind, recipient FROM outbox")
    assert [tuple(m) for m in mails] == [("booking_confirm_request", rows[0]["member_email"])]
    assert await db.fetchval("SELECT count(*) FROM booking_events") == 1
    # The 99 refused members, each new, are not kept either: a refusal writes nothing.
    assert await db.fetchval("SELECT count(*) FROM users WHERE role = 'member'") == 1


async def test_one_member_pressing_book_for_eight_times_at_once_gets_only_the_allowed_number(
    aiohttp_client: Any, db_url: str, factory: Factory, db: asyncpg.Connection
) -> None:
    await factory.lawyer()
    settings = make_settings(database={"pool_min": 2, "pool_max": 12})
    client: TestClient = await aiohttp_client(create_app(settings, db_url))
    allowed = settings.booking.max_active_per_member
    try:
        # The same member (n=1: one email), eight different free times: the limit must hold under the race.
        responses = await asyncio.gather(*(book(client, slot(hour=9 + h), 1) for h in range(8)))
        statuses = sorted(r.status for r in responses)
        codes = sorted([(await r.json()).get("error", {}).get("code", "") for r in responses])
    finally:
        await client.close()
    assert statuses == [201] * allowed + [409] * (8 - allowed)
    assert codes == [""] * allowed + ["too_many_bookings"] * (8 - allowed)
    assert await db.fetchval("SELECT count(*) FROM bookings") == allowed
    assert await db.fetchval("SELECT count(*) FROM outbox") == allowed
