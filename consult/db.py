"""The database: the embedded PostgreSQL, the asyncpg pool, transactions and the migration runner."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from consult.settings import ROOT, Settings

log = logging.getLogger("consult.db")
MIGRATIONS_DIR = ROOT / "migrations"
# Any 64-bit number unique to this application; copies starting together serialize on it.
MIGRATION_LOCK_ID = 0x636F6E73756C74
MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class MigrationError(Exception):
    """The migrations on disk and those applied to the database disagree."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Read migrations/NNNN_name.sql in order; numbers must be unique."""
    found: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = MIGRATION_NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNNN_what_it_does.sql")
        version = int(match.group(1))
        if version in found:
            raise MigrationError(f"{path.name}: number {version} is used twice")
        found[version] = Migration(version, path.name, path.read_text("utf-8"))
    return [found[v] for v in sorted(found)]


SCHEMA_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


async def migrate(conn: asyncpg.Connection, migrations: list[Migration] | None = None) -> list[str]:
    """Apply pending migrations, each in its own transaction, under an advisory lock; return their names."""
    migrations = load_migrations() if migrations is None else migrations
    applied_names: list[str] = []
    await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_ID)
    try:
        await conn.execute(SCHEMA_TABLE)
        rows = await conn.fetch("SELECT version, name, checksum FROM schema_migrations")
        applied = {r["version"]: r for r in rows}
        for m in migrations:
            done = applied.get(m.version)
            if done is not None:
                if done["checksum"] != m.checksum:
                    raise MigrationError(
                        f"{m.name}: changed after it was applied; add a new migration instead"
                    )
                continue
            async with conn.transaction():
                await conn.execute(m.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    m.version,
                    m.name,
                    m.checksum,
                )
            log.info("migration applied", extra={"migration": m.name})
            applied_names.append(m.name)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_ID)
    return applied_names


async def pending_migrations(conn: asyncpg.Connection) -> list[str]:
    """Name the migrations on disk that the database has not applied (for /readyz)."""
    exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    done: dict[int, str] = {}
    if exists:
        done = {
            r["version"]: r["checksum"]
            for r in await conn.fetch("SELECT version, checksum FROM schema_migrations")
        }
    return [m.name for m in load_migrations() if done.get(m.version) != m.checksum]


class EmbeddedPostgres:
    """A private PostgreSQL server (the pgserver package) in a data folder, for laptops and tests."""

    def __init__(self, data_dir: str | Path) -> None:
        self.data_dir = Path(data_dir)
        if not self.data_dir.is_absolute():
            self.data_dir = Path.cwd() / self.data_dir
        self._server: Any = None

    def start(self) -> str:
        import pgserver  # imported here: production on a real server never loads it

        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._server = pgserver.get_server(str(self.data_dir), cleanup_mode="stop")
        return str(self._server.get_uri())

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None


def database_url(settings: Settings) -> tuple[str, EmbeddedPostgres | None]:
    """Return the URL to connect to, starting the embedded server when no URL is configured."""
    if settings.database.url:
        return settings.database.url, None
    embedded = EmbeddedPostgres(settings.database.data_dir)
    return embedded.start(), embedded


async def _init_connection(conn: asyncpg.Connection) -> None:
    for type_name in ("json", "jsonb"):
        await conn.set_type_codec(type_name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def _release_connection(conn: asyncpg.Connection) -> None:
    """What a connection needs before it goes back to the pool: nothing beyond what asyncpg always does.

    asyncpg always rolls back a transaction left open and drops listeners. Its default reset also sends
    `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL` on every release: one more round
    trip per request, for session state consult never leaves behind on pool connections. Its code sets
    settings only for the transaction (SET LOCAL, set_config(..., true)), LISTENs nowhere, uses no
    cursors outside transactions and releases the migration lock itself;
    tests/test_pool_sessions_stay_clean.py holds the code to that.
    """


async def create_pool(url: str, settings: Settings, *, generic_plans: bool = False) -> asyncpg.Pool:
    """Open the pool; every connection decodes JSON and runs under the statement timeout.

    generic_plans: for a pool that runs one statement over and over with arrays of any length (the
    booking batches), plan it once: PostgreSQL would otherwise plan it anew for each batch size.
    """
    pool = await asyncpg.create_pool(
        url,
        min_size=settings.database.pool_min,
        max_size=settings.database.pool_max,
        init=_init_connection,
        reset=_release_connection,
        server_settings={
            "statement_timeout": str(settings.database.statement_timeout_ms),
            "application_name": "consult",
            "timezone": "UTC",
            **({"plan_cache_mode": "force_generic_plan"} if generic_plans else {}),
        },
    )
    assert pool is not None
    return pool


@asynccontextmanager
async def transaction(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """Yield a connection inside one transaction: the unit of work of a request."""
    async with pool.acquire() as conn, conn.transaction():
        yield conn
