"""Erasing a member reaches the archive drafts made from their consultations and questions (issue 22)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from consult.archive import entries
from consult.privacy.erasure import erase_member
from tests.conftest import Factory
from tests.questions.conftest import insert_question

NAME = "Кенжебаева Алия Серикбаевна"
QUESTION = "Здравствуйте! Меня зовут Кенжебаева Алия Серикбаевна, директор не даёт мне отпуск летом."
ANSWER = "Уважаемая Алия! Отпуск педагогам дают летом, 56 календарных дней."


async def draft(db: asyncpg.Connection, staff: dict[str, Any], **source: Any) -> int:
    new = await entries.read_entry_input(
        db, {"question": QUESTION, "answer": ANSWER, "topic": "leave", "language": "ru"}
    )
    async with db.transaction():
        return await entries.create_draft(db, new, actor_id=staff["id"], names=[NAME], **source)


async def test_erasure_reaches_the_drafts_made_from_the_members_question(
    factory: Factory, db: asyncpg.Connection, settings: Any, staff: dict[str, Any]
) -> None:
    lawyer = await factory.lawyer(topics=("leave",))
    member = await factory.user("member", name=NAME, password=None)
    other = await factory.user("member", name="Омаров Даулет", password=None)
    soon = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=3)
    consultation = await factory.booking(
        lawyer, member=member, topic="leave", question=QUESTION, status="completed", start=soon
    )
    published_from = await factory.booking(
        lawyer,
        member=member,
        topic="leave",
        question=QUESTION,
        status="completed",
        start=soon + timedelta(hours=2),
    )
    theirs = await factory.booking(
        lawyer,
        member=other,
        topic="leave",
        question=QUESTION,
        status="completed",
        start=soon + timedelta(hours=4),
    )
    asked = await insert_question(factory, member=member, topic="leave")

    from_booking = await draft(db, staff, booking_id=consultation["id"])
    from_question = await draft(db, staff, source_question_id=asked["id"])
    not_theirs = await draft(db, staff, booking_id=theirs["id"])
    # Published with the first name left in the answer: staff forced it out with a reason.
    published = await draft(db, staff, booking_id=published_from["id"])
    async with db.transaction():
        entry = await entries.load_entry(db, published, for_update=True)
        question = "Директор не даёт мне, учителю, отпуск летом. Что делать?"
        await db.execute("UPDATE archive_entries SET question = $2 WHERE id = $1", published, question)
        entry["question"] = question
        await entries.publish(db, entry, True, "the name was judged harmless", staff["id"])
    assert await db.fetchval("SELECT count(*) FROM archive_redactions WHERE entry_id = $1", from_booking) > 0

    async with db.transaction():
        await erase_member(db, settings, member["id"], staff["id"])

    left = {r["id"]: dict(r) for r in await db.fetch("SELECT * FROM archive_entries ORDER BY id")}
    # The drafts that copied the member's question are gone with their findings.
    assert from_booking not in left and from_question not in left
    assert (
        await db.fetchval(
            "SELECT count(*) FROM archive_redactions WHERE entry_id = ANY($1::bigint[])",
            [from_booking, from_question],
        )
        == 0
    )
    # The published entry stays public, without the member's name in any form and without the link back.
    kept = left[published]
    assert kept["status"] == "published"
    assert kept["answer"] == "Уважаемая [ФИО]! Отпуск педагогам дают летом, 56 календарных дней."
    assert kept["booking_id"] is None and kept["source_question_id"] is None
    assert "алия" not in str(kept["search"]).lower()
    # Another member's draft is untouched.
    assert left[not_theirs]["question"] == QUESTION and left[not_theirs]["booking_id"] == theirs["id"]
    actions = await db.fetch(
        "SELECT object_id, detail FROM audit_log WHERE action = 'archive_erasure' ORDER BY object_id::bigint"
    )
    assert [int(a["object_id"]) for a in actions] == sorted([from_booking, from_question, published])
