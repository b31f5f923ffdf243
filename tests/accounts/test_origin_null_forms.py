"""Forms on secret-link pages: their Referrer-Policy: no-referrer makes browsers send "Origin: null"."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import Factory


async def test_a_member_confirms_on_the_emailed_page_whose_browser_sends_origin_null(
    client: Any, db: Any, factory: Factory
) -> None:
    lawyer = await factory.lawyer()
    booking = await factory.booking(lawyer, status="pending")
    page = await client.get(f"/b/{booking['token']}")
    assert page.headers["Referrer-Policy"] == "no-referrer"
    [csrf] = set(re.findall(r'name="csrf_token" value="([^"]+)"', await page.text()))
    action = f"/b/{booking['token']}/confirm"
    for refused in ({"Origin": "null"}, {"Origin": "null", "Sec-Fetch-Site": "cross-site"}):
        response = await client.post(
            action, data={"csrf_token": csrf}, headers=refused, allow_redirects=False
        )
        assert response.status == 403, refused
    assert await db.fetchval("SELECT status FROM bookings WHERE id = $1", booking["id"]) == "pending"
    headers = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}
    response = await client.post(action, data={"csrf_token": csrf}, headers=headers, allow_redirects=False)
    assert response.status == 303 and response.headers["Location"].endswith("?done=confirm")
    assert await db.fetchval("SELECT status FROM bookings WHERE id = $1", booking["id"]) == "confirmed"
