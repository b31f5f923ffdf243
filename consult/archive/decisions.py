"""More of staff's decisions on findings: all of a kind at once, undoing one, marking text by hand.

Units of work inside the caller's transaction, on an entry loaded FOR UPDATE, raising ApiError as
consult.archive.entries does. Offsets stay exact: every change of a field's text shifts the findings
after it, so a later decision never guesses.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from consult.archive import entries
from consult.archive import queries as sql
from consult.archive.redaction import KINDS
from consult.errors import conflict, invalid, not_found
from consult.i18n import N_

MAX_MARKED = 200

OPEN_OF_KIND = """
SELECT id FROM archive_redactions WHERE entry_id = $1 AND kind = $2 AND state = 'open' ORDER BY id
"""

DISMISS_KIND = """
UPDATE archive_redactions SET state = 'dismissed', resolved_by = $3, resolved_at = now()
WHERE entry_id = $1 AND kind = $2 AND state = 'open'
"""

REOPEN = """
UPDATE archive_redactions SET state = 'open', replacement = NULL, end_offset = start_offset + $2,
    resolved_by = NULL, resolved_at = NULL
WHERE id = $1
"""

INSERT_ONE = """
INSERT INTO archive_redactions (entry_id, field, start_offset, end_offset, kind, text, state)
VALUES ($1, $2, $3, $4, $5, $6, 'open') RETURNING id
"""

DELETE_UNDER = """
DELETE FROM archive_redactions
WHERE entry_id = $1 AND field = $2 AND state <> 'accepted' AND start_offset < $4 AND end_offset > $3
"""


def _read_kind(value: Any) -> str:
    if value not in KINDS:
        raise invalid({"kind": N_("Unknown kind of personal data.")})
    return str(value)


async def resolve_kind(
    conn: asyncpg.Connection, entry: dict[str, Any], kind: Any, action: Any, actor_id: int
) -> int:
    """Accept (each with its placeholder) or dismiss every open finding of a kind; return how many."""
    entries.require_editable(entry)
    kind = _read_kind(kind)
    if action not in ("accept", "dismiss"):
        raise invalid({"action": N_("Choose accept or dismiss.")})
    if action == "dismiss":
        result = await conn.execute(DISMISS_KIND, entry["id"], kind, actor_id)
        return int(result.split()[-1])
    ids = [r["id"] for r in await conn.fetch(OPEN_OF_KIND, entry["id"], kind)]
    for rid in ids:
        await entries.resolve_redaction(conn, entry, rid, "accept", None, actor_id)
    return len(ids)


async def undo(conn: asyncpg.Connection, entry: dict[str, Any], redaction_id: int, actor_id: int) -> None:
    """Open a decided finding again; an accepted one gets its original text back in the field."""
    entries.require_editable(entry)
    row = await conn.fetchrow(sql.GET_REDACTION_FOR_UPDATE, redaction_id, entry["id"])
    if row is None:
        raise not_found()
    if row["state"] == "open":
        raise conflict("invalid_state", N_("This finding is still open."))
    if row["state"] == "dismissed":
        await conn.execute(REOPEN, row["id"], row["end_offset"] - row["start_offset"])
        await entries.audit(conn, actor_id, "archive_undo", entry["id"], redaction_id=row["id"])
        return
    field, start, end = row["field"], row["start_offset"], row["end_offset"]
    old = entry[field]
    if old[start:end] != row["replacement"] or not row["text"]:
        raise conflict("invalid_state", N_("The text changed; reload the entry."))
    text = old[:start] + row["text"] + old[end:]
    if len(text) > (entries.MAX_QUESTION if field == "question" else entries.MAX_ANSWER):
        raise invalid({"text": N_("Too long.")})
    await conn.execute(sql.SET_FIELD, entry["id"], field, text)
    await conn.execute(REOPEN, row["id"], len(row["text"]))
    await conn.execute(
        sql.SHIFT_REDACTIONS, entry["id"], field, end, len(row["text"]) - (end - start), row["id"]
    )
    entry[field] = text
    await entries.reindex(conn, entry["id"], entry["question"], entry["answer"], entry["language"])
    await entries.audit(conn, actor_id, "archive_undo", entry["id"], redaction_id=row["id"])


async def mark(
    conn: asyncpg.Connection, entry: dict[str, Any], field: Any, piece: Any, kind: Any, actor_id: int
) -> list[int]:
    """Mark every occurrence of a piece of a field as personal data and accept it with the kind's
    placeholder; return the new findings' ids. Findings not yet accepted under it give way."""
    entries.require_editable(entry)
    problems: dict[str, str] = {}
    if field not in entries.FIELDS:
        problems["field"] = N_("Choose the question or the answer.")
    if kind not in KINDS:
        problems["kind"] = N_("Unknown kind of personal data.")
    if not isinstance(piece, str) or not piece.strip():
        problems["text"] = N_("Required.")
    elif len(piece) > MAX_MARKED or "\x00" in piece:
        problems["text"] = N_("Must be text of at most 200 characters.")
    if problems:
        raise invalid(problems)
    piece = str(piece).strip()
    accepted = [
        (r["start_offset"], r["end_offset"])
        for r in await conn.fetch(sql.REDACTIONS, entry["id"])
        if r["field"] == field and r["state"] == "accepted"
    ]
    text = entry[str(field)]
    spans, at = [], text.find(piece)
    while at >= 0:
        end = at + len(piece)
        if not any(s < end and at < e for s, e in accepted):
            spans.append((at, end))
        at = text.find(piece, end)
    if not spans:
        raise invalid({"text": N_("This text is not in that field, or it is replaced already.")})
    ids = []
    for start, end in spans:
        await conn.execute(DELETE_UNDER, entry["id"], field, start, end)
        ids.append(await conn.fetchval(INSERT_ONE, entry["id"], field, start, end, kind, piece))
    # Right to left, so that each replacement leaves the offsets of the ones before it alone.
    for rid in reversed(ids):
        await entries.resolve_redaction(conn, entry, rid, "accept", None, actor_id)
    await entries.audit(conn, actor_id, "archive_mark", entry["id"], kind=kind, field=field, count=len(ids))
    return ids
