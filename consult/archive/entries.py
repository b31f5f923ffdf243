"""Units of work on archive entries: drafts, redaction findings, publication, withdrawal, votes.

Every function takes a connection inside the caller's transaction and raises consult.web.ApiError for
what the caller can act on, so the JSON API and the staff pages share one behaviour.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg

from consult import audit as audit_trail
from consult.archive import queries as sql
from consult.archive.redaction import Finding, find_pii_in_texts, placeholder_for
from consult.archive.searchtext import fix_lookalikes, index_text
from consult.archive.slug import make_slug
from consult.errors import conflict, invalid, not_found
from consult.i18n import N_
from consult.questions import service as questions_service

log = logging.getLogger("consult.archive")

LANGUAGES = ("ru", "kk", "en")
FIELDS = ("question", "answer")
MAX_QUESTION = 5000
MAX_ANSWER = 20000
MAX_REASON = 1000
MAX_REPLACEMENT = 200


@dataclass(frozen=True)
class EntryInput:
    question: str
    answer: str
    topic_id: int
    language: str


async def read_entry_input(
    conn: asyncpg.Connection, body: dict[str, Any], current: dict[str, Any] | None = None
) -> EntryInput:
    """Validate question, answer, topic and language; fields left out keep the current values."""
    problems: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, limit in (("question", MAX_QUESTION), ("answer", MAX_ANSWER)):
        value = body.get(name, current[name] if current else None)
        if value is None and name == "answer":
            value = ""
        if not isinstance(value, str):
            problems[name] = N_("Required.") if value is None else N_("Must be text.")
            continue
        value = fix_lookalikes(value.replace("\r\n", "\n").strip())
        if "\x00" in value:
            problems[name] = N_("Must not contain NUL characters.")
        elif name == "question" and not value:
            problems[name] = N_("Required.")
        elif len(value) > limit:
            problems[name] = N_("Too long.")
        values[name] = value
    language = body.get("language", current["language"] if current else None)
    if language not in LANGUAGES:
        problems["language"] = N_("Choose ru, kk or en.")
    topic = body.get("topic", current["topic"] if current else None)
    topic_id = None
    if isinstance(topic, str) and len(topic) <= 60:
        topic_id = await conn.fetchval(sql.TOPIC_BY_SLUG, topic)
    if topic_id is None:
        problems["topic"] = N_("Unknown topic.")
    if problems or topic_id is None:
        raise invalid(problems)
    return EntryInput(values["question"], values["answer"], int(topic_id), str(language))


# --- reading -----------------------------------------------------------------------------------------


async def load_entry(conn: asyncpg.Connection, entry_id: int, *, for_update: bool = False) -> dict[str, Any]:
    row = await conn.fetchrow(sql.GET_ENTRY_FOR_UPDATE if for_update else sql.GET_ENTRY, entry_id)
    if row is None:
        raise not_found()
    entry = dict(row)
    entry["redactions"] = [dict(r) for r in await conn.fetch(sql.REDACTIONS, entry_id)]
    return entry


async def known_names(conn: asyncpg.Connection, booking_id: int | None) -> list[str]:
    """Names the redactor must look for: the member of the consultation the entry came from."""
    if booking_id is None:
        return []
    name = await conn.fetchval(sql.BOOKING_MEMBER_NAME, booking_id)
    return [name] if name else []


# --- writing -----------------------------------------------------------------------------------------


async def reindex(conn: asyncpg.Connection, entry_id: int, question: str, answer: str, language: str) -> None:
    await conn.execute(
        sql.UPDATE_SEARCH_VECTOR, entry_id, index_text(question, language), index_text(answer, language)
    )


def findings_of(entry: EntryInput, names: Sequence[str]) -> list[tuple[str, Finding]]:
    """The redactor's findings in question and answer; a name found in one is looked for in both."""
    texts = [getattr(entry, field) for field in FIELDS]
    found = find_pii_in_texts(texts, entry.language, names)
    return [(field, finding) for field, findings in zip(FIELDS, found, strict=True) for finding in findings]


async def store_findings(
    conn: asyncpg.Connection,
    entry_id: int,
    findings: list[tuple[str, Finding]],
    dismissed: set[tuple[str, str, str]] = frozenset(),  # type: ignore[assignment]
) -> None:
    """Replace the entry's findings; one staff already dismissed stays dismissed when found again."""
    await conn.execute(sql.DELETE_REDACTIONS, entry_id)
    if not findings:
        return
    states = ["dismissed" if (field, f.kind, f.text) in dismissed else "open" for field, f in findings]
    await conn.execute(
        sql.INSERT_REDACTIONS,
        entry_id,
        [field for field, _f in findings],
        [f.start for _field, f in findings],
        [f.end for _field, f in findings],
        [f.kind for _field, f in findings],
        [f.text for _field, f in findings],
        states,
    )


