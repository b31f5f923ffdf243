"""Report tables: the one shape that the page, its chart and its CSV download all come from."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

STATUSES = ("pending", "confirmed", "cancelled", "completed", "no_show")


@dataclass(frozen=True)
class Column:
    key: str
    heading: str  # already translated
    numeric: bool = False


@dataclass
class Table:
    """Rows of one report; `chart` names the numeric column drawn as bars (None: no chart)."""

    name: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)
    chart: str | None = "total"
    label_key: str = "label"

    def cells(self) -> list[list[Any]]:
        return [[row[c.key] for c in self.columns] for row in self.rows]


def csv_text(table: Table) -> str:
    """Write the table as CSV (RFC 4180, CRLF), headings first, exactly the cells the page shows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.heading for c in table.columns])
    for cells in table.cells():
        writer.writerow(["" if v is None else _guard(v) for v in cells])
    return out.getvalue()


def _guard(value: Any) -> Any:
    # A cell starting with = + - @ is run as a formula by spreadsheets; organisation names come from members.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def no_show_rate(completed: int, no_show: int) -> float | None:
    """Share of held-or-missed consultations the member missed; None when there were none."""
    held = completed + no_show
    return None if held == 0 else no_show / held


def fill_series(counts: dict[int, int], keys: Sequence[int]) -> list[tuple[int, int]]:
    """Give every hour or weekday a row, zero where nothing happened."""
    return [(key, counts.get(key, 0)) for key in keys]
