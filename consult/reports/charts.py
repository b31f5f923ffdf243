"""Bar charts drawn on the server as inline SVG: no script, no inline style, readable by screen readers.

Colours and fonts come from classes styled in static/reports.css (the CSP forbids inline styles); the
presentation attributes here are only a fallback for readers that ignore the stylesheet. Every chart
carries a <title> and a <desc>, and the page shows the same numbers as a table next to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
LABEL_WIDTH = 220
VALUE_WIDTH = 56
BAR_HEIGHT = 18
ROW_GAP = 6
PADDING = 8
# Long labels (organisation names) are cut so the chart keeps its width; the table shows them whole.
LABEL_CHARS = 32


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str  # the value as the reader's locale writes it


def _cut(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def bar_chart(chart_id: str, title: str, desc: str, bars: Sequence[Bar]) -> Markup:
    """Return a horizontal bar chart, one row per bar, scaled to the largest value."""
    rows = max(len(bars), 1)
    height = PADDING * 2 + rows * (BAR_HEIGHT + ROW_GAP) - ROW_GAP
    top = max((bar.value for bar in bars), default=0) or 1
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH - PADDING * 2
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" role="img" '
        f'aria-labelledby="{escape(title_id)} {escape(desc_id)}" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" font-size="13" font-family="sans-serif">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(desc)}</desc>',
    ]
    for index, bar in enumerate(bars):
        y = PADDING + index * (BAR_HEIGHT + ROW_GAP)
        length = round(span * max(bar.value, 0) / top, 1)
        middle = y + BAR_HEIGHT / 2
        parts.append(
            f'<g class="chart-row"><text class="chart-label" x="{LABEL_WIDTH - 6}" y="{middle}" '
            f'text-anchor="end" dominant-baseline="middle" fill="#1a1a1a">{escape(_cut(bar.label))}</text>'
            f'<rect class="chart-bar" x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}" '
            f'fill="#0b5cad"/>'
            f'<text class="chart-value" x="{LABEL_WIDTH + length + 6}" y="{middle}" '
            f'dominant-baseline="middle" fill="#1a1a1a">{escape(bar.shown)}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 -- every text and attribute above went through escape()
