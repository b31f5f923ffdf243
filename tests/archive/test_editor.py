"""Staff decide findings of a kind at once, undo a decision, mark missed text, and stay where they were."""

from __future__ import annotations

from typing import Any

import asyncpg

QUESTION = (
    "Меня зовут Ахметова Гульнара, коллега Иванова Ольга тоже пишет. Звоните 87771234567. "
    "Работаю в селе Каменка, а наш завхоз Жорик ворует краску."
)


async def new_draft(client: Any, token: str) -> int:
    response = await client.post(
        "/staff/archive",
        data={
            "csrf_token": token,
            "question": QUESTION,
            "answer": "Ответ: Гульнара, пишите жалобу.",
            "topic": "pay",
            "language": "ru",
        },
        allow_redirects=False,
    )
    assert response.status == 303
    return int(response.headers["Location"].rsplit("/", 1)[1])


async def findings(db: asyncpg.Connection, entry_id: int) -> list[tuple[str, str, str, str]]:
    rows = await db.fetch(
        "SELECT field, kind, text, state FROM archive_redactions WHERE entry_id = $1 ORDER BY field DESC, start_offset",
        entry_id,
    )
    return [tuple(r) for r in rows]


async def text_of(db: asyncpg.Connection, entry_id: int) -> tuple[str, str]:
    row = await db.fetchrow("SELECT question, answer FROM archive_entries WHERE id = $1", entry_id)
    return row["question"], row["answer"]


async def test_staff_accept_all_names_at_once_and_dismiss_all_of_another_kind(
    client: Any, staff_headers: dict[str, str], db: asyncpg.Connection
) -> None:
    token = staff_headers["X-CSRF-Token"]
    entry_id = await new_draft(client, token)
    assert await findings(db, entry_id) == [
        ("question", "person", "Ахметова Гульнара", "open"),
        ("question", "person", "Иванова Ольга", "open"),
        ("question", "phone", "87771234567", "open"),
        ("question", "location", "селе Каменка", "open"),
        ("answer", "person", "Гульнара", "open"),
    ]
    editor = await (await client.get(f"/staff/archive/{entry_id}", params={"lang": "en"})).text()
    assert "Name — Open: 3" in editor and "Accept all of this kind" in editor

    response = await client.post(
        f"/staff/archive/{entry_id}/redactions/kind",
        data={"csrf_token": token, "kind": "person", "action": "accept"},
        allow_redirects=False,
    )
    assert response.status == 303
    assert response.headers["Location"] == f"/staff/archive/{entry_id}#findings-heading"
    question, answer = await text_of(db, entry_id)
    assert question == (
        "Меня зовут [ФИО], коллега [ФИО] тоже пишет. Звоните 87771234567. "
        "Работаю в селе Каменка, а наш завхоз Жорик ворует краску."
    )
    assert answer == "Ответ: [ФИО], пишите жалобу."
    await client.post(
        f"/staff/archive/{entry_id}/redactions/kind",
        data={"csrf_token": token, "kind": "phone", "action": "dismiss"},
    )
    states = [(kind, state) for _f, kind, _t, state in await findings(db, entry_id)]
    assert states == [
        ("person", "accepted"),
        ("person", "accepted"),
        ("phone", "dismissed"),
        ("location", "open"),
        ("person", "accepted"),
    ]
    # The remaining open finding still points at its own text: offsets moved with each replacement.
    row = await db.fetchrow(
        "SELECT start_offset, end_offset FROM archive_redactions WHERE entry_id = $1 AND state = 'open'",
        entry_id,
    )
    assert question[row["start_offset"] : row["end_offset"]] == "селе Каменка"


async def test_staff_undo_an_accepted_and_a_dismissed_finding_and_the_text_comes_back(
    client: Any, staff_headers: dict[str, str], db: asyncpg.Connection
) -> None:
    token = staff_headers["X-CSRF-Token"]
    entry_id = await new_draft(client, token)
    ids = {
        r["text"]: r["id"]
        for r in await db.fetch("SELECT id, text FROM archive_redactions WHERE entry_id = $1", entry_id)
    }
    first = ids["Ахметова Гульнара"]
    accepted = await client.post(
        f"/staff/archive/{entry_id}/redactions/{first}",
        data={"csrf_token": token, "action": "accept", "replacement": "[заявитель]"},
        allow_redirects=False,
    )
    # Back in the editor at the finding just decided, not at the top of the page.
    assert accepted.headers["Location"] == f"/staff/archive/{entry_id}#item-{first}"
    await client.post(
        f"/staff/archive/{entry_id}/redactions/{ids['87771234567']}",
        data={"csrf_token": token, "action": "dismiss"},
    )
    editor = await (await client.get(f"/staff/archive/{entry_id}", params={"lang": "en"})).text()
    assert editor.count("Undo this decision") == 2 and f'id="item-{first}"' in editor

    undone = await client.post(
        f"/staff/archive/{entry_id}/redactions/{first}/undo",
        data={"csrf_token": token},
        allow_redirects=False,
    )
    assert undone.status == 303 and undone.headers["Location"] == f"/staff/archive/{entry_id}#item-{first}"
    await client.post(
        f"/staff/archive/{entry_id}/redactions/{ids['87771234567']}/undo", data={"csrf_token": token}
    )
    assert (await text_of(db, entry_id))[0] == QUESTION
    assert [state for *_rest, state in await findings(db, entry_id)] == ["open"] * 5
    rows = await db.fetch(
        "SELECT start_offset, end_offset, text FROM archive_redactions WHERE entry_id = $1 AND field = 'question'",
        entry_id,
    )
    assert [QUESTION[r["start_offset"] : r["end_offset"]] for r in rows] == [r["text"] for r in rows]
    # An open finding has nothing to undo.
    again = await client.post(
        f"/staff/archive/{entry_id}/redactions/{first}/undo", data={"csrf_token": token}
    )
    assert again.status == 409


async def test_staff_mark_a_missed_nickname_by_hand_everywhere_it_occurs(
    client: Any, staff_headers: dict[str, str], db: asyncpg.Connection
) -> None:
    token = staff_headers["X-CSRF-Token"]
    entry_id = await new_draft(client, token)
    marked = await client.post(
        f"/staff/archive/{entry_id}/mark",
        data={"csrf_token": token, "field": "question", "text": "Жорик", "kind": "person"},
        allow_redirects=False,
    )
    assert marked.status == 303
    assert marked.headers["Location"] == f"/staff/archive/{entry_id}#mark-heading"
    question, _answer = await text_of(db, entry_id)
    assert question.endswith("а наш завхоз [ФИО] ворует краску.")
    assert ("question", "person", "Жорик", "accepted") in await findings(db, entry_id)
    # Text that is not there, or a kind that does not exist, is a clear error on the page.
    missing = await client.post(
        f"/staff/archive/{entry_id}/mark",
        data={"csrf_token": token, "field": "answer", "text": "Жорик", "kind": "person"},
        params={"lang": "en"},
    )
    assert missing.status == 400
    assert "This text is not in that field" in await missing.text()
    wrong = await client.post(
        f"/staff/archive/{entry_id}/mark",
        data={"csrf_token": token, "field": "answer", "text": "Ответ", "kind": "x"},
    )
    assert wrong.status == 400
