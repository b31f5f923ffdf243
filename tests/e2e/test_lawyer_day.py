"""Journey 2: a lawyer signs in, sets weekly hours and a day off, sees a booking's question, answers it."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import asyncpg
import pytest

from tests.conftest import Factory
from tests.e2e.conftest import SIZES, check_page

QUESTION = "Меня перевели на полставки без моего согласия. Можно ли это оспорить?"
ANSWER = "Да: изменение условий трудового договора требует вашего письменного согласия (ст. 30 ТК РК)."


@pytest.mark.parametrize("size", list(SIZES))
async def test_a_lawyer_sets_hours_and_a_day_off_then_answers_the_booked_question(
    live_server: str,
    new_page: Callable[..., Awaitable[Any]],
    factory: Factory,
    db: asyncpg.Connection,
    size: str,
) -> None:
    lawyer = await factory.lawyer(name="Айгуль Серикова", email=f"aigul-{size}@example.org", weekly=[])
    member = await factory.user("member", name="Асель Нурланова", password=None)
    an_hour_ago = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=1)
    booking = await factory.booking(lawyer, member=member, start=an_hour_ago, question=QUESTION)
    day_off = date.today() + timedelta(days=10)
    page = await new_page(size)

    await page.goto(live_server + "/")
    await page.get_by_role("navigation", name="Главное меню").get_by_role("link", name="Войти").click()
    await page.wait_for_url("**/signin")
    await check_page(page, f"signin-{size}")
    await page.get_by_label("Электронная почта").fill(lawyer["email"])
    await page.get_by_label("Пароль").fill(lawyer["password"])
    await page.get_by_role("button", name="Войти").click()
    menu = page.get_by_role("navigation", name="Главное меню")
    await menu.get_by_role("link", name="Расписание").click()

    await page.wait_for_url("**/availability")
    await check_page(page, f"availability-{size}")
    await page.locator("#weekly-0-weekday").select_option(label="Понедельник")
    await page.locator("#weekly-0-start").fill("09:00")
    await page.locator("#weekly-0-end").fill("13:00")
    await page.get_by_label("Первый день").first.fill(day_off.isoformat())
    await page.get_by_role("button", name="Сохранить расписание").click()

    await page.wait_for_url("**/availability?*")
    await check_page(page)
    assert await page.get_by_role("status").inner_text() == "Расписание сохранено."
    weekly = await db.fetch(
        "SELECT weekday, starts, ends FROM availability_weekly WHERE lawyer_id = $1", lawyer["id"]
    )
    assert [tuple(r) for r in weekly] == [(1, time(9), time(13))]
    off = await db.fetch("SELECT * FROM availability_exceptions WHERE lawyer_id = $1", lawyer["id"])
    assert [(r["day"], r["available"]) for r in off] == [(day_off, False)]

    await menu.get_by_role("link", name="Мой день").click()
    await page.wait_for_url("**/lawyer/day")
    await check_page(page, f"lawyer-day-{size}")
    card = page.locator(f"#booking-{booking['id']}")
    text = await card.inner_text()
    assert QUESTION in text and "Асель Нурланова" in text and "Подтверждена" in text, text
    await card.get_by_text("Отметить как проведённую").click()
    await card.get_by_label("Ваш письменный ответ").fill(ANSWER)
    await check_page(page)
    await card.get_by_role("button", name=re.compile("^(Состоялась|Проведена|Завершить)$")).click()

    await page.wait_for_url("**/lawyer/day")
    await check_page(page)
    text = await page.locator(f"#booking-{booking['id']}").inner_text()
    assert ANSWER in text and "Подтверждена" not in text, text
    row = await db.fetchrow("SELECT status, answer FROM bookings WHERE id = $1", booking["id"])
    assert dict(row) == {"status": "completed", "answer": ANSWER}
