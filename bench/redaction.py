"""Measure the redactor: python -m bench.redaction [FILES...] [--runs N]

Each FILE is JSON lines as /work/shared/data/redaction_dev*.jsonl: `text`, `language`, `member_name`,
`pii` ([kind, piece] pairs: every occurrence of the piece must be covered) and `optional` (pieces that may
be flagged without counting as false findings). Without FILES, both development sets beside the
repository are read, each reported on its own and then together.

A wanted span counts as caught when one finding of a sensible kind covers it whole; a finding that
overlaps no wanted and no optional span is a false finding. Prints recall per kind, structured data
(numbers with a fixed shape) against names, organisations and places, the share of false findings, and
the time find_pii takes per 1,000 characters and for a draft of 2,000 characters (p50 and p95).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from consult.archive.redaction import Finding, find_pii

# Which finding kinds catch a span of each labelled kind.
SENSIBLE_KINDS: dict[str, set[str]] = {
    "person": {"person"},
    "iin": {"iin", "bin", "id_document"},
    "bin": {"bin", "iin"},
    "phone": {"phone"},
    "email": {"email"},
    "id_document": {"id_document", "iin", "number"},
    "address": {"address", "location"},
    "location": {"location", "address"},
    "organization": {"organization"},
    "birth_date": {"birth_date"},
    "handle": {"handle", "email"},
    "other": {"number", "id_document", "iin", "bin"},
}
STRUCTURED = ("iin", "bin", "phone", "email", "id_document")
LABELS = {"other": "other number"}


def default_files() -> list[Path]:
    here = Path(__file__).resolve()
    for folder in here.parents:
        data = folder / "shared" / "data"
        found = sorted(data.glob("redaction_dev*.jsonl")) if data.is_dir() else []
        if found:
            return found
    return []


def load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def spans_of(text: str, piece: str) -> list[tuple[int, int]]:
    spans, at = [], text.find(piece)
    if at < 0:
        raise SystemExit(f"{piece!r} is not in its text")
    while at >= 0:
        spans.append((at, at + len(piece)))
        at = text.find(piece, at + 1)
    return spans


class Score:
    def __init__(self) -> None:
        self.caught: Counter[str] = Counter()
        self.expected: Counter[str] = Counter()
        self.false_findings = 0
        self.findings = 0
        self.missed: list[tuple[str, str, str]] = []
        self.false: list[tuple[str, Finding]] = []

    def add(self, case: dict[str, Any], findings: list[Finding]) -> None:
        text = case["text"]
        wanted = [(kind, span, piece) for kind, piece in case["pii"] for span in spans_of(text, piece)]
        optional = [span for piece in case.get("optional", []) for span in spans_of(text, piece)]
        for kind, (start, end), piece in wanted:
            self.expected[kind] += 1
            sensible = SENSIBLE_KINDS.get(kind, {kind})
            if any(f.start <= start and f.end >= end and f.kind in sensible for f in findings):
                self.caught[kind] += 1
            else:
                self.missed.append((case.get("id", "?"), kind, piece))
        for f in findings:
            self.findings += 1
            spans = [span for _, span, _ in wanted] + optional
            if not any(f.start < e and s < f.end for s, e in spans):
                self.false_findings += 1
                self.false.append((case.get("id", "?"), f))

    def group(self, kinds: tuple[str, ...] | None) -> tuple[int, int]:
        keys = [k for k in self.expected if (kinds is None or k in kinds)]
        return sum(self.caught[k] for k in keys), sum(self.expected[k] for k in keys)

    def print(self, title: str, verbose: bool) -> None:
        print(f"== {title}")
        for kind in sorted(self.expected, key=lambda k: (k not in STRUCTURED, k)):
            c, e = self.caught[kind], self.expected[kind]
            print(f"  {LABELS.get(kind, kind):>14}: {c:3}/{e:<3} {c / e:6.1%}")
        c, e = self.group(STRUCTURED)
        print(f"  {'structured':>14}: {c:3}/{e:<3} {c / e if e else 1:6.1%}")
        others = tuple(k for k in self.expected if k not in STRUCTURED)
        c, e = self.group(others)
        print(
            f"  {'names etc.':>14}: {c:3}/{e:<3} {c / e if e else 1:6.1%}   (persons, organisations, places, ...)"
        )
        c, e = self.group(None)
        print(f"  {'all':>14}: {c:3}/{e:<3} {c / e if e else 1:6.1%}")
        share = self.false_findings / self.findings if self.findings else 0.0
        print(f"  false findings: {self.false_findings}/{self.findings} = {share:.1%}")
        if verbose:
            for rid, kind, piece in self.missed:
                print(f"    missed {rid} {kind}: {piece}")
            for rid, f in self.false:
                print(f"    false  {rid} {f.kind}: {f.text}")


def timing(cases: list[dict[str, Any]], runs: int) -> None:
    # Warm up first: dictionaries load and caches fill once per process, not once per draft.
    for case in cases:
        find_pii(case["text"], case["language"], [case["member_name"]])
    per_kchar: list[float] = []
    for _ in range(runs):
        for case in cases:
            started = time.perf_counter()
            find_pii(case["text"], case["language"], [case["member_name"]])
            per_kchar.append((time.perf_counter() - started) * 1000 / len(case["text"]) * 1000)
    # A draft of 2,000 characters: several questions of one language glued together, new each time.
    drafts: list[float] = []
    by_language: dict[str, list[dict[str, Any]]] = {}
    for case in cases:
        by_language.setdefault(case["language"], []).append(case)
    for i in range(runs * 20):
        group = list(by_language.values())[i % len(by_language)]
        text, j = "", i
        while len(text) < 2000:
            text += group[j % len(group)]["text"] + "\n\n"
            j += 7
        text = text[:2000]
        name = group[i % len(group)]["member_name"]
        started = time.perf_counter()
        find_pii(text, group[0]["language"], [name])
        drafts.append((time.perf_counter() - started) * 1000)

    def p(values: list[float], q: int) -> float:
        return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]

    print(f"== time: per 1,000 characters p50 {p(per_kchar, 50):.2f} ms, p95 {p(per_kchar, 95):.2f} ms")
    print(f"         draft of 2,000 characters p50 {p(drafts, 50):.2f} ms, p95 {p(drafts, 95):.2f} ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.redaction", description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--runs", type=int, default=5, help="timing passes over the records (default 5)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list misses and false findings")
    args = parser.parse_args(argv)
    files = args.files or default_files()
    if not files:
        print("no data: pass FILES or put shared/data/redaction_dev*.jsonl beside the repository")
        return 2
    everything = Score()
    all_cases: list[dict[str, Any]] = []
    for path in files:
        cases = load(path)
        score = Score()
        for case in cases:
            findings = find_pii(case["text"], case["language"], [case["member_name"]])
            score.add(case, findings)
            everything.add(case, findings)
        score.print(f"{path.name}: {len(cases)} records", args.verbose)
        all_cases += cases
    if len(files) > 1:
        everything.print(f"all: {len(all_cases)} records", False)
    timing(all_cases, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
