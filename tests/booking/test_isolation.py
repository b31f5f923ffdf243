"""Each person sees exactly what is theirs: lawyers their own bookings, a member's link one booking."""

from __future__ import annotations

from typing import Any

import asyncpg

from tests.accounts.isolation import assert_hidden
from tests.booking.conftest import slot
from tests.conftest import Factory, login


async def test_a_lawyer_cannot_read_or_change_another_lawyers_booking(
    client: Any, factory: Factory, db: asyncpg.Connection
) -> None:
    lawyer = await factory.lawyer()
    other = await factory.lawyer()
    mine = await factory.booking(lawyer, start=slot(), question="Мой вопрос о сокращении штата в школе.")
    theirs = await factory.booking(other, start=slot(hour=12), question="Чужой вопрос о декретном отпуске.")
    headers = {"X-CSRF-Token": await login(client, lawyer)}

    listed = await client.get("/api/v1/me/bookings")
    assert listed.status == 200
    items = (await listed.json())["items"]
    assert [i["id"] for i in items] == [mine["id"]]
    day = await (await client.get("/lawyer/day")).text()
    assert "Мой вопрос о сокращении" in day and "Чужой вопрос" not in day

    missing = 10**12
    for action, body in (("complete", {"answer": "Ответ."}), ("no-show", None), ("cancel", {"reason": "x"})):
        await assert_hidden(
            client,
            "POST",
            f"/api/v1/bookings/{theirs['id']}/{action}",
            f"/api/v1/bookings/{missing}/{action}",
            json=body,
            headers=headers,
        )
    row = await db.fetchrow("SELECT status, answer FROM bookings WHERE id = $1", theirs["id"])
    assert (row["status"], row["answer"]) == ("confirmed", None)


async def test_a_members_secret_link_shows_only_that_booking(client: Any, factory: Factory) -> None:
    lawyer = await factory.lawyer()
    member = await factory.user("member", password=None, name="Алия Касымова")
    first = await factory.booking(lawyer, member=member, start=slot(), question="Первый вопрос об отпуске.")
    second = await factory.booking(
        lawyer, member=member, start=slot(hour=15), question="Второй вопрос о зарплате."
    )

    response = await client.get(f"/api/v1/bookings/manage/{first['token']}")
    assert response.status == 200
    body = await response.json()
    assert body["id"] == first["id"]
    assert body["start"] == first["starts_at"].astimezone(body_zone(body)).isoformat()
    assert second["token"] not in str(body)
    assert second["starts_at"].astimezone(body_zone(body)).isoformat() not in str(body)

    page = await (await client.get(f"/b/{first['token']}")).text()
    assert f"/b/{second['token']}" not in page
    assert "Второй вопрос" not in page
    # Another booking's token cannot reach the first booking's actions either.
    response = await client.get(f"/api/v1/bookings/manage/{second['token']}")
    assert (await response.json())["id"] == second["id"]


def body_zone(body: dict[str, Any]) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(body["start"]).tzinfo
