"""The transactional outbox: an email is a row written in the caller's transaction."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import parseaddr

import asyncpg

ENQUEUE = """
INSERT INTO outbox (kind, recipient, message, message_id, dedupe_key, booking_id)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING id
"""


async def enqueue(
    conn: asyncpg.Connection,
    message: EmailMessage,
    *,
    kind: str,
    recipient: str,
    booking_id: int | None = None,
    dedupe_key: str | None = None,
) -> int | None:
    """Queue a built message; return its row id, or None when dedupe_key was queued before."""
    if parseaddr(recipient)[1] != recipient or "\n" in recipient or "\r" in recipient:
        raise ValueError("recipient must be a bare address")
    message_id = message["Message-ID"]
    if not message_id:
        raise ValueError("message has no Message-ID")
    row_id = await conn.fetchval(
        ENQUEUE, kind, recipient, message.as_bytes(), str(message_id).strip(), dedupe_key, booking_id
    )
    # Tell a worker in this process that mail is waiting, once the transaction commits.
    await conn.execute("NOTIFY consult_outbox")
    return int(row_id) if row_id is not None else None
