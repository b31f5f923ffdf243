"""A background job that writes this process's worker heartbeats to PostgreSQL.

`consult worker` has no HTTP port; writing its heartbeats to the database lets /metrics on any app copy
show whether background work is alive anywhere.
"""

from __future__ import annotations

import os
import socket
import time

from aiohttp import web

from consult import keys
from consult.ops import queries

INSTANCE = f"{socket.gethostname()}:{os.getpid()}"
JOB_NAME = "heartbeats"


async def record_heartbeats(app: web.Application) -> int:
    """Store the time of each job's last round; always 0, so the job rests between rounds."""
    workers = app.get(keys.WORKERS)
    beats = dict(workers.heartbeats) if workers is not None else {}
    beats[JOB_NAME] = time.time()  # this round itself: proof that the loop runs even before others finish
    async with app[keys.POOL].acquire() as conn, conn.transaction():
        await conn.executemany(queries.RECORD_HEARTBEAT, [(INSTANCE, job, at) for job, at in beats.items()])
        await conn.execute(queries.FORGET_OLD_HEARTBEATS)
    return 0
