"""Erasing a member reaches the archive: drafts made from their consultations and questions.

A draft starts as a verbatim copy of the member's question, so it holds everything the erasure takes
from the booking or the question. Drafts and withdrawn entries made from them are deleted with their
findings; a published entry (staff reviewed it) keeps its text less every form of the member's names,
and loses its link to the booking or question, so nothing leads back to the member.
"""

from __future__ import annotations

import logging

import asyncpg

from consult.archive import entries
from consult.archive.redaction import Finding, apply_redactions, find_names, placeholder_for

log = logging.getLogger("consult.archive")

# The names the member was known by, on their account, bookings and written questions.
MEMBER_NAMES = """
SELECT name FROM users WHERE id = $1
UNION SELECT member_name FROM bookings WHERE member_id = $1
UNION SELECT member_name FROM questions WHERE member_id = $1
"""

ENTRIES_OF_MEMBER = """
SELECT id, status, question, answer, language FROM archive_entries
WHERE booking_id IN (SELECT id FROM bookings WHERE member_id = $1)
   OR source_question_id IN (SELECT id FROM questions WHERE member_id = $1)
ORDER BY id
FOR UPDATE
"""

DELETE_ENTRIES = "DELETE FROM archive_entries WHERE id = ANY($1::bigint[])"

UNLINK_ENTRY = """
UPDATE archive_entries SET question = $2, answer = $3, booking_id = NULL, source_question_id = NULL,
    updated_at = now()
WHERE id = $1
"""

# Offsets of the old findings no longer hold once names are replaced; the decisions are in the audit log.
DELETE_FINDINGS = "DELETE FROM archive_redactions WHERE entry_id = $1"


def without_names(text: str, names: list[str], language: str) -> str:
    found: list[Finding] = find_names(text, names)
    return apply_redactions(text, [(f.start, f.end, placeholder_for(f, language)) for f in found])


async def erase_drafts_of_member(conn: asyncpg.Connection, user_id: int) -> int:
    """Delete the member's drafts and take their names out of published entries; return how many entries
    were touched. Call inside the erasure's transaction, before the names are erased from bookings."""
    rows = await conn.fetch(ENTRIES_OF_MEMBER, user_id)
    if not rows:
        return 0
    names = [r[0] for r in await conn.fetch(MEMBER_NAMES, user_id) if r[0]]
    drafts = [r["id"] for r in rows if r["status"] != "published"]
    if drafts:
        await conn.execute(DELETE_ENTRIES, drafts)
    for r in rows:
        if r["status"] != "published":
            continue
        question = without_names(r["question"], names, r["language"])
        answer = without_names(r["answer"], names, r["language"])
        await conn.execute(UNLINK_ENTRY, r["id"], question, answer)
        await conn.execute(DELETE_FINDINGS, r["id"])
        await entries.reindex(conn, r["id"], question, answer, r["language"])
    for r in rows:
        await entries.audit(conn, None, "archive_erasure", r["id"], deleted=r["status"] != "published")
    log.info("archive entries of an erased member", extra={"user_id": user_id, "entries": len(rows)})
    return len(rows)
