"""Staff read the union's figures: counts by region, organisation, topic, lawyer and month, with CSVs."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from consult.reports.charts import Bar, bar_chart
from consult.reports.openapi import SCHEMAS
from tests.conftest import Factory, login
from tests.reports.conftest import assert_matches_schema, consultation, member_login

ALMATY = ZoneInfo("Asia/Almaty")
PERIOD = {"from": "2025-01-01", "to": "2025-03-31"}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ALMATY)


@pytest.fixture
async def known_data(factory: Factory) -> dict[str, Any]:
    """Six consultations in the first quarter of 2025 and two just outside it (Almaty time)."""
    alma = await factory.lawyer(name="Alma Lawyer", topics=("dismissal", "pay", "leave"))
    bolat = await factory.lawyer(name="Bolat Lawyer", topics=("dismissal", "pay"))
    rows = [
        # start, lawyer, topic, region, organisation, status, days booked ahead
        ("2025-01-10T10:00", alma, "dismissal", "astana", "School 1", "completed", 2),
        ("2025-01-15T11:00", alma, "dismissal", "astana", "School 1", "no_show", 4),
        ("2025-02-03T10:00", bolat, "pay", "almaty", None, "cancelled", 1),
        ("2025-02-20T15:00", bolat, "pay", None, "School 2", "completed", 6),
        ("2025-03-05T10:00", alma, "leave", "astana", " School 1 ", "confirmed", 3),
        ("2025-01-01T00:30", bolat, "dismissal", "almaty", "", "completed", 10),
        ("2024-12-31T23:30", bolat, "dismissal", "almaty", None, "completed", 1),  # the day before
        ("2025-04-01T00:00", alma, "dismissal", "astana", None, "completed", 1),  # the day after
    ]
    for start, lawyer, topic, region, organization, status, ahead in rows:
        await consultation(
            factory,
            lawyer,
            start=at(start),
            status=status,
            topic=topic,
            region=region,
            organization=organization,
            created=at(start) - timedelta(days=ahead),
        )
    return {"alma": alma, "bolat": bolat}


def counts(total: int, **statuses: int) -> dict[str, int]:
    return {
        "total": total,
        **{s: statuses.get(s, 0) for s in ("pending", "confirmed", "cancelled", "completed", "no_show")},
    }


async def test_staff_get_consultations_counted_by_region_topic_month_lawyer_and_organisation(
    client: Any, factory: Factory, known_data: dict[str, Any]
) -> None:
    await login(client, await factory.user("staff"))
    answers = {}
    for group in ("region", "topic", "month", "lawyer", "organization"):
        response = await client.get(
            "/api/v1/reports/consultations", params={**PERIOD, "group": group, "lang": "en"}
        )
        assert response.status == 200
        answers[group] = await response.json()
        assert_matches_schema(answers[group], SCHEMAS, "ConsultationReport")
    assert answers["region"] == {
        "from": "2025-01-01",
        "to": "2025-03-31",
        "tz": "Asia/Almaty",
        "group": "region",
        "rows": [
            {"key": "astana", "label": "Astana", **counts(3, completed=1, no_show=1, confirmed=1)},
            {"key": "almaty", "label": "Almaty", **counts(2, cancelled=1, completed=1)},
            {"key": None, "label": "not given", **counts(1, completed=1)},
        ],
    }
    assert answers["topic"]["rows"] == [
        {"key": "dismissal", "label": "Dismissal and redundancy", **counts(3, completed=2, no_show=1)},
        {"key": "pay", "label": "Pay and deductions", **counts(2, cancelled=1, completed=1)},
        {"key": "leave", "label": "Annual leave (teachers' extended leave)", **counts(1, confirmed=1)},
    ]
    assert answers["month"]["rows"] == [
        {"key": "2025-01", "label": "January 2025", **counts(3, completed=2, no_show=1)},
        {"key": "2025-02", "label": "February 2025", **counts(2, cancelled=1, completed=1)},
        {"key": "2025-03", "label": "March 2025", **counts(1, confirmed=1)},
    ]
    alma, bolat = known_data["alma"], known_data["bolat"]
    assert answers["lawyer"]["rows"] == [
        {"key": str(alma["id"]), "label": "Alma Lawyer", **counts(3, completed=1, no_show=1, confirmed=1)},
        {"key": str(bolat["id"]), "label": "Bolat Lawyer", **counts(3, cancelled=1, completed=2)},
    ]
    assert answers["organization"]["rows"] == [
        {"key": "School 1", "label": "School 1", **counts(3, completed=1, no_show=1, confirmed=1)},
        {"key": None, "label": "not given", **counts(2, cancelled=1, completed=1)},
        {"key": "School 2", "label": "School 2", **counts(1, completed=1)},
    ]


async def test_months_follow_the_readers_zone_when_asked(
    client: Any, factory: Factory, known_data: Any
) -> None:
    await login(client, await factory.user("staff"))
    response = await client.get(
        "/api/v1/reports/consultations",
        params={"from": "2024-12-31", "to": "2024-12-31", "group": "month", "tz": "UTC"},
    )
    body = await response.json()
    # 2025-01-01 00:30 in Almaty is still the last evening of 2024 in UTC.
    assert body["tz"] == "UTC"
    assert [(r["key"], r["total"]) for r in body["rows"]] == [("2024-12", 2)]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"group": "city"}, "group"),
        ({"from": "2025-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2025-03-01", "to": "2025-01-01"}, "from"),
        ({"tz": "Mars/Olympus"}, "tz"),
    ],
)
async def test_a_bad_group_or_date_answers_400_naming_the_field(
    client: Any, factory: Factory, params: dict[str, str], field: str
) -> None:
    await login(client, await factory.user("staff"))
    response = await client.get("/api/v1/reports/consultations", params={**params, "lang": "en"})
    assert response.status == 400
    body = await response.json()
    assert body["error"]["code"] == "invalid"
    assert list(body["error"]["fields"]) == [field]


async def test_lawyers_and_members_cannot_read_reports(
    client: Any, factory: Factory, db: asyncpg.Connection, settings: Any
) -> None:
    lawyer = await factory.lawyer()
    assert (await client.get("/api/v1/reports/consultations")).status == 401
    await login(client, lawyer)
    response = await client.get("/api/v1/reports/consultations")
    assert response.status == 403
    assert (await client.get("/staff/reports.csv")).status in (403, 404)
    client.session.cookie_jar.clear()
    await member_login(client, db, settings, await factory.user("member", password=None))
    assert (await client.get("/staff/reports", headers={"Accept": "application/json"})).status == 403


class TableReader(HTMLParser):
    """Collect the cells of every <table id=...> on a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.current: str | None = None
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.current = dict(attrs).get("id") or ""
            self.tables[self.current] = []
        elif tag == "tr" and self.current is not None:
            self.tables[self.current].append([])
        elif tag in ("td", "th") and self.current is not None:
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.current = None
        elif tag in ("td", "th") and self.cell is not None and self.current is not None:
            self.tables[self.current][-1].append("".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


async def test_each_chart_has_its_table_and_the_csv_download_matches_the_table(
    client: Any, factory: Factory, db: asyncpg.Connection, known_data: Any
) -> None:
    staff = await factory.user("staff")
    await login(client, staff)
    response = await client.get("/staff/reports", params={**PERIOD, "lang": "en"})
    assert response.status == 200
    page = await response.text()
    reader = TableReader()
    reader.feed(page)
    assert reader.tables["table-region"] == [
        ["Region", "Total", "Waiting for confirmation", "Confirmed", "Cancelled", "Completed", "No-show"],
        ["Astana", "3", "0", "1", "0", "1", "1"],
        ["Almaty", "2", "0", "0", "1", "1", "0"],
        ["not given", "1", "0", "0", "0", "1", "0"],
    ]
    assert reader.tables["table-weekday"][1:] == [
        ["Monday", "0"],
        ["Tuesday", "0"],
        ["Wednesday", "3"],
        ["Thursday", "1"],
        ["Friday", "1"],
        ["Saturday", "0"],
        ["Sunday", "0"],
    ]
    hours = {row[0]: row[1] for row in reader.tables["table-hour"][1:]}
    assert (hours["00:00"], hours["10:00"], hours["11:00"], hours["15:00"], hours["12:00"]) == (
        "1",
        "2",
        "1",
        "1",
        "0",
    )
    # Every chart is an inline SVG with a title and a description, drawn without inline styles.
    charts = re.findall(r"<svg[^>]*>.*?</svg>", page, flags=re.S)
    assert len(charts) == 8  # status, region, organisation, topic, lawyer, month, hour, weekday
    assert all("<title id=" in svg and "<desc id=" in svg and "style=" not in svg for svg in charts)
    assert '<title id="chart-region-title">Consultations by region</title>' in page
    assert "<script" not in page
    # The key figures: 1 no-show of 4 held or missed; bookings made 1, 2, 3, 4, 6, 10 days ahead.
    assert re.search(r"No-show rate</dt><dd>25%<", page)
    assert re.search(r"Median days from booking to consultation</dt><dd>3\.5<", page)

    for name in ("region", "organization", "month", "hour"):
        link = re.search(rf'href="(/staff/reports/{name}\.csv\?[^"]+)"', page)
        assert link is not None, name
        download = await client.get(link.group(1).replace("&amp;", "&"), params={"lang": "en"})
        assert download.status == 200
        assert download.content_type == "text/csv"
        assert (
            f'filename="consult-{name}-2025-01-01-2025-03-31.csv"' in download.headers["Content-Disposition"]
        )
        text = (await download.read()).decode("utf-8")
        assert text.startswith("\ufeff")
        assert list(csv.reader(io.StringIO(text[1:]))) == reader.tables[f"table-{name}"]

    actions = await db.fetch(
        "SELECT actor_id, action, object_id, detail FROM audit_log WHERE action LIKE 'report.%' ORDER BY id"
    )
    assert [(a["actor_id"], a["action"], a["object_id"]) for a in actions] == [
        (staff["id"], "report.view", "all"),
        (staff["id"], "report.csv", "region"),
        (staff["id"], "report.csv", "organization"),
        (staff["id"], "report.csv", "month"),
        (staff["id"], "report.csv", "hour"),
    ]
    assert json.loads(actions[0]["detail"]) == {"from": "2025-01-01", "to": "2025-03-31"}


async def test_the_reports_page_speaks_three_languages(
    client: Any, factory: Factory, known_data: Any
) -> None:
    await login(client, await factory.user("staff"))
    titles = {}
    for lang in ("ru", "kk", "en"):
        response = await client.get("/staff/reports", params={**PERIOD, "lang": lang})
        assert response.status == 200
        titles[lang] = re.search(r'<h2 id="heading-region">([^<]+)</h2>', await response.text()).group(1)  # type: ignore[union-attr]
    assert titles == {
        "ru": "Консультации по регионам",
        "kk": "Өңірлер бойынша кеңестер",
        "en": "Consultations by region",
    }


async def test_archive_views_and_votes_are_counted_by_topic_for_published_answers(
    client: Any, factory: Factory, db: asyncpg.Connection
) -> None:
    await login(client, await factory.user("staff"))
    await db.execute(
        """
        INSERT INTO archive_entries (topic_id, language, status, question, slug, published_at,
                                     views, helpful_yes, helpful_no)
        SELECT id, 'ru', s, 'Вопрос ' || v, CASE WHEN s = 'published' THEN 'q-' || v END,
               CASE WHEN s = 'published' THEN now() END, v, y, n
        FROM topics, (VALUES ('published', 120, 10, 2), ('published', 30, 3, 1), ('draft', 0, 0, 0)) AS e(s, v, y, n)
        WHERE slug = 'pay'
        """
    )
    page = await (await client.get("/staff/reports", params={"lang": "en"})).text()
    reader = TableReader()
    reader.feed(page)
    assert reader.tables["table-archive"] == [
        ["Topic", "Published answers", "Views", "Helpful", "Not helpful"],
        ["Pay and deductions", "2", "150", "13", "3"],
    ]


def test_a_bar_chart_scales_bars_and_escapes_labels() -> None:
    svg = str(
        bar_chart("chart-x", "Title <b>", "Desc & more", [Bar("<script>", 10, "10"), Bar("Half", 5, "5")])
    )
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="chart-x" role="img"')
    assert 'aria-labelledby="chart-x-title chart-x-desc"' in svg
    assert '<title id="chart-x-title">Title &lt;b&gt;</title>' in svg
    assert '<desc id="chart-x-desc">Desc &amp; more</desc>' in svg
    assert "&lt;script&gt;" in svg and "<script>" not in svg
    widths = [float(w) for w in re.findall(r'<rect class="chart-bar"[^>]* width="([0-9.]+)"', svg)]
    assert widths[0] == 2 * widths[1] > 0
