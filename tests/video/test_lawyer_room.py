"""Staff give a lawyer a fixed personal room; emails and invites learn how a consultation happens."""

from __future__ import annotations

import json

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from consult.video.service import describe_meeting
from tests.conftest import Factory, login, make_settings


async def test_staff_set_a_lawyers_personal_room_through_the_api_and_it_is_recorded(
    client: TestClient, factory: Factory, db: asyncpg.Connection
) -> None:
    staff = await factory.user("staff")
    lawyer = await factory.lawyer()
    csrf = await login(client, staff)

    response = await client.put(
        f"/api/v1/lawyers/{lawyer['id']}/room",
        json={"room_url": "  https://meet.union.kz/aigul-office  "},
        headers={"X-CSRF-Token": csrf},
    )

    assert response.status == 200
    assert await response.json() == {
        "lawyer_id": lawyer["id"],
        "room_url": "https://meet.union.kz/aigul-office",
    }
    assert await db.fetchval("SELECT room_url FROM lawyers WHERE user_id = $1", lawyer["id"]) == (
        "https://meet.union.kz/aigul-office"
    )
    audit = await db.fetchrow(
        "SELECT actor_id, action, object_type, object_id, detail FROM audit_log WHERE action = 'lawyer_room_set'"
    )
    assert {**audit, "detail": json.loads(audit["detail"])} == {
        "actor_id": staff["id"],
        "action": "lawyer_room_set",
        "object_type": "lawyer",
        "object_id": str(lawyer["id"]),
        "detail": {"cleared": False},
    }
    response = await client.get(f"/api/v1/lawyers/{lawyer['id']}/room")
    assert await response.json() == {
        "lawyer_id": lawyer["id"],
        "room_url": "https://meet.union.kz/aigul-office",
    }

    response = await client.put(
        f"/api/v1/lawyers/{lawyer['id']}/room", json={"room_url": None}, headers={"X-CSRF-Token": csrf}
    )
    assert await response.json() == {"lawyer_id": lawyer["id"], "room_url": None}


@pytest.mark.parametrize(
    ("room_url", "problem"),
    [
        ("http://meet.union.kz/room", "Give a link starting with https://, or leave it empty."),
        ("javascript:alert(1)", "Give a link starting with https://, or leave it empty."),
        ("https://user:secret@meet.union.kz/room", "Give a link starting with https://, or leave it empty."),
        ("https://meet.union.kz/my room", "The link must not contain spaces."),
        ("https://meet.union.kz/" + "a" * 500, "The link is too long."),
        (42, "Give a link starting with https://, or leave it empty."),
    ],
)
async def test_a_room_link_that_is_not_https_is_refused_next_to_the_field(
    client: TestClient, factory: Factory, db: asyncpg.Connection, room_url: object, problem: str
) -> None:
    lawyer = await factory.lawyer()
    csrf = await login(client, await factory.user("staff"))

    response = await client.put(
        f"/api/v1/lawyers/{lawyer['id']}/room?lang=en",
        json={"room_url": room_url},
        headers={"X-CSRF-Token": csrf},
    )

    assert response.status == 400
    assert await response.json() == {
        "error": {
            "code": "invalid",
            "message": "Some fields need attention.",
            "fields": {"room_url": problem},
        }
    }
    assert await db.fetchval("SELECT room_url FROM lawyers WHERE user_id = $1", lawyer["id"]) is None


async def test_only_staff_may_set_a_room_and_only_for_a_lawyer(client: TestClient, factory: Factory) -> None:
    lawyer = await factory.lawyer()
    staff = await factory.user("staff")
    body = {"room_url": "https://meet.union.kz/x"}

    anonymous = await client.put(f"/api/v1/lawyers/{lawyer['id']}/room", json=body)
    assert anonymous.status == 401 and (await anonymous.json())["error"]["code"] == "unauthenticated"

    csrf = await login(client, lawyer)
    own = await client.put(f"/api/v1/lawyers/{lawyer['id']}/room", json=body, headers={"X-CSRF-Token": csrf})
    assert own.status == 403 and (await own.json())["error"]["code"] == "forbidden"

    client.session.cookie_jar.clear()  # sign the lawyer out
    csrf = await login(client, staff)
    for missing_id in (staff["id"], 999999):
        response = await client.put(
            f"/api/v1/lawyers/{missing_id}/room", json=body, headers={"X-CSRF-Token": csrf}
        )
        assert response.status == 404 and (await response.json())["error"]["code"] == "not_found"
    no_field = await client.put(
        f"/api/v1/lawyers/{lawyer['id']}/room", json={}, headers={"X-CSRF-Token": csrf}
    )
    assert no_field.status == 400
    assert (await no_field.json())["error"]["fields"] == {"room_url": "Обязательное поле."}


