"""Browser tests: the real app on a loopback port, Debian's Chromium driven by Playwright, axe-core.

No step downloads a browser: Playwright starts /usr/bin/chromium (CHROMIUM to override). Without it,
these tests are skipped with the reason; CI installs it.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from consult.app import create_app
from consult.settings import Settings
from tests.conftest import SmtpServer, free_port, make_settings

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_PATH = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SIZES = {"phone": PHONE, "desktop": DESKTOP}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

pytestmark = pytest.mark.e2e


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)
            if CHROMIUM_PATH is None:
                item.add_marker(
                    pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)")
                )


@pytest.fixture
def e2e_port() -> int:
    return free_port()


@pytest.fixture
def e2e_settings(smtp: SmtpServer, e2e_port: int) -> Settings:
    # Workers on: the outbox really sends to the test's SMTP server, as in production; links in
    # emails point at this server.
    return make_settings(
        smtp={"port": smtp.port},
        server={"workers": True, "base_url": f"http://127.0.0.1:{e2e_port}"},
        booking={"min_notice_minutes": 0},
        video={"provider": "jitsi"},
    )


@pytest.fixture
async def live_server(e2e_settings: Settings, e2e_port: int, db_url: str) -> AsyncIterator[str]:
    """Serve the app on a loopback port; yield its base URL."""
    app = create_app(e2e_settings, database_url=db_url)
    server = TestServer(app, host="127.0.0.1", port=e2e_port)
    await server.start_server()
    try:
        yield e2e_settings.server.base_url
    finally:
        await server.close()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(
            executable_path=CHROMIUM_PATH,
            headless=True,
            args=CHROMIUM_ARGS,
        )
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
def new_page(browser: Any) -> Callable[..., Awaitable[Any]]:
    async def make(size: str = "phone", locale: str = "ru-RU", timezone: str = "Asia/Almaty") -> Any:
        context = await browser.new_context(
            viewport=SIZES[size], locale=locale, timezone_id=timezone, bypass_csp=False
        )
        page = await context.new_page()
        page.set_default_timeout(10_000)
        return page

    return make


async def check_accessibility(page: Any) -> None:
    """Fail on any serious or critical axe-core violation, and on a page without a language."""
    from axe_playwright_python.async_playwright import Axe

    assert await page.get_attribute("html", "lang") in ("ru", "kk", "en")
    results = await Axe().run(page)
    bad = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]
    assert bad == [], f"{page.url}: {bad}"


async def screenshot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^a-z0-9-]+", "-", name.lower())
    await page.screenshot(path=str(SCREENSHOTS / f"{safe}.png"), full_page=True)