async def audit(
    conn: asyncpg.Connection, actor_id: int | None, action: str, entry_id: int, **detail: Any
) -> None:
    await audit_trail.record(conn, actor_id, action, "archive_entry", entry_id, detail)


async def create_draft(
    conn: asyncpg.Connection,
    entry: EntryInput,
    *,
    actor_id: int | None,
    booking_id: int | None = None,
    source_question_id: int | None = None,
    names: Sequence[str] = (),
) -> int:
    """Insert a draft and the redactor's findings in it; return its id."""
    entry_id = int(
        await conn.fetchval(
            sql.INSERT_ENTRY,
            entry.question,
            entry.answer,
            entry.topic_id,
            entry.language,
            booking_id,
            source_question_id,
            actor_id,
        )
    )
    await store_findings(conn, entry_id, findings_of(entry, names))
    await reindex(conn, entry_id, entry.question, entry.answer, entry.language)
    await audit(conn, actor_id, "archive_create", entry_id, booking_id=booking_id)
    log.info("archive draft created", extra={"entry_id": entry_id, "booking_id": booking_id})
    return entry_id


async def draft_input_from_booking(
    conn: asyncpg.Connection, body: dict[str, Any]
) -> tuple[int | None, list[str], dict[str, Any]]:
    """Fill a draft's fields from a completed consultation; give the member's name to the redactor."""
    booking_id = body.get("booking_id")
    if booking_id is None:
        return None, [], body
    if not isinstance(booking_id, int) or isinstance(booking_id, bool) or booking_id <= 0:
        raise invalid({"booking_id": N_("Must be a consultation's id.")})
    booking = await conn.fetchrow(sql.BOOKING_FOR_DRAFT, booking_id)
    if booking is None:
        raise invalid({"booking_id": N_("No such consultation.")})
    if booking["status"] != "completed":
        raise conflict("invalid_state", N_("Only a completed consultation can become an archive entry."))
    topic = await conn.fetchval("SELECT slug FROM topics WHERE id = $1", booking["topic_id"])
    filled = {
        "question": booking["question"],
        "answer": booking["answer"] or "",
        "topic": topic,
        "language": booking["language"],
        **{k: v for k, v in body.items() if v is not None},
    }
    return booking_id, [booking["member_name"]] if booking["member_name"] else [], filled


async def draft_input_from_question(
    conn: asyncpg.Connection, question_id: int
) -> tuple[list[str], dict[str, Any]]:
    """Fill a draft's fields from an answered written question; give the member's name to the redactor."""
    found = await questions_service.question_for_archive(conn, question_id)
    if found is None:
        raise conflict("invalid_state", N_("Only an answered question can become an archive entry."))
    topic = await conn.fetchval("SELECT slug FROM topics WHERE id = $1", found["topic_id"])
    filled = {
        "question": found["question"],
        "answer": found["answer"] or "",
        "topic": topic,
        "language": found["language"],
    }
    return [found["member_name"]] if found["member_name"] else [], filled


def require_editable(entry: dict[str, Any]) -> None:
    if entry["status"] == "published":
        raise conflict("invalid_state", N_("Withdraw the entry before changing it."))


async def update_draft(
    conn: asyncpg.Connection, entry: dict[str, Any], new: EntryInput, actor_id: int
) -> None:
    """Save new fields and compute the findings anew; a withdrawn entry becomes a draft again."""
    require_editable(entry)
    await conn.execute(sql.UPDATE_ENTRY, entry["id"], new.question, new.answer, new.topic_id, new.language)
    if entry["status"] == "withdrawn":
        await conn.execute(sql.BACK_TO_DRAFT, entry["id"])
    dismissed = {(r["field"], r["kind"], r["text"]) for r in entry["redactions"] if r["state"] == "dismissed"}
    names = await known_names(conn, entry["booking_id"])
    await store_findings(conn, entry["id"], findings_of(new, names), dismissed)
    await reindex(conn, entry["id"], new.question, new.answer, new.language)
    await audit(conn, actor_id, "archive_update", entry["id"])


