"""A member picks a topic, sees which days have free time, and the times of a day in their own zone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg

from tests.availability.conftest import ClientAt
from tests.conftest import Factory, login

# Tuesday 1 December 2026, 08:00 in Almaty.
NOW = datetime(2026, 12, 1, 3, tzinfo=UTC)
MONDAY_THURSDAY = [(1, "09:00", "11:00"), (4, "09:00", "11:00")]


def hrefs(page: str, prefix: str) -> list[str]:
    return [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', page) if h.startswith(prefix)]


async def test_member_goes_from_the_home_page_to_a_topic(client: Any) -> None:
    home = await (await client.get("/", params={"lang": "en"})).text()
    assert 'href="/book"' in home
    page = await (await client.get("/book", params={"lang": "en"})).text()
    assert "<h1>Book a consultation</h1>" in page
    assert hrefs(page, "/book/")[:2] == ["/book/dismissal", "/book/pay"]
    assert len(hrefs(page, "/book/")) == 12


async def test_member_in_moscow_sees_the_days_with_free_time_and_that_days_times_in_moscow_time(
    client_at: ClientAt, factory: Factory
) -> None:
    await factory.lawyer(timezone="Asia/Almaty", weekly=MONDAY_THURSDAY)
    client = await client_at(NOW)
    response = await client.get("/book/dismissal", params={"tz": "Europe/Moscow", "lang": "ru"})
    assert response.status == 200
    page = await response.text()
    # Mondays and Thursdays from 3 December, four half-hour slots each; 31 December lies past the
    # 30-day booking horizon.
    free_days = [3, 7, 10, 14, 17, 21, 24, 28]
    day_links = hrefs(page, "/book/dismissal?")
    assert [parse_qs(urlsplit(h).query)["day"][0] for h in day_links if "day=" in h] == [
        f"2026-12-{d:02d}" for d in free_days
    ]
    assert '<span class="visually-hidden">3 декабря, свободно: 4</span>' in page
    assert '<span class="visually-hidden">2 декабря, свободного времени нет</span>' in page
    assert 'aria-current="date"' in page  # the first free day is shown
    assert "Время указано по часовому поясу: Россия, Москва" in page
    # Times of 3 December in Moscow (09:00 in Almaty is 07:00 in Moscow), each leading to the booking form.
    links = hrefs(page, "/book/dismissal/new")
    assert [parse_qs(urlsplit(h).query) for h in links] == [
        {"start": [f"2026-12-03T{t}:00+03:00"], "tz": ["Europe/Moscow"]}
        for t in ("07:00", "07:30", "08:00", "08:30")
    ]
    assert re.findall(r'<a class="button" href="/book/dismissal/new[^"]*">([^<]+)</a>', page) == [
        "07:00",
        "07:30",
        "08:00",
        "08:30",
    ]
    # The zone is remembered for the next page.
    assert response.cookies["tz"].value == "Europe/Moscow"
    again = await (await client.get("/book/dismissal", params={"day": "2026-12-07", "lang": "en"})).text()
    assert re.findall(r'<a class="button" href="/book/dismissal/new[^"]*">([^<]+)</a>', again) == [
        "07:00",
        "07:30",
        "08:00",
        "08:30",
    ]
    assert "Monday, 7 December 2026" in again


async def test_without_a_chosen_zone_times_are_in_the_services_zone_and_the_browser_script_is_offered(
    client_at: ClientAt, factory: Factory
) -> None:
    await factory.lawyer(timezone="Europe/Moscow", weekly=MONDAY_THURSDAY)
    client = await client_at(NOW)
    page = await (await client.get("/book/dismissal", params={"lang": "kk"})).text()
    assert '<script src="/static/tz.js" defer></script>' in page
    assert 'data-zone="Asia/Almaty"' in page
    # 09:00 in Moscow is 11:00 in Almaty.
    assert "Уақыт мына белдеу бойынша көрсетілген: Қазақстан, Алматы" in page
    assert re.findall(r'<a class="button" href="/book/dismissal/new[^"]*">([^<]+)</a>', page) == [
        "11:00",
        "11:30",
        "12:00",
        "12:30",
    ]
    script = await client.get("/static/tz.js")
    assert script.status == 200 and "resolvedOptions().timeZone" in await script.text()


async def test_member_filters_by_lawyer_and_moves_between_months(
    client_at: ClientAt, factory: Factory
) -> None:
    first = await factory.lawyer(weekly=[(1, "09:00", "10:00")], name="Асель Нурланова")
    await factory.lawyer(weekly=[(4, "09:00", "10:00")], name="Ерлан Касымов")
    client = await client_at(NOW, horizon_days=60)
    page = await (
        await client.get("/book/dismissal", params={"lawyer": str(first["id"]), "lang": "en"})
    ).text()
    assert "Асель Нурланова</option>" in page and "Ерлан Касымов</option>" in page
    days = [parse_qs(urlsplit(h).query)["day"][0] for h in hrefs(page, "/book/dismissal?") if "day=" in h]
    assert days == ["2026-12-07", "2026-12-14", "2026-12-21", "2026-12-28"]  # Mondays only
    links = hrefs(page, "/book/dismissal/new")
    assert parse_qs(urlsplit(links[0]).query)["lawyer"] == [str(first["id"])]
    assert "Previous month" not in page
    next_link = [h for h in hrefs(page, "/book/dismissal?") if "month=2027-01" in h]
    assert next_link and f"lawyer={first['id']}" in next_link[0]
    january = await (await client.get(next_link[0])).text()
    assert "January 2027" in january and "Previous month" in january
    days = [parse_qs(urlsplit(h).query)["day"][0] for h in hrefs(january, "/book/dismissal?") if "day=" in h]
    # 4 January is the Monday day off for New Year's 2 January, a Saturday.
    assert days == ["2027-01-11", "2027-01-18", "2027-01-25"]


async def test_a_month_with_no_free_time_says_so_and_an_unknown_topic_or_zone_is_refused(
    client_at: ClientAt, factory: Factory
) -> None:
    client = await client_at(NOW)
    page = await (await client.get("/book/pay", params={"lang": "en"})).text()
    assert "No free time this month" in page
    assert (await client.get("/book/astrology")).status == 404
    assert (await client.get("/book/pay", params={"tz": "Mars/Base"})).status == 400


async def test_staff_closes_the_union_for_a_day_and_members_are_offered_nothing_that_day(
    client_at: ClientAt, factory: Factory, db: asyncpg.Connection
) -> None:
    await factory.lawyer(weekly=MONDAY_THURSDAY)
    staff = await factory.user("staff")
    client = await client_at(NOW)
    csrf = await login(client, staff)
    page = await (await client.get("/staff/closures", params={"lang": "ru"})).text()
    assert "<h1>Нерабочие дни профсоюза</h1>" in page
    assert "16 декабря 2026" in page  # Independence Day is listed among the holidays ahead
    response = await client.post(
        "/staff/closures",
        data={"csrf_token": csrf, "day": "2026-12-10", "reason": "Съезд"},
        allow_redirects=False,
    )
    assert (response.status, response.headers["Location"]) == (303, "/staff/closures")
    assert [tuple(r) for r in await db.fetch("SELECT day, reason FROM closures")] == [
        (date(2026, 12, 10), "Съезд")
    ]
    slots = await (
        await client.get(
            "/api/v1/slots", params={"topic": "dismissal", "from": "2026-12-10", "to": "2026-12-10"}
        )
    ).json()
    assert slots == {"slots": []}
    page = await (await client.get("/staff/closures", params={"lang": "en"})).text()
    assert "Thursday, 10 December 2026" in page
    response = await client.post(
        "/staff/closures/2026-12-10/remove", data={"csrf_token": csrf}, allow_redirects=False
    )
    assert response.status == 303
    assert await db.fetchval("SELECT count(*) FROM closures") == 0
    slots = await (
        await client.get(
            "/api/v1/slots", params={"topic": "dismissal", "from": "2026-12-10", "to": "2026-12-10"}
        )
    ).json()
    assert len(slots["slots"]) == 4


async def test_a_lawyer_may_not_open_the_closures_page(client_at: ClientAt, factory: Factory) -> None:
    lawyer = await factory.lawyer()
    client = await client_at(NOW)
    await login(client, lawyer)
    assert (await client.get("/staff/closures")).status == 403


async def test_the_zone_the_browser_script_remembered_in_a_cookie_is_used(
    client_at: ClientAt, factory: Factory
) -> None:
    await factory.lawyer(timezone="Asia/Almaty", weekly=MONDAY_THURSDAY)
    client = await client_at(NOW)
    # tz.js writes the cookie unquoted, slash included.
    page = await (await client.get("/book/dismissal", headers={"Cookie": "tz=Europe/Berlin"})).text()
    assert 'data-zone="Europe/Berlin"' in page
    assert re.findall(r'<a class="button" href="/book/dismissal/new[^"]*">([^<]+)</a>', page)[:1] == ["05:00"]
    page = await (await client.get("/book/dismissal", headers={"Cookie": "tz=Nowhere/Land"})).text()
    assert 'data-zone="Asia/Almaty"' in page  # a broken cookie falls back to the service's zone
