"""Bookings written in batches (consult/booking/writer.py): each booking gets the answer it would get alone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from consult import ratelimit
from consult.booking import service
from consult.booking.forms import BookingRequest, parse_booking
from consult.booking.writer import BookingWriter
from consult.db import create_pool
from consult.errors import ApiError
from consult.settings import Settings
from tests.booking.conftest import booking_body, slot
from tests.conftest import Factory, make_settings

SETTINGS = make_settings(booking={"confirmation": "none", "max_active_per_member": 1})


@pytest.fixture
async def pools(db_url: str) -> AsyncIterator[tuple[asyncpg.Pool, BookingWriter]]:
    requests = await create_pool(db_url, SETTINGS.with_changes("database", pool_min=1, pool_max=8))
    own = SETTINGS.with_changes("database", pool_min=1, pool_max=1)
    writer = BookingWriter(await create_pool(db_url, own, generic_plans=True), in_flight=1)
    try:
        yield requests, writer
    finally:
        await writer.close()
        await requests.close()


def request_for(lawyer: dict[str, Any], hour: int, n: int) -> BookingRequest:
    body = booking_body(slot(hour=hour), n, lawyer_id=lawyer["id"])
    req, errors = parse_booking(
        body, require_membership=False, default_language="ru", default_timezone="Asia/Almaty"
    )
    assert req is not None, errors
    return req


async def book_together(
    pool: asyncpg.Pool,
    writer: BookingWriter,
    settings: Settings,
    reqs: list[BookingRequest],
    limits: Callable[[BookingRequest], ratelimit.Limits] = lambda _req: (),
) -> list[Any]:
    """Book reqs at once while the writer's one connection is held, so that all but the first wait and
    then go in one batch; answer each booking or the error it raised."""

    async def one(req: BookingRequest) -> Any:
        return await service.create_booking(
            pool, settings, req, now=service_now(), writer=writer, rate_limits=limits(req)
        )

    held = await writer.pool.acquire()
    try:
        tasks = [asyncio.ensure_future(one(req)) for req in reqs]
        for _ in range(500):
            if writer.batcher.waiting == len(reqs) - 1:
                break
            await asyncio.sleep(0.01)
        waiting = writer.batcher.waiting
    finally:
        await writer.pool.release(held)
    answers = await asyncio.gather(*tasks, return_exceptions=True)
    assert waiting == len(reqs) - 1, answers
    return answers


def service_now() -> datetime:
    return datetime.now(UTC)


async def test_bookings_that_arrive_together_are_written_in_one_batch_each_with_its_own_answer(
    pools: tuple[asyncpg.Pool, BookingWriter], factory: Factory, db: asyncpg.Connection
) -> None:
    pool, writer = pools
    lawyer = await factory.lawyer()
    reqs = [
        request_for(lawyer, 9, 5),
        request_for(lawyer, 10, 1),
        request_for(lawyer, 10, 2),  # the same time as member 1's
        request_for(lawyer, 11, 3),
        request_for(lawyer, 12, 3),  # member 3 again: over max_active_per_member (1)
    ]
    answers = await book_together(pool, writer, SETTINGS, reqs)
    # The first to reach the writer goes alone; the four others wait and go together.
    assert (writer.batcher.batches, writer.batcher.items) == (2, 5)
    assert not isinstance(answers[0], BaseException)

    def code(answer: Any) -> str:
        return answer.code if isinstance(answer, ApiError) else "made"

    assert sorted([code(answers[1]), code(answers[2])]) == ["made", "slot_taken"]
    assert sorted([code(answers[3]), code(answers[4])]) == ["made", "too_many_bookings"]
    made = [a for a in answers if not isinstance(a, BaseException)]
    rows = await db.fetch("SELECT id, member_email FROM bookings ORDER BY starts_at")
    assert sorted(a["id"] for a in made) == sorted(r["id"] for r in rows)
    winner = "member1@example.org" if code(answers[1]) == "made" else "member2@example.org"
    assert [r["member_email"] for r in rows] == ["member5@example.org", winner, "member3@example.org"]
    # Refused bookings write nothing: the loser of the 10:00 race, new and refused, is not kept.
    members = await db.fetch("SELECT email FROM users WHERE role = 'member'")
    assert sorted(m["email"] for m in members) == sorted(r["member_email"] for r in rows)
    for table, per_booking in (("booking_events", 1), ("join_links", 2), ("outbox", 2)):
        counts = await db.fetch(f"SELECT booking_id, count(*) AS n FROM {table} GROUP BY booking_id")
        assert {c["booking_id"]: c["n"] for c in counts} == {r["id"]: per_booking for r in rows}, table


async def test_a_batch_postgresql_refuses_as_a_whole_is_written_one_by_one(
    pools: tuple[asyncpg.Pool, BookingWriter], factory: Factory, db: asyncpg.Connection
) -> None:
    pool, writer = pools
    lawyer = await factory.lawyer()
    # One booking that PostgreSQL refuses outright (here a trigger; in life, say, a deadlock) must not
    # cost the others in its batch their bookings.
    await db.execute(
        """
        CREATE FUNCTION refuse_member_4() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'refused for the test' USING ERRCODE = 'P0001'; END $$;
        CREATE TRIGGER refuse_member_4 BEFORE INSERT ON bookings FOR EACH ROW
        WHEN (NEW.member_email = 'member4@example.org') EXECUTE FUNCTION refuse_member_4();
        """
    )
    reqs = [request_for(lawyer, 9, 1), request_for(lawyer, 10, 2), request_for(lawyer, 11, 4)]
    reqs.append(request_for(lawyer, 12, 3))
    answers = await book_together(pool, writer, SETTINGS, reqs)
    assert isinstance(answers[2], asyncpg.PostgresError)  # member 4's, wherever it was in the batch
    assert [a["status"] for i, a in enumerate(answers) if i != 2] == ["confirmed"] * 3
    assert writer.batcher.items > writer.batcher.batches
    emails = await db.fetch("SELECT member_email FROM bookings ORDER BY starts_at")
    assert [e["member_email"] for e in emails] == [f"member{n}@example.org" for n in (1, 2, 3)]
    assert await db.fetchval("SELECT count(*) FROM users WHERE email = 'member4@example.org'") == 0


async def test_a_booking_through_the_pool_gives_its_connection_back_while_it_waits_for_its_batch(
    db_url: str, factory: Factory, db: asyncpg.Connection
) -> None:
    # One connection for requests: bookings waiting for the writer must not hold it, or the next
    # booking's check could not run until the batch before it was written (and batches stay small).
    requests = await create_pool(db_url, SETTINGS.with_changes("database", pool_min=1, pool_max=1))
    writer = BookingWriter(
        await create_pool(db_url, SETTINGS.with_changes("database", pool_min=1, pool_max=1)), in_flight=1
    )
    try:
        lawyer = await factory.lawyer()
        reqs = [request_for(lawyer, hour, n) for n, hour in enumerate((9, 10, 11), start=1)]
        held = await writer.pool.acquire()  # the first batch waits for it; the others queue behind
        try:
            tasks = [
                asyncio.ensure_future(
                    service.create_booking(requests, SETTINGS, req, now=service_now(), writer=writer)
                )
                for req in reqs
            ]
            for _ in range(500):
                if writer.batcher.waiting == 2:
                    break
                await asyncio.sleep(0.01)
            # All three were checked on the one request connection, and it is free again.
            assert writer.batcher.waiting == 2
            assert requests.get_idle_size() == 1
        finally:
            await writer.pool.release(held)
        answers = await asyncio.gather(*tasks)
        assert [a["status"] for a in answers] == ["confirmed"] * 3
        assert await db.fetchval("SELECT count(*) FROM bookings") == 3
    finally:
        await writer.close()
        await requests.close()


async def hits(db: asyncpg.Connection, bucket: str) -> int | None:
    value = await db.fetchval("SELECT hits FROM rate_limits WHERE bucket = $1", bucket)
    return None if value is None else int(value)


async def test_attempts_in_one_batch_are_each_counted_once_and_judged_by_their_own_count(
    pools: tuple[asyncpg.Pool, BookingWriter], factory: Factory, db: asyncpg.Connection
) -> None:
    pool, writer = pools
    lawyer = await factory.lawyer()
    reqs = [request_for(lawyer, hour, n) for n, hour in enumerate((9, 10, 11, 12, 13), start=1)]

    def limits(req: BookingRequest) -> ratelimit.Limits:
        return [("test-address", 2, 600), ("test-email:" + req.email, 10, 3600)]

    answers = await book_together(pool, writer, SETTINGS, reqs, limits)
    assert (writer.batcher.batches, writer.batcher.items) == (2, 5)  # one alone, then four together
    made = [a for a in answers if not isinstance(a, BaseException)]
    refused = [a for a in answers if isinstance(a, BaseException)]
    assert len(made) == 2
    assert [(a.status, a.code) for a in refused] == [(429, "rate_limited")] * 3  # type: ignore[attr-defined]
    assert all(1 <= int(a.headers["Retry-After"]) <= 600 for a in refused)  # type: ignore[attr-defined]
    # Every attempt counted once, in its address's bucket and its email's; the refused wrote nothing.
    assert await hits(db, "test-address") == 5
    assert [await hits(db, "test-email:" + req.email) for req in reqs] == [1] * 5
    stored = await db.fetch("SELECT id FROM bookings")
    assert sorted(r["id"] for r in stored) == sorted(a["id"] for a in made)
    assert await db.fetchval("SELECT count(*) FROM users WHERE role = 'member'") == 2
    assert await db.fetchval("SELECT count(*) FROM outbox") == 2 * 2


async def test_an_attempt_is_counted_once_whether_refused_at_the_check_or_written_on_a_second_try(
    pools: tuple[asyncpg.Pool, BookingWriter], factory: Factory, db: asyncpg.Connection
) -> None:
    pool, writer = pools
    lawyer = await factory.lawyer()
    limits = [("test-once", 4, 600)]

    async def book(req: BookingRequest, settings: Settings = SETTINGS) -> Any:
        try:
            return await service.create_booking(
                pool, settings, req, now=service_now(), writer=writer, rate_limits=limits
            )
        except ApiError as exc:
            return exc.code

    # A pending booking whose hold has lapsed still holds 9:00 until it is expired: the next booking's
    # first write is refused, the lapsed one expired, the second write made; one attempt, one count.
    pending = SETTINGS.with_changes("booking", confirmation="email")
    assert (await book(request_for(lawyer, 9, 1), pending))["status"] == "pending"
    await db.execute("UPDATE bookings SET hold_expires_at = now() - interval '1 minute'")
    assert (await book(request_for(lawyer, 9, 2)))["status"] == "confirmed"
    assert await hits(db, "test-once") == 2
    # Refused at the check (the time is taken): counted then.
    assert await book(request_for(lawyer, 9, 3)) == "slot_taken"
    assert await hits(db, "test-once") == 3
    assert (await book(request_for(lawyer, 10, 4)))["status"] == "confirmed"
    # Over the limit: refused at the check or at the write, the answer is 429, and the count goes on.
    assert await book(request_for(lawyer, 9, 5)) == "rate_limited"
    assert await book(request_for(lawyer, 11, 6)) == "rate_limited"
    assert await hits(db, "test-once") == 6
    assert await db.fetchval("SELECT count(*) FROM bookings WHERE status <> 'cancelled'") == 2
