"""The benchmark suite: one command, a fresh database, the bare floor beside every consult figure.

    python -m bench.run [--archive 100000|1000000] [--quick]      (or: make bench)

1. makes a database (on DATABASE_URL's server when set, else an embedded PostgreSQL in a temp folder),
   migrates it and loads the data set in bulk (see bench/data.py);
2. starts the floor (python -m bench.floor) and consult (python -m consult serve --no-workers) on
   loopback ports and waits for them;
3. drives each scenario from a separate process (python -m bench.load); a scenario whose endpoint does
   not exist yet is reported as "n/a";
4. prints the table and writes bench/results/<time>.json, latest.json and latest.md;
5. stops every process and drops the database, also when something fails.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import signal
import sys
import time
import traceback
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import data, report, scenarios
from bench.procs import Processes, free_port, peak_rss_mb
from bench.report import Row

QUICK = scenarios.Plan(
    seconds=3.0, warmup=30, bookings=300, booking_seconds=30.0, outbox_messages=500, naive_queries=8
)
# Settings that would throttle a load test from one address; raised to their allowed maximum.
THROTTLES = re.compile(r"_per_(address|ip|email)|rate_limit|requests_per")


def throttle_overrides() -> dict[str, str]:
    """Environment that lifts every per-client limit consult/settings.py has today."""
    from consult import settings as config

    env = {}
    for section, factory in config.SECTIONS.items():
        for f in fields(factory()):
            if THROTTLES.search(f.name) and "max" in f.metadata:
                env[config._env_name(section, f.name)] = str(f.metadata["max"])
    return env


def app_environment(db_url: str, port: int) -> dict[str, str]:
    return {
        "DATABASE_URL": db_url,
        "CONSULT_BASE_URL": f"http://127.0.0.1:{port}",
        "CONSULT_SECRET_KEY": "bench-" + secrets.token_urlsafe(32),
        "CONSULT_MODE": "demo",
        "CONSULT_BOOKING_CONFIRMATION": "none",
        "CONSULT_BOOKING_MIN_NOTICE_MINUTES": "0",
        # The load generator gives each booking its own X-Forwarded-For, as members behind nginx have.
        "CONSULT_SERVER_TRUSTED_PROXIES": "127.0.0.1",
        "CONSULT_MAIL_FROM": "consult@bench.example",
        **throttle_overrides(),
    }


SCENARIOS = {
    "floor": scenarios.floor,
    "slots": scenarios.slots,
    "search": scenarios.search,
    "pages": scenarios.pages,
    "bookings": scenarios.bookings,
    "outbox": scenarios.outbox,
}


def show_profile(path: Path) -> None:
    """Print the functions consult spent the most time in (its own time, then with callees)."""
    import pstats

    if not path.exists():
        say(f"no profile at {path}")
        return
    stats = pstats.Stats(str(path))
    stats.sort_stats("tottime").print_stats(30)
    stats.sort_stats("cumulative").print_stats(40)
    say(f"profile: {path} (open with python -m pstats)")


def interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def say(text: str) -> None:
    print(text, flush=True)


def run_scenario(rows: list[Row], name: str, work: Any, *args: Any) -> None:
    started = time.perf_counter()
    try:
        got = work(*args)
    except Exception as exc:
        traceback.print_exc()
        got = [Row(name=name, passed=False, note=f"failed: {type(exc).__name__}: {exc}"[:300])]
    rows.extend(got)
    for row in got:
        say("  " + " | ".join(c for c in report.cells(row) if c))
    say(f"  ({name}: {time.perf_counter() - started:.0f} s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--archive", type=int, help="published archive entries (default 100000)")
    parser.add_argument("--quick", action="store_true", help="short runs (about two minutes in all)")
    parser.add_argument(
        "--only", help=f"comma-separated scenarios to run (of {', '.join(SCENARIOS)}; memory always runs)"
    )
    parser.add_argument("--readme", action="store_true", help="also put the table into README.md")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="run consult under cProfile (CPU time) and print where its time went",
    )
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else scenarios.Plan()
    entries = args.archive or (20_000 if args.quick else 100_000)
    command = "python -m bench.run" + (f" --archive {args.archive}" if args.archive else "")
    command += " --quick" if args.quick else ""

    # SIGTERM (a CI timeout, kill) cleans up like Ctrl-C: processes stopped, database dropped.
    signal.signal(signal.SIGTERM, interrupt)
    started_at = datetime.now(UTC).replace(microsecond=0)
    load_before = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    clock = time.perf_counter()
    db = data.BenchDatabase(os.environ.get("DATABASE_URL") or None)
    procs = Processes()
    rows: list[Row] = []
    facts: dict[str, Any] = {}
    broke = False
    try:
        say(f"database: {'DATABASE_URL server' if db.server_url else 'embedded PostgreSQL'}")
        url = asyncio.run(db.create())
        say(f"loading the data set into {db.name}")
        facts = asyncio.run(data.load(url, entries, say))

        floor_port, app_port = free_port(), free_port()
        env = app_environment(url, app_port)
        procs.start("floor", ["bench.floor", "--dsn", url, "--port", str(floor_port)])
        serve = ["consult", "serve", "--host", "127.0.0.1", "--port", str(app_port)]
        serve += ["--no-workers", "--no-migrate"]
        if args.profile:
            serve = ["bench.cpu_profile", str(procs.logdir / "consult.prof"), *serve]
        app = procs.start("consult", serve, env)
        procs.wait_http("floor", f"http://127.0.0.1:{floor_port}/floor")
        procs.wait_http("consult", f"http://127.0.0.1:{app_port}/readyz")
        rss_start = peak_rss_mb(app.pid)
        ctx = scenarios.Context(
            plan=plan,
            procs=procs,
            db_url=url,
            app=f"http://127.0.0.1:{app_port}",
            floor=f"http://127.0.0.1:{floor_port}",
            app_pid=app.pid,
            app_env=env,
            archive_entries=facts.get("archive_entries", 0),
            lawyer_ids=facts["lawyer_ids"],
        )
        scenarios.discover(ctx)
        chosen = args.only.split(",") if args.only else list(SCENARIOS)
        for name, work in SCENARIOS.items():
            if name not in chosen and name != "floor":
                continue
            say(f"{name}:")
            run_scenario(rows, name, work, ctx)
        run_scenario(rows, "memory", scenarios.memory, ctx, rss_start)
        if procs.children["consult"].poll() is not None:
            say("consult exited during the run:\n" + procs.log_tail("consult"))
    except KeyboardInterrupt:
        broke = True
        say("interrupted: cleaning up")
    except Exception:
        broke = True
        traceback.print_exc()
        say("the run stopped early: cleaning up")
    finally:
        # Stopping consult first and on its own: a graceful stop lets cProfile write its file.
        stopped = time.perf_counter()
        procs.stop("consult", grace=30)
        say(f"consult stopped in {time.perf_counter() - stopped:.1f} s")
        procs.stop_all()
        if args.profile:
            show_profile(procs.logdir / "consult.prof")
        try:
            asyncio.run(db.drop())
        except Exception as exc:
            say(f"could not drop {db.name}: {exc}")
    result = {
        "started": started_at.isoformat(),
        "command": command,
        "seconds": round(time.perf_counter() - clock, 1),
        "machine": report.machine(facts.get("postgres")),
        "load_before": load_before,
        "load_after": ", ".join(f"{x:.1f}" for x in os.getloadavg()),
        "plan": {f.name: getattr(plan, f.name) for f in fields(plan)},
        "dataset": {k: v for k, v in facts.items() if k != "lawyer_ids"},
    }
    say("")
    say(report.text_table(rows))
    # A run cut short keeps its own file but does not replace the latest complete one.
    path = report.write(result, rows, latest=not broke)
    if (
        args.readme
        and not broke
        and not report.update_readme((report.RESULTS / "latest.md").read_text("utf-8"))
    ):
        say("README.md has no bench markers; the table is in bench/results/latest.md")
    say(
        f"\nwritten: {path}{'' if broke else ' (and latest.json, latest.md)'} in {result['seconds']:.0f} s; logs in {procs.logdir}"
    )
    # A target missed is a finding written in the table, not a failure of the run.
    return 2 if broke else 0


if __name__ == "__main__":
    sys.exit(main())
