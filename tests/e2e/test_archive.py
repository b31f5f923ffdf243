"""Journey 3: staff turn a lawyer's answer into an archive entry, resolve the findings and publish it;
a visitor finds it by searching in Russian, and a Kazakh entry by searching in Kazakh."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from tests.conftest import Factory
from tests.e2e.conftest import SIZES, check_page, screenshot

QUESTION = (
    "Меня зовут Асель Нурланова, я учитель математики. Как писал Ахмет Байтурсынов, учитель — главное "
    "в школе, но директор сократил мою нагрузку с 18 до 9 часов без моего согласия. "
    "Мой телефон +7 701 234 56 78. Законно ли это?"
)
ANSWER = (
    "Нет. Уменьшение учебной нагрузки меняет условия трудового договора, и без вашего письменного "
    "согласия работодатель этого сделать не может. Напишите заявление на имя директора."
)
KAZAKH_QUESTION = "Жазғы демалыс кезінде мұғалімге үстемеақы төлене ме?"
KAZAKH_ANSWER = "Иә, демалыс ақысы орташа жалақыдан есептеледі, үстемеақы да соған кіреді."


async def resolve_findings(page: Any, keep: tuple[str, ...]) -> list[str]:
    """Dismiss the open findings that name no one (texts starting with `keep`), accept the others;
    return what was done to which text."""
    done = []
    # An open finding has the Accept button; a decided one only its Undo form.
    open_findings = page.locator("ol.findings li", has=page.get_by_role("button", name="Принять", exact=True))
    while await open_findings.count():
        finding = open_findings.first
        text = await finding.locator("strong").inner_text()
        action = "Отклонить: не персональные данные" if text.startswith(keep) else "Принять"
        await finding.get_by_role("button", name=action).click()
        await page.wait_for_load_state("load")
        await check_page(page)
        done.append(f"{action}: {text}")
    return done


@pytest.mark.parametrize("size", list(SIZES))
async def test_staff_publish_an_answer_and_visitors_find_it_in_russian_and_a_kazakh_one_in_kazakh(
    live_server: str,
    new_page: Callable[..., Awaitable[Any]],
    factory: Factory,
    db: asyncpg.Connection,
    size: str,
) -> None:
    staff = await factory.user("staff", name="Гульнара Ахметова", email=f"staff-{size}@example.org")
    lawyer = await factory.lawyer(name="Айгуль Серикова")
    member = await factory.user("member", name="Асель Нурланова", password=None)
    yesterday = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=1)
    booking = await factory.booking(
        lawyer, member=member, start=yesterday, question=QUESTION, status="completed"
    )
    await db.execute("UPDATE bookings SET answer = $2 WHERE id = $1", booking["id"], ANSWER)
    page = await new_page(size)

    await page.goto(live_server + "/signin")
    await page.get_by_label("Электронная почта").fill(staff["email"])
    await page.get_by_label("Пароль").fill(staff["password"])
    await page.get_by_role("button", name="Войти").click()
    await (
        page.get_by_role("navigation", name="Главное меню")
        .get_by_role("link", name="Черновики архива")
        .click()
    )
    await page.wait_for_url("**/staff/archive")
    await check_page(page, f"archive-drafts-{size}")
    await page.get_by_role("button", name="Создать черновик из этой консультации").click()

    await page.wait_for_url(re.compile(r"/staff/archive/\d+$"))
    await check_page(page, f"archive-editor-{size}")
    entry_id = int(page.url.rsplit("/", 1)[1])
    # The educator who died in 1937 is no one's personal data; the member and her phone are.
    done = await resolve_findings(page, keep=("Ахмет Байтурсынов",))
    assert sorted(done) == [
        "Отклонить: не персональные данные: Ахмет Байтурсынов",
        "Принять: +7 701 234 56 78",
        "Принять: Асель Нурланова",
    ], done
    assert await page.get_by_text("Непроверенные совпадения: 0").count() == 1
    await (
        page.locator("section[aria-labelledby=publish-heading]")
        .get_by_role("button", name="Опубликовать")
        .click()
    )
    await page.wait_for_url(re.compile(rf"/staff/archive/{entry_id}$"))
    await check_page(page)
    assert (
        await page.locator(".notice.success").first.inner_text() == "Опубликовано. Открыть публичную страницу"
    )
    public_question = await db.fetchval("SELECT question FROM archive_entries WHERE id = $1", entry_id)
    assert "Асель Нурланова" not in public_question, public_question

    # A Kazakh entry, written from scratch; nothing in it identifies a person.
    await page.get_by_role("link", name="Черновики архива").first.click()
    await page.get_by_label("Вопрос").fill(KAZAKH_QUESTION)
    await page.get_by_label("Ответ").fill(KAZAKH_ANSWER)
    await page.get_by_label("Язык записи").select_option("kk")
    await page.get_by_role("button", name="Создать черновик").click()
    await page.wait_for_url(re.compile(r"/staff/archive/\d+$"))
    await (
        page.locator("section[aria-labelledby=publish-heading]")
        .get_by_role("button", name="Опубликовать")
        .click()
    )
    await page.wait_for_load_state("load")
    await check_page(page)
    assert (
        await page.locator(".notice.success").first.inner_text() == "Опубликовано. Открыть публичную страницу"
    )

    visitor = await new_page(size)
    await visitor.goto(live_server + "/")
    await visitor.get_by_role("navigation", name="Главное меню").get_by_role("link", name="Ответы").click()
    await visitor.wait_for_url("**/faq")
    await visitor.get_by_role("searchbox", name="Поиск по архиву").fill("учебная нагрузка")
    await visitor.get_by_role("button", name="Найти").click()
    await visitor.wait_for_url(re.compile(r"/faq\?.*q="))
    await check_page(visitor, f"archive-search-{size}")
    results = visitor.locator("ol.results > li")
    first = await results.first.inner_text()
    assert "нагрузку" in first and "Асель" not in first, first
    await results.first.get_by_role("link").click()
    await visitor.wait_for_url(re.compile(r"/faq/[\w-]+$"))
    await check_page(visitor, f"archive-entry-{size}")
    entry_text = await visitor.locator("article").inner_text()
    assert ANSWER in entry_text and "Нурланова" not in entry_text and "701" not in entry_text, entry_text

    await visitor.goto(live_server + "/faq?lang=kk")
    await visitor.get_by_role("searchbox").fill("демалыс үстемеақысы")
    await visitor.get_by_role("button", name="Іздеу").click()
    await visitor.wait_for_url(re.compile(r"/faq\?.*q="))
    await check_page(visitor)
    kazakh = visitor.locator("ol.results > li").first
    assert await kazakh.get_attribute("lang") == "kk"
    assert KAZAKH_QUESTION in await kazakh.inner_text()
    await screenshot(kazakh, f"archive-search-kk-{size}")
