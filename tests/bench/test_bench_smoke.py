"""The load generator, run as its own process against a throwaway server, answers figures of the agreed shape.

Not a timed assertion: the figures depend on the machine; only their presence and consistency are checked.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestServer

ROOT = Path(__file__).resolve().parents[2]


async def test_load_generator_reports_rate_latency_and_statuses_of_a_short_run(tmp_path: Path) -> None:
    async def ok(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def created(request: web.Request) -> web.Response:
        await request.json()
        return web.json_response({"id": 1}, status=201)

    app = web.Application()
    app.router.add_get("/ok", ok)
    app.router.add_post("/things", created)
    async with TestServer(app, host="127.0.0.1") as server:
        spec = {
            "base": f"http://127.0.0.1:{server.port}",
            "concurrency": 4,
            "requests": 10**6,
            "seconds": 1,
            "warmup": 5,
            "ok": [200],
            "forwarded_for": True,
            "requests_list": [
                {"path": "/ok"},
                {"method": "POST", "path": "/things", "json": {"n": 1}},
            ],
        }
        spec_path = tmp_path / "spec.json"
        spec_path.write_text(json.dumps(spec))
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.load", "--spec", str(spec_path),
            cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(child.communicate(), timeout=20)
    assert child.returncode == 0, err.decode()
    figures = json.loads(out)
    assert set(figures) == {
        "requests", "seconds", "rps", "p50_ms", "p95_ms", "p99_ms", "mean_ms", "statuses", "failures", "samples",
        "errors", "concurrency", "client_cpu",
    }  # fmt: skip
    assert figures["requests"] > 0
    assert set(figures["statuses"]) == {"200", "201"}
    assert sum(figures["statuses"].values()) == figures["requests"]
    # The 201s are not in "ok": they count as errors, and nothing else does.
    assert figures["errors"] == figures["statuses"]["201"]
    assert figures["failures"] == {}
    assert figures["samples"][0] == {"status": 201, "body": '{"id": 1}'}
    assert figures["concurrency"] == 4
    assert figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"]
    assert figures["rps"] > 0


def test_load_generator_refuses_a_target_off_loopback(tmp_path: Path) -> None:
    import subprocess

    spec_path = tmp_path / "spec.json"
    spec_path.write_text(
        json.dumps(
            {"base": "http://example.org", "concurrency": 1, "requests": 1, "requests_list": [{"path": "/"}]}
        )
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "bench.load", "--spec", str(spec_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=20, check=False,
    )  # fmt: skip
    assert done.returncode != 0
    assert "loopback" in done.stderr
