"""Pool connections go back without asyncpg's reset query (consult/db.py _release_connection), so the code
must leave no session state on them: settings only for the transaction, no LISTEN, no advisory lock kept.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from consult import keys, ratelimit
from consult.db import create_pool

SOURCE = Path(__file__).resolve().parent.parent / "consult"

# Session-level state in SQL text or driver calls, and where it is allowed (connections of their own).
SESSION_STATE = {
    "SET without LOCAL": re.compile(
        r"""["']\s*SET\s+(?!LOCAL\b)(?:SESSION\s+)?[a-z_.]+\s*(?:=|TO\b)""", re.I
    ),
    "set_config(..., false)": re.compile(r"set_config\([^)]*,\s*false\s*\)", re.I),
    "LISTEN": re.compile(r"""["']\s*LISTEN\b|add_listener\(""", re.I),
    "session advisory lock": re.compile(r"pg_advisory_lock\(|pg_try_advisory_lock\(", re.I),
}
ALLOWED = {
    ("SET without LOCAL", "archive/generate.py"),  # a connection of its own (the CLI's)
    ("session advisory lock", "db.py"),  # migrate() unlocks in `finally`
}


def test_no_code_leaves_session_state_on_a_connection() -> None:
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        text = path.read_text("utf-8")
        for name, pattern in SESSION_STATE.items():
            if pattern.search(text) and (name, str(path.relative_to(SOURCE))) not in ALLOWED:
                found.append(f"{path.relative_to(SOURCE)}: {name}")
    assert found == []


async def test_the_commit_setting_of_a_rate_limit_hit_ends_with_its_statement(
    settings: Any, db_url: str
) -> None:
    """A hit outside a transaction commits without waiting for the disk; the next booking on the same
    pool connection must wait again (the setting lives and dies with the hit's own transaction)."""
    pool = await create_pool(db_url, settings)
    try:
        async with pool.acquire() as conn:
            await ratelimit.hit_all(conn, [("pool-test", 10, 60)])
            assert await conn.fetchval("SHOW synchronous_commit") == "on"
            async with conn.transaction():
                await ratelimit.hit_all(conn, [("pool-test", 10, 60)])
                assert await conn.fetchval("SHOW synchronous_commit") == "on"
            backend = await conn.fetchval("SELECT pg_backend_pid()")
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT pg_backend_pid()") == backend  # the same session, reused
            assert await conn.fetchval("SHOW synchronous_commit") == "on"
            assert await conn.fetchval("SELECT hits FROM rate_limits WHERE bucket = 'pool-test'") == 2
    finally:
        await pool.close()


async def test_a_transaction_left_open_is_rolled_back_when_the_connection_goes_back(client: Any) -> None:
    pool = client.server.app[keys.POOL]
    async with pool.acquire() as conn:
        backend = await conn.fetchval("SELECT pg_backend_pid()")
        await conn.execute("BEGIN")
        await conn.execute("INSERT INTO rate_limits (bucket, window_start) VALUES ('left-open', now())")
    async with pool.acquire() as conn:
        if await conn.fetchval("SELECT pg_backend_pid()") == backend:
            assert not conn.is_in_transaction()
        assert await conn.fetchval("SELECT count(*) FROM rate_limits WHERE bucket = 'left-open'") == 0
