"""Child processes of a benchmark run: started on loopback ports, waited for, always stopped."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_get(url: str, timeout: float = 10.0) -> tuple[int, bytes]:
    """GET a loopback URL; return (status, body), also for 4xx/5xx answers."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError("loopback only")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback)
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def http_json(url: str, timeout: float = 10.0) -> Any:
    status, body = http_get(url, timeout)
    if status != 200:
        raise RuntimeError(f"GET {url} answered {status}")
    return json.loads(body)


def peak_rss_mb(pid: int) -> float | None:
    """VmHWM of a live process (its peak resident set) in MiB, from /proc."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) a live process has used so far, from /proc; None when it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU time used meanwhile by some processes, as counted by /proc (10 ms ticks on most kernels).

    `pids()` names the processes, asked at the start and again at the end: one that appeared meanwhile
    counts from zero, one that went away is left out.
    """

    def __init__(self, pids: Callable[[], Iterable[int]]) -> None:
        self._pids = pids
        self._start: dict[int, float] = {}

    def __enter__(self) -> CpuMeter:
        self._start = {pid: cpu for pid in self._pids() if (cpu := cpu_seconds(pid)) is not None}
        self.seconds: float | None = None
        return self

    def __exit__(self, *exc: object) -> None:
        now = {pid: cpu for pid in self._pids() if (cpu := cpu_seconds(pid)) is not None}
        self.seconds = sum(cpu - self._start.get(pid, 0.0) for pid, cpu in now.items()) if now else None


class Processes:
    """Start python -m ... children with their output in log files; stop every one of them at the end."""

    def __init__(self) -> None:
        self.logdir = Path(tempfile.mkdtemp(prefix="consult-bench-logs-"))
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self._logs: list[IO[bytes]] = []

    def start(self, name: str, args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = open(self.logdir / f"{name}.log", "wb")
        self._logs.append(log)
        child = subprocess.Popen(  # noqa: S603 (our own modules)
            [sys.executable, "-m", *args],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.children[name] = child
        return child

    def log_tail(self, name: str, lines: int = 20) -> str:
        try:
            text = (self.logdir / f"{name}.log").read_text("utf-8", "replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def wait_http(self, name: str, url: str, seconds: float = 60.0) -> None:
        """Wait until url answers 200; fail early when the child exits."""
        child = self.children[name]
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if child.poll() is not None:
                raise RuntimeError(f"{name} exited with {child.returncode}:\n{self.log_tail(name)}")
            try:
                if http_get(url, timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{name}: {url} did not answer 200 within {seconds:.0f} s")

    def stop(self, name: str, grace: float = 10.0) -> int | None:
        child = self.children.pop(name, None)
        if child is None:
            return None
        if child.poll() is None:
            child.send_signal(signal.SIGINT)
            try:
                child.wait(grace)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(5)
        return child.returncode

    def stop_all(self) -> None:
        for name in list(self.children):
            self.stop(name)
        for log in self._logs:
            log.close()
        self._logs.clear()