async def test_staff_set_the_room_on_a_page(
    client: TestClient, factory: Factory, db: asyncpg.Connection
) -> None:
    lawyer = await factory.lawyer(name="Айгүл Сәрсенова")
    csrf = await login(client, await factory.user("staff"))
    page_path = f"/staff/lawyers/{lawyer['id']}/room"

    page = await (await client.get(page_path, params={"lang": "en"})).text()
    assert "<h1>Personal video room of Айгүл Сәрсенова</h1>" in page
    assert f'<input type="hidden" name="csrf_token" value="{csrf}">' in page

    wrong = await client.post(
        page_path, data={"csrf_token": csrf, "room_url": "http://x.kz"}, allow_redirects=False
    )
    assert wrong.status == 400
    assert '<p class="field-error" id="room_url-error">' in await wrong.text()
    assert 'value="http://x.kz"' in await wrong.text()

    saved = await client.post(
        page_path, data={"csrf_token": csrf, "room_url": "https://meet.union.kz/aigul"}, allow_redirects=False
    )
    assert (saved.status, saved.headers["Location"]) == (303, f"{page_path}?saved=1")
    assert (
        await db.fetchval("SELECT room_url FROM lawyers WHERE user_id = $1", lawyer["id"])
        == "https://meet.union.kz/aigul"
    )
    after = await (await client.get(saved.headers["Location"], params={"lang": "en"})).text()
    assert '<p class="notice success" role="status">Saved.</p>' in after
    assert 'value="https://meet.union.kz/aigul"' in after


def test_emails_can_say_whether_a_consultation_is_a_video_call_or_by_phone() -> None:
    jitsi, nothing = make_settings(), make_settings(video={"provider": "none"})

    assert describe_meeting(jitsi, {"room_url": None}) == {
        "video": True,
        "provider": "jitsi",
        "label": "Video call",
        "hint": "Open the join link from 10 minutes before the start. Nothing to install, no account needed.",
    }
    assert describe_meeting(nothing, {"room_url": None}) == {
        "video": False,
        "provider": "none",
        "label": "Consultation by phone or in person",
        "hint": "There is no video call: the lawyer will call you at the agreed time.",
    }
    # A lawyer's own room means a video call even when the service has no provider.
    assert describe_meeting(nothing, {"room_url": "https://meet.union.kz/aigul"})["video"] is True
    assert (
        describe_meeting(make_settings(video={"provider": "bigbluebutton"}), None)["provider"]
        == "bigbluebutton"
    )


def test_every_documented_video_path_is_served_and_every_video_route_is_documented() -> None:
    from consult.app import create_app
    from consult.video.openapi import PATHS, SCHEMAS

    app = create_app(make_settings())
    served = {
        resource.canonical.replace(r"{id:\d{1,18}}", "{id}")
        for resource in app.router.resources()
        if resource.name and (resource.canonical.startswith("/join/") or resource.canonical.endswith("/room"))
    }
    assert served == set(PATHS) | {"/staff/lawyers/{id}/room"}  # the staff page is HTML, not API

    def refs(node: object) -> set[str]:
        if isinstance(node, dict):
            found = {node["$ref"].rpartition("/")[2]} if "$ref" in node else set()
            return found.union(*(refs(value) for value in node.values()))
        if isinstance(node, list):
            return set().union(*(refs(value) for value in node))
        return set()

    # Error is the contract's body, defined once by the assembler (consult/openapi.py).
    assert refs(PATHS) == set(SCHEMAS) | {"Error"}
