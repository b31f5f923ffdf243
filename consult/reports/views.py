"""Reports for staff: a page of charts with their tables, CSV downloads and the consultations API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
from aiohttp import web
from babel.numbers import format_percent

from consult import audit, keys
from consult.errors import not_found
from consult.i18n import N_, babel_locale, format_date, format_number, gettext
from consult.reports.build import REPORTS, build_table, consultations_by, summary
from consult.reports.charts import Bar, bar_chart
from consult.reports.forms import Window, parse_group, parse_window
from consult.reports.tables import Table, csv_text
from consult.web import allow, current_user, json_response, render, request_zone, url_for

routes = web.RouteTableDef()


def _window(request: web.Request) -> Window:
    zone = request_zone(request)
    return parse_window(request.query, zone, datetime.now(zone).date())


async def _audit(
    conn: asyncpg.Connection, request: web.Request, action: str, report: str, window: Window
) -> None:
    """Record who read which report for which period (staff see it on the audit page)."""
    user = current_user(request)
    detail = {"from": window.start.isoformat(), "to": window.end.isoformat()}
    await audit.record(conn, user.id if user else None, action, "report", report, detail)


# Tables sorted by size draw only their largest rows as bars; the table below lists every row.
CHART_BARS = 25


def _chart(table: Table, window: Window) -> Any:
    if table.chart is None or not table.rows:
        return None
    desc = gettext(N_("Bar chart for {start} to {end}; the table below gives the same figures.")).format(
        start=format_date(window.start, "medium"), end=format_date(window.end, "medium")
    )
    rows = table.rows
    if table.name not in ("month", "hour", "weekday") and len(rows) > CHART_BARS:
        rows = rows[:CHART_BARS]
        desc += " " + gettext(N_("The chart shows the {n} largest rows.")).format(n=CHART_BARS)
    bars = [Bar(str(row[table.label_key]), row[table.chart], format_number(row[table.chart])) for row in rows]
    return bar_chart(f"chart-{table.name}", table.title, desc, bars)


@routes.get("/staff/reports", name="reports")
@allow("staff")
async def reports_page(request: web.Request) -> web.Response:
    window = _window(request)
    query = {"from": window.start.isoformat(), "to": window.end.isoformat()}
    if "tz" in request.query:
        query["tz"] = window.zone.key
    sections = []
    async with request.app[keys.POOL].acquire() as conn:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            figures = await summary(conn, window)
            for name in REPORTS:
                table = await build_table(conn, name, window)
                if table is not None:
                    sections.append(
                        {
                            "table": table,
                            "chart": _chart(table, window),
                            "csv_url": url_for(request, "reports-csv", query, report=name),
                        }
                    )
        await _audit(conn, request, "report.view", "all", window)
    rate = figures["no_show_rate"]
    figures["no_show_shown"] = (
        None if rate is None else format_percent(rate, "#,##0.#%", locale=babel_locale())
    )
    return render(
        request,
        "reports/index.html",
        {"window": window, "figures": figures, "sections": sections, "zone": window.zone.key},
    )


@routes.get("/staff/reports/{report:[a-z]+}.csv", name="reports-csv")
@allow("staff")
async def report_csv(request: web.Request) -> web.Response:
    name = request.match_info["report"]
    if name not in REPORTS:
        raise not_found()
    window = _window(request)
    async with request.app[keys.POOL].acquire() as conn:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            table = await build_table(conn, name, window)
        if table is None:
            raise not_found()
        await _audit(conn, request, "report.csv", name, window)
    filename = f"consult-{name}-{window.start.isoformat()}-{window.end.isoformat()}.csv"
    return web.Response(
        # A byte-order mark so that spreadsheet programs read the Cyrillic as UTF-8.
        body=("\ufeff" + csv_text(table)).encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@routes.get("/api/v1/reports/consultations", name="api-reports-consultations")
@allow("staff")
async def api_consultations(request: web.Request) -> web.Response:
    window = _window(request)
    group = parse_group(request.query.get("group"))
    async with request.app[keys.POOL].acquire() as conn:
        rows = await consultations_by(conn, group, window)
        await _audit(conn, request, "report.api", group, window)
    return json_response(
        {
            "from": window.start.isoformat(),
            "to": window.end.isoformat(),
            "tz": window.zone.key,
            "group": group,
            "rows": rows,
        }
    )
