"""The outbox sender: claim due rows with SKIP LOCKED, send them over one SMTP connection, mark them.

Any number of workers (in every app process and in `consult worker`) run side by side: a row is locked
by the worker sending it until that worker commits, so each message goes once. Should a worker die
between sending and committing, the row is sent again later; its stable Message-ID makes that harmless.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiosmtplib
import asyncpg
from aiohttp import web

from consult import keys
from consult.mail.outbox import message_bytes
from consult.settings import Settings

log = logging.getLogger("consult.mail")

BATCH = 50
# Batches per round over one connection; the job runs again at once when a round was busy.
BATCHES_PER_ROUND = 20
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=4)
GIVE_UP_AFTER = timedelta(days=3)

CLAIM = """
SELECT id, recipient, message, render, attempts FROM outbox
WHERE status = 'pending' AND next_attempt_at <= now() AND channel = 'email'
ORDER BY next_attempt_at, id
LIMIT $1
FOR UPDATE SKIP LOCKED
"""

MARK_SENT = "UPDATE outbox SET status = 'sent', sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = $1"
MARK_RETRY = """
UPDATE outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = now() + $3::interval
WHERE id = $1
"""
MARK_FAILED = "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = $2 WHERE id = $1"


def retry_delay(attempts: int) -> timedelta | None:
    """Wait before the next try after `attempts` failed tries: 1 minute, doubling, at most 4 hours.

    None once the waits so far would pass three days: the message has failed for good.
    """
    if attempts < 1:
        return timedelta(0)
    delays = [min(FIRST_RETRY * 2 ** min(i, 20), LONGEST_RETRY) for i in range(attempts)]
    if sum(delays, timedelta(0)) > GIVE_UP_AFTER:
        return None
    return delays[-1]


@dataclass(frozen=True)
class Outcome:
    """What one delivery attempt came to: sent, retry later, or failed for good."""

    kind: str  # "sent" | "retry" | "failed"
    error: str | None = None
    connection_lost: bool = False


def classify(exc: BaseException) -> Outcome:
    """Sort an SMTP failure: 5xx replies fail at once; 4xx, timeouts and network trouble retry.

    The error text names the class and the reply code only: server replies may echo the address.
    """
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients]
        code = max(codes) if codes else 550
        return Outcome("failed" if code >= 500 else "retry", f"recipient refused {code}")
    if isinstance(exc, aiosmtplib.SMTPResponseException) and not isinstance(exc, ConnectionError):
        # The server answered (MAIL, RCPT or DATA refused) and the connection is still good.
        kind = "failed" if 500 <= exc.code < 600 else "retry"
        return Outcome(kind, f"{type(exc).__name__} {exc.code}")
    if isinstance(exc, asyncio.TimeoutError | TimeoutError):
        return Outcome("retry", "timeout", connection_lost=True)
    if isinstance(exc, ConnectionError | OSError):
        return Outcome("retry", f"connection {type(exc).__name__}", connection_lost=True)
    return Outcome("retry", type(exc).__name__, connection_lost=True)


def smtp_client(settings: Settings) -> aiosmtplib.SMTP:
    smtp = settings.smtp
    return aiosmtplib.SMTP(
        hostname=smtp.host,
        port=smtp.port,
        use_tls=smtp.tls == "tls",
        start_tls=True if smtp.tls == "starttls" else False,
        timeout=smtp.timeout_seconds,
        username=smtp.user or None,
        password=smtp.password or None,
    )


async def _record(conn: asyncpg.Connection, row: Any, outcome: Outcome) -> None:
    if outcome.kind == "sent":
        await conn.execute(MARK_SENT, row["id"])
        return
    delay = retry_delay(row["attempts"] + 1) if outcome.kind == "retry" else None
    if delay is None:
        await conn.execute(MARK_FAILED, row["id"], outcome.error)
        log.warning("email failed", extra={"outbox_id": row["id"], "error": outcome.error})
    else:
        await conn.execute(MARK_RETRY, row["id"], outcome.error, delay)
        log.info("email deferred", extra={"outbox_id": row["id"], "error": outcome.error})


async def send_due(
    pool: asyncpg.Pool, settings: Settings, *, batches: int = BATCHES_PER_ROUND, batch_size: int = BATCH
) -> int:
    """One round: claim due messages batch by batch and send them over one connection; return how many."""
    handled = 0
    client: aiosmtplib.SMTP | None = None
    try:
        for _ in range(batches):
            async with pool.acquire() as conn, conn.transaction():
                rows = await conn.fetch(CLAIM, batch_size)
                if not rows:
                    break
                for row in rows:
                    outcome: Outcome
                    try:
                        raw = message_bytes(settings, row)
                    except Exception as exc:  # a bug in a template or renderer: retry later, do not stop
                        log.exception("email not rendered", extra={"outbox_id": row["id"]})
                        await _record(conn, row, Outcome("retry", f"render {type(exc).__name__}"))
                        handled += 1
                        continue
                    try:
                        if client is None or not client.is_connected:
                            client = smtp_client(settings)
                            await client.connect()
                        await client.sendmail(settings.smtp.mail_from, [row["recipient"]], raw)
                        outcome = Outcome("sent")
                    except Exception as exc:
                        outcome = classify(exc)
                        if outcome.connection_lost and client is not None:
                            client.close()
                            client = None
                    await _record(conn, row, outcome)
                    handled += 1
                    if outcome.connection_lost:
                        # The server is unwell: leave the rest of the batch for a later round.
                        return handled
    finally:
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()
    return handled


async def outbox_job(app: web.Application) -> int:
    """The background job: send what is due (the app wakes it right after a commit that queued mail)."""
    return await send_due(app[keys.POOL], app[keys.SETTINGS])


RESEND = """
UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = now(), last_error = NULL
WHERE id = $1 AND status IN ('pending', 'failed')
RETURNING id
"""

PROBLEMS = """
SELECT id, kind, recipient, attempts, last_error, status, created_at, next_attempt_at
FROM outbox WHERE status IN ('pending', 'failed')
ORDER BY status DESC, created_at DESC
LIMIT $1
"""


async def outbox_problems(conn: asyncpg.Connection, limit: int = 200) -> list[asyncpg.Record]:
    return list(await conn.fetch(PROBLEMS, limit))


async def resend(conn: asyncpg.Connection, outbox_id: int) -> bool:
    return await conn.fetchval(RESEND, outbox_id) is not None


def wake_outbox(app: web.Application) -> None:
    """Ask this process's sender to run now (after a commit that queued mail)."""
    workers = app.get(keys.WORKERS)
    if workers is not None:
        workers.wake("outbox")
