"""Fixtures for written questions: attachments in a temporary folder, question rows, Bearer lawyers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from consult.questions.deadlines import answer_due
from consult.security import hash_token, new_token
from consult.settings import Settings
from tests.conftest import Factory, SmtpServer, make_settings

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40 + b"\xff\xd9"
QUESTION = "Директор школы перевёл меня на другую должность без моего согласия. Законно ли это?"


@pytest.fixture
def attachments_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "attachments"


@pytest.fixture
def settings(smtp: SmtpServer, attachments_dir: Path) -> Settings:
    return make_settings(smtp={"port": smtp.port}, questions={"attachments_dir": str(attachments_dir)})


def ask_body(**changes: Any) -> dict[str, Any]:
    body = {
        "topic": "dismissal",
        "question": QUESTION,
        "name": "Айгуль Серикова",
        "email": "Aigul@Example.kz",
        "membership_no": "KZ-1234",
        "language": "kk",
        "consent": True,
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


async def outbox_messages(db: asyncpg.Connection, kind: str | None = None) -> list[tuple[str, EmailMessage]]:
    """The queued emails (recipient, parsed message), oldest first."""
    rows = await db.fetch(
        "SELECT recipient, message FROM outbox WHERE $1::text IS NULL OR kind = $1 ORDER BY id", kind
    )
    return [(r["recipient"], message_from_bytes(r["message"], policy=policy.default)) for r in rows]  # type: ignore[misc]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


async def insert_question(
    factory: Factory,
    *,
    created_at: datetime | None = None,
    topic: str = "dismissal",
    status: str = "new",
    lawyer_id: int | None = None,
    member: dict[str, Any] | None = None,
    working_days: int = 5,
) -> dict[str, Any]:
    """A question asked at created_at, with its due time computed as the service does; returns a link token."""
    created_at = created_at or datetime.now(UTC)
    member = member or await factory.user("member", password=None)
    row = await factory.conn.fetchrow(
        """
        INSERT INTO questions (member_id, topic_id, status, assigned_lawyer_id, member_name, member_email,
            question, language, consent_at, consent_version, created_at, due_at, assigned_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, 'ru', $8, 'test', $8, $9, CASE WHEN $4::bigint IS NULL THEN NULL ELSE $8::timestamptz END)
        RETURNING *
        """,
        member["id"],
        await factory.topic_id(topic),
        status,
        lawyer_id,
        member["name"],
        member["email"],
        QUESTION,
        created_at,
        answer_due(created_at, working_days),
    )
    token = new_token()
    await factory.conn.execute(
        "INSERT INTO question_links (token_hash, question_id) VALUES ($1, $2)", hash_token(token), row["id"]
    )
    return {**dict(row), "token": token}


def stored_files(folder: Path) -> dict[str, bytes]:
    """The files in the attachments folder by name (empty when the folder was never made)."""
    return {p.name: p.read_bytes() for p in folder.iterdir()} if folder.exists() else {}


async def api_token(factory: Factory, user: dict[str, Any]) -> dict[str, str]:
    """Authorization headers with a personal API token of a lawyer or staff member (no CSRF needed)."""
    token = new_token()
    await factory.conn.execute(
        "INSERT INTO api_tokens (user_id, name, token_hash) VALUES ($1, 'tests', $2)",
        user["id"],
        hash_token(token),
    )
    return {"Authorization": f"Bearer {token}"}
