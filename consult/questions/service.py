"""Units of work on written questions: ask, take, ask back, reply, answer, reassign.

Each takes a connection inside the caller's transaction (except `ask`, which needs the pool to count
rate limits outside it) and raises ApiError for what the caller can act on.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from consult import ratelimit
from consult.consent import service as consent
from consult.errors import conflict, invalid, not_found
from consult.i18n import N_
from consult.mail.outbox import enqueue
from consult.mail.render import compose
from consult.questions import deadlines, forms, queries, storage
from consult.questions.files import MAX_FILES, CheckedFile, FileProblem, check_file
from consult.security import hash_token, new_token
from consult.sessions import CurrentUser
from consult.settings import Settings

log = logging.getLogger("consult.questions")

Upload = tuple[str, str, bytes]  # file name, declared content type, bytes


def follow_url(settings: Settings, token: str) -> str:
    return f"{settings.server.base_url}/q/{token}"


def lawyer_url(settings: Settings, question_id: int) -> str:
    return f"{settings.server.base_url}/questions/{question_id}"


def check_uploads(uploads: Sequence[Upload]) -> list[CheckedFile]:
    """Check every file; raise 400 with the `attachments` field naming the first problem."""
    if len(uploads) > MAX_FILES:
        raise invalid({"attachments": N_("Attach at most 3 files.")})
    checked = []
    for filename, declared, data in uploads:
        try:
            checked.append(check_file(filename, declared, data))
        except FileProblem as problem:
            raise invalid({"attachments": str(problem)}) from None
    return checked


async def _member_link(conn: asyncpg.Connection, question_id: int) -> str:
    """Mint a fresh secret link for an email to the member; only its hash is stored."""
    token = new_token()
    await queries.insert_link(conn, hash_token(token), question_id)
    return token


async def _email(
    conn: asyncpg.Connection,
    settings: Settings,
    question: Mapping[str, Any],
    name: str,
    dedupe: str,
    to: str,
    link: str,
) -> None:
    """Queue email NAME about a question to its member or its lawyer (`to`), in their language."""
    message = compose(
        settings,
        name=name,
        language=question[f"{to}_language"] if to == "lawyer" else question["language"],
        timezone=question[f"{to}_timezone"] if to == "lawyer" else question["timezone"],
        to_addr=question[f"{to}_email"],
        to_name=question[f"{to}_name"],
        context={"q": dict(question), "link": link},
        key=f"question.{question['id']}.{dedupe}",
    )
    key = f"question:{question['id']}:{dedupe}"
    await enqueue(conn, message, kind=name, recipient=question[f"{to}_email"], dedupe_key=key)


async def email_member(
    conn: asyncpg.Connection, settings: Settings, question: Mapping[str, Any], name: str, dedupe: str
) -> None:
    """Email the member, with a fresh secret link to the question."""
    token = await _member_link(conn, question["id"])
    await _email(conn, settings, question, name, dedupe, "member", follow_url(settings, token))


async def email_lawyer(
    conn: asyncpg.Connection, settings: Settings, question: Mapping[str, Any], name: str, dedupe: str
) -> None:
    """Email the lawyer; it links to the question page and never carries the question's text."""
    await _email(conn, settings, question, name, dedupe, "lawyer", lawyer_url(settings, question["id"]))


async def ask(
    pool: asyncpg.Pool,
    settings: Settings,
    data: Mapping[str, Any],
    uploads: Sequence[Upload],
    address: str,
    now: datetime,
) -> asyncpg.Record:
    """Take a new question with its files; the member gets an email with the link to follow it."""
    limits = settings.questions
    secret = settings.server.secret_key
    # Counted in their own (autocommit) statements, so refused and failed attempts count too. The secret
    # is hashed into the bucket names, so they cannot be matched against guessed emails or addresses.
    async with pool.acquire() as conn:
        bucket = "question-addr:" + ratelimit.key(secret, address)
        await ratelimit.hit(conn, bucket, limits.asks_per_address_per_hour, 3600)
    fields = forms.parse_question(data, settings.i18n.default_language)
    files = check_uploads(uploads)
    async with pool.acquire() as conn:
        bucket = "question-email:" + ratelimit.key(secret, fields["email"])
        await ratelimit.hit(conn, bucket, limits.asks_per_email_per_day, 86400)
    stored = await storage.store(settings, [f.data for f in files])
    try:
        async with pool.acquire() as conn, conn.transaction():
            topic = await queries.topic_by_slug(conn, fields["topic"])
            if topic is None:
                raise invalid({"topic": N_("Choose a topic.")})
            member_id = await queries.upsert_member(conn, fields["email"], fields["name"], fields["language"])
            if await queries.count_open(conn, member_id) >= limits.max_open_per_member:
                raise conflict(
                    "too_many_open_questions",
                    N_("You have several questions waiting for an answer. Please wait for them first."),
                )
            closed = await queries.closures(conn, now.date(), (now + timedelta(days=120)).date())
            row = await queries.insert_question(
                conn,
                {
                    **fields,
                    "member_id": member_id,
                    "topic_id": topic["id"],
                    "timezone": settings.i18n.default_timezone,
                    "created_at": now,
                    "consent_version": consent.version(settings, "question"),
                    "due_at": deadlines.answer_due(now, limits.answer_working_days, closed),
                },
            )
            for checked, name in zip(files, stored, strict=True):
                await queries.insert_attachment(
                    conn, row["id"], checked.filename, checked.content_type, len(checked.data), name
                )
            question = await queries.question_by_id(conn, row["id"])
            assert question is not None
            await email_member(conn, settings, question, "question_received", "received")
    except BaseException:
        await storage.remove(settings, stored)
        raise
    log.info("question asked", extra={"question_id": row["id"], "topic_id": topic["id"], "files": len(files)})
    return question


