"""Lawyers take questions from their topics' queue, ask back through a private thread, and answer."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import asyncpg

from consult import keys
from consult.questions import queries, storage
from tests.conftest import Factory
from tests.questions.conftest import PDF, QUESTION, api_token, insert_question, outbox_messages, text_of

LINK = re.compile(r"http://127\.0\.0\.1/q/([A-Za-z0-9_-]{43})")


async def test_two_lawyers_taking_the_same_question_at_once_one_wins(
    client: Any, db: asyncpg.Connection, factory: Factory
) -> None:
    first, second = await factory.lawyer(), await factory.lawyer()
    headers = {first["id"]: await api_token(factory, first), second["id"]: await api_token(factory, second)}
    for _round in range(5):
        question = await insert_question(factory)
        url = f"/api/v1/questions/{question['id']}/take"
        responses = await asyncio.gather(
            client.post(url, headers=headers[first["id"]]),
            client.post(url, headers=headers[second["id"]]),
        )
        by_status = {r.status: r for r in responses}
        assert sorted(by_status) == [200, 409]
        won = await by_status[200].json()
        assert await by_status[409].json() == {
            "error": {"code": "already_taken", "message": "Этот вопрос уже взял другой юрист."}
        }
        row = await db.fetchrow(
            "SELECT status, assigned_lawyer_id FROM questions WHERE id = $1", question["id"]
        )
        assert dict(row) == {"status": "assigned", "assigned_lawyer_id": won["lawyer"]["id"]}
        assert won["status"] == "assigned" and won["member"]["email"] == question["member_email"]
        assert (
            await db.fetchval(
                "SELECT count(*) FROM audit_log WHERE action = 'question_take' AND object_id = $1",
                str(question["id"]),
            )
            == 1
        )


async def test_a_lawyer_sees_only_the_queue_of_the_topics_they_consult_in(
    client: Any, factory: Factory
) -> None:
    lawyer = await factory.lawyer(topics=("dismissal", "leave"))
    mine = await insert_question(factory, topic="dismissal")
    other = await insert_question(factory, topic="pay")
    held = await insert_question(factory, topic="leave", status="assigned", lawyer_id=lawyer["id"])
    response = await client.get("/api/v1/questions/queue", headers=await api_token(factory, lawyer))
    assert response.status == 200
    body = await response.json()
    assert [q["id"] for q in body["items"]] == [mine["id"]]
    assert [q["id"] for q in body["mine"]] == [held["id"]]
    assert set(body["items"][0]) == {"id", "status", "topic", "language", "created_at", "due_at", "excerpt"}
    assert body["items"][0]["excerpt"] == QUESTION[:200]
    # A question of another topic cannot be taken by guessing its id.
    take = await client.post(
        f"/api/v1/questions/{other['id']}/take", headers=await api_token(factory, lawyer)
    )
    assert take.status == 404


async def test_lawyer_asks_back_the_member_replies_and_the_lawyer_answers(
    client: Any, db: asyncpg.Connection, factory: Factory
) -> None:
    lawyer = await factory.lawyer(language="en")
    auth = await api_token(factory, lawyer)
    member = await factory.user("member", password=None, language="kk")
    question = await insert_question(factory, member=member)
    await db.execute("UPDATE questions SET language = 'kk' WHERE id = $1", question["id"])
    qid = question["id"]
    assert (await client.post(f"/api/v1/questions/{qid}/take", headers=auth)).status == 200

    response = await client.post(
        f"/api/v1/questions/{qid}/messages", json={"body": "Когда вам вручили приказ?"}, headers=auth
    )
    assert response.status == 201
    detail = await response.json()
    assert detail["status"] == "waiting_member"
    assert [(m["author"], m["body"]) for m in detail["messages"]] == [("lawyer", "Когда вам вручили приказ?")]
    [(recipient, followup)] = await outbox_messages(db, "question_followup")
    assert recipient == member["email"] and followup["Subject"] == "Заңгердің сізге сұрағы бар"
    assert "Когда вам вручили приказ?" not in text_of(followup)  # the thread stays on the site
    link = LINK.search(text_of(followup))
    assert link is not None

    # The member opens the fresh link from that email and replies through the page.
    page = await client.get(f"/q/{link[1]}", params={"lang": "ru"})
    html = await page.text()
    assert "Когда вам вручили приказ?" in html and "Ответить юристу" in html
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert csrf is not None
    reply = await client.post(
        f"/q/{link[1]}", data={"csrf_token": csrf[1], "body": "Вчера, без подписи."}, allow_redirects=False
    )
    assert reply.status == 303 and reply.headers["Location"] == f"/q/{link[1]}?sent=1"
    assert await db.fetchval("SELECT status FROM questions WHERE id = $1", qid) == "assigned"
    [(to_lawyer, replied)] = await outbox_messages(db, "question_member_replied")
    assert to_lawyer == lawyer["email"]
    assert replied["Subject"] == f"The member replied to your follow-up question (question {qid})"
    assert f"http://127.0.0.1/questions/{qid}" in text_of(replied)

    answer = "Перевод без согласия недопустим (статья 30 Трудового кодекса). Обратитесь с заявлением."
    response = await client.post(f"/api/v1/questions/{qid}/answer", json={"answer": answer}, headers=auth)
    assert response.status == 200
    body = await response.json()
    assert body["status"] == "answered" and body["answer"] == answer
    assert [(m["author"], m["body"]) for m in body["messages"]] == [
        ("lawyer", "Когда вам вручили приказ?"),
        ("member", "Вчера, без подписи."),
    ]
    [(recipient, answered)] = await outbox_messages(db, "question_answered")
    assert recipient == member["email"] and answered["Subject"] == "Сұрағыңызға жауап берілді"
    final = LINK.search(text_of(answered))
    assert final is not None
    page = await client.get(f"/q/{final[1]}", params={"lang": "kk"})
    html = await page.text()
    assert answer in html and "Заңгердің жауабы" in html and "Заңгерге жауап беру" not in html
    member_view = await (await client.get(f"/api/v1/questions/manage/{final[1]}")).json()
    assert member_view["status"] == "answered" and member_view["answer"] == answer
    assert "email" not in str(member_view.get("lawyer"))

    again = await client.post(f"/api/v1/questions/{qid}/answer", json={"answer": "ещё"}, headers=auth)
    assert again.status == 409 and (await again.json())["error"]["code"] == "invalid_state"


async def test_another_members_question_answers_404(
    client: Any, db: asyncpg.Connection, factory: Factory
) -> None:
    mine = await insert_question(factory)
    theirs = await insert_question(factory)
    # A member reaches a question only through its secret link; it opens that question and no other.
    own = await client.get(f"/api/v1/questions/manage/{mine['token']}")
    assert own.status == 200 and (await own.json())["id"] == mine["id"]
    for path in (f"/q/{mine['token'][:-1]}x", f"/api/v1/questions/manage/{theirs['id']}", "/q/" + "A" * 43):
        response = await client.get(path, headers={"Accept": "application/json"})
        assert response.status == 404, path
        assert (await response.json())["error"]["code"] == "not_found"
    reply = await client.post(f"/api/v1/questions/manage/{'B' * 43}/messages", json={"body": "hello"})
    assert reply.status == 404
    # Without an account, the lawyer's view of the other question is closed.
    assert (await client.get(f"/api/v1/questions/{theirs['id']}")).status == 401


async def test_a_lawyer_who_has_not_taken_a_question_sees_only_its_queue_summary(
    client: Any, db: asyncpg.Connection, factory: Factory
) -> None:
    holder, other = await factory.lawyer(), await factory.lawyer()
    question = await insert_question(factory, status="assigned", lawyer_id=holder["id"])
    await db.execute(
        "INSERT INTO question_attachments (question_id, filename, content_type, size_bytes, storage_name)"
        " VALUES ($1, 'a.pdf', 'application/pdf', 10, $2)",
        question["id"],
        "0" * 32,
    )
    attachment_id = await db.fetchval("SELECT id FROM question_attachments")
    auth = await api_token(factory, other)
    qid = question["id"]
    attempts = [
        client.get(f"/api/v1/questions/{qid}", headers=auth),
        client.post(f"/api/v1/questions/{qid}/messages", json={"body": "?"}, headers=auth),
        client.post(f"/api/v1/questions/{qid}/answer", json={"answer": "!"}, headers=auth),
        client.get(f"/questions/{qid}/attachments/{attachment_id}", headers=auth),
        client.get(f"/questions/{qid}", headers=auth),
    ]
    for response in await asyncio.gather(*attempts):
        assert response.status == 404, response.url
    assert await db.fetchval("SELECT count(*) FROM question_messages") == 0
    assert await db.fetchval("SELECT status FROM questions WHERE id = $1", qid) == "assigned"


async def test_the_lawyer_downloads_an_attachment_as_a_file_of_its_checked_type(
    client: Any, db: asyncpg.Connection, factory: Factory
) -> None:
    response = await client.post(
        "/api/v1/questions",
        json={
            "topic": "dismissal",
            "question": QUESTION,
            "name": "Айгуль",
            "email": "a@example.kz",
            "consent": True,
        },
    )
    assert response.status == 201
    qid = (await response.json())["id"]
    lawyer = await factory.lawyer()
    auth = await api_token(factory, lawyer)
    await client.post(f"/api/v1/questions/{qid}/take", headers=auth)
    # Store a file through the service's own storage, as the page form does.
    [name] = await storage.store(client.app[keys.SETTINGS], [PDF])
    await db.execute(
        "INSERT INTO question_attachments (question_id, filename, content_type, size_bytes, storage_name)"
        " VALUES ($1, 'Приказ.pdf', 'application/pdf', $2, $3)",
        qid,
        len(PDF),
        name,
    )
    detail = await (await client.get(f"/api/v1/questions/{qid}", headers=auth)).json()
    [attachment] = detail["attachments"]
    download = await client.get(attachment["url"], headers=auth)
    assert download.status == 200
    assert await download.read() == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"] == (
        f'attachment; filename="attachment-{attachment["id"]}.pdf"; '
        "filename*=UTF-8''%D0%9F%D1%80%D0%B8%D0%BA%D0%B0%D0%B7.pdf"
    )
    staff = await factory.user("staff")
    assert (await client.get(attachment["url"], headers=await api_token(factory, staff))).status == 200


async def test_a_take_waiting_on_another_lawyers_uncommitted_take_finds_the_question_gone(
    db_url: str, factory: Factory
) -> None:
    first, second = await factory.lawyer(), await factory.lawyer()
    question = await insert_question(factory)
    pool = await asyncpg.create_pool(db_url, min_size=2, max_size=2)
    try:
        async with pool.acquire() as one, pool.acquire() as two:
            tx = one.transaction()
            await tx.start()
            assert await queries.take(one, question["id"], first["id"])
            # The second lawyer's statement waits on the row lock, then re-checks the committed row.
            waiting = asyncio.ensure_future(queries.take(two, question["id"], second["id"]))
            await asyncio.sleep(0.2)
            assert not waiting.done()
            await tx.commit()
            assert await waiting is False
    finally:
        await pool.close()
    assert (
        await factory.conn.fetchval("SELECT assigned_lawyer_id FROM questions WHERE id = $1", question["id"])
        == first["id"]
    )
