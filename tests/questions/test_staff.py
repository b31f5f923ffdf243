"""Staff watch the promised times in working days, reassign questions and start archive drafts."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from consult.questions import queries
from consult.questions.deadlines import due_soon_cutoff
from tests.conftest import Factory, login
from tests.questions.conftest import api_token, insert_question, outbox_messages, text_of

ALMATY = ZoneInfo("Asia/Almaty")


def at(day: str, clock: str = "10:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=ALMATY)


async def test_the_overdue_list_counts_working_days_across_nauryz(
    db: asyncpg.Connection, factory: Factory
) -> None:
    # Asked the Friday before Nauryz: five working days end on 1 April, not on 27 March.
    before_nauryz = await insert_question(factory, created_at=at("2026-03-20"))
    # Asked the Monday before: four days that week, Nauryz 21-25 March, the fifth day is 26 March.
    week_before = await insert_question(factory, created_at=at("2026-03-16"))
    after_nauryz = await insert_question(factory, created_at=at("2026-03-27"))
    answered = await insert_question(factory, created_at=at("2026-03-10"))
    await db.execute("UPDATE questions SET status = 'closed' WHERE id = $1", answered["id"])
    assert before_nauryz["due_at"] == at("2026-04-01", "18:00")
    assert week_before["due_at"] == at("2026-03-26", "18:00")
    assert after_nauryz["due_at"] == at("2026-04-03", "18:00")

    now = at("2026-03-31", "12:00")
    rows = await queries.watchlist(db, now, due_soon_cutoff(now))
    assert [(r["id"], r["overdue"]) for r in rows] == [
        (week_before["id"], True),
        (before_nauryz["id"], False),
    ]

    # Two days later the question asked before Nauryz is overdue too, and the next one is due soon.
    now = at("2026-04-02", "09:00")
    rows = await queries.watchlist(db, now, due_soon_cutoff(now))
    assert [(r["id"], r["overdue"]) for r in rows] == [
        (week_before["id"], True),
        (before_nauryz["id"], True),
        (after_nauryz["id"], False),
    ]


async def test_the_overdue_list_skips_independence_day(db: asyncpg.Connection, factory: Factory) -> None:
    question = await insert_question(factory, created_at=at("2026-12-15"))
    assert question["due_at"] == at("2026-12-23", "18:00")  # 16 December and the weekend do not count
    late = at("2026-12-23", "18:30")
    assert [r["id"] for r in await queries.watchlist(db, late, due_soon_cutoff(late))] == [question["id"]]
    early = at("2026-12-21", "12:00")  # due in two working days: not yet close to the limit
    assert await queries.watchlist(db, early, due_soon_cutoff(early)) == []


async def test_staff_see_overdue_questions_and_reassign_one_to_another_lawyer(
    client: Any, db: asyncpg.Connection, factory: Factory
) -> None:
    slow = await factory.lawyer(name="Slow Lawyer")
    spare = await factory.lawyer(name="Spare Lawyer", language="en")
    now = datetime.now(UTC)
    overdue = await insert_question(
        factory, created_at=now - timedelta(days=20), status="assigned", lawyer_id=slow["id"]
    )
    fresh = await insert_question(factory, created_at=now)
    staff = await factory.user("staff")
    csrf = await login(client, staff)

    page = await client.get("/staff/questions", params={"lang": "en"})
    assert page.status == 200
    html = await page.text()
    assert f'<a href="/questions/{overdue["id"]}">Question {overdue["id"]}</a>' in html
    assert f"Question {fresh['id']}<" not in html
    assert "Overdue (1)" in html and "Slow Lawyer" in html

    response = await client.post(
        f"/questions/{overdue['id']}/assign",
        data={"csrf_token": csrf, "lawyer_id": str(spare["id"])},
        allow_redirects=False,
    )
    assert response.status == 303 and response.headers["Location"] == f"/questions/{overdue['id']}"
    row = await db.fetchrow("SELECT status, assigned_lawyer_id FROM questions WHERE id = $1", overdue["id"])
    assert dict(row) == {"status": "assigned", "assigned_lawyer_id": spare["id"]}
    [(recipient, message)] = await outbox_messages(db, "question_assigned")
    assert recipient == spare["email"]
    assert message["Subject"] == f"A written question was assigned to you (question {overdue['id']})"
    assert f"http://127.0.0.1/questions/{overdue['id']}" in text_of(message)
    audit = await db.fetchrow("SELECT actor_id, detail FROM audit_log WHERE action = 'question_assign'")
    assert audit["actor_id"] == staff["id"] and json.loads(audit["detail"]) == {
        "from": slow["id"],
        "to": spare["id"],
    }

    # The slow lawyer no longer sees it; the new one does.
    assert (
        await client.get(f"/api/v1/questions/{overdue['id']}", headers=await api_token(factory, slow))
    ).status == 404
    assert (
        await client.get(f"/api/v1/questions/{overdue['id']}", headers=await api_token(factory, spare))
    ).status == 200


async def test_staff_assign_through_the_api_and_a_wrong_lawyer_is_a_field_error(
    client: Any, db: asyncpg.Connection, factory: Factory
) -> None:
    lawyer = await factory.lawyer()
    question = await insert_question(factory)
    auth = {**await api_token(factory, await factory.user("staff", language="en"))}
    wrong = await client.post(
        f"/api/v1/questions/{question['id']}/assign", json={"lawyer_id": 999999}, headers=auth
    )
    assert wrong.status == 400
    assert (await wrong.json())["error"]["fields"] == {"lawyer_id": "Choose a lawyer."}
    response = await client.post(
        f"/api/v1/questions/{question['id']}/assign", json={"lawyer_id": lawyer["id"]}, headers=auth
    )
    assert response.status == 200
    body = await response.json()
    assert body["status"] == "assigned" and body["lawyer"] == {"id": lawyer["id"], "name": lawyer["name"]}
    watch = await client.get("/api/v1/questions/watch", headers=auth)
    assert watch.status == 200 and await watch.json() == {"items": []}


async def test_an_answered_question_gives_the_archive_what_it_needs(
    db: asyncpg.Connection, factory: Factory
) -> None:
    lawyer = await factory.lawyer()
    question = await insert_question(factory, status="assigned", lawyer_id=lawyer["id"])
    assert await queries.question_for_archive(db, question["id"]) is None
    await db.execute(
        "UPDATE questions SET status = 'answered', answer = 'Нет, нельзя.', answered_at = now() WHERE id = $1",
        question["id"],
    )
    assert await queries.question_for_archive(db, question["id"]) == {
        "question": question["question"],
        "answer": "Нет, нельзя.",
        "topic_id": question["topic_id"],
        "language": "ru",
        "member_name": question["member_name"],
    }


async def test_lawyer_and_staff_pages_work_in_three_languages(
    client: Any, db: asyncpg.Connection, factory: Factory
) -> None:
    lawyer = await factory.lawyer()
    waiting = await insert_question(factory)
    csrf = await login(client, lawyer)
    expected = {"ru": "Взять вопрос", "kk": "Сұрақты алу", "en": "Take this question"}
    for lang, button in expected.items():
        page = await client.get("/questions/queue", params={"lang": lang})
        assert page.status == 200 and button in await page.text()
    taken = await client.post(
        f"/questions/{waiting['id']}/take", data={"csrf_token": csrf}, allow_redirects=False
    )
    assert taken.status == 303
    page = await client.get(taken.headers["Location"], params={"lang": "en"})
    html = await page.text()
    assert waiting["member_email"] in html and "Send the answer" in html
    empty = await client.post(f"/questions/{waiting['id']}/answer", data={"csrf_token": csrf, "answer": "  "})
    assert empty.status == 400
    assert '<p class="field-error" id="answer-error">This field is required.</p>' in await empty.text()
    done = await client.post(
        f"/questions/{waiting['id']}/answer",
        data={"csrf_token": csrf, "answer": "Ответ юриста."},
        allow_redirects=False,
    )
    assert done.status == 303
    assert await db.fetchval("SELECT status FROM questions WHERE id = $1", waiting["id"]) == "answered"
    assert re.search(r"Ответ юриста\.", await (await client.get(done.headers["Location"])).text())