async def visible_question(conn: asyncpg.Connection, user: CurrentUser, question_id: int) -> asyncpg.Record:
    """The question in full, for staff and for the lawyer who holds it; 404 for everyone else."""
    row = await queries.question_by_id(conn, question_id)
    if row is None or (user.role != "staff" and row["assigned_lawyer_id"] != user.id):
        raise not_found()
    return row


async def take(conn: asyncpg.Connection, user: CurrentUser, question_id: int) -> asyncpg.Record:
    """Give the question to this lawyer, unless another lawyer took it first (409)."""
    if not await queries.take(conn, question_id, user.id):
        row = await queries.question_by_id(conn, question_id)
        if row is None or not await queries.in_lawyer_topics(conn, question_id, user.id):
            raise not_found()
        if row["assigned_lawyer_id"] == user.id:
            return row  # taking one's own question again changes nothing
        raise conflict("already_taken", N_("Another lawyer has already taken this question."))
    await queries.audit(conn, user.id, "question_take", question_id)
    log.info("question taken", extra={"question_id": question_id, "lawyer_id": user.id})
    return await visible_question(conn, user, question_id)


async def ask_member(
    conn: asyncpg.Connection, settings: Settings, user: CurrentUser, question_id: int, body: str
) -> asyncpg.Record:
    """The lawyer asks the member a follow-up question; the member is emailed a link to reply."""
    question = await visible_question(conn, user, question_id)
    if question["assigned_lawyer_id"] != user.id or not await queries.set_status(
        conn, question_id, "waiting_member", ["assigned", "waiting_member"]
    ):
        raise conflict("invalid_state", N_("This question cannot take a message now."))
    message = await queries.add_message(conn, question_id, "lawyer", user.id, body)
    await email_member(conn, settings, question, "question_followup", f"followup.{message['id']}")
    return message


async def member_reply(
    conn: asyncpg.Connection, settings: Settings, question: Mapping[str, Any], body: str
) -> asyncpg.Record:
    """The member answers the lawyer's follow-up; the lawyer is emailed."""
    if not await queries.set_status(conn, question["id"], "assigned", ["waiting_member"]):
        raise conflict("invalid_state", N_("The lawyer is not waiting for a reply now."))
    message = await queries.add_message(conn, question["id"], "member", question["member_id"], body)
    await email_lawyer(conn, settings, question, "question_member_replied", f"reply.{message['id']}")
    return message


async def answer(
    conn: asyncpg.Connection, settings: Settings, user: CurrentUser, question_id: int, text: str
) -> asyncpg.Record:
    """The lawyer answers; the member is emailed and reads the answer on the question's page."""
    question = await visible_question(conn, user, question_id)
    if not await queries.answer(conn, question_id, user.id, text):
        raise conflict("invalid_state", N_("This question cannot be answered now."))
    await queries.audit(conn, user.id, "question_answer", question_id)
    await email_member(conn, settings, question, "question_answered", "answered")
    log.info("question answered", extra={"question_id": question_id, "lawyer_id": user.id})
    return await visible_question(conn, user, question_id)


async def reassign(
    conn: asyncpg.Connection, settings: Settings, user: CurrentUser, question_id: int, lawyer_id: Any
) -> asyncpg.Record:
    """Staff give an open question to a lawyer (a new one, or another one); that lawyer is emailed."""
    question = await visible_question(conn, user, question_id)
    if isinstance(lawyer_id, str) and lawyer_id.isdigit():
        lawyer_id = int(lawyer_id)
    if (
        not isinstance(lawyer_id, int)
        or isinstance(lawyer_id, bool)
        or not await queries.is_active_lawyer(conn, lawyer_id)
    ):
        raise invalid({"lawyer_id": N_("Choose a lawyer.")})
    previous = question["assigned_lawyer_id"]
    if not await queries.assign(conn, question_id, lawyer_id):
        raise conflict("invalid_state", N_("Only an open question can be reassigned."))
    await queries.audit(conn, user.id, "question_assign", question_id, {"from": previous, "to": lawyer_id})
    updated = await visible_question(conn, user, question_id)
    if previous != lawyer_id:
        await email_lawyer(conn, settings, updated, "question_assigned", f"assigned.{new_token()[:12]}")
    log.info("question reassigned", extra={"question_id": question_id, "lawyer_id": lawyer_id})
    return updated


# ---- what other capabilities ask of written questions ----


async def question_for_archive(conn: asyncpg.Connection, question_id: int) -> dict[str, Any] | None:
    """The parts of an answered question an archive draft starts from; None when not answered (or erased)."""
    return await queries.question_for_archive(conn, question_id)


async def close_for_erasure(conn: asyncpg.Connection, member_id: int) -> list[int]:
    """Close a member's open questions (their data is about to be erased); return the ids closed."""
    rows = await conn.fetch(queries.CLOSE_OPEN_OF_MEMBER, member_id, list(queries.OPEN_STATUSES))
    return [r["id"] for r in rows]


async def remove_files(settings: Settings, storage_names: list[str]) -> None:
    """Delete attached files from disk by their storage names (their rows are gone already)."""
    await storage.remove(settings, storage_names)
