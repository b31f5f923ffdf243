"""Members' rights cover written questions: the export holds them, erasure and retention empty them."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg

from consult import keys
from consult.privacy.openapi import SCHEMAS
from consult.privacy.retention import run_retention
from consult.questions import queries, storage
from tests.conftest import Factory, login
from tests.privacy.test_privacy import NOW, mail
from tests.questions import conftest as questions_fixtures
from tests.questions.conftest import PDF, PNG, QUESTION, api_token, insert_question, stored_files
from tests.reports.conftest import assert_matches_schema, consultation, long_time_members, member_login

# Attachments go to a temporary folder, as in the questions' own tests.
attachments_dir = questions_fixtures.attachments_dir
settings = questions_fixtures.settings

ANSWER = "Перевод без согласия недопустим, обратитесь в комиссию по трудовым спорам."


async def asked(
    client: Any,
    factory: Factory,
    member: dict[str, Any],
    *,
    lawyer: dict[str, Any] | None = None,
    answer: str | None = None,
    thread: tuple[tuple[str, str], ...] = (),
    files: tuple[tuple[str, str, bytes], ...] = (),
    membership_no: str | None = None,
) -> dict[str, Any]:
    """A question of `member`, held by `lawyer` (answered when `answer` is given), with its thread and
    files stored as the service stores them; the dict carries the stored file names in 'files'."""
    status = "new" if lawyer is None else "assigned"
    question = await insert_question(
        factory, member=member, status=status, lawyer_id=None if lawyer is None else lawyer["id"]
    )
    conn, qid = factory.conn, question["id"]
    await conn.execute("UPDATE questions SET membership_no = $2 WHERE id = $1", qid, membership_no)
    if answer is not None:
        await conn.execute(
            "UPDATE questions SET status = 'answered', answer = $2, answered_at = now() WHERE id = $1",
            qid,
            answer,
        )
    for author, body in thread:
        author_id = member["id"] if author == "member" or lawyer is None else lawyer["id"]
        await queries.add_message(conn, qid, author, author_id, body)
    names = await storage.store(client.app[keys.SETTINGS], [data for _n, _t, data in files])
    for (filename, content_type, data), name in zip(files, names, strict=True):
        await queries.insert_attachment(conn, qid, filename, content_type, len(data), name)
    return {**question, "files": names}


async def test_the_export_holds_the_members_questions_threads_and_file_names_and_nobody_elses(
    client: Any, factory: Factory, db: asyncpg.Connection, settings: Any, attachments_dir: Path
) -> None:
    lawyer = await factory.lawyer(name="Lawyer Karimova")
    aizhan = await factory.user("member", email="aizhan@example.org", name="Айжан Сапарова", password=None)
    bolat = await factory.user("member", email="bolat@example.org", name="Болат Ерланов", password=None)
    answered = await asked(
        client,
        factory,
        aizhan,
        lawyer=lawyer,
        answer=ANSWER,
        thread=(("lawyer", "Когда вам вручили приказ?"), ("member", "Вчера, без подписи.")),
        files=(("Приказ №12.pdf", "application/pdf", PDF),),
        membership_no="KZ-1234",
    )
    waiting = await asked(client, factory, aizhan)
    await asked(
        client,
        factory,
        bolat,
        lawyer=lawyer,
        thread=(("member", "Болат пишет юристу"),),
        files=(("болат.png", "image/png", PNG),),
    )

    await member_login(client, db, settings, aizhan)
    response = await client.get("/api/v1/me/export")
    assert response.status == 200
    text = await response.text()
    data = json.loads(text)
    assert_matches_schema(data, SCHEMAS, "MemberExport")
    assert [q["id"] for q in data["questions"]] == [answered["id"], waiting["id"]]
    first, second = data["questions"]
    messages = await db.fetch(
        "SELECT id, created_at FROM question_messages WHERE question_id = $1 ORDER BY id", answered["id"]
    )
    [attachment] = await db.fetch(
        "SELECT id, created_at FROM question_attachments WHERE question_id = $1", answered["id"]
    )
    assert {
        k: first[k]
        for k in first
        if k not in ("consent_at", "created_at", "due_at", "answered_at", "updated_at")
    } == {
        "id": answered["id"],
        "status": "answered",
        "topic": "dismissal",
        "lawyer_name": "Lawyer Karimova",
        "member_name": "Айжан Сапарова",
        "member_email": "aizhan@example.org",
        "membership_no": "KZ-1234",
        "question": QUESTION,
        "answer": ANSWER,
        "language": "ru",
        "timezone": "Asia/Almaty",
        "consent_version": "test",
        "personal_data_erased_at": None,
        "messages": [
            {
                "id": messages[0]["id"],
                "author": "lawyer",
                "body": "Когда вам вручили приказ?",
                "created_at": messages[0]["created_at"].isoformat(),
            },
            {
                "id": messages[1]["id"],
                "author": "member",
                "body": "Вчера, без подписи.",
                "created_at": messages[1]["created_at"].isoformat(),
            },
        ],
        "attachments": [
            {
                "id": attachment["id"],
                "filename": "Приказ №12.pdf",
                "content_type": "application/pdf",
                "size": len(PDF),
                "created_at": attachment["created_at"].isoformat(),
            }
        ],
    }
    assert (second["status"], second["lawyer_name"], second["messages"], second["attachments"]) == (
        "new",
        None,
        [],
        [],
    )
    # The files are described, never included, and their names on disk stay private.
    assert "%PDF" not in text and answered["files"][0] not in text
    for foreign in ("Болат", "bolat@example.org", "болат.png"):
        assert foreign not in text


async def test_staff_confirmed_erasure_closes_open_questions_and_erases_their_texts_files_and_links(
    client: Any, factory: Factory, db: asyncpg.Connection, settings: Any, attachments_dir: Path
) -> None:
    lawyer = await factory.lawyer()
    member = await factory.user("member", name="Айжан Сапарова", password=None)
    other = await factory.user("member", name="Болат Ерланов", password=None)
    answered = await asked(
        client,
        factory,
        member,
        lawyer=lawyer,
        answer=ANSWER,
        thread=(("lawyer", "Когда вам вручили приказ?"), ("member", "Вчера, без подписи.")),
        files=(("Приказ.pdf", "application/pdf", PDF),),
        membership_no="KZ-1234",
    )
    in_work = await asked(client, factory, member, lawyer=lawyer, files=(("скан.png", "image/png", PNG),))
    theirs = await asked(client, factory, other, lawyer=lawyer, files=(("их.pdf", "application/pdf", PDF),))
    assert set(stored_files(attachments_dir)) == {*answered["files"], *in_work["files"], *theirs["files"]}
    kept = "SELECT id, status, topic_id, assigned_lawyer_id, created_at, due_at, answered_at FROM questions ORDER BY id"
    before = [dict(r) for r in await db.fetch(kept)]

    csrf = await member_login(client, db, settings, member)
    request = await (await client.post("/api/v1/me/erasure", headers={"X-CSRF-Token": csrf})).json()
    client.session.cookie_jar.clear()
    staff_csrf = await login(client, await factory.user("staff"))
    confirmed = await client.post(
        f"/api/v1/erasure-requests/{request['id']}/confirm", headers={"X-CSRF-Token": staff_csrf}
    )
    assert confirmed.status == 200
    done = await confirmed.json()
    assert_matches_schema(done, SCHEMAS, "ErasureDone")
    assert done == {
        "id": request["id"],
        "status": "done",
        "cancelled": 0,
        "bookings": 0,
        "closed_questions": 1,
        "questions": 2,
    }

    # The rows stay for counts; the open one is closed; names and texts are gone.
    after = [dict(r) for r in await db.fetch(kept)]
    assert after == [before[0], {**before[1], "status": "closed"}, before[2]]
    rows = await db.fetch(
        "SELECT id, member_name, member_email, membership_no, question, answer,"
        " personal_data_erased_at IS NOT NULL AS erased FROM questions ORDER BY id"
    )
    assert [dict(r) for r in rows] == [
        {
            "id": answered["id"],
            "member_name": "—",
            "member_email": "erased@invalid",
            "membership_no": None,
            "question": "",
            "answer": "",
            "erased": True,
        },
        {
            "id": in_work["id"],
            "member_name": "—",
            "member_email": "erased@invalid",
            "membership_no": None,
            "question": "",
            "answer": None,
            "erased": True,
        },
        {
            "id": theirs["id"],
            "member_name": "Болат Ерланов",
            "member_email": other["email"],
            "membership_no": None,
            "question": QUESTION,
            "answer": None,
            "erased": False,
        },
    ]
    # Threads, files (rows and bytes on disk) and the member's links are gone; the other member's stay.
    for table in ("question_messages", "question_attachments", "question_links"):
        left = await db.fetch(f"SELECT DISTINCT question_id FROM {table}")
        assert [r["question_id"] for r in left] in ([], [theirs["id"]]), table
    assert stored_files(attachments_dir) == {theirs["files"][0]: PDF}
    assert (await client.get(f"/q/{answered['token']}")).status == 404
    assert (await client.get(f"/api/v1/questions/manage/{in_work['token']}")).status == 404
    # The lawyer no longer works on the closed question, and nothing of it can reach the archive.
    auth = await api_token(factory, lawyer)
    queue = await (await client.get("/api/v1/questions/queue", headers=auth)).json()
    assert [q["id"] for q in queue["mine"]] == [theirs["id"]]
    late = await client.post(
        f"/api/v1/questions/{in_work['id']}/answer", json={"answer": ANSWER}, headers=auth
    )
    assert late.status == 409
    assert await queries.question_for_archive(db, answered["id"]) is None
    audit = await db.fetchval("SELECT detail FROM audit_log WHERE action = 'privacy.erasure_confirmed'")
    assert json.loads(audit) == {
        "request_id": request["id"],
        "cancelled": 0,
        "bookings": 0,
        "closed_questions": 1,
        "questions": 2,
    }


async def test_retention_erases_old_answered_and_closed_questions_and_keeps_recent_ones(
    client: Any, factory: Factory, db: asyncpg.Connection, attachments_dir: Path
) -> None:
    lawyer = await factory.lawyer()
    gone, stays = await long_time_members(factory, "Старый Участник", "Недавний Участник")
    old = await asked(
        client,
        factory,
        gone,
        lawyer=lawyer,
        answer=ANSWER,
        thread=(("lawyer", "Когда вам вручили приказ?"),),
        files=(("Приказ.pdf", "application/pdf", PDF),),
        membership_no="M-1",
    )
    old_closed = await asked(client, factory, stays, lawyer=lawyer, files=(("скан.png", "image/png", PNG),))
    recent = await asked(
        client, factory, stays, lawyer=lawyer, answer=ANSWER, files=(("новый.pdf", "application/pdf", PDF),)
    )
    await db.execute("UPDATE questions SET status = 'closed' WHERE id = $1", old_closed["id"])
    await db.execute(
        "UPDATE questions SET answered_at = answered_at - interval '25 months', updated_at = now() - interval '25 months'"
        " WHERE id = ANY($1)",
        [old["id"], old_closed["id"]],
    )
    await db.execute(
        "UPDATE questions SET updated_at = now() - interval '23 months' WHERE id = $1", recent["id"]
    )
    # The recent member's consultations are all old: only their recent question keeps them.
    await consultation(factory, lawyer, member=stays, start=NOW - timedelta(days=800))
    failed = await mail(db, gone["email"], None, status="failed", age_days=700)
    await db.execute(
        "UPDATE outbox SET dedupe_key = $2 WHERE id = $1", failed, f"question:{old['id']}:answered"
    )
    counts = "SELECT status, topic_id, count(*) FROM questions GROUP BY 1, 2 ORDER BY 1, 2"
    before = await db.fetch(counts)

    assert await run_retention(client.app) == 1 + 2 + 1  # one booking, two questions, one member
    assert await run_retention(client.app) == 0

    assert await db.fetch(counts) == before
    rows = await db.fetch(
        "SELECT id, status, member_name, membership_no, question, answer,"
        " personal_data_erased_at IS NOT NULL AS erased FROM questions ORDER BY id"
    )
    assert [tuple(r) for r in rows] == [
        (old["id"], "answered", "—", None, "", "", True),
        (old_closed["id"], "closed", "—", None, "", None, True),
        (recent["id"], "answered", "Недавний Участник", None, QUESTION, ANSWER, False),
    ]
    assert stored_files(attachments_dir) == {recent["files"][0]: PDF}
    assert await db.fetchval("SELECT count(*) FROM question_messages") == 0
    assert [r["question_id"] for r in await db.fetch("SELECT question_id FROM question_attachments")] == [
        recent["id"]
    ]
    assert [r["question_id"] for r in await db.fetch("SELECT question_id FROM question_links")] == [
        recent["id"]
    ]
    assert await db.fetchval("SELECT count(*) FROM outbox WHERE id = $1", failed) == 0
    users = await db.fetch("SELECT id, name, active FROM users WHERE role = 'member' ORDER BY id")
    assert [tuple(u) for u in users] == [(gone["id"], "—", False), (stays["id"], "Недавний Участник", True)]
    audit = await db.fetchval("SELECT detail FROM audit_log WHERE action = 'privacy.retention'")
    assert json.loads(audit) == {"bookings": 1, "questions": 2, "members": 1, "months": 24}
