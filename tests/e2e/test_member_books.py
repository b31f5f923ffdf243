"""Journey 1: a member books from the home page, confirms from the email, moves and cancels the booking."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import pytest

from tests.conftest import Factory, SmtpServer
from tests.e2e.conftest import SIZES, check_page, lawyer_free_from_now, screenshot, wait_for_mail


@pytest.mark.parametrize("size", list(SIZES))
async def test_a_member_books_confirms_from_the_email_moves_and_cancels(
    live_server: str,
    new_page: Callable[..., Awaitable[Any]],
    factory: Factory,
    db: asyncpg.Connection,
    smtp: SmtpServer,
    size: str,
) -> None:
    lawyer = await lawyer_free_from_now(factory, name="Айгуль Серикова")
    email = f"asel-{size}@example.org"
    page = await new_page(size)

    await page.goto(live_server + "/")
    await check_page(page, f"home-{size}")
    await page.locator(".hero").get_by_role("link", name="Записаться на консультацию").click()

    await page.wait_for_url("**/book")
    await check_page(page, f"topics-{size}")
    await page.get_by_role("link", name="Увольнение и сокращение").click()

    await page.wait_for_url("**/book/dismissal")
    await check_page(page, f"month-{size}")
    week_rows = await page.evaluate(
        """() => [...document.querySelectorAll('table.month tbody tr')].map(
              row => new Set([...row.cells].map(cell => Math.round(cell.getBoundingClientRect().top))).size)"""
    )
    assert set(week_rows) == {1}, "every week is one row of seven days"
    first_free_day = page.locator("table.month td.free a").first
    day_label = await first_free_day.locator(".visually-hidden").inner_text()
    assert re.fullmatch(r"\d+ \w+, свободно: \d+", day_label), day_label
    await first_free_day.click()

    await page.wait_for_url(re.compile(r"/book/dismissal\?.*day=\d{4}-\d\d-\d\d"))
    await check_page(page)
    times = page.locator("section[aria-labelledby=times-heading]")
    await screenshot(times, f"times-{size}")
    first_time = times.get_by_role("link").first
    chosen = await first_time.inner_text()
    await first_time.click()

    await page.wait_for_url(re.compile(r"/book/dismissal/new\?start="))
    await check_page(page, f"form-{size}")
    summary = await page.locator(".notice").inner_text()
    assert "Увольнение и сокращение" in summary and chosen in summary, summary
    await page.get_by_label("Ваш вопрос").fill(
        "Директор школы предупредил о сокращении ставки. Законно ли это?"
    )
    await page.get_by_label("Ваше имя").fill("Асель Нурланова")
    await page.get_by_label("Электронная почта").fill(email)
    await page.get_by_label("Даю согласие", exact=False).check()
    await page.get_by_role("button", name="Записаться на консультацию").click()

    await page.wait_for_url(re.compile(r"/book/dismissal/done\?status=pending$"))
    await check_page(page, f"check-email-{size}")
    assert await page.inner_text("h1") == "Проверьте почту"

    [letter] = await wait_for_mail(smtp, email)
    assert letter["Subject"] == "Подтвердите консультацию"
    text = letter.get_body(preferencelist=("plain",)).get_content()
    [manage_link] = set(re.findall(re.escape(live_server) + r"/b/[A-Za-z0-9_-]+", text))

    await page.goto(manage_link)
    await check_page(page)
    assert "Ожидает подтверждения" in await page.locator("dl.card").inner_text()
    await page.get_by_role("button", name="Подтвердить консультацию").click()

    await page.wait_for_url(re.compile(r"/b/[^/]+\?done=confirm$"))
    await check_page(page, f"booking-{size}")
    assert await page.get_by_role("status").inner_text() == "Спасибо, консультация подтверждена."
    assert "Подтверждена" in await page.locator("dl.card").inner_text()
    join = page.get_by_role("link", name="Подключиться к звонку")
    assert re.fullmatch(re.escape(live_server) + r"/join/[A-Za-z0-9_-]+", await join.get_attribute("href"))
    ics_link = page.get_by_role("link", name="Скачать файл .ics")
    ics = await page.request.get(live_server + await ics_link.get_attribute("href"))
    assert ics.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in await ics.text()
    booking = await db.fetchrow("SELECT id, status, starts_at FROM bookings WHERE member_email = $1", email)
    assert (booking["status"], await db.fetchval("SELECT lawyer_id FROM bookings")) == (
        "confirmed",
        lawyer["id"],
    )

    await page.get_by_role("link", name="Выбрать другое время").click()
    await page.wait_for_url("**/b/*/reschedule")
    await check_page(page)
    # The second time offered, whichever day it falls on in the member's zone (the lawyer's hours may
    # cross midnight there: then the first day lists one time only).
    later = page.locator("ul.times").get_by_role("button").nth(1)
    new_time = await later.inner_text()
    await later.click()

    await page.wait_for_url(re.compile(r"/b/[^/]+\?done=reschedule$"))
    await check_page(page)
    assert await page.get_by_role("status").inner_text() == "Консультация перенесена на новое время."
    assert new_time in await page.locator("dl.card").inner_text()
    moved = await db.fetchrow("SELECT id, status, starts_at FROM bookings WHERE member_email = $1", email)
    assert (moved["id"], moved["status"]) == (booking["id"], "confirmed")
    assert moved["starts_at"] > booking["starts_at"]

    await page.get_by_label("Причина (необязательно)").fill("Вопрос решился с директором.")
    await page.get_by_role("button", name="Отменить консультацию").click()
    await page.wait_for_url(re.compile(r"/b/[^/]+\?done=cancel$"))
    await check_page(page)
    assert await page.get_by_role("status").inner_text() == "Консультация отменена."
    assert "Отменена" in await page.locator("dl.card").inner_text()
    assert await db.fetchval("SELECT status FROM bookings WHERE id = $1", booking["id"]) == "cancelled"
    subjects = [m["Subject"] for m in await wait_for_mail(smtp, email, count=4)]
    assert subjects[0] == "Подтвердите консультацию" and len(subjects) == 4, subjects
