"""The results of a run: the machine it ran on, a table for the terminal and the README, and JSON files."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.procs import ROOT

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Row:
    """One measured scenario. `unit` is what rps counts (requests, messages, MiB...)."""

    name: str
    available: bool = True
    note: str = ""
    concurrency: int | None = None
    requests: int | None = None
    rps: float | None = None
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    errors: int | None = None
    statuses: dict[str, int] = field(default_factory=dict)
    ratio: float | None = None
    target: str = ""
    passed: bool | None = None
    value: float | None = None
    unit: str = "req/s"
    client_cpu: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def missing(cls, name: str, why: str, target: str = "") -> Row:
        return cls(name=name, available=False, note=why, target=target)

    @classmethod
    def from_load(cls, name: str, figures: dict[str, Any], **kw: Any) -> Row:
        keys = (
            "concurrency",
            "requests",
            "rps",
            "p50_ms",
            "p95_ms",
            "p99_ms",
            "errors",
            "statuses",
            "client_cpu",
        )
        row = cls(name=name, **{k: figures.get(k) for k in keys}, **kw)
        if figures.get("samples"):
            row.extra["samples"] = figures["samples"]
        return row


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def machine(postgres_version: str | None) -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in _read("/proc/cpuinfo").splitlines()
            if "model name" in line
        ),
        platform.processor() or "unknown",
    )
    mem_kb = next(
        (int(line.split()[1]) for line in _read("/proc/meminfo").splitlines() if line.startswith("MemTotal")),
        0,
    )
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgresql": postgres_version,
        "commit": commit,
    }


def _num(value: float | None, digits: int = 1) -> str:
    if value is None or value != value:  # None or NaN
        return "-"
    return f"{value:,.{digits}f}"


def _verdict(row: Row) -> str:
    if not row.available:
        return "n/a"
    if row.passed is None:
        return ""
    return "pass" if row.passed else "FAIL"


HEADERS = [
    "scenario",
    "conc",
    "n",
    "rate",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "errors",
    "vs floor",
    "target",
    "result",
]


def cells(row: Row) -> list[str]:
    if not row.available:
        return [row.name, "", "", "", "", "", "", "", "", row.target, "n/a: " + row.note]
    rate = f"{_num(row.rps)} {row.unit}" if row.rps is not None else ""
    if row.value is not None and row.rps is None:
        rate = f"{_num(row.value)} {row.unit}"
    return [
        row.name,
        str(row.concurrency or ""),
        str(row.requests or ""),
        rate,
        _num(row.p50_ms, 2),
        _num(row.p95_ms, 2),
        _num(row.p99_ms, 2),
        "" if row.errors is None else str(row.errors),
        f"{row.ratio:.0%}" if row.ratio is not None else "",
        row.target,
        _verdict(row),
    ]


def text_table(rows: list[Row]) -> str:
    table = [HEADERS] + [cells(r) for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADERS))]
    out = []
    for n, line in enumerate(table):
        out.append("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def markdown(result: dict[str, Any], rows: list[Row]) -> str:
    m = result["machine"]
    lines = [
        f"Run of {result['started']} (commit {m['commit'] or '?'}), `{result['command']}`, "
        f"{result['seconds']:.0f} s in all.",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gb']} GB memory, Linux {m['kernel']}, "
        f"Python {m['python']}, PostgreSQL {m['postgresql']}; the app, PostgreSQL, the floor and the load "
        f"generator share these CPUs. Load average before/after: {result['load_before']} / {result['load_after']}.",
        "",
        f"Data: {result['dataset'].get('lawyers', 0)} lawyers, {result['dataset'].get('bookings', 0)} bookings, "
        f"{result['dataset'].get('archive_entries', 0):,} archive entries.",
        "",
        "| " + " | ".join(HEADERS) + " |",
        "|" + "---|" * len(HEADERS),
    ]
    for row in rows:
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells(row)) + " |")
    notes = [f"- {r.name}: {r.note}" for r in rows if r.available and r.note]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines) + "\n"


def write(result: dict[str, Any], rows: list[Row], *, latest: bool = True) -> Path:
    RESULTS.mkdir(exist_ok=True)
    result = {**result, "scenarios": [asdict(r) for r in rows]}
    stamp = datetime.fromisoformat(result["started"]).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"{stamp}.json"
    text = json.dumps(result, ensure_ascii=False, indent=1)
    path.write_text(text + "\n", "utf-8")
    if not latest:
        return path
    (RESULTS / "latest.json").write_text(text + "\n", "utf-8")
    (RESULTS / "latest.md").write_text(markdown(result, rows), "utf-8")
    return path


README = ROOT / "README.md"
BEGIN, END = "<!-- bench:latest -->", "<!-- /bench:latest -->"


def update_readme(table: str) -> bool:
    """Put the latest table between the README's markers; False when the markers are missing."""
    try:
        text = README.read_text("utf-8")
    except OSError:
        return False
    if BEGIN not in text or END not in text:
        return False
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    README.write_text(f"{head}{BEGIN}\n{table}{END}{tail}", "utf-8")
    return True
