"""Booking through the JSON API: create, idempotency, any lawyer, limits, manage, lawyer actions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from consult import keys
from consult.consent.service import version
from tests.booking.conftest import book, booking_body, manage_token, queued, slot
from tests.conftest import Factory, login, make_settings


@pytest.fixture
def settings(smtp: Any) -> Any:
    return make_settings(smtp={"port": smtp.port})


async def test_member_books_a_free_slot_and_gets_only_the_confirmation_email(
    client: Any, factory: Factory, db: asyncpg.Connection
) -> None:
    lawyer = await factory.lawyer()
    start = slot()
    response = await book(client, start, email="Member1@Example.org")
    assert response.status == 201
    body = await response.json()
    assert body == {
        "id": body["id"],
        "status": "pending",
        "start": start.isoformat(),
        "end": (start + timedelta(minutes=30)).isoformat(),
        "lawyer_id": lawyer["id"],
    }
    row = await db.fetchrow("SELECT * FROM bookings WHERE id = $1", body["id"])
    assert row["member_email"] == "member1@example.org"
    # The version of the consent text as the request read it (Russian): its form, language and a hash.
    assert row["consent_version"] == version(client.app[keys.SETTINGS], "booking", "ru")
    assert row["consent_version"].startswith("booking.ru.") and row["consent_at"] is not None
    assert row["timezone"] == "Asia/Almaty"
    assert row["hold_expires_at"] - row["consent_at"] == timedelta(minutes=30)
    events = await db.fetch("SELECT actor, from_status, to_status FROM booking_events")
    assert [tuple(e) for e in events] == [("member", None, "pending")]
    assert await db.fetchval("SELECT count(*) FROM join_links WHERE booking_id = $1", body["id"]) == 2
    assert [(k, r) for k, r, _m in await queued(db)] == [("booking_confirm_request", "member1@example.org")]
    assert "token" not in body and "manage" not in str(body)


async def test_with_confirmation_off_the_booking_is_confirmed_at_once_and_both_get_invites(
    aiohttp_client: Any, db_url: str, factory: Factory, db: asyncpg.Connection
) -> None:
    from consult.app import create_app

    lawyer = await factory.lawyer()
    client = await aiohttp_client(create_app(make_settings(booking={"confirmation": "none"}), db_url))
    response = await book(client, slot())
    assert response.status == 201
    assert (await response.json())["status"] == "confirmed"
    assert [(k, r) for k, r, _m in await queued(db)] == [
        ("booking_confirmed", "member1@example.org"),
        ("booking_confirmed", lawyer["email"]),
    ]
    await client.close()


async def test_member_cannot_book_a_slot_taken_a_moment_ago(client: Any, factory: Factory) -> None:
    await factory.lawyer()
    assert (await book(client, slot(), 1)).status == 201
    response = await client.post("/api/v1/bookings", json=booking_body(slot(), 2), params={"lang": "en"})
    assert response.status == 409
    assert await response.json() == {
        "error": {
            "code": "slot_taken",
            "message": "This time has just been taken. Please choose another one.",
        }
    }


async def test_a_time_outside_the_lawyers_hours_is_not_bookable(client: Any, factory: Factory) -> None:
    await factory.lawyer(weekly=[(d, "09:00", "12:00") for d in range(1, 8)])
    response = await book(client, slot(hour=15))
    assert response.status == 409
    assert (await response.json())["error"]["code"] == "slot_taken"


async def test_invalid_fields_come_back_named_in_the_members_language(client: Any, factory: Factory) -> None:
    await factory.lawyer()
    response = await client.post(
        "/api/v1/bookings",
        json=booking_body(slot(), name="Айгерим\nBcc: x@example.org", question="Помогите", consent=False),
        headers={"Accept-Language": "ru"},
    )
    assert response.status == 400
    assert await response.json() == {
        "error": {
            "code": "invalid",
            "message": "Проверьте заполнение полей.",
            "fields": {
                "name": "Напишите имя одной строкой, без специальных символов.",
                "question": "Опишите вопрос хотя бы в 20 символах.",
                "consent": "Для записи нужно ваше согласие.",
            },
        }
    }


async def test_the_same_idempotency_key_gives_the_same_answer_and_another_body_gets_422(
    client: Any, factory: Factory, db: asyncpg.Connection
) -> None:
    await factory.lawyer()
    headers = {"Idempotency-Key": "phone-retry-1"}
    first = await client.post("/api/v1/bookings", json=booking_body(slot()), headers=headers)
    again = await client.post("/api/v1/bookings", json=booking_body(slot()), headers=headers)
    assert (first.status, again.status) == (201, 201)
    assert await first.json() == await again.json()
    assert await db.fetchval("SELECT count(*) FROM bookings") == 1
    assert len(await queued(db)) == 1
    other = await client.post("/api/v1/bookings", json=booking_body(slot(hour=11)), headers=headers)
    assert other.status == 422
    assert (await other.json())["error"]["code"] == "idempotency_mismatch"
    # A refused request is remembered too: the retry hears the same 409.
    taken = {"Idempotency-Key": "phone-retry-2"}
    for _ in range(2):
        response = await client.post("/api/v1/bookings", json=booking_body(slot(), 2), headers=taken)
        assert response.status == 409
        assert (await response.json())["error"]["code"] == "slot_taken"


async def test_any_lawyer_prefers_one_speaking_the_members_language_then_the_least_loaded(
    client: Any, factory: Factory
) -> None:
    russian = await factory.lawyer(languages=("ru",))
    kazakh = await factory.lawyer(languages=("ru", "kk"))
    first = await (await book(client, slot(), 1, language="kk")).json()
    assert first["lawyer_id"] == kazakh["id"]
    second = await (await book(client, slot(), 2, language="ru")).json()
    assert second["lawyer_id"] == russian["id"]
    third = await book(client, slot(), 3, language="ru")
    assert third.status == 409


async def test_a_chosen_lawyer_is_kept_and_a_busy_one_is_not_swapped_silently(
    client: Any, factory: Factory
) -> None:
    one = await factory.lawyer()
    two = await factory.lawyer()
    response = await book(client, slot(), 1, lawyer_id=two["id"])
    assert (await response.json())["lawyer_id"] == two["id"]
    response = await book(client, slot(), 2, lawyer_id=two["id"])
    assert response.status == 409
    assert (await (await book(client, slot(), 3)).json())["lawyer_id"] == one["id"]


async def test_a_member_may_hold_only_so_many_upcoming_consultations(client: Any, factory: Factory) -> None:
    await factory.lawyer()
    assert (await book(client, slot(hour=10), 1)).status == 201
    assert (await book(client, slot(hour=11), 1)).status == 201
    response = await book(client, slot(hour=12), 1)
    assert response.status == 409
    assert (await response.json())["error"]["code"] == "too_many_bookings"


async def test_a_member_cannot_hold_two_consultations_at_the_same_time(client: Any, factory: Factory) -> None:
    await factory.lawyer()
    await factory.lawyer()
    assert (await book(client, slot(), 1)).status == 201
    response = await book(client, slot(), 1)
    assert response.status == 409
    assert (await response.json())["error"]["code"] == "member_busy"


async def test_member_confirms_through_the_emailed_link_and_both_get_invites(
    client: Any, factory: Factory, db: asyncpg.Connection
) -> None:
    lawyer = await factory.lawyer(name="Бауыржан Омаров")
    created = await (await book(client, slot())).json()
    token = await manage_token(db, "member1@example.org")
    response = await client.get(f"/api/v1/bookings/manage/{token}", params={"tz": "Europe/London"})
    view = await response.json()
    assert view == {
        "id": created["id"],
        "status": "pending",
        "start": slot().astimezone(UTC).isoformat().replace("+00:00", "+00:00"),
        "end": (slot() + timedelta(minutes=30)).astimezone(UTC).isoformat(),
        "topic": "dismissal",
        "topic_name": "Увольнение и сокращение",
        "lawyer": {"id": lawyer["id"], "name": "Бауыржан Омаров"},
        "video_url": view["video_url"],
        "ics_url": f"http://127.0.0.1/b/{token}/invite.ics",
        "timezone": "Asia/Almaty",
        "cancel_reason": None,
    }
    assert view["video_url"].startswith("http://127.0.0.1/join/")
    response = await client.post(f"/api/v1/bookings/manage/{token}/confirm")
    assert response.status == 200
    assert (await response.json())["status"] == "confirmed"
    again = await client.post(f"/api/v1/bookings/manage/{token}/confirm")
    assert again.status == 409
    assert (await again.json())["error"]["code"] == "invalid_state"
    kinds = [(k, r) for k, r, _m in await queued(db)]
    assert kinds[1:] == [("booking_confirmed", "member1@example.org"), ("booking_confirmed", lawyer["email"])]


async def test_an_unknown_manage_token_is_not_found(client: Any) -> None:
    response = await client.get("/api/v1/bookings/manage/not-a-real-token")
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "not_found"


async def test_reschedule_moves_the_same_booking_with_the_same_uid_and_a_new_sequence(
    client: Any, factory: Factory, db: asyncpg.Connection
) -> None:
    await factory.lawyer()
    created = await (await book(client, slot())).json()
    token = await manage_token(db, "member1@example.org")
    before = await db.fetchrow("SELECT * FROM bookings WHERE id = $1", created["id"])
    new_start = slot(days_ahead=3, hour=14)
    response = await client.post(
        f"/api/v1/bookings/manage/{token}/reschedule", json={"start": new_start.isoformat()}
    )
    assert response.status == 200, await response.text()
    view = await response.json()
    assert (view["id"], view["status"]) == (created["id"], "pending")
    after = await db.fetchrow("SELECT * FROM bookings WHERE id = $1", created["id"])
    assert after["ical_uid"] == before["ical_uid"]
    assert after["ical_sequence"] == before["ical_sequence"] + 1
    assert after["starts_at"] == new_start
    assert await db.fetchval("SELECT count(*) FROM bookings") == 1
    assert await db.fetchval("SELECT count(*) FROM join_links WHERE booking_id = $1", created["id"]) == 4
    event = await db.fetchrow("SELECT * FROM booking_events ORDER BY id DESC LIMIT 1")
    assert (event["actor"], event["from_status"], event["to_status"]) == ("member", "pending", "pending")
    # The old time is free again for others.
    assert (await book(client, slot(), 2)).status == 201


async def test_member_cancels_with_a_reason_until_the_cut_off(
    client: Any, factory: Factory, db: asyncpg.Connection
) -> None:
    lawyer = await factory.lawyer()
    soon = await factory.booking(lawyer, start=datetime.now(UTC) + timedelta(minutes=90))
    response = await client.post(
        f"/api/v1/bookings/manage/{soon['token']}/cancel", json={}, params={"lang": "en"}
    )
    assert response.status == 409
    assert (await response.json())["error"]["code"] == "too_late"
    later = await factory.booking(lawyer, start=slot(days_ahead=3))
    response = await client.post(
        f"/api/v1/bookings/manage/{later['token']}/cancel", json={"reason": "Вопрос решился сам"}
    )
    assert response.status == 200
    assert (await response.json())["status"] == "cancelled"
    row = await db.fetchrow("SELECT * FROM bookings WHERE id = $1", later["id"])
    assert (row["cancel_reason"], row["cancelled_by"], row["ical_sequence"]) == (
        "Вопрос решился сам",
        "member",
        1,
    )
    assert [k for k, _r, _m in await queued(db)] == ["booking_cancelled", "booking_cancelled"]


async def test_lawyer_completes_with_an_answer_and_cannot_touch_another_lawyers_booking(
    client: Any, factory: Factory, db: asyncpg.Connection
) -> None:
    lawyer = await factory.lawyer()
    other = await factory.lawyer()
    mine = await factory.booking(lawyer, start=slot())
    theirs = await factory.booking(other, start=slot(hour=12))
    csrf = await login(client, lawyer)
    headers = {"X-CSRF-Token": csrf}
    response = await client.post(f"/api/v1/bookings/{theirs['id']}/no-show", headers=headers)
    assert response.status == 404
    response = await client.post(f"/api/v1/bookings/{mine['id']}/complete", json={}, headers=headers)
    assert response.status == 400
    assert list((await response.json())["error"]["fields"]) == ["answer"]
    response = await client.post(
        f"/api/v1/bookings/{mine['id']}/complete",
        json={"answer": "Увольнение незаконно, ст. 52 ТК."},
        headers=headers,
    )
    assert response.status == 200
    body = await response.json()
    assert (body["status"], body["answer"], body["question"]) == (
        "completed",
        "Увольнение незаконно, ст. 52 ТК.",
        mine["question"],
    )
    again = await client.post(f"/api/v1/bookings/{mine['id']}/no-show", headers=headers)
    assert again.status == 409
    assert (await again.json())["error"]["code"] == "invalid_state"
    events = await db.fetch("SELECT actor, actor_id, from_status, to_status FROM booking_events")
    assert [tuple(e) for e in events] == [("lawyer", lawyer["id"], "confirmed", "completed")]


async def test_lawyer_cancels_with_a_reason_and_the_member_is_offered_a_new_time(
    client: Any, factory: Factory, db: asyncpg.Connection
) -> None:
    lawyer = await factory.lawyer()
    booking = await factory.booking(lawyer, start=slot())
    headers = {"X-CSRF-Token": await login(client, lawyer)}
    response = await client.post(f"/api/v1/bookings/{booking['id']}/cancel", json={}, headers=headers)
    assert response.status == 400
    response = await client.post(
        f"/api/v1/bookings/{booking['id']}/cancel", json={"reason": "Болезнь юриста"}, headers=headers
    )
    assert response.status == 200
    [(_k, _r, to_member), _to_lawyer] = await queued(db)
    text = to_member.get_body(("plain",)).get_content()
    assert "Болезнь юриста" in text
    assert "http://127.0.0.1/book/dismissal" in text


async def test_staff_may_act_on_any_booking_and_a_member_view_lists_nothing_for_lawyers(
    client: Any, factory: Factory
) -> None:
    lawyer = await factory.lawyer()
    staff = await factory.user("staff")
    booking = await factory.booking(lawyer, start=slot())
    headers = {"X-CSRF-Token": await login(client, staff)}
    response = await client.post(f"/api/v1/bookings/{booking['id']}/no-show", headers=headers)
    assert response.status == 200
    assert (await response.json())["status"] == "no_show"
    assert (await client.get("/api/v1/me/bookings")).status == 403


async def test_lawyer_lists_their_bookings_with_the_members_details(client: Any, factory: Factory) -> None:
    lawyer = await factory.lawyer()
    other = await factory.lawyer()
    mine = await factory.booking(lawyer, start=slot())
    await factory.booking(other, start=slot())
    await login(client, lawyer)
    day = slot().date().isoformat()
    response = await client.get("/api/v1/me/bookings", params={"from": day, "to": day, "tz": "Asia/Almaty"})
    assert response.status == 200
    [item] = (await response.json())["items"]
    assert item == {
        "id": mine["id"],
        "status": "confirmed",
        "start": slot().isoformat(),
        "end": (slot() + timedelta(minutes=30)).isoformat(),
        "topic": "dismissal",
        "lawyer_id": lawyer["id"],
        "member": {"name": mine["member_name"], "email": mine["member_email"], "phone": None},
        "question": mine["question"],
        "answer": None,
        "language": "ru",
        "cancel_reason": None,
    }
    response = await client.get("/api/v1/me/bookings", params={"from": "yesterday"})
    assert response.status == 400


async def test_answers_carry_the_fields_the_openapi_document_promises(
    client: Any, factory: Factory, db: asyncpg.Connection
) -> None:
    from consult.booking.openapi import PATHS, SCHEMAS

    lawyer = await factory.lawyer()
    created = await (await book(client, slot())).json()
    token = await manage_token(db, "member1@example.org")
    member = await (await client.get(f"/api/v1/bookings/manage/{token}")).json()
    await login(client, lawyer)
    [item] = (
        await (
            await client.get("/api/v1/me/bookings", params={"to": slot(days_ahead=5).date().isoformat()})
        ).json()
    )["items"]
    for body, name in ((created, "BookingCreated"), (member, "MemberBooking"), (item, "LawyerBooking")):
        schema = SCHEMAS[name]
        assert set(schema["required"]) <= set(body) <= set(schema["properties"])
    refs = str(PATHS)
    assert all(f"#/components/schemas/{name}" in refs for name in SCHEMAS)


async def test_booking_attempts_are_limited_per_email_and_per_address_as_the_settings_say(
    aiohttp_client: Any, db_url: str, factory: Factory
) -> None:
    from consult.app import create_app

    await factory.lawyer()
    limits = {"attempts_per_email": 2, "attempts_per_address": 4, "max_active_per_member": 10}
    client = await aiohttp_client(create_app(make_settings(booking=limits), db_url))
    try:
        assert (await book(client, slot(hour=10), 1)).status == 201
        assert (await book(client, slot(hour=11), 1)).status == 201
        refused = await book(client, slot(hour=12), 1)
        assert refused.status == 429
        assert (await refused.json())["error"]["code"] == "rate_limited"
        assert 1 <= int(refused.headers["Retry-After"]) <= 3600
        # Another member from the same address still gets through, until the address's limit.
        assert (await book(client, slot(hour=12), 2)).status == 201
        assert (await book(client, slot(hour=13), 3)).status == 429
    finally:
        await client.close()
    assert await factory.conn.fetchval("SELECT count(*) FROM bookings") == 3
