"""Build the report tables of a period: one query each, labels in the reader's language."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import asyncpg

from consult.i18n import N_, babel_locale, format_date, gettext, localized
from consult.reports import queries
from consult.reports.forms import Window
from consult.reports.tables import STATUSES, Column, Table, fill_series, no_show_rate

log = logging.getLogger("consult.reports")

STATUS_NAMES = {
    "pending": N_("Pending"),
    "confirmed": N_("Confirmed"),
    "cancelled": N_("Cancelled"),
    "completed": N_("Completed"),
    "no_show": N_("No-show"),
}
GROUP_TITLES = {
    "region": N_("Consultations by region"),
    "organization": N_("Consultations by primary organisation"),
    "topic": N_("Consultations by topic"),
    "lawyer": N_("Consultations by lawyer"),
    "month": N_("Consultations by month"),
}
GROUP_HEADINGS = {
    "region": N_("Region"),
    "organization": N_("Primary organisation"),
    "topic": N_("Topic"),
    "lawyer": N_("Lawyer"),
    "month": N_("Month"),
}
# Every report the page shows, in its order; each has a chart, a table and a CSV download.
REPORTS = ("status", "region", "organization", "topic", "lawyer", "month", "hour", "weekday", "archive")


def _label(group: str, row: asyncpg.Record) -> str:
    if row["key"] is None:
        return gettext(N_("not given"))
    if group == "month":
        year, month = (int(part) for part in row["key"].split("-"))
        return format_date(date(year, month, 1), "LLLL yyyy")
    return localized(row, "name")


async def consultations_by(conn: asyncpg.Connection, group: str, window: Window) -> list[dict[str, Any]]:
    """Count consultations per region, organisation, topic, lawyer or month, by status."""
    start, end = window.bounds()
    args: tuple[Any, ...] = (start, end, window.zone.key) if group == "month" else (start, end)
    rows = await conn.fetch(queries.BY_GROUP[group], *args)
    return [
        {"key": r["key"], "label": _label(group, r), "total": r["total"], **{s: r[s] for s in STATUSES}}
        for r in rows
    ]


def _status_columns(first: str) -> list[Column]:
    return [
        Column("label", gettext(first)),
        Column("total", gettext(N_("Total")), numeric=True),
        *(Column(s, gettext(STATUS_NAMES[s]), numeric=True) for s in STATUSES),
    ]


async def summary(conn: asyncpg.Connection, window: Window) -> dict[str, Any]:
    """Totals by status, the no-show rate and the median days from booking to consultation."""
    row = await conn.fetchrow(queries.SUMMARY, *window.bounds())
    return {
        **{s: row[s] for s in ("total", *STATUSES)},
        "no_show_rate": no_show_rate(row["completed"], row["no_show"]),
        "median_days": None if row["median_days"] is None else round(float(row["median_days"]), 1),
    }


async def build_table(conn: asyncpg.Connection, name: str, window: Window) -> Table | None:
    """Return one report table, or None when its data is not there (the archive before it exists)."""
    count = gettext(N_("Consultations"))
    if name == "status":
        figures = await summary(conn, window)
        return Table(
            name,
            gettext(N_("Consultations by status")),
            [Column("label", gettext(N_("Status"))), Column("total", count, numeric=True)],
            [{"key": s, "label": gettext(STATUS_NAMES[s]), "total": figures[s]} for s in STATUSES],
        )
    if name in GROUP_TITLES:
        rows = await consultations_by(conn, name, window)
        return Table(name, gettext(GROUP_TITLES[name]), _status_columns(GROUP_HEADINGS[name]), rows)
    if name in ("hour", "weekday"):
        query = queries.BY_HOUR if name == "hour" else queries.BY_WEEKDAY
        counts = {r["key"]: r["total"] for r in await conn.fetch(query, *window.bounds(), window.zone.key)}
        if name == "hour":
            series = fill_series(counts, range(24))
            rows = [{"key": h, "label": f"{h:02d}:00", "total": n} for h, n in series]
            title, heading = N_("Busiest hours"), N_("Hour")
        else:
            days = babel_locale().days["format"]["wide"]
            series = fill_series(counts, range(1, 8))
            rows = [{"key": d, "label": days[d - 1].capitalize(), "total": n} for d, n in series]
            title, heading = N_("Busiest days of the week"), N_("Day of the week")
        return Table(
            name,
            gettext(title),
            [Column("label", gettext(heading)), Column("total", count, numeric=True)],
            rows,
        )
    if name == "archive":
        return await _archive_table(conn)
    raise KeyError(name)


async def _archive_table(conn: asyncpg.Connection) -> Table | None:
    # The archive's table arrives with another migration; until then (or if its columns differ) the
    # section is left out instead of failing the whole page.
    if not await conn.fetchval(queries.ARCHIVE_EXISTS):
        return None
    try:
        async with conn.transaction():
            records = await conn.fetch(queries.ARCHIVE_BY_TOPIC)
    except asyncpg.PostgresError as exc:
        log.warning("archive report skipped", extra={"error": type(exc).__name__})
        return None
    rows = [
        {
            "key": r["key"],
            "label": localized(r, "name") if r["key"] else gettext(N_("not given")),
            **{k: r[k] for k in ("published", "views", "helpful_yes", "helpful_no")},
        }
        for r in records
    ]
    columns = [
        Column("label", gettext(N_("Topic"))),
        Column("published", gettext(N_("Published answers")), numeric=True),
        Column("views", gettext(N_("Views")), numeric=True),
        Column("helpful_yes", gettext(N_("Helpful")), numeric=True),
        Column("helpful_no", gettext(N_("Not helpful")), numeric=True),
    ]
    return Table("archive", gettext(N_("Archive views and helpful votes")), columns, rows, chart="views")
