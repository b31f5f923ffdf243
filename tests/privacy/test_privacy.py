"""Members' rights: a member downloads their data and asks for erasure; old personal data expires."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from typing import Any

import asyncpg
import pytest

from consult.privacy.openapi import SCHEMAS
from consult.privacy.retention import run_retention
from consult.security import new_token
from tests.conftest import Factory, login
from tests.reports.conftest import assert_matches_schema, consultation, long_time_members, member_login

NOW = datetime.now(UTC).replace(microsecond=0)


async def mail(
    db: asyncpg.Connection, to: str, booking_id: int | None, status: str = "sent", age_days: int = 1
) -> int:
    """An outbox row as the sender leaves it."""
    sent_at = NOW - timedelta(days=age_days) if status == "sent" else None
    return int(
        await db.fetchval(
            """
            INSERT INTO outbox (kind, recipient, message, message_id, booking_id, status, created_at, sent_at)
            VALUES ('booking_created', $1, $2, $3, $4, $5, $6, $7) RETURNING id
            """,
            to,
            b"Subject: about your consultation\r\n\r\nquestion text",
            f"<{new_token()}@consult>",
            booking_id,
            status,
            NOW - timedelta(days=age_days),
            sent_at,
        )
    )


@pytest.fixture
async def aizhan(factory: Factory, db: asyncpg.Connection) -> dict[str, Any]:
    """A member with a past consultation (answered, with phone and membership number) and an upcoming one."""
    lawyer = await factory.lawyer(name="Lawyer Karimova", language="kk")
    member = await factory.user("member", email="aizhan@example.org", name="Айжан Сапарова", password=None)
    past = await consultation(
        factory,
        lawyer,
        member=member,
        start=NOW - timedelta(days=20),
        region="astana",
        organization="Школа-лицей №5",
        phone="+77011234567",
        membership_no="M-100",
        answer="Обратитесь в комиссию.",
    )
    upcoming = await consultation(
        factory, lawyer, member=member, start=NOW + timedelta(days=3), status="confirmed"
    )
    mail_id = await mail(db, "aizhan@example.org", past["id"])
    return {"lawyer": lawyer, "member": member, "past": past, "upcoming": upcoming, "mail_id": mail_id}


async def test_member_downloads_their_own_data_and_nothing_of_anyone_else(
    client: Any, factory: Factory, db: asyncpg.Connection, settings: Any, aizhan: dict[str, Any]
) -> None:
    lawyer, past, future = aizhan["lawyer"], aizhan["past"], aizhan["upcoming"]
    other = await factory.user("member", email="bolat@example.org", name="Болат Ерланов", password=None)
    theirs = await consultation(
        factory, lawyer, member=other, start=NOW + timedelta(days=4), status="confirmed"
    )
    await db.execute(
        "INSERT INTO booking_events (booking_id, actor, from_status, to_status) VALUES ($1, 'member', NULL, 'confirmed'),"
        " ($2, 'lawyer', 'confirmed', 'completed'), ($3, 'member', NULL, 'confirmed')",
        future["id"],
        past["id"],
        theirs["id"],
    )
    to_her = aizhan["mail_id"]
    await mail(db, lawyer["email"], past["id"])  # the lawyer's copy is not hers
    await mail(db, "bolat@example.org", theirs["id"])

    aizhan = aizhan["member"]
    await member_login(client, db, settings, aizhan)
    response = await client.get("/api/v1/me/export")
    assert response.status == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="consult-my-data-')
    text = await response.text()
    data = json.loads(text)
    assert_matches_schema(data, SCHEMAS, "MemberExport")
    assert set(data) == {
        "exported_at",
        "user",
        "bookings",
        "questions",
        "messages",
        "sessions",
        "erasure_requests",
        "actions",
    }
    assert data["questions"] == []
    assert data["user"] == {
        "id": aizhan["id"],
        "role": "member",
        "name": "Айжан Сапарова",
        "email": "aizhan@example.org",
        "language": "ru",
        "timezone": "Asia/Almaty",
        "active": True,
        "created_at": aizhan["created_at"].isoformat(),
        "personal_data_erased_at": None,
    }
    assert [b["id"] for b in data["bookings"]] == [past["id"], future["id"]]
    first = data["bookings"][0]
    assert {
        k: first[k]
        for k in (
            "status",
            "topic",
            "lawyer_name",
            "member_name",
            "member_phone",
            "membership_no",
            "region",
            "organization",
            "question",
            "answer",
        )
    } == {
        "status": "completed",
        "topic": "dismissal",
        "lawyer_name": "Lawyer Karimova",
        "member_name": "Айжан Сапарова",
        "member_phone": "+77011234567",
        "membership_no": "M-100",
        "region": "astana",
        "organization": "Школа-лицей №5",
        "question": past["question"],
        "answer": "Обратитесь в комиссию.",
    }
    assert first["events"] == [
        {
            "at": first["events"][0]["at"],
            "actor": "lawyer",
            "from_status": "confirmed",
            "to_status": "completed",
        }
    ]
    assert [m["id"] for m in data["messages"]] == [to_her]
    assert set(data["messages"][0]) == {
        "id",
        "kind",
        "recipient",
        "status",
        "booking_id",
        "created_at",
        "sent_at",
    }
    assert len(data["sessions"]) == 1
    # Nothing of the other member, and no secrets of anyone.
    for foreign in ("Болат", "bolat@example.org", str(theirs["id"]) + ",", "password", "totp", "token"):
        assert foreign not in text
    audit = await db.fetchrow(
        "SELECT actor_id, action, object_id FROM audit_log WHERE action = 'privacy.export'"
    )
    assert dict(audit) == {
        "actor_id": aizhan["id"],
        "action": "privacy.export",
        "object_id": str(aizhan["id"]),
    }


async def test_only_a_signed_in_member_can_export(client: Any, factory: Factory) -> None:
    assert (await client.get("/api/v1/me/export")).status == 401
    await login(client, await factory.lawyer())
    assert (await client.get("/api/v1/me/export")).status == 403


async def test_member_asks_for_erasure_and_staff_confirm_it_cancelling_upcoming_consultations_first(
    client: Any, factory: Factory, db: asyncpg.Connection, settings: Any, aizhan: dict[str, Any]
) -> None:
    lawyer, member, past, upcoming = aizhan["lawyer"], aizhan["member"], aizhan["past"], aizhan["upcoming"]
    csrf = await member_login(client, db, settings, member)
    page = await client.get("/me/data", params={"lang": "en"})
    assert page.status == 200
    assert 'href="/api/v1/me/export"' in await page.text()
    response = await client.post("/api/v1/me/erasure", headers={"X-CSRF-Token": csrf})
    assert response.status == 201
    request = await response.json()
    assert_matches_schema(request, SCHEMAS, "ErasureRequest")
    assert request == {"id": request["id"], "status": "open", "requested_at": request["requested_at"]}
    again = await client.post("/api/v1/me/erasure", headers={"X-CSRF-Token": csrf})
    assert again.status == 200 and (await again.json())["id"] == request["id"]

    client.session.cookie_jar.clear()
    staff = await factory.user("staff")
    staff_csrf = await login(client, staff)
    listing = await client.get("/staff/erasure", params={"lang": "en"})
    assert "Айжан Сапарова" in await listing.text()
    confirmed = await client.post(
        f"/staff/erasure/{request['id']}/confirm", data={"csrf_token": staff_csrf}, allow_redirects=False
    )
    assert confirmed.status == 303
    assert confirmed.headers["Location"] == "/staff/erasure?done=confirmed"

    rows = await db.fetch(
        "SELECT id, status, cancelled_by, member_name, member_email, member_phone, membership_no, question, answer,"
        " region_id IS NOT NULL AS has_region, personal_data_erased_at IS NOT NULL AS erased FROM bookings ORDER BY id"
    )
    assert [dict(r) for r in rows] == [
        {
            "id": past["id"],
            "status": "completed",
            "cancelled_by": None,
            "member_name": "—",
            "member_email": "erased@invalid",
            "member_phone": None,
            "membership_no": None,
            "question": "",
            "answer": None,
            "has_region": True,
            "erased": True,
        },
        {
            "id": upcoming["id"],
            "status": "cancelled",
            "cancelled_by": "staff",
            "member_name": "—",
            "member_email": "erased@invalid",
            "member_phone": None,
            "membership_no": None,
            "question": "",
            "answer": None,
            "has_region": False,
            "erased": True,
        },
    ]
    user = await db.fetchrow("SELECT name, email, active FROM users WHERE id = $1", member["id"])
    assert dict(user) == {"name": "—", "email": f"erased-{member['id']}@invalid", "active": False}
    assert await db.fetchval("SELECT count(*) FROM sessions WHERE user_id = $1", member["id"]) == 0
    # The member's emails are gone; the lawyer is told, with a calendar cancellation and no member data.
    outbox = await db.fetch("SELECT kind, recipient, message, status FROM outbox")
    assert [(o["kind"], o["recipient"], o["status"]) for o in outbox] == [
        ("erasure_cancelled", lawyer["email"], "pending")
    ]
    message = message_from_bytes(outbox[0]["message"], policy=policy.default)
    raw = outbox[0]["message"].decode("utf-8", "replace")
    assert "METHOD:CANCEL" in raw and "Айжан" not in raw and "Сапарова" not in raw
    assert message["To"].addresses[0].addr_spec == lawyer["email"]
    event = await db.fetchrow("SELECT actor, actor_id, from_status, to_status, detail FROM booking_events")
    assert (event["actor"], event["actor_id"], event["from_status"], event["to_status"]) == (
        "staff",
        staff["id"],
        "confirmed",
        "cancelled",
    )
    actions = await db.fetch(
        "SELECT actor_id, action, object_id FROM audit_log WHERE action LIKE 'privacy.%' ORDER BY id"
    )
    assert [tuple(a) for a in actions] == [
        (member["id"], "privacy.erasure_requested", str(member["id"])),
        (staff["id"], "privacy.erasure_confirmed", str(member["id"])),
    ]
    # Counts for the union's reports remain.
    period = {"group": "topic", "to": (NOW + timedelta(days=30)).date().isoformat()}
    report = await client.get("/api/v1/reports/consultations", params=period)
    assert [
        (r["key"], r["total"], r["completed"], r["cancelled"]) for r in (await report.json())["rows"]
    ] == [("dismissal", 2, 1, 1)]
    twice = await client.post(
        f"/api/v1/erasure-requests/{request['id']}/confirm", headers={"X-CSRF-Token": staff_csrf}
    )
    assert twice.status == 409
    assert (await twice.json())["error"]["code"] == "invalid_state"


async def test_retention_erases_personal_data_of_old_consultations_and_keeps_the_counts(
    client: Any, factory: Factory, db: asyncpg.Connection
) -> None:
    lawyer = await factory.lawyer()
    gone, stays = await long_time_members(factory, "Старый Участник", "Недавний Участник")
    old = await consultation(
        factory,
        lawyer,
        member=gone,
        start=NOW - timedelta(days=760),
        region="almaty",
        organization="Школа №1",
        phone="+77011234567",
        membership_no="M-1",
        answer="Старый ответ.",
    )
    old_of_recent = await consultation(
        factory, lawyer, member=stays, start=NOW - timedelta(days=800), status="no_show"
    )
    recent = await consultation(
        factory, lawyer, member=stays, start=NOW - timedelta(days=30), answer="Новый ответ."
    )
    old_mail = await mail(db, gone["email"], old["id"], status="failed", age_days=700)
    stale_sent = await mail(db, "someone@example.org", None, age_days=31)
    fresh_sent = await mail(db, "someone@example.org", None, age_days=5)
    waiting = await mail(db, "someone@example.org", None, status="pending", age_days=40)

    before = await db.fetch(
        "SELECT status, topic_id, region_id, organization, starts_at FROM bookings ORDER BY id"
    )
    handled = await run_retention(client.app)
    assert handled == 2 + 1 + 1  # two bookings, one member, one sent email
    assert await run_retention(client.app) == 0

    after = await db.fetch(
        "SELECT status, topic_id, region_id, organization, starts_at FROM bookings ORDER BY id"
    )
    assert after == before
    erased = await db.fetch(
        "SELECT id, member_name, member_email, member_phone, membership_no, question, answer,"
        " personal_data_erased_at IS NOT NULL AS erased FROM bookings ORDER BY id"
    )
    assert [dict(r) for r in erased] == [
        {
            "id": old["id"],
            "member_name": "—",
            "member_email": "erased@invalid",
            "member_phone": None,
            "membership_no": None,
            "question": "",
            "answer": None,
            "erased": True,
        },
        {
            "id": old_of_recent["id"],
            "member_name": "—",
            "member_email": "erased@invalid",
            "member_phone": None,
            "membership_no": None,
            "question": "",
            "answer": None,
            "erased": True,
        },
        {
            "id": recent["id"],
            "member_name": "Недавний Участник",
            "member_email": stays["email"],
            "member_phone": None,
            "membership_no": None,
            "question": recent["question"],
            "answer": "Новый ответ.",
            "erased": False,
        },
    ]
    users = await db.fetch("SELECT id, name, active FROM users WHERE role = 'member' ORDER BY id")
    assert [tuple(u) for u in users] == [(gone["id"], "—", False), (stays["id"], "Недавний Участник", True)]
    assert sorted(r["id"] for r in await db.fetch("SELECT id FROM outbox")) == sorted([fresh_sent, waiting])
    assert old_mail and stale_sent
    staff = await factory.user("staff")
    await login(client, staff)
    report = await client.get(
        "/api/v1/reports/consultations",
        params={"group": "month", "from": "2020-01-01", "to": NOW.date().isoformat()},
    )
    assert sum(r["total"] for r in (await report.json())["rows"]) == 3


async def test_member_and_staff_privacy_pages_speak_three_languages(
    client: Any, factory: Factory, db: asyncpg.Connection, settings: Any
) -> None:
    member = await factory.user("member", password=None)
    await member_login(client, db, settings, member)
    headings = {}
    for lang in ("ru", "kk", "en"):
        text = await (await client.get("/me/data", params={"lang": lang})).text()
        headings[lang] = text.split("<h1>")[1].split("</h1>")[0]
    assert headings == {"ru": "Мои данные", "kk": "Менің деректерім", "en": "My data"}
    client.session.cookie_jar.clear()
    await login(client, await factory.user("staff"))
    for lang, title in (
        ("ru", "Запросы на удаление"),
        ("kk", "Жою туралы өтініштер"),
        ("en", "Erasure requests"),
    ):
        text = await (await client.get("/staff/erasure", params={"lang": lang})).text()
        assert f"<h1>{title}</h1>" in text


async def test_erasure_cancels_through_the_state_machine(
    client: Any, factory: Factory, db: asyncpg.Connection, settings: Any, aizhan: dict[str, Any]
) -> None:
    """Erasure cancels like any staff cancellation: a new SEQUENCE, the event, no reminder left behind."""
    upcoming, member = aizhan["upcoming"], aizhan["member"]
    before = await db.fetchval("SELECT ical_sequence FROM bookings WHERE id = $1", upcoming["id"])
    # A reminder already queued for the upcoming consultation must not go out after it is cancelled.
    await db.execute(
        "INSERT INTO outbox (kind, recipient, render, message_id, dedupe_key, booking_id)"
        " VALUES ('booking_reminder', $1, '{\"renderer\": \"booking\"}', '<r1@consult>', 'reminder-x', $2)",
        "lawyer@example.org",
        upcoming["id"],
    )
    csrf = await member_login(client, db, settings, member)
    request = await (await client.post("/api/v1/me/erasure", headers={"X-CSRF-Token": csrf})).json()
    client.session.cookie_jar.clear()
    staff = await factory.user("staff")
    staff_csrf = await login(client, staff)
    done = await client.post(
        f"/api/v1/erasure-requests/{request['id']}/confirm", headers={"X-CSRF-Token": staff_csrf}
    )
    assert done.status == 200, await done.text()

    row = await db.fetchrow(
        "SELECT status, cancelled_by, ical_sequence FROM bookings WHERE id = $1", upcoming["id"]
    )
    assert (row["status"], row["cancelled_by"], row["ical_sequence"]) == ("cancelled", "staff", before + 1)
    event = await db.fetchrow(
        "SELECT actor, actor_id, from_status, to_status, detail::text AS detail FROM booking_events"
        " WHERE booking_id = $1",
        upcoming["id"],
    )
    assert (event["actor"], event["actor_id"], event["from_status"], event["to_status"]) == (
        "staff",
        staff["id"],
        "confirmed",
        "cancelled",
    )
    assert json.loads(event["detail"]) == {"action": "cancel", "reason": "erasure"}
    kinds = [
        r["kind"] for r in await db.fetch("SELECT kind FROM outbox WHERE booking_id = $1", upcoming["id"])
    ]
    assert kinds == ["erasure_cancelled"]
    # The lawyer's cancellation carries the booking's new SEQUENCE, so calendars accept it.
    raw = (await db.fetchval("SELECT message FROM outbox WHERE kind = 'erasure_cancelled'")).decode()
    assert "METHOD:CANCEL" in raw and f"SEQUENCE:{before + 1}" in raw
