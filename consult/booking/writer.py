"""Bookings written in batches: consult_book_batch() (migrations/0012) over connections of the writer's own.

A lone booking costs PostgreSQL far more per statement and per commit than per row (on the benchmark
machine 0.53 ms of its CPU for a booking written alone, 0.11 ms per booking in a batch of eight), so
bookings that arrive together are written together (consult.batching). The writer has its own small
pool: requests hold a pool connection while they wait for their batch, and a batch must never wait
for one of theirs.

Each item is one booking's arguments (see Item below); each answer is the booking made (id, status,
starts_at, ends_at, lawyer_id), None when a constraint refused the time, or the error for that item
alone (over its rate limits, or the member's limit of live bookings). When the batch statement fails
as a whole (a deadlock with another batch, or one item PostgreSQL refuses), its items are written one
by one, so that each gets its own answer.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg

from consult import ratelimit
from consult.batching import Batcher
from consult.booking import queries as q
from consult.booking.refusals import member_busy, slot_taken, too_many_bookings

log = logging.getLogger("consult.booking")

Item = tuple[Any, ...]
Answer = Mapping[str, Any] | None | BaseException

# An item: id, lawyer_id, email, name, language, topic_id, status, start, end, phone, membership_no,
# question, timezone, now, consent_version, nonce, manage_token_hash, ical_uid, hold_expires_at,
# max_active, join-link hashes, their roles, the emails' kinds, recipients, renders, message ids and
# dedupe keys, then the attempt's rate limits: buckets, windows in seconds, limits (lists; empty when
# counted elsewhere). Positions:
PER_ITEM = range(14)  # id .. now: one array each
NONCE, MANAGE_HASH, ICAL_UID, HOLD = 15, 16, 17, 18
CONSENT_VERSION, MAX_ACTIVE = 14, 19
LINK_HASHES, LINK_ROLES = 20, 21
MAILS = range(22, 27)  # kind, recipient, render, message_id, dedupe_key
RATE_LIMITS = range(27, 30)  # bucket, window_seconds, limit


def batch_arguments(items: Sequence[Item]) -> list[Any]:
    """consult_book_batch()'s arguments for these items (which share the consent version and limit)."""
    columns: list[Any] = [[item[i] for item in items] for i in PER_ITEM]
    columns += [[item[i] for item in items] for i in (NONCE, MANAGE_HASH, ICAL_UID, HOLD)]
    columns.insert(14, items[0][CONSENT_VERSION])  # after p_nows, as the function lists them
    columns.append(items[0][MAX_ACTIVE])
    link_items, link_hashes, link_roles = [], [], []
    mail_items: list[int] = []
    mails: list[list[Any]] = [[] for _ in MAILS]
    limit_items: list[int] = []
    limits: list[list[Any]] = [[] for _ in RATE_LIMITS]
    for n, item in enumerate(items, start=1):
        for token_hash, role in zip(item[LINK_HASHES], item[LINK_ROLES], strict=True):
            link_items.append(n)
            link_hashes.append(token_hash)
            link_roles.append(role)
        for values in zip(*(item[i] for i in MAILS), strict=True):
            mail_items.append(n)
            for column, value in zip(mails, values, strict=True):
                column.append(value)
        for values in zip(*(item[i] for i in RATE_LIMITS), strict=True):
            limit_items.append(n)
            for column, value in zip(limits, values, strict=True):
                column.append(value)
    return [*columns, link_items, link_hashes, link_roles, mail_items, *mails, limit_items, *limits]


def without_rate_limits(item: Item) -> Item:
    """The same booking, its attempt already counted (a second try must not count it again)."""
    return (*item[: RATE_LIMITS.start], *([] for _ in RATE_LIMITS))


def _answer(row: asyncpg.Record) -> Answer:
    if row["outcome"] == "made":
        return {
            "id": row["booking_id"],
            "status": row["status"],
            "starts_at": row["starts_at"],
            "ends_at": row["ends_at"],
            "lawyer_id": row["lawyer_id"],
        }
    if row["outcome"] == "too_many":
        return too_many_bookings()
    if row["outcome"] == "rate_limited":
        return ratelimit.rate_limited(row["retry_after"])
    return None


async def write_batch(conn: asyncpg.Connection, items: Sequence[Item]) -> list[Answer]:
    """Write items in one consult_book_batch() call on conn (in the caller's transaction, if any)."""
    try:
        rows = await conn.fetch(q.CREATE, *batch_arguments(items))
    except asyncpg.ExclusionViolationError as exc:  # not expected with ON CONFLICT DO NOTHING
        if len(items) > 1:
            raise
        raise member_busy() if exc.constraint_name == "bookings_member_no_overlap" else slot_taken() from None
    return [_answer(row) for row in rows]


async def write_now(conn: asyncpg.Connection, item: Item) -> Mapping[str, Any] | None:
    """Write one booking at once on conn: the booking made, None when refused its time; raise a refusal."""
    [answer] = await write_batch(conn, [item])
    if isinstance(answer, BaseException):
        raise answer
    return answer


class BookingWriter:
    def __init__(self, pool: asyncpg.Pool, *, max_size: int = 32, in_flight: int = 2) -> None:
        self.pool = pool
        self.batcher: Batcher[Item, Answer] = Batcher(self._write, max_size=max_size, in_flight=in_flight)

    async def write(self, item: Item) -> Mapping[str, Any] | None:
        """Write one booking with whatever else is waiting; raise its own refusal (too_many_bookings)."""
        return await self.batcher.submit(item)  # type: ignore[return-value]  # exceptions are raised

    async def _write(self, items: list[Item]) -> list[Answer]:
        async with self.pool.acquire() as conn:
            if len(items) > 1:
                try:
                    return await write_batch(conn, items)
                except asyncpg.PostgresError as exc:
                    log.warning(
                        "booking batch refused; writing its items one by one",
                        extra={"items": len(items), "sqlstate": exc.sqlstate},
                    )
            answers: list[Answer] = []
            for item in items:
                try:
                    answers.extend(await write_batch(conn, [item]))
                except Exception as exc:  # this item's answer, not the batch's
                    answers.append(exc)
            return answers

    async def close(self) -> None:
        await self.batcher.close()
        if self.batcher.batches:
            log.info("booking batches", extra={"batches": self.batcher.batches, "items": self.batcher.items})
        await self.pool.close()
