"""Fixtures of the archive stories: a signed-in staff member and published entries."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from consult.archive import entries
from tests.conftest import Factory, login


@pytest.fixture
async def staff(factory: Factory) -> dict[str, Any]:
    return await factory.user("staff", name="Гульмира Исаева")


@pytest.fixture
async def staff_headers(client: Any, staff: dict[str, Any]) -> dict[str, str]:
    """Sign the test client in as staff; send these headers with its writes."""
    return {"X-CSRF-Token": await login(client, staff)}


class Archive:
    """Publish entries through the archive's own units of work, as staff would."""

    def __init__(self, conn: asyncpg.Connection, staff: dict[str, Any]) -> None:
        self.conn = conn
        self.staff = staff

    async def publish(
        self, question: str, answer: str, *, language: str = "ru", topic: str = "leave"
    ) -> dict[str, Any]:
        async with self.conn.transaction():
            new = await entries.read_entry_input(
                self.conn, {"question": question, "answer": answer, "topic": topic, "language": language}
            )
            entry_id = await entries.create_draft(self.conn, new, actor_id=self.staff["id"])
            entry = await entries.load_entry(self.conn, entry_id, for_update=True)
            await entries.publish(self.conn, entry, True, "test text without personal data", self.staff["id"])
            return await entries.load_entry(self.conn, entry_id)


@pytest.fixture
def archive(db: asyncpg.Connection, staff: dict[str, Any]) -> Archive:
    return Archive(db, staff)
