"""The transactional outbox: an email is a row written in the caller's transaction.

A row holds either the built message (enqueue) or what to render (enqueue_rendered: a renderer's name and
its parameters, JSON); message_bytes() gives the bytes to send for either, and the sender calls it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

import asyncpg

from consult.forms import is_plain_address
from consult.settings import Settings

ENQUEUE = """
INSERT INTO outbox (kind, recipient, message, message_id, dedupe_key, booking_id)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (dedupe_key) DO NOTHING
RETURNING id
"""

# Rows to render, many at once: parallel arrays, the render parameters as JSON text.
ENQUEUE_RENDERED = """
INSERT INTO outbox (kind, recipient, render, message_id, dedupe_key, booking_id)
SELECT kind, recipient, render::jsonb, message_id, dedupe_key, booking_id
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])
    AS m(kind, recipient, render, message_id, dedupe_key, booking_id)
ON CONFLICT (dedupe_key) DO NOTHING
"""


def _check_recipient(recipient: str) -> None:
    if is_plain_address(recipient):
        return
    if parseaddr(recipient)[1] != recipient or "\n" in recipient or "\r" in recipient:
        raise ValueError("recipient must be a bare address")


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
    _check_recipient(recipient)
    message_id = message["Message-ID"]
    if not message_id:
        raise ValueError("message has no Message-ID")
    row_id = await conn.fetchval(
        ENQUEUE, kind, recipient, message.as_bytes(), str(message_id).strip(), dedupe_key, booking_id
    )
    return int(row_id) if row_id is not None else None


@dataclass(frozen=True)
class ToRender:
    """An email the sender renders: render["renderer"] names a registered renderer, the rest is its data."""

    kind: str
    recipient: str
    render: Mapping[str, Any]
    message_id: str
    dedupe_key: str | None = None
    booking_id: int | None = None

    def __post_init__(self) -> None:
        _check_recipient(self.recipient)
        if not isinstance(self.render.get("renderer"), str):
            raise ValueError("render must name its renderer")


def rendered_columns(emails: Sequence[ToRender]) -> tuple[list[Any], ...]:
    """The parallel arrays ENQUEUE_RENDERED (and statements built like it) take."""
    return (
        [e.kind for e in emails],
        [e.recipient for e in emails],
        [json.dumps(e.render, ensure_ascii=False) for e in emails],
        [e.message_id for e in emails],
        [e.dedupe_key for e in emails],
        [e.booking_id for e in emails],
    )


async def enqueue_rendered(conn: asyncpg.Connection, emails: Sequence[ToRender]) -> None:
    """Queue emails the sender renders, in one statement; a dedupe_key queued before is skipped."""
    if not emails:
        return
    await conn.execute(ENQUEUE_RENDERED, *rendered_columns(emails))


# Renders one queued row's `render` data into the message to send; capabilities bring their own
# (consult.capability.Capability.renderers), and the app registers them when it is assembled.
Renderer = Callable[[Settings, Mapping[str, Any]], EmailMessage]
RENDERERS: dict[str, Renderer] = {}


def register_renderers(renderers: Mapping[str, Renderer]) -> None:
    for name, renderer in renderers.items():
        if RENDERERS.get(name, renderer) is not renderer:
            raise ValueError(f"two renderers named {name!r}")
        RENDERERS[name] = renderer


async def is_queued(conn: asyncpg.Connection, dedupe_key: str) -> bool:
    """Whether a message with this dedupe key was ever queued (sent or not)."""
    return bool(await conn.fetchval("SELECT 1 FROM outbox WHERE dedupe_key = $1", dedupe_key))


WITHDRAW = """
DELETE FROM outbox WHERE booking_id = $1 AND status = 'pending' AND kind = ANY($2::text[])
"""


async def withdraw(conn: asyncpg.Connection, booking_id: int, kinds: Sequence[str]) -> str:
    """Take back the messages of these kinds about a booking that are not sent yet (a moved booking's
    reminders); the caller names its own kinds, the outbox knows none."""
    return str(await conn.execute(WITHDRAW, booking_id, list(kinds)))


def message_bytes(settings: Settings, row: Mapping[str, Any]) -> bytes:
    """The bytes to send for an outbox row (with its message and render columns): built, or rendered now."""
    if row["message"] is not None:
        return bytes(row["message"])
    render = row["render"]
    if isinstance(render, str):  # a connection without the pool's JSON codec
        render = json.loads(render)
    renderer = RENDERERS.get(render["renderer"])
    if renderer is None:
        raise LookupError(f"no renderer {render['renderer']!r} is registered")
    return renderer(settings, render).as_bytes()
