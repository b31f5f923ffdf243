"""Journey 4: the language switcher translates every visible string and keeps the page and its query."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.conftest import Factory
from tests.e2e.conftest import SIZES, check_page, lawyer_free_from_now

# Every string a person meets on the page: visible text, and the names that screen readers read.
STRINGS_JS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (parent.closest('script, style, nav.languages')) continue;
    const visible = parent.closest('option, .visually-hidden') || parent.getClientRects().length > 0;
    if (visible) out.push(node.textContent);
  }
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], [alt]')) {
    for (const name of ['aria-label', 'title', 'placeholder', 'alt']) {
      if (el.hasAttribute(name)) out.push(el.getAttribute(name));
    }
  }
  out.push(document.title);
  return out.map(s => s.replace(/\\s+/g, ' ').trim()).filter(s => s);
}"""


# Strings that are right in more than one language.
SAME_IN_BOTH = {
    "UTC",  # a name
    "ср",  # Wednesday in Kazakh (сәрсенбі) and in Russian (среда), as CLDR abbreviates them
    "сб",  # Saturday: сенбі, суббота
    "Германия, Берлин",  # a zone: Germany and Berlin are spelled alike in Kazakh and Russian
}


async def page_strings(page: Any) -> set[str]:
    """The page's strings that are words: numbers, times and dates in digits say the same in any language."""
    return {s for s in await page.evaluate(STRINGS_JS) if re.search(r"[^\W\d_]{2,}", s)}


def query_without_lang(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    return parts.path, {k: v for k, v in parse_qsl(parts.query) if k != "lang"}


@pytest.mark.parametrize("size", list(SIZES))
async def test_the_language_switcher_translates_the_month_view_and_keeps_its_day_and_zone(
    live_server: str, new_page: Callable[..., Awaitable[Any]], factory: Factory, size: str
) -> None:
    await lawyer_free_from_now(factory, name="Айгуль Серикова")
    page = await new_page(size)
    await page.goto(live_server + "/book/dismissal?tz=Asia/Almaty")
    await page.locator("table.month td.free a").nth(1).click()
    await page.wait_for_url(re.compile(r"day=\d{4}-\d\d-\d\d"))
    where = query_without_lang(page.url)
    assert set(where[1]) == {"month", "day", "tz"}, page.url
    russian = await page_strings(page)
    assert len(russian) > 60, russian  # headings, labels, zones, every day of the month

    seen = {"ru": russian}
    for language, name, heading in (
        ("kk", "Қазақша", "Жұмыстан шығару және қысқарту"),
        ("en", "English", "Dismissal and redundancy"),
    ):
        await page.locator("nav.languages").get_by_role("link", name=name).click()
        await page.wait_for_url(re.compile(f"[?&]lang={language}(&|$)"))
        await check_page(page)
        assert query_without_lang(page.url) == where
        assert await page.get_attribute("html", "lang") == language
        assert await page.inner_text("h1") == heading
        strings = await page_strings(page)
        for other, before in seen.items():
            left = sorted(before & strings - SAME_IN_BOTH)
            assert left == [], f"{other} strings still shown in {language}: {left}"
        seen[language] = strings
