"""The audit trail: one writer, and every detail a JSON object whatever wrote it and over which connection."""

from __future__ import annotations

import os
from typing import Any

import asyncpg

from consult import audit
from consult.db import load_migrations, migrate
from tests.conftest import Factory, login, url_with_database

AVAILABILITY = {
    "timezone": "Asia/Almaty",
    "slot_minutes": 30,
    "buffer_minutes": 0,
    "weekly": [
        {"weekday": 1, "start": "09:00", "end": "12:00"},
        {"weekday": 2, "start": "09:00", "end": "12:00"},
    ],
    "exceptions": [],
    "vacations": [],
    "topics": ["pay"],
    "languages": ["ru"],
}


async def test_every_audit_detail_is_a_json_object(
    client: Any, factory: Factory, db: asyncpg.Connection
) -> None:
    lawyer = await factory.lawyer(topics=("pay",))
    csrf = await login(client, lawyer)  # writes "sign_in" with a detail
    response = await client.put("/api/v1/me/availability", json=AVAILABILITY, headers={"X-CSRF-Token": csrf})
    assert response.status == 200, await response.text()
    response = await client.post(
        "/api/v1/me/tokens", json={"name": "calendar sync"}, headers={"X-CSRF-Token": csrf}
    )
    assert response.status in (200, 201), await response.text()
    # A connection without the pool's JSON codec (a test's, a script's) writes the same row.
    await audit.record(db, lawyer["id"], "test_action", "lawyer", lawyer["id"], {"n": 1}, extra="x")

    rows = await db.fetch("SELECT action, jsonb_typeof(detail) AS kind, detail FROM audit_log ORDER BY id")
    assert {r["action"] for r in rows} >= {"sign_in", "availability_update", "token_created", "test_action"}
    assert [r["action"] for r in rows if r["kind"] != "object"] == []
    update = next(r for r in rows if r["action"] == "availability_update")
    assert (
        await db.fetchval(
            "SELECT (detail->>'weekly')::int FROM audit_log WHERE action = 'availability_update'"
        )
        == 2
    ), update["detail"]
    assert await db.fetchval("SELECT detail FROM audit_log WHERE action = 'test_action'") in (
        '{"n": 1, "extra": "x"}',
        {"n": 1, "extra": "x"},
    )


async def test_the_migration_turns_details_stored_as_strings_back_into_objects(pg_server: str) -> None:
    name = f"consult_audit_{os.getpid()}"
    admin = await asyncpg.connect(pg_server)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        conn = await asyncpg.connect(url_with_database(pg_server, name))
        try:
            before = [m for m in load_migrations() if m.version < 15]
            await migrate(conn, before)
            # What availability's old writer stored: a JSON string spelling an object.
            await conn.execute(
                "INSERT INTO audit_log (action, detail) VALUES ('availability_update', to_jsonb($1::text))",
                '{"weekly": 5, "exceptions": 0, "topics": ["pay"]}',
            )
            await conn.execute("INSERT INTO audit_log (action, detail) VALUES ('odd', '\"plain words\"')")
            await migrate(conn)
            rows = await conn.fetch("SELECT action, detail::text AS detail FROM audit_log ORDER BY id")
            assert [(r["action"], r["detail"]) for r in rows] == [
                ("availability_update", '{"topics": ["pay"], "weekly": 5, "exceptions": 0}'),
                ("odd", '{"text": "plain words"}'),
            ]
            refused = False
            try:
                await conn.execute("INSERT INTO audit_log (action, detail) VALUES ('x', '\"a string\"')")
            except asyncpg.CheckViolationError:
                refused = True
            assert refused
        finally:
            await conn.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
