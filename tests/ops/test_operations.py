"""Operations: metrics for Prometheus from allowed addresses only, the worker command, backups."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from consult.app import create_app
from consult.db import migrate
from tests.conftest import Factory, make_settings, url_with_database

ROOT = Path(__file__).resolve().parents[2]


async def test_metrics_answer_prometheus_text_from_an_allowed_address(
    client: Any, factory: Factory, db: asyncpg.Connection
) -> None:
    lawyer = await factory.lawyer()
    await factory.booking(lawyer, status="confirmed")
    await factory.booking(
        lawyer, status="completed", start=(await factory.booking(lawyer, status="cancelled"))["starts_at"]
    )
    await db.execute(
        "INSERT INTO outbox (kind, recipient, message, message_id, status, created_at) VALUES "
        "('x', 'a@example.org', 'm', '<1@c>', 'pending', now() - interval '90 seconds'),"
        "('x', 'a@example.org', 'm', '<2@c>', 'failed', now())"
    )
    await db.execute(
        "INSERT INTO worker_heartbeats (instance, job, at) VALUES ('worker-1:42', 'outbox', now() - interval '5 seconds')"
    )
    assert (await client.get("/healthz")).status == 200
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    text = await response.text()
    lines = text.splitlines()
    assert "# TYPE consult_http_request_duration_seconds histogram" in lines
    assert (
        'consult_http_request_duration_seconds_bucket{route="healthz",method="GET",status="2xx",le="+Inf"} 1'
        in lines
    )
    assert 'consult_http_request_duration_seconds_count{route="healthz",method="GET",status="2xx"} 1' in lines
    buckets = [
        int(line.rsplit(" ", 1)[1])
        for line in lines
        if line.startswith('consult_http_request_duration_seconds_bucket{route="healthz"')
    ]
    assert buckets == sorted(buckets) and len(buckets) == 12
    for status, n in (("pending", 0), ("confirmed", 1), ("cancelled", 1), ("completed", 1), ("no_show", 0)):
        assert f'consult_bookings{{status="{status}"}} {n}' in lines
    assert "consult_outbox_pending 1" in lines and "consult_outbox_failed 1" in lines
    oldest = next(line for line in lines if line.startswith("consult_outbox_oldest_pending_age_seconds "))
    assert 89 <= float(oldest.split()[1]) < 200
    beat = next(
        line
        for line in lines
        if line.startswith('consult_worker_heartbeat_age_seconds{instance="worker-1:42",job="outbox"}')
    )
    assert 4 <= float(beat.split()[1]) < 60
    # Every sample belongs to a family declared with HELP and TYPE.
    declared = {line.split()[2] for line in lines if line.startswith("# TYPE")}
    for line in lines:
        if not line.startswith("#"):
            name = re.match(r"[a-z_]+", line).group(0)  # type: ignore[union-attr]
            assert any(name == d or name.startswith(d + "_") for d in declared), line


async def test_metrics_are_refused_from_an_address_not_allowed(aiohttp_client: Any, db_url: str) -> None:
    closed = await aiohttp_client(
        create_app(make_settings(server={"metrics_allow": ("10.0.0.0/8",), "workers": False}), db_url)
    )
    assert (await closed.get("/metrics")).status == 404
    # A forged X-Forwarded-For from a peer that is not a trusted proxy changes nothing.
    assert (await closed.get("/metrics", headers={"X-Forwarded-For": "10.1.2.3"})).status == 404
    await closed.close()
    behind_proxy = await aiohttp_client(
        create_app(
            make_settings(
                server={"metrics_allow": ("10.0.0.0/8",), "trusted_proxies": ("127.0.0.1",), "workers": False}
            ),
            db_url,
        )
    )
    assert (await behind_proxy.get("/metrics", headers={"X-Forwarded-For": "10.1.2.3"})).status == 200
    assert (await behind_proxy.get("/metrics", headers={"X-Forwarded-For": "192.0.2.7"})).status == 404
    await behind_proxy.close()


async def test_consult_worker_runs_the_jobs_and_stops_on_sigterm(db_url: str, db: asyncpg.Connection) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONSULT_")}
    env.update(DATABASE_URL=db_url, PYTHONUNBUFFERED="1", CONSULT_SMTP_PORT="9")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "consult",
        "worker",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
        assert re.match(rb"consult worker running \d+ job\(s\)", line), line
        jobs: set[str] = set()
        for _ in range(100):
            jobs = {
                r["job"]
                for r in await db.fetch(
                    "SELECT job FROM worker_heartbeats WHERE instance LIKE $1", f"%:{process.pid}"
                )
            }
            if "heartbeats" in jobs:
                break
            await asyncio.sleep(0.1)
        assert "heartbeats" in jobs
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), timeout=15) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def _server_major(version_num: int) -> int:
    return version_num // 10000


async def run(*args: str) -> str:
    """Run a client program to its end; fail the test with its error output when it fails."""
    process = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, err.decode(errors="replace")
    return out.decode()


async def _pick_pg_dump(server_major: int) -> Path | None:
    """pg_dump from PATH, else the one bundled with the embedded server; it must not be older than the server."""
    candidates = [shutil.which("pg_dump")]
    try:
        import pgserver

        candidates.append(str(Path(pgserver.__file__).parent / "pginstall" / "bin" / "pg_dump"))
    except ImportError:
        pass
    for candidate in candidates:
        if not candidate or not os.path.exists(candidate):  # noqa: ASYNC240 -- a stat, once
            continue
        out = await run(candidate, "--version")
        found = re.search(r"(\d+)\.\d+", out)
        if found and int(found.group(1)) >= server_major:
            return Path(candidate)
    return None


async def test_a_pg_dump_backup_restores_into_a_new_database_with_every_row(
    factory: Factory, db: asyncpg.Connection, db_url: str, pg_server: str, tmp_path: Path
) -> None:
    lawyer = await factory.lawyer()
    for days in (2, 3, 4):
        await factory.booking(
            lawyer, start=datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=days)
        )
    pg_dump = await _pick_pg_dump(_server_major(int(await db.fetchval("SHOW server_version_num"))))
    if pg_dump is None:
        pytest.skip("no pg_dump as new as the server on PATH (apt-get install postgresql-client)")
    pg_restore = pg_dump.with_name("pg_restore")
    tables = [
        r["relname"]
        for r in await db.fetch(
            "SELECT relname FROM pg_stat_user_tables WHERE schemaname = 'public' ORDER BY relname"
        )
    ]
    counts = {t: await db.fetchval(f'SELECT count(*) FROM "{t}"') for t in tables}
    assert counts["bookings"] == 3 and counts["regions"] == 20

    backup = tmp_path / "consult.dump"
    await run(str(pg_dump), "--format=custom", "--file", str(backup), db_url)
    name = f"consult_restore_{os.getpid()}"
    admin = await asyncpg.connect(pg_server)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        restore_url = url_with_database(pg_server, name)
        await run(str(pg_restore), "--no-owner", "--exit-on-error", "--dbname", restore_url, str(backup))
        restored = await asyncpg.connect(restore_url)
        try:
            assert {t: await restored.fetchval(f'SELECT count(*) FROM "{t}"') for t in tables} == counts
            assert await migrate(restored) == []  # schema and checksums came back whole
            # The constraint that forbids double booking came back with the data.
            assert (
                await restored.fetchval(
                    "SELECT count(*) FROM pg_constraint WHERE conname = 'bookings_lawyer_no_overlap'"
                )
                == 1
            )
        finally:
            await restored.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
