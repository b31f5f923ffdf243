"""Prometheus metrics in the text exposition format (0.0.4), written by hand: it is a few lines.

Request latencies are kept per process in memory (each app copy is scraped on its own); the gauges for
bookings, the outbox and worker heartbeats are read from PostgreSQL at scrape time, so every copy shows
the same figures for the whole service.
"""

from __future__ import annotations

import bisect
import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.typedefs import Handler

from consult.middleware import route_label

# Seconds; spaced for a service whose pages should answer in tens of milliseconds.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
SERVICE_KEY = "metrics"  # under app[keys.SERVICES]


@dataclass
class Histogram:
    """One labelled series of a histogram: counts per bucket (non-cumulative), sum and count."""

    counts: list[int] = field(default_factory=lambda: [0] * (len(BUCKETS) + 1))
    total: float = 0.0
    count: int = 0

    def observe(self, seconds: float) -> None:
        self.counts[bisect.bisect_left(BUCKETS, seconds)] += 1
        self.total += seconds
        self.count += 1


@dataclass
class RequestMetrics:
    """Latency by (route name, method, status class); one dict lookup and a bisect per request."""

    series: dict[tuple[str, str, str], Histogram] = field(default_factory=dict)

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        key = (route, method, f"{status // 100}xx")
        histogram = self.series.get(key)
        if histogram is None:
            histogram = self.series[key] = Histogram()
        histogram.observe(seconds)


def request_metrics_middleware(metrics: RequestMetrics) -> web.middleware:  # type: ignore[valid-type]
    @web.middleware
    async def measure(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            metrics.observe(route_label(request), request.method, status, time.perf_counter() - started)

    return measure


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: Mapping[str, str]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{k}="{_escape(str(v))}"' for k, v in labels.items()) + "}"


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


def family(
    name: str, kind: str, help_text: str, samples: Iterable[tuple[Mapping[str, str], float]]
) -> list[str]:
    """Write one metric family: HELP, TYPE, then a line per sample."""
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
    lines.extend(f"{name}{_labels(labels)} {_number(value)}" for labels, value in samples)
    return lines


def histogram_lines(name: str, help_text: str, metrics: RequestMetrics) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} histogram"]
    for (route, method, status), hist in sorted(metrics.series.items()):
        labels = {"route": route, "method": method, "status": status}
        running = 0
        for bound, count in zip((*BUCKETS, math.inf), hist.counts, strict=True):
            running += count
            le = "+Inf" if math.isinf(bound) else repr(bound)
            lines.append(f"{name}_bucket{_labels({**labels, 'le': le})} {running}")
        lines.append(f"{name}_sum{_labels(labels)} {_number(hist.total)}")
        lines.append(f"{name}_count{_labels(labels)} {hist.count}")
    return lines
