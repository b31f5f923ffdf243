"""Staff turn an answered written question into an archive draft; the redactor finds the asker."""

from __future__ import annotations

from typing import Any

import asyncpg

from tests.conftest import Factory, login
from tests.questions.conftest import insert_question


async def test_staff_start_an_archive_draft_from_an_answered_question_and_the_askers_name_is_flagged(
    client: Any, factory: Factory, db: asyncpg.Connection
) -> None:
    lawyer = await factory.lawyer()
    member = await factory.user("member", password=None, name="Сауле Жанибекова")
    question = await insert_question(factory, status="assigned", lawyer_id=lawyer["id"], member=member)
    await db.execute(
        "UPDATE questions SET question = $2, answer = $3, status = 'answered' WHERE id = $1",
        question["id"],
        "Меня зовут Сауле Жанибекова. Могут ли меня уволить во время декретного отпуска?",
        "Нет: статья 52 Трудового кодекса запрещает увольнение беременных и матерей детей до трёх лет.",
    )
    staff = await factory.user("staff")
    csrf = await login(client, staff)
    page = await client.get(f"/questions/{question['id']}")
    assert page.status == 200 and "/staff/archive/from-question/" in await page.text()

    response = await client.post(
        f"/staff/archive/from-question/{question['id']}", data={"csrf_token": csrf}, allow_redirects=False
    )
    assert response.status == 303
    entry = await db.fetchrow("SELECT * FROM archive_entries WHERE source_question_id = $1", question["id"])
    assert entry is not None and entry["status"] == "draft" and entry["booking_id"] is None
    assert response.headers["Location"] == f"/staff/archive/{entry['id']}"
    findings = await db.fetch("SELECT kind, text FROM archive_redactions WHERE entry_id = $1", entry["id"])
    assert ("person", "Сауле Жанибекова") in [(f["kind"], f["text"]) for f in findings]


async def test_a_question_not_yet_answered_cannot_become_an_archive_draft(
    client: Any, factory: Factory, db: asyncpg.Connection
) -> None:
    question = await insert_question(factory, status="new")
    csrf = await login(client, await factory.user("staff"))
    response = await client.post(
        f"/staff/archive/from-question/{question['id']}", data={"csrf_token": csrf}, allow_redirects=False
    )
    assert response.status == 409
    assert await db.fetchval("SELECT count(*) FROM archive_entries") == 0


async def test_an_integrator_starts_a_draft_from_a_question_through_the_api(
    client: Any, factory: Factory, db: asyncpg.Connection
) -> None:
    from tests.openapi_check import check_response

    lawyer = await factory.lawyer()
    question = await insert_question(factory, status="assigned", lawyer_id=lawyer["id"])
    await db.execute(
        "UPDATE questions SET answer = 'Да, имеют право.', status = 'answered' WHERE id = $1", question["id"]
    )
    csrf = await login(client, await factory.user("staff"))
    response = await client.post(
        "/api/v1/faq", json={"question_id": question["id"]}, headers={"X-CSRF-Token": csrf}
    )
    assert response.status == 201
    body = await response.json()
    check_response("POST", "/api/v1/faq", 201, body)
    assert body["status"] == "draft" and body["answer"] == "Да, имеют право."
    assert (
        await db.fetchval("SELECT source_question_id FROM archive_entries WHERE id = $1", body["id"])
        == question["id"]
    )
