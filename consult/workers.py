"""Background work: periodic jobs that claim rows with SKIP LOCKED, in the web process or `consult worker`."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

log = logging.getLogger("consult.workers")

# A job does one round of work and returns how many items it handled; 0 means "nothing due, rest".
JobFunc = Callable[[web.Application], Awaitable[int]]


@dataclass
class Job:
    name: str
    run: JobFunc
    idle_seconds: float = 5.0


@dataclass
class Workers:
    """Run jobs in loops until stopped; a job in the middle of a round finishes it before stopping."""

    app: web.Application
    jobs: list[Job]
    heartbeats: dict[str, float] = field(default_factory=dict)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _wake: dict[str, asyncio.Event] = field(default_factory=dict)

    def start(self) -> None:
        for job in self.jobs:
            self._wake[job.name] = asyncio.Event()
            self._tasks.append(asyncio.create_task(self._loop(job), name=f"worker:{job.name}"))

    def wake(self, name: str) -> None:
        """Ask a job to run now (an email was just queued), instead of after its idle pause."""
        event = self._wake.get(name)
        if event is not None:
            event.set()

    async def _loop(self, job: Job) -> None:
        wake = self._wake[job.name]
        while not self._stopping.is_set():
            handled = 0
            try:
                handled = await job.run(self.app)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("job failed", extra={"job": job.name})
            self.heartbeats[job.name] = time.time()
            if handled:
                continue
            wake.clear()
            stop = asyncio.ensure_future(self._stopping.wait())
            woken = asyncio.ensure_future(wake.wait())
            try:
                await asyncio.wait(
                    {stop, woken}, timeout=job.idle_seconds, return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                stop.cancel()
                woken.cancel()

    async def stop(self, grace: float = 10.0) -> None:
        """Stop claiming work; wait for rounds in progress, then cancel what is left."""
        self._stopping.set()
        if not self._tasks:
            return
        _done, pending = await asyncio.wait(self._tasks, timeout=grace)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        self._tasks.clear()
