"""Staff turn a consultation into an anonymized archive entry through the API."""

from __future__ import annotations

import json
from typing import Any

import asyncpg

from tests.conftest import Factory, login

QUESTION = (
    "Здравствуйте! Меня зовут Ахметова Гульнара Сериковна, я учитель в КГУ «Общеобразовательная школа №17». "
    "Директор отозвал меня из отпуска. Мой телефон +7 701 234 56 78."
)
ANSWER = "Отзыв из отпуска возможен только с вашего согласия (статья 94 Трудового кодекса)."


async def completed_booking(factory: Factory, db: asyncpg.Connection) -> dict[str, Any]:
    lawyer = await factory.lawyer(topics=("leave",))
    member = await factory.user("member", name="Ахметова Гульнара Сериковна", password=None)
    booking = await factory.booking(
        lawyer, member=member, topic="leave", question=QUESTION, status="completed"
    )
    await db.execute("UPDATE bookings SET answer = $2 WHERE id = $1", booking["id"], ANSWER)
    return booking


async def test_staff_start_a_draft_from_a_completed_consultation_and_see_every_finding(
    client: Any, staff_headers: dict[str, str], factory: Factory, db: asyncpg.Connection
) -> None:
    booking = await completed_booking(factory, db)
    response = await client.post("/api/v1/faq", json={"booking_id": booking["id"]}, headers=staff_headers)
    assert response.status == 201, await response.text()
    body = await response.json()
    assert body["status"] == "draft"
    assert body["question"] == QUESTION
    assert body["answer"] == ANSWER
    assert body["topic"] == "leave" and body["language"] == "ru" and body["booking_id"] == booking["id"]
    found = [(r["field"], r["kind"], r["text"], r["state"]) for r in body["redactions"]]
    assert found == [
        ("question", "person", "Ахметова Гульнара Сериковна", "open"),
        ("question", "organization", "КГУ «Общеобразовательная школа №17»", "open"),
        ("question", "phone", "+7 701 234 56 78", "open"),
    ]
    for r in body["redactions"]:
        assert QUESTION[r["start"] : r["end"]] == r["text"]


async def test_accepting_a_finding_puts_a_placeholder_and_keeps_the_other_offsets_right(
    client: Any, staff_headers: dict[str, str], factory: Factory, db: asyncpg.Connection
) -> None:
    booking = await completed_booking(factory, db)
    draft = await (
        await client.post("/api/v1/faq", json={"booking_id": booking["id"]}, headers=staff_headers)
    ).json()
    person, school, phone = draft["redactions"]

    response = await client.post(
        f"/api/v1/faq/{draft['id']}/redactions/{person['id']}",
        json={"action": "accept"},
        headers=staff_headers,
    )
    assert response.status == 200, await response.text()
    entry = await response.json()
    assert entry["question"].startswith("Здравствуйте! Меня зовут [ФИО], я учитель")
    by_id = {r["id"]: r for r in entry["redactions"]}
    assert by_id[person["id"]]["state"] == "accepted" and by_id[person["id"]]["replacement"] == "[ФИО]"
    for rid in (school["id"], phone["id"]):
        r = by_id[rid]
        assert entry["question"][r["start"] : r["end"]] == r["text"]

    # An edited replacement, longer than the text it replaces.
    response = await client.post(
        f"/api/v1/faq/{draft['id']}/redactions/{school['id']}",
        json={"action": "accept", "replacement": "[одна из городских школ]"},
        headers=staff_headers,
    )
    entry = await response.json()
    r = {r["id"]: r for r in entry["redactions"]}[phone["id"]]
    assert entry["question"][r["start"] : r["end"]] == "+7 701 234 56 78"

    response = await client.post(
        f"/api/v1/faq/{draft['id']}/redactions/{phone['id']}",
        json={"action": "dismiss"},
        headers=staff_headers,
    )
    entry = await response.json()
    assert [r["state"] for r in entry["redactions"]] == ["accepted", "accepted", "dismissed"]
    assert "[одна из городских школ]" in entry["question"]

    again = await client.post(
        f"/api/v1/faq/{draft['id']}/redactions/{phone['id']}",
        json={"action": "accept"},
        headers=staff_headers,
    )
    assert again.status == 409
    assert (await again.json())["error"]["code"] == "invalid_state"


async def test_publishing_with_open_findings_is_refused_until_forced_with_a_reason(
    client: Any,
    staff_headers: dict[str, str],
    factory: Factory,
    db: asyncpg.Connection,
    staff: dict[str, Any],
) -> None:
    booking = await completed_booking(factory, db)
    draft = await (
        await client.post("/api/v1/faq", json={"booking_id": booking["id"]}, headers=staff_headers)
    ).json()

    response = await client.post(f"/api/v1/faq/{draft['id']}/publish", json={}, headers=staff_headers)
    assert response.status == 409
    assert (await response.json())["error"]["code"] == "unresolved_redactions"
    assert await db.fetchval("SELECT status FROM archive_entries WHERE id = $1", draft["id"]) == "draft"

    response = await client.post(
        f"/api/v1/faq/{draft['id']}/publish", json={"force": True}, headers=staff_headers
    )
    assert response.status == 400
    assert set((await response.json())["error"]["fields"]) == {"reason"}

    response = await client.post(
        f"/api/v1/faq/{draft['id']}/publish",
        json={"force": True, "reason": "Имя — вымышленное, согласовано с членом профсоюза"},
        headers=staff_headers,
    )
    assert response.status == 200, await response.text()
    entry = await response.json()
    assert entry["status"] == "published"
    assert entry["forced_publish_reason"] == "Имя — вымышленное, согласовано с членом профсоюза"
    assert entry["slug"].endswith(f"-{draft['id']}")
    audit = await db.fetchrow(
        "SELECT actor_id, detail FROM audit_log WHERE action = 'archive_publish' AND object_id = $1",
        str(draft["id"]),
    )
    assert audit["actor_id"] == staff["id"]
    assert json.loads(audit["detail"]) == {"forced": True, "open_findings": 3}