async def resolve_redaction(
    conn: asyncpg.Connection,
    entry: dict[str, Any],
    redaction_id: int,
    action: Any,
    replacement: Any,
    actor_id: int,
) -> None:
    """Accept a finding (its text becomes a placeholder or the given replacement) or dismiss it."""
    require_editable(entry)
    if action not in ("accept", "dismiss"):
        raise invalid({"action": N_("Choose accept or dismiss.")})
    if replacement is not None and (
        not isinstance(replacement, str) or len(replacement) > MAX_REPLACEMENT or "\x00" in replacement
    ):
        raise invalid({"replacement": N_("Must be text of at most 200 characters.")})
    row = await conn.fetchrow(sql.GET_REDACTION_FOR_UPDATE, redaction_id, entry["id"])
    if row is None:
        raise not_found()
    if row["state"] != "open":
        raise conflict("invalid_state", N_("This finding has already been resolved."))
    length = row["end_offset"] - row["start_offset"]
    if action == "dismiss":
        await conn.execute(sql.RESOLVE_REDACTION, row["id"], "dismissed", None, length, actor_id)
        return
    finding = Finding(row["kind"], row["start_offset"], row["end_offset"], row["text"])
    new_text = replacement.strip() if isinstance(replacement, str) and replacement.strip() else None
    new_text = new_text or placeholder_for(finding, entry["language"])
    field = row["field"]
    old = entry[field]
    if old[row["start_offset"] : row["end_offset"]] != row["text"]:
        # Offsets are kept exact, so this means the text changed under the finding: refuse, never guess.
        raise conflict("invalid_state", N_("The text changed; reload the entry."))
    text = old[: row["start_offset"]] + new_text + old[row["end_offset"] :]
    if len(text) > (MAX_QUESTION if field == "question" else MAX_ANSWER):
        raise invalid({"replacement": N_("Too long.")})
    await conn.execute(sql.SET_FIELD, entry["id"], field, text)
    await conn.execute(sql.RESOLVE_REDACTION, row["id"], "accepted", new_text, len(new_text), actor_id)
    await conn.execute(
        sql.SHIFT_REDACTIONS, entry["id"], field, row["end_offset"], len(new_text) - length, row["id"]
    )
    entry[field] = text
    await reindex(conn, entry["id"], entry["question"], entry["answer"], entry["language"])


async def publish(
    conn: asyncpg.Connection, entry: dict[str, Any], force: Any, reason: Any, actor_id: int | None
) -> None:
    """Publish; refuse (409) while findings are open unless forced with a reason, which is recorded."""
    if entry["status"] == "published":
        raise conflict("invalid_state", N_("The entry is already published."))
    if force not in (None, True, False):
        raise invalid({"force": N_("Must be true or false.")})
    open_count = int(await conn.fetchval(sql.COUNT_OPEN, entry["id"]))
    recorded_reason = None
    if open_count and force is not True:
        raise conflict(
            "unresolved_redactions", N_("Resolve every finding first, or publish anyway with a reason.")
        )
    if open_count:
        if not isinstance(reason, str) or not reason.strip():
            raise invalid({"reason": N_("Say why the entry is published with open findings.")})
        if len(reason) > MAX_REASON or "\x00" in reason:
            raise invalid({"reason": N_("Too long.")})
        recorded_reason = reason.strip()
    await conn.execute(sql.PUBLISH, entry["id"], make_slug(entry["question"], entry["id"]), recorded_reason)
    await conn.execute(sql.FORGET_REPLACED_TEXT, entry["id"])
    await audit(
        conn, actor_id, "archive_publish", entry["id"], forced=bool(open_count), open_findings=open_count
    )
    log.info("archive entry published", extra={"entry_id": entry["id"], "forced": bool(open_count)})


async def withdraw(conn: asyncpg.Connection, entry: dict[str, Any], actor_id: int) -> None:
    if entry["status"] != "published":
        raise conflict("invalid_state", N_("Only a published entry can be withdrawn."))
    await conn.execute(sql.WITHDRAW, entry["id"])
    await audit(conn, actor_id, "archive_withdraw", entry["id"])
    log.info("archive entry withdrawn", extra={"entry_id": entry["id"]})


# --- visitors ----------------------------------------------------------------------------------------


def vote_key(secret_key: str, entry_id: int, address: str, day: date) -> bytes:
    """An HMAC of (entry, address, day): one vote per visitor and day, and no address is stored."""
    message = f"vote:{entry_id}:{address}:{day.isoformat()}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).digest()


async def vote(conn: asyncpg.Connection, entry_id: int, helpful: bool, key: bytes) -> bool:
    """Count a vote unless this visitor already voted on this entry today; tell whether it counted."""
    counted = await conn.fetchval(sql.INSERT_VOTE, key, entry_id)
    if counted is None:
        return False
    await conn.execute(sql.COUNT_VOTE, entry_id, helpful)
    return True


async def prune_votes(conn: asyncpg.Connection) -> int:
    result = await conn.execute(sql.PRUNE_VOTES)
    return int(result.split()[-1])
