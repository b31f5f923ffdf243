"""Outbox throughput: queue N messages, drain them to a local aiosmtpd server, print messages/second.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python bench/outbox_bench.py [N]

Makes a scratch database (dropped at the end), migrates it, queues N booking-sized messages with
invites, and runs the real sender (consult.mail.sender.send_due) until the outbox is empty. The target
is at least 200 messages a second.
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from aiosmtpd.controller import Controller
from scratch import free_port, scratch_database

from consult.calendar.ics import Invite, build_invite
from consult.db import create_pool, migrate
from consult.mail.message import build_message, make_message_id
from consult.mail.sender import send_due
from consult.settings import load_settings


class Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.count += 1
        return "250 OK"


def _message(n: int) -> bytes:
    start = datetime.now(UTC) + timedelta(days=2)
    invite = build_invite(
        Invite(
            uid=f"bench-{n}@consult",
            sequence=0,
            method="REQUEST",
            start=start,
            end=start + timedelta(minutes=30),
            summary="Консультация юриста профсоюза: Увольнение",
            description="Подключитесь по ссылке ниже.",
            join_url=f"https://consult.example.kz/join/token{n}",
            organizer_email="consult@example.kz",
            organizer_name="Consult",
            attendee_email=f"member{n}@example.org",
            attendee_name=f"Айгерим Сапарова {n}",
            dtstamp=datetime.now(UTC),
            location_text=None,
        )
    )
    text = "Здравствуйте!\n\nКонсультация назначена. Приглашение во вложении.\n" * 5
    message = build_message(
        from_addr="consult@example.kz",
        from_name="Consult",
        to_addr=f"member{n}@example.org",
        to_name=f"Айгерим Сапарова {n}",
        subject="Консультация назначена",
        text=text,
        html=f"<p>{text}</p>",
        message_id=make_message_id(f"bench-{n}", "example.kz"),
        invite=invite,
        method="REQUEST",
    )
    return message.as_bytes()


async def main(n: int) -> float:
    port = free_port()
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings = load_settings(
        environ={"CONSULT_SMTP_PORT": str(port), "CONSULT_MAIL_FROM": "consult@example.kz"}
    )
    try:
        async with scratch_database() as db_url:
            pool = await create_pool(db_url, settings)
            async with pool.acquire() as conn:
                await migrate(conn)
                raw = _message(0)
                await conn.copy_records_to_table(
                    "outbox",
                    columns=["kind", "recipient", "message", "message_id"],
                    records=[
                        ("bench", f"member{i}@example.org", raw, f"<bench-{i}@example.kz>") for i in range(n)
                    ],
                )
            started = time.perf_counter()
            sent = 0
            while handled := await send_due(pool, settings):
                sent += handled
            elapsed = time.perf_counter() - started
            await pool.close()
    finally:
        controller.stop()
    assert sent == n == sink.count, (sent, n, sink.count)
    rate = n / elapsed
    print(f"outbox: {n} messages ({len(raw)} bytes each) in {elapsed:.2f} s = {rate:.0f} messages/second")
    return rate


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000))
