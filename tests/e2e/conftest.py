"""Browser tests: the real app on a loopback port, Debian's Chromium driven by Playwright, axe-core.

No step downloads a browser: Playwright starts /usr/bin/chromium (CHROMIUM to override). Without it,
these tests are skipped with the reason; CI installs it.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestServer

from consult.app import create_app
from consult.settings import Settings
from tests.conftest import Factory, SmtpServer, free_port, make_settings

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_PATH = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SIZES = {"phone": PHONE, "desktop": DESKTOP}
SHOT_HEIGHT = 2400  # long pages are cut here, so a screenshot stays a few hundred KB
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
        # Book a time starting in minutes, so the join button shows; and still move and cancel it.
        booking={"min_notice_minutes": 0, "cancel_cutoff_minutes": 0},
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


# A page load may weigh this much at most, counted cold (as if nothing were cached): the document,
# its styles, scripts and images, as transferred (headers and bodies).
PAGE_BUDGET = 150 * 1024
# The heaviest load seen per path in this run, printed at the end of the run.
PAGE_WEIGHTS: dict[str, int] = {}


class PageAudit:
    """What one tab fetched: every request must go to the live server, and every page load stays light."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.foreign: list[str] = []
        self.loads: list[list[Any]] = [[]]
        self.checked = 0  # loads before this index were already weighed
        self.bodies: dict[str, int] = {}

    def on_request(self, request: Any) -> None:
        url = request.url
        if not url.startswith((self.base_url + "/", "data:", "about:", "blob:")):
            self.foreign.append(url)
        if request.is_navigation_request() and request.frame.parent_frame is None:
            self.loads.append([])
        self.loads[-1].append(request)

    async def weigh(self) -> None:
        """Weigh the loads since the last check; fail on one over the budget."""
        done, self.checked = self.loads[self.checked :], len(self.loads)
        for requests in done:
            if not requests:
                continue
            total = 0
            for request in requests:
                try:
                    sizes = await asyncio.wait_for(request.sizes(), 5)
                except Exception:  # noqa: S112 - a request the page itself abandoned weighs nothing
                    continue
                # A response the memory cache served reports a negative body: count what its first
                # transfer in this tab weighed, so every page is weighed as if loaded cold.
                body = sizes["responseBodySize"]
                if body >= 0:
                    self.bodies[request.url] = body
                total += self.bodies.get(request.url, 0) + sizes["responseHeadersSize"]
            path = requests[0].url.removeprefix(self.base_url).split("?")[0]
            path = re.sub(r"/(b|join)/[^/]+", r"/\1/TOKEN", path)
            PAGE_WEIGHTS[path] = max(PAGE_WEIGHTS.get(path, 0), total)
            assert total < PAGE_BUDGET, f"{requests[0].url} weighs {total} bytes: {[r.url for r in requests]}"


AUDITS: weakref.WeakKeyDictionary[Any, PageAudit] = weakref.WeakKeyDictionary()


@pytest.fixture
def new_page(browser: Any, live_server: str) -> Callable[..., Awaitable[Any]]:
    """Open a tab in a fresh context (no cookies), recording what it fetches."""

    async def make(size: str = "phone", locale: str = "ru-RU", timezone: str = "Asia/Almaty") -> Any:
        context = await browser.new_context(
            viewport=SIZES[size], locale=locale, timezone_id=timezone, bypass_csp=False
        )
        page = await context.new_page()
        page.set_default_timeout(10_000)
        audit = PageAudit(live_server)
        page.on("request", audit.on_request)
        AUDITS[page] = audit
        return page

    return make


async def check_page(page: Any, shot: str | None = None) -> None:
    """Check the page the tab shows: local and light, accessible; then screenshot it if named."""
    await page.wait_for_load_state("load")
    audit = AUDITS[page]
    assert audit.foreign == [], f"requests that leave the server: {audit.foreign}"
    await audit.weigh()
    await check_accessibility(page)
    # Nothing sticks out sideways: on a phone that means scrolling every line left and right.
    overflow = await page.evaluate(
        """() => [...document.querySelectorAll('body *')]
              .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1
                           && !e.closest('.visually-hidden, .skip, .table-scroll'))
              .slice(0, 3).map(e => e.outerHTML.slice(0, 120))"""
    )
    assert overflow == [], f"{page.url}: wider than the screen: {overflow}"
    if shot:
        await screenshot(page, shot)


async def wait_for_mail(smtp: SmtpServer, address: str, count: int = 1, seconds: float = 10.0) -> list[Any]:
    """Wait (bounded) for the outbox worker to deliver `count` messages to the address."""
    deadline = time.monotonic() + seconds
    while len(smtp.mailbox.to(address)) < count:
        assert time.monotonic() < deadline, f"{count} message(s) to {address} did not arrive"
        await asyncio.sleep(0.1)
    return smtp.mailbox.to(address)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if PAGE_WEIGHTS:
        heaviest = sorted(PAGE_WEIGHTS.items(), key=lambda item: -item[1])[:5]
        terminalreporter.write_line(
            "heaviest page loads (bytes, cold): " + ", ".join(f"{path} {size}" for path, size in heaviest)
        )


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


async def screenshot(target: Any, name: str) -> None:
    """Write docs/screenshots/NAME.png of a whole page (at most SHOT_HEIGHT tall) or of one element."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^a-z0-9-]+", "-", name.lower())
    path = str(SCREENSHOTS / f"{safe}.png")
    if not hasattr(target, "goto"):  # a locator
        await target.screenshot(path=path)
        return
    width, height = await target.evaluate("[innerWidth, document.documentElement.scrollHeight]")
    clip = {"x": 0, "y": 0, "width": width, "height": min(height, SHOT_HEIGHT)}
    await target.screenshot(path=path, full_page=True, clip=clip)


async def lawyer_free_from_now(factory: Factory, **kw: Any) -> dict[str, Any]:
    """A lawyer on dismissals whose hours today start two minutes from now (the first time can be joined
    at once) and who works 09:00-18:00 on the other days; in a zone where it is not near midnight."""
    zone = next(z for z in ("Asia/Almaty", "America/New_York") if 1 <= datetime.now(ZoneInfo(z)).hour <= 20)
    start = (datetime.now(ZoneInfo(zone)) + timedelta(minutes=3)).replace(second=0, microsecond=0)
    end = min(start + timedelta(hours=3), start.replace(hour=23, minute=0))
    today = start.isoweekday()
    weekly = [(d, "09:00", "18:00") for d in range(1, 8) if d != today]
    weekly.append((today, start.strftime("%H:%M"), end.strftime("%H:%M")))
    return await factory.lawyer(timezone=zone, weekly=weekly, **kw)
