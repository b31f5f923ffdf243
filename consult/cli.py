"""The `consult` command: serve, migrate, demo, worker, user add."""

from __future__ import annotations

import argparse
import asyncio
import gc
import getpass
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from consult import keys
from consult.db import create_pool, database_url, migrate
from consult.logs import setup_logging
from consult.settings import Settings, SettingsError, load_settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="consult", description="Labour-law consultations for union members."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the web service (migrates first)")
    serve.add_argument("--host", help="address to listen on (default from settings)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8080)")
    serve.add_argument("--no-migrate", action="store_true", help="do not apply migrations at start")
    serve.add_argument(
        "--demo", action="store_true", help="load the demo data set first and print its accounts"
    )
    serve.add_argument("--no-workers", action="store_true", help="leave background work to `consult worker`")

    sub.add_parser("migrate", help="apply the migrations that are not applied yet")
    sub.add_parser("demo", help="load the demo data set (idempotent) and print the demo accounts")
    sub.add_parser("worker", help="run the background workers without the web service")

    user = sub.add_parser("user", help="manage accounts")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    add = user_sub.add_parser(
        "add", help="add a lawyer or staff account (password from CONSULT_PASSWORD or asked)"
    )
    add.add_argument("--role", choices=("lawyer", "staff"), required=True)
    add.add_argument("--email", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--language", choices=("ru", "kk", "en"), default="ru")
    return parser


async def _with_database(settings: Settings, work: Callable[[Any], Awaitable[int]]) -> int:
    url, embedded = database_url(settings)
    try:
        pool = await create_pool(url, settings.with_changes("database", pool_min=1, pool_max=2))
        try:
            async with pool.acquire() as conn:
                return await work(conn)
        finally:
            await pool.close()
    finally:
        if embedded is not None:
            embedded.stop()


async def _migrate(conn: Any) -> int:
    applied = await migrate(conn)
    print(f"applied {len(applied)} migration(s)" + (": " + ", ".join(applied) if applied else ""))
    return 0


async def _demo(conn: Any) -> int:
    from consult.app import CAPABILITIES
    from consult.demo import load_demo

    await migrate(conn)
    accounts = await load_demo(conn, [c.demo for c in CAPABILITIES if c.demo is not None])
    print_demo_accounts(accounts)
    return 0


def print_demo_accounts(accounts: list[tuple[str, str, str]]) -> None:
    print("demo accounts (passwords are new on every run):")
    for role, email, password in accounts:
        print(f"  {role:6} {email}  password: {password}")


async def _serve(settings: Settings, demo: bool) -> int:
    from consult.app import create_app

    url, embedded = database_url(settings)
    try:
        if demo or settings.database.migrate_on_start:
            pool = await create_pool(url, settings.with_changes("database", pool_min=1, pool_max=2))
            try:
                async with pool.acquire() as conn:
                    await migrate(conn)
                    if demo:
                        from consult.app import CAPABILITIES
                        from consult.demo import load_demo

                        loaders = [c.demo for c in CAPABILITIES if c.demo is not None]
                        print_demo_accounts(await load_demo(conn, loaders))
            finally:
                await pool.close()
        app = create_app(settings.with_changes("database", migrate_on_start=False), database_url=url)
        # No aiohttp access log: it prints paths, and paths hold secret tokens; our request line replaces it.
        runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=15, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, settings.server.host, settings.server.port)
        await site.start()
        settle_garbage_collector()
        print(
            f"consult is serving {settings.server.base_url} (listening on {settings.server.host}:{settings.server.port})"
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        print("stopping: finishing requests in flight")
        # runner.cleanup stops accepting, lets requests in flight finish, then runs cleanup_ctx (workers, pool).
        await runner.cleanup()
        return 0
    finally:
        if embedded is not None:
            embedded.stop()


# Python's cyclic collector runs a young pass every 700 net allocations of container objects and a
# full pass every hundred of those; a booking allocates thousands, so a busy process spent a large share
# of its CPU in the collector (measured: docs/performance.md, the bookings bullet). Reference
# counting frees almost everything anyway; the collector only finds cycles (tracebacks, frames), which
# can wait a few more requests. The peak RSS is watched by the benchmark (<= 200 MB).
GC_THRESHOLDS = (50_000, 20, 20)


def settle_garbage_collector() -> None:
    """Once started: freeze what lives as long as the process, and collect cycles less often.

    Everything loaded so far (modules, templates, catalogs, the pool) stays: keep it out of the cyclic
    collector's full passes, which otherwise walk it again and again.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


async def _worker(settings: Settings) -> int:
    from consult.app import CAPABILITIES, database, jobs, register_outbox
    from consult.workers import Workers

    app = web.Application()
    app[keys.SETTINGS] = settings
    app[keys.SERVICES] = {}
    app[keys.CAPABILITIES] = CAPABILITIES
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    gen = database(app)
    await anext(gen)
    register_outbox()
    workers = Workers(app, jobs())
    app[keys.WORKERS] = workers
    workers.start()
    settle_garbage_collector()
    print(f"consult worker running {len(workers.jobs)} job(s)")
    try:
        await stop.wait()
    finally:
        await workers.stop()
        await gen.aclose()  # type: ignore[attr-defined]
    return 0


async def _user_add(settings: Settings, args: argparse.Namespace) -> int:
    from consult.accounts.users import UserError, create_staff_user

    password = os.environ.get("CONSULT_PASSWORD")
    if password is None:
        if not sys.stdin.isatty():
            print("consult: set CONSULT_PASSWORD or run on a terminal to type the password", file=sys.stderr)
            return 2
        password = getpass.getpass("password: ")

    async def work(conn: Any) -> int:
        await migrate(conn)
        try:
            user_id = await create_staff_user(conn, args.role, args.email, args.name, password, args.language)
        except UserError as exc:
            print(f"consult: {exc}", file=sys.stderr)
            return 2
        print(f"added {args.role} #{user_id}")
        return 0

    return await _with_database(settings, work)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        if args.command == "serve":
            changes: dict[str, Any] = {}
            if args.host:
                changes["host"] = args.host
            if args.port:
                changes["port"] = args.port
            if args.no_workers:
                changes["workers"] = False
            if changes:
                os.environ.update(
                    {
                        f"CONSULT_SERVER_{k.upper()}": str(v).lower() if isinstance(v, bool) else str(v)
                        for k, v in changes.items()
                    }
                )
                settings = load_settings()
            if args.no_migrate:
                settings = settings.with_changes("database", migrate_on_start=False)
    except SettingsError as exc:
        print(f"consult: {exc}", file=sys.stderr)
        return 2
    setup_logging()
    for name in settings.generated:
        print(f"demo mode: made an ephemeral {name} for this run; set it for production", file=sys.stderr)
    if args.command == "migrate":
        return asyncio.run(_with_database(settings, _migrate))
    if args.command == "demo":
        return asyncio.run(_with_database(settings, _demo))
    if args.command == "serve":
        return asyncio.run(_serve(settings, args.demo))
    if args.command == "worker":
        return asyncio.run(_worker(settings))
    if args.command == "user":
        return asyncio.run(_user_add(settings, args))
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
