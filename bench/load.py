"""A load generator that runs in its own process: fixed concurrency, bounded count and time, loopback only.

    python -m bench.load --spec spec.json  ->  prints one JSON object with the figures

spec: {"base": "http://127.0.0.1:PORT", "concurrency": 32, "requests": 5000, "seconds": 20,
       "warmup": 200, "warmup_seconds": 3, "ok": [200], "forwarded_for": false,
       "requests_list": [{"method": "GET", "path": "/x", "json": {...}, "headers": {...}}, ...]}

Requests are taken in order from requests_list, round-robin when it is shorter than warmup + requests
(a POST list can hold distinct bodies: give as many items as warmup + requests and none repeats).
A response whose status is not in `ok` counts as an error, as does a request that fails or times out.
With "forwarded_for", each request carries its own X-Forwarded-For address (for a server that trusts
loopback as its proxy), so per-address rate limits see many clients, as in production.

The answer also quotes the first few answers that were not ok (`samples`), and says how busy this
process was (`client_cpu`: CPU seconds per wall second of the measured phase); well below 1.0 means the client was waiting for the server, not the other way round.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from typing import Any
from urllib.parse import urlsplit

import aiohttp

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile (q in 0..100) of values; NaN when there are none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def _forwarded(n: int) -> str:
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    host = urlsplit(spec["base"]).hostname
    if host not in LOOPBACK:
        raise SystemExit("bench.load only targets loopback")
    items = spec["requests_list"]
    if not items:
        raise SystemExit("bench.load: requests_list is empty")
    # Bodies are encoded once, before the clock starts: the generator shares the CPUs with the server,
    # and what it spends per request is taken from the server's share.
    bodies = [
        None if item.get("json") is None else json.dumps(item["json"], ensure_ascii=False).encode()
        for item in items
    ]
    total = int(spec["requests"])
    warmup = int(spec.get("warmup", 0))
    concurrency = int(spec["concurrency"])
    ok = {int(s) for s in spec.get("ok", [200])}
    forwarded = bool(spec.get("forwarded_for", False))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    failures: dict[str, int] = {}
    samples: list[dict[str, Any]] = []  # the first few answers that were not ok, to say why
    sent = 0
    timeout = aiohttp.ClientTimeout(total=float(spec.get("request_timeout", 30)))
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    async with aiohttp.ClientSession(
        spec["base"], connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()
    ) as session:

        async def one(index: int, record: bool) -> None:
            nonlocal sent
            item, body = items[index], bodies[index]
            headers = dict(item.get("headers") or {})
            if body is not None:
                headers["Content-Type"] = "application/json"
            if forwarded:
                headers["X-Forwarded-For"] = _forwarded(sent)
            sent += 1
            started = time.perf_counter()
            try:
                async with session.request(
                    item.get("method", "GET"), item["path"], data=body, headers=headers
                ) as response:
                    answer = await response.read()
                    status = response.status
                if status not in ok and len(samples) < 3:
                    samples.append({"status": status, "body": answer[:300].decode("utf-8", "replace")})
            except Exception as exc:
                if record:
                    name = type(exc).__name__
                    failures[name] = failures.get(name, 0) + 1
                return
            if record:
                latencies.append((time.perf_counter() - started) * 1000)
                statuses[status] = statuses.get(status, 0) + 1

        # Warm-up (caches, prepared statements, connections), bounded in time too: a slow endpoint
        # must not spend the run's budget before measuring starts.
        warm_until = time.perf_counter() + float(spec.get("warmup_seconds", 3))
        for i in range(warmup):
            if time.perf_counter() > warm_until:
                break
            await one(i % len(items), record=False)

        counter = 0
        deadline = time.perf_counter() + float(spec.get("seconds", 30))

        async def worker() -> None:
            nonlocal counter
            while counter < total and time.perf_counter() < deadline:
                index = (counter + warmup) % len(items)
                counter += 1
                await one(index, record=True)

        cpu_started = time.process_time()
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
    done = len(latencies)
    bad = sum(n for s, n in statuses.items() if s not in ok) + sum(failures.values())
    return {
        "requests": done,
        "seconds": round(elapsed, 3),
        "rps": round(done / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(percentile(latencies, 50), 2),
        "p95_ms": round(percentile(latencies, 95), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "mean_ms": round(statistics.fmean(latencies), 2) if latencies else None,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "failures": failures,
        "samples": samples,
        "errors": bad,
        "concurrency": concurrency,
        "client_cpu": round(cpu / elapsed, 2) if elapsed else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="bounded loopback load generator")
    parser.add_argument("--spec", required=True, help="a JSON file describing the run")
    args = parser.parse_args()
    with open(args.spec, encoding="utf-8") as fp:
        spec = json.load(fp)
    json.dump(asyncio.run(run(spec)), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
