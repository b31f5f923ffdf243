"""A load generator that runs in its own process: fixed concurrency, bounded count and time, loopback only.

    python -m bench.load --spec spec.json  ->  prints one JSON object with the figures

spec: {"base": "http://127.0.0.1:PORT", "concurrency": 32, "requests": 5000, "seconds": 20,
       "warmup": 200, "requests_list": [{"method": "GET", "path": "/x", "json": {...}, "headers": {...}}, ...]}
Requests are taken round-robin from requests_list (a POST list can hold distinct bodies).
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


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    host = urlsplit(spec["base"]).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("bench.load only targets loopback")
    items = spec["requests_list"]
    total = int(spec["requests"])
    deadline = time.perf_counter() + float(spec.get("seconds", 30))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    counter = 0
    connector = aiohttp.TCPConnector(limit=int(spec["concurrency"]), force_close=False)
    async with aiohttp.ClientSession(spec["base"], connector=connector) as session:

        async def one(item: dict[str, Any], record: bool) -> None:
            nonlocal errors
            started = time.perf_counter()
            try:
                async with session.request(
                    item.get("method", "GET"),
                    item["path"],
                    json=item.get("json"),
                    headers=item.get("headers"),
                ) as response:
                    await response.read()
                    status = response.status
            except Exception:
                errors += 1
                return
            if record:
                latencies.append((time.perf_counter() - started) * 1000)
                statuses[status] = statuses.get(status, 0) + 1

        for i in range(int(spec.get("warmup", 0))):
            await one(items[i % len(items)], record=False)

        async def worker() -> None:
            nonlocal counter
            while counter < total and time.perf_counter() < deadline:
                item = items[(counter + int(spec.get("warmup", 0))) % len(items)]
                counter += 1
                await one(item, record=True)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(int(spec["concurrency"]))))
        elapsed = time.perf_counter() - started
    done = len(latencies)
    return {
        "requests": done,
        "seconds": round(elapsed, 3),
        "rps": round(done / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(percentile(latencies, 50), 2),
        "p95_ms": round(percentile(latencies, 95), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "mean_ms": round(statistics.fmean(latencies), 2) if latencies else None,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spec", required=True)
    args = parser.parse_args()
    with open(args.spec, encoding="utf-8") as fp:
        spec = json.load(fp)
    json.dump(asyncio.run(run(spec)), sys.stdout)


if __name__ == "__main__":
    main()
