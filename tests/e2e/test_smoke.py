"""The home page in a real browser: phone and desktop, three languages, accessible."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.e2e.conftest import check_accessibility


@pytest.mark.parametrize("size", ["phone", "desktop"])
async def test_a_visitor_switches_the_home_page_between_languages(
    live_server: str, new_page: Callable[..., Awaitable[Any]], size: str
) -> None:
    page = await new_page(size)
    await page.goto(live_server + "/")
    assert await page.inner_text("h1") == "Юридическая помощь работникам образования"
    await check_accessibility(page)
    await page.click("nav.languages >> text=Қазақша")
    await page.wait_for_url("**lang=kk")
    assert await page.get_attribute("html", "lang") == "kk"
    assert await page.inner_text("h1") == "Білім беру қызметкерлеріне заң көмегі"
    await page.click("nav.languages >> text=English")
    assert await page.inner_text("h1") == "Legal help for education workers"
    await check_accessibility(page)
