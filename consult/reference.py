"""Reference data every capability reads: the consultation topics (migrations/0001 and later)."""

from __future__ import annotations

import asyncpg

TOPICS = "SELECT id, slug, name_ru, name_kk, name_en FROM topics WHERE active ORDER BY position, id"
TOPIC_BY_SLUG = "SELECT id, slug, name_ru, name_kk, name_en FROM topics WHERE slug = $1 AND active"


async def topics(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """The active topics in their display order."""
    return list(await conn.fetch(TOPICS))


async def topic_by_slug(conn: asyncpg.Connection, slug: str) -> asyncpg.Record | None:
    return await conn.fetchrow(TOPIC_BY_SLUG, slug)