async def test_a_resolved_draft_publishes_without_force_and_forgets_the_replaced_text(
    client: Any, staff_headers: dict[str, str], factory: Factory, db: asyncpg.Connection
) -> None:
    booking = await completed_booking(factory, db)
    draft = await (
        await client.post("/api/v1/faq", json={"booking_id": booking["id"]}, headers=staff_headers)
    ).json()
    for r in draft["redactions"]:
        await client.post(
            f"/api/v1/faq/{draft['id']}/redactions/{r['id']}",
            json={"action": "accept"},
            headers=staff_headers,
        )
    response = await client.post(f"/api/v1/faq/{draft['id']}/publish", headers=staff_headers)
    assert response.status == 200, await response.text()
    entry = await response.json()
    assert entry["question"] == (
        "Здравствуйте! Меня зовут [ФИО], я учитель в [школа]. Директор отозвал меня из отпуска. "
        "Мой телефон [телефон]."
    )
    assert entry["forced_publish_reason"] is None
    assert entry["slug"] == f"zdravstvuite-menya-zovut-fio-ya-uchitel-v-shkola-direktor-{draft['id']}"
    assert [r["text"] for r in entry["redactions"]] == ["", "", ""]
    assert "Ахметова" not in str(await db.fetch("SELECT * FROM archive_redactions"))


async def test_editing_a_draft_computes_the_findings_anew_and_remembers_dismissals(
    client: Any, staff_headers: dict[str, str]
) -> None:
    created = await client.post(
        "/api/v1/faq",
        json={
            "question": "Приказ подписал Оспанов, можно ли так?",
            "answer": "Звоните 87771234567.",
            "topic": "pay",
            "language": "ru",
        },
        headers=staff_headers,
    )
    draft = await created.json()
    assert [(r["field"], r["kind"]) for r in draft["redactions"]] == [
        ("question", "person"),
        ("answer", "phone"),
    ]
    person = draft["redactions"][0]
    await client.post(
        f"/api/v1/faq/{draft['id']}/redactions/{person['id']}",
        json={"action": "dismiss"},
        headers=staff_headers,
    )
    response = await client.patch(
        f"/api/v1/faq/{draft['id']}",
        json={"answer": "Пишите на teacher@example.kz, Оспанов ответит."},
        headers=staff_headers,
    )
    assert response.status == 200, await response.text()
    entry = await response.json()
    assert entry["question"] == "Приказ подписал Оспанов, можно ли так?"
    assert [(r["field"], r["kind"], r["text"], r["state"]) for r in entry["redactions"]] == [
        ("question", "person", "Оспанов", "dismissed"),
        ("answer", "email", "teacher@example.kz", "open"),
        ("answer", "person", "Оспанов", "open"),
    ]


async def test_a_draft_needs_a_question_a_known_topic_and_language(
    client: Any, staff_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/faq",
        json={"question": "", "answer": 5, "topic": "nope", "language": "de"},
        headers=staff_headers,
    )
    assert response.status == 400
    assert set((await response.json())["error"]["fields"]) == {"question", "answer", "topic", "language"}


async def test_members_and_visitors_cannot_touch_drafts(client: Any, factory: Factory) -> None:
    response = await client.post("/api/v1/faq", json={"question": "?", "topic": "pay", "language": "ru"})
    assert response.status == 401
    lawyer = await factory.lawyer()
    token = await login(client, lawyer)
    response = await client.post(
        "/api/v1/faq",
        json={"question": "?", "topic": "pay", "language": "ru"},
        headers={"X-CSRF-Token": token},
    )
    assert response.status == 403


async def test_withdrawn_entries_leave_the_api_search_and_sitemap(
    client: Any, staff_headers: dict[str, str], archive: Any
) -> None:
    entry = await archive.publish(
        "Сколько дней отпуска у педагога?", "Педагогам положено 56 календарных дней."
    )
    assert (await client.get(f"/api/v1/faq/{entry['id']}")).status == 200
    assert (await (await client.get("/api/v1/faq", params={"q": "педагог"})).json())["total"] == 1
    assert entry["slug"] in await (await client.get("/sitemap.xml")).text()

    response = await client.post(f"/api/v1/faq/{entry['id']}/withdraw", headers=staff_headers)
    assert response.status == 200
    assert (await response.json())["status"] == "withdrawn"
    assert (await client.get(f"/api/v1/faq/{entry['id']}")).status == 404
    assert (await client.get(f"/faq/{entry['slug']}")).status == 404
    assert await (await client.get("/api/v1/faq", params={"q": "педагог"})).json() == {
        "total": 0,
        "total_exact": True,
        "items": [],
    }
    assert entry["slug"] not in await (await client.get("/sitemap.xml")).text()
