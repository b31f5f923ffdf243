"""Journey 5: a member books with the keyboard alone (Tab, Shift+Tab, Enter, Space and typing)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from tests.conftest import Factory
from tests.e2e.conftest import SIZES, check_page, lawyer_free_from_now

# How the focused element shows its focus: a visible outline or a box shadow.
FOCUS_JS = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  return {
    tag: el.tagName.toLowerCase(),
    text: (el.innerText || el.value || el.id || '').trim().slice(0, 60),
    visible: outline || style.boxShadow !== 'none',
  };
}"""


async def tab_to(page: Any, target: Any, *, key: str = "Tab", limit: int = 80) -> None:
    """Press Tab (or Shift+Tab) until the target has the focus; every stop on the way shows its focus."""
    for _ in range(limit):
        await page.keyboard.press(key)
        focus = await page.evaluate(FOCUS_JS)
        assert focus["visible"], f"focus not visible on {focus} at {page.url}"
        if await target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{limit} presses of {key} did not reach {target}")


@pytest.mark.parametrize("size", list(SIZES))
async def test_a_member_books_with_the_keyboard_alone_and_always_sees_the_focus(
    live_server: str,
    new_page: Callable[..., Awaitable[Any]],
    factory: Factory,
    db: asyncpg.Connection,
    size: str,
) -> None:
    await lawyer_free_from_now(factory, name="Айгуль Серикова")
    email = f"keys-{size}@example.org"
    page = await new_page(size)
    await page.goto(live_server + "/book")
    await check_page(page)

    skip = page.get_by_role("link", name="Перейти к содержанию")
    await tab_to(page, skip)
    assert await skip.is_visible()
    await tab_to(page, page.get_by_role("link", name="Увольнение и сокращение"))
    await page.keyboard.press("Enter")

    await page.wait_for_url("**/book/dismissal")
    await check_page(page)
    day = page.locator("table.month td.free a").nth(1)
    await tab_to(page, day)
    await page.keyboard.press("Enter")

    await page.wait_for_url(re.compile(r"day=\d{4}-\d\d-\d\d"))
    await check_page(page)
    time_link = page.locator("ul.times a").first
    chosen = await time_link.inner_text()
    await tab_to(page, time_link)
    await page.keyboard.press("Enter")

    await page.wait_for_url(re.compile(r"/book/dismissal/new\?start="))
    await check_page(page)
    await tab_to(page, page.get_by_label("Ваш вопрос"))
    await page.keyboard.type("Мне не оплатили классное руководство за два месяца. Куда обращаться?")
    await tab_to(page, page.get_by_label("Ваше имя"))
    await page.keyboard.type("Ержан Касымо")  # a letter short: mended below
    await tab_to(page, page.get_by_label("Электронная почта"))
    await page.keyboard.type(email)
    consent = page.get_by_role("checkbox")
    await tab_to(page, consent)
    await page.keyboard.press("Space")
    assert await consent.is_checked()
    submit = page.get_by_role("button", name="Записаться на консультацию")
    await tab_to(page, submit)
    await tab_to(page, page.get_by_label("Ваше имя"), key="Shift+Tab")  # back to mend the name
    await page.keyboard.press("End")
    await page.keyboard.type("в")
    await tab_to(page, submit)
    await page.keyboard.press("Enter")

    await page.wait_for_url(re.compile(r"/book/dismissal/done\?status=pending$"))
    await check_page(page)
    assert await page.inner_text("h1") == "Проверьте почту"
    booking = await db.fetchrow(
        "SELECT member_name, status, starts_at FROM bookings WHERE member_email = $1", email
    )
    assert (booking["member_name"], booking["status"]) == ("Ержан Касымов", "pending")
    assert booking["starts_at"].astimezone(ZoneInfo("Asia/Almaty")).strftime("%H:%M") == chosen
