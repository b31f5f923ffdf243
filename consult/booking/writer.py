"""Bookings written in batches: consult_book_batch() (migrations/0012) over connections of the writer's own.

A lone booking costs PostgreSQL far more per statement and per commit than per row (on the benchmark
machine 0.53 ms of its CPU for one consult_book() call, 0.11 ms per booking in a batch of eight), so
bookings that arrive together are written together (consult.batching). The writer has its own small
pool: requests hold a pool connection while they wait for their batch, and a batch must never wait
for one of theirs.

Each item is the argument tuple of queries.CREATE (one consult_book() call); each answer is the booking
made (id, status, starts_at, ends_at, lawyer_id), None when a constraint refused the time, or the
error for that item alone. When the batch statement fails as a whole (a deadlock with another batch, or
one item PostgreSQL refuses), its items are written one by one, so that each gets its own answer.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg

from consult.batching import Batcher
from consult.booking import queries as q

log = logging.getLogger("consult.booking")

Item = tuple[Any, ...]
Answer = Mapping[str, Any] | None | BaseException

# Positions in an item (the order of consult_book()'s parameters).
PER_ITEM = range(14)  # id .. now: one array each
NONCE, MANAGE_HASH, ICAL_UID, HOLD = 15, 16, 17, 18
CONSENT_VERSION, MAX_ACTIVE = 14, 19
LINK_HASHES, LINK_ROLES = 20, 21
MAILS = range(22, 27)  # kind, recipient, render, message_id, dedupe_key


def batch_arguments(items: Sequence[Item]) -> list[Any]:
    """consult_book_batch()'s arguments for these items (which share the consent version and limit)."""
    columns: list[Any] = [[item[i] for item in items] for i in PER_ITEM]
    columns += [[item[i] for item in items] for i in (NONCE, MANAGE_HASH, ICAL_UID, HOLD)]
    columns.insert(14, items[0][CONSENT_VERSION])  # after p_nows, as the function lists them
    columns.append(items[0][MAX_ACTIVE])
    link_items, link_hashes, link_roles = [], [], []
    mail_items: list[int] = []
    mails: list[list[Any]] = [[] for _ in MAILS]
    for n, item in enumerate(items, start=1):
        for token_hash, role in zip(item[LINK_HASHES], item[LINK_ROLES], strict=True):
            link_items.append(n)
            link_hashes.append(token_hash)
            link_roles.append(role)
        for values in zip(*(item[i] for i in MAILS), strict=True):
            mail_items.append(n)
            for column, value in zip(mails, values, strict=True):
                column.append(value)
    return [*columns, link_items, link_hashes, link_roles, mail_items, *mails]


def _answer(row: asyncpg.Record) -> Answer:
    from consult.booking.service import too_many_bookings

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
    return None


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
                    rows = await conn.fetch(q.CREATE_MANY, *batch_arguments(items))
                    return [_answer(row) for row in rows]
                except asyncpg.PostgresError as exc:
                    log.warning(
                        "booking batch refused; writing its items one by one",
                        extra={"items": len(items), "sqlstate": exc.sqlstate},
                    )
            return [await self._write_one(conn, item) for item in items]

    async def _write_one(self, conn: asyncpg.Connection, item: Item) -> Answer:
        from consult.booking.service import book_one

        try:
            return await book_one(conn, item)
        except Exception as exc:  # this item's answer, not the batch's
            return exc

    async def close(self) -> None:
        await self.batcher.close()
        if self.batcher.batches:
            log.info("booking batches", extra={"batches": self.batcher.batches, "items": self.batcher.items})
        await self.pool.close()
