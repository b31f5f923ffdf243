"""Coalesce concurrent calls into batches: one database round trip and one commit for many requests.

A call is sent at once when fewer than `in_flight` batches are running; otherwise it waits, with the
other calls that arrive meanwhile, for the next batch. So a lone request never waits for company, and
under load each round trip carries whatever queued up while the previous ones ran (the group commit
PostgreSQL does for WAL flushes, done one level up for whole statements).

`run(items)` answers one result per item, in order; a result that is an exception is raised to that
item's caller only. If `run` itself raises, every caller of that batch gets the exception.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Batcher(Generic[T, R]):
    def __init__(
        self,
        run: Callable[[list[T]], Awaitable[Sequence[R | BaseException]]],
        *,
        max_size: int = 32,
        in_flight: int = 2,
    ) -> None:
        if max_size < 1 or in_flight < 1:
            raise ValueError("max_size and in_flight must be at least 1")
        self._run = run
        self._max_size = max_size
        self._in_flight = in_flight
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._running: set[asyncio.Task[None]] = set()
        self.batches = 0  # how many batches ran, and how many items they carried (for tests and metrics)
        self.items = 0

    @property
    def waiting(self) -> int:
        """How many calls wait for a batch to start."""
        return len(self._waiting)

    async def submit(self, item: T) -> R:
        """Queue item for the next batch and wait for its result."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        self._start()
        return await future

    def _start(self) -> None:
        while self._waiting and len(self._running) < self._in_flight:
            batch, self._waiting = self._waiting[: self._max_size], self._waiting[self._max_size :]
            task = asyncio.get_running_loop().create_task(self._send(batch))
            self._running.add(task)
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._start()

    async def _send(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        self.batches += 1
        self.items += len(batch)
        try:
            results = await self._run([item for item, _future in batch])
            if len(results) != len(batch):
                raise RuntimeError(f"a batch of {len(batch)} got {len(results)} results")
        except BaseException as exc:
            for _item, future in batch:
                if not future.done():
                    future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for (_item, future), result in zip(batch, results, strict=True):
            if future.done():  # its caller went away (cancelled): nobody to tell
                continue
            if isinstance(result, BaseException):
                future.set_exception(result)
            else:
                future.set_result(result)

    async def close(self) -> None:
        """Wait for the batches already running (new calls may still start more)."""
        while self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
