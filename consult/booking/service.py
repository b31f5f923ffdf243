"""Units of work on bookings: create, change state, move, expire. The caller owns the transaction.

PostgreSQL decides who gets a slot: the exclusion constraints of migrations/0001 refuse a second live
booking of the same lawyer (or member) at overlapping times, however many requests race for it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager, nullcontext
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from consult import links, ratelimit
from consult.accounts import service as accounts_service
from consult.availability.service import SlotCheck, check_slot, free_lawyers_at
from consult.booking import queries as q
from consult.booking.emails import REMINDER_KIND, booking_changed, event_emails, queue_erasure_notice
from consult.booking.forms import BookingRequest
from consult.booking.refusals import member_busy, slot_taken
from consult.booking.states import ActorNotAllowed, Change, InvalidTransition, transition
from consult.booking.writer import BookingWriter, without_rate_limits, write_now
from consult.consent import service as consent
from consult.errors import ApiError, Forbidden, conflict, invalid, not_found
from consult.i18n import N_
from consult.mail import outbox
from consult.mail.outbox import rendered_columns
from consult.security import hash_token, new_token
from consult.settings import Settings

log = logging.getLogger("consult.booking")
MAX_TOKEN_LENGTH = 100


def invalid_state() -> ApiError:
    return conflict("invalid_state", N_("The consultation is not in a state that allows this."))


def ical_uid(settings: Settings) -> str:
    domain = settings.smtp.mail_from.partition("@")[2] or "consult"
    return f"{uuid.uuid4()}@{domain}"


async def record_event(
    conn: asyncpg.Connection,
    booking_id: int,
    actor: str,
    actor_id: int | None,
    from_status: str | None,
    to_status: str,
    detail: Mapping[str, Any],
) -> None:
    await conn.execute(q.RECORD_EVENT, booking_id, actor, actor_id, from_status, to_status, dict(detail))


def _surname(name: str) -> str:
    # Kazakh and Russian forms write the surname first ("Иванова Алия Маратовна").
    return name.split()[0] if name.split() else name


def _connection(db: asyncpg.Connection | asyncpg.Pool) -> AbstractAsyncContextManager[asyncpg.Connection]:
    """A connection for a moment: one of the pool's (given back afterwards), or the caller's own."""
    if isinstance(db, asyncpg.Pool):
        return db.acquire()
    return nullcontext(db)


async def create_booking(
    db: asyncpg.Connection | asyncpg.Pool,
    settings: Settings,
    req: BookingRequest,
    *,
    now: datetime,
    rate_limits: ratelimit.Limits = (),
    writer: BookingWriter | None = None,
) -> Mapping[str, Any]:
    """Book the requested slot for the member, with the chosen lawyer or the best free one.

    Two round trips when all goes well: which lawyers are free (the slot engine judges; the booking's id
    is drawn in the same read-only query), then per candidate one call of consult_book_batch()
    (migrations/0012, 0014), which counts the attempt against rate_limits and writes the member, the
    booking, its event, join links and emails, or nothing. With a writer, and outside a transaction, the
    booking goes in a batch with the others that arrive meanwhile (consult/booking/writer.py); else it is
    a batch of one on db. An attempt refused before its write is counted then (ratelimit.hit_all), so
    that every attempt counts once; give rate_limits only outside a transaction (a count must outlive a
    rollback).

    db is a connection, or the pool (with a writer): then a connection is taken for the check only and
    given back before the booking waits for its batch, so that the requests queued for the writer leave
    the pool's connections to the checks of those coming after them (and the batches grow).
    """
    async with _connection(db) as conn:
        if rate_limits and conn.is_in_transaction():
            raise ValueError("rate limits are counted outside a transaction")
        try:
            found = await _check(conn, settings, req, now=now)
        except ApiError:
            if rate_limits:
                await ratelimit.hit_all(conn, rate_limits)  # 429 rather than the refusal when over
            raise
    pending = settings.booking.confirmation == "email"
    status = "pending" if pending else "confirmed"
    hold = now + timedelta(minutes=settings.booking.pending_minutes) if pending else None
    for lawyer_id, end in found.free:
        args = _arguments(
            settings, req, found, lawyer_id, end, status=status, hold=hold, now=now, rate_limits=rate_limits
        )
        for attempt in range(2):
            row = await _write(db, writer, args)
            rate_limits, args = (), without_rate_limits(args)  # counted by the first write
            if row is not None:
                log.info("booking created", extra={"booking_id": row["id"], "lawyer_id": lawyer_id})
                return row
            # Refused: a pending booking whose hold lapsed may still hold the time until it is expired.
            if attempt:
                break
            async with _connection(db) as conn, conn.transaction():
                if not await expire_lapsed(conn, settings, now, lawyer_ids=[lawyer_id], email=req.email):
                    break
        async with _connection(db) as conn:
            if await conn.fetchval(q.MEMBER_BUSY, req.email, req.start, end):
                raise member_busy()
        # This lawyer was taken a moment ago; try the next free one.
    raise slot_taken()


async def _write(
    db: asyncpg.Connection | asyncpg.Pool, writer: BookingWriter | None, args: tuple[Any, ...]
) -> Mapping[str, Any] | None:
    """Write one booking: in the writer's next batch when there is a writer and no transaction of ours."""
    if writer is not None and (isinstance(db, asyncpg.Pool) or not db.is_in_transaction()):
        return await writer.write(args)
    if isinstance(db, asyncpg.Pool):
        raise ValueError("a booking through the pool is written by the writer")
    return await write_now(db, args)


async def _check(
    conn: asyncpg.Connection, settings: Settings, req: BookingRequest, *, now: datetime
) -> SlotCheck:
    """The lawyers free at the requested start, best first; raise when none may be."""
    found = await check_slot(
        conn,
        settings,
        start=req.start,
        now=now,
        topic_slug=req.topic,
        lawyer_id=req.lawyer_id,
        language=req.language,
        draw_booking_id=True,
    )
    if found is None:
        raise invalid({"topic": N_("Choose a topic.")})
    if settings.booking.require_membership:
        if not await accounts_service.check_membership(conn, req.membership_no or "", _surname(req.name)):
            raise invalid({"membership_no": N_("We could not find this card number with this surname.")})
    if not found.free:
        raise slot_taken()
    return found


def _arguments(
    settings: Settings,
    req: BookingRequest,
    found: SlotCheck,
    lawyer_id: int,
    end: datetime,
    *,
    status: str,
    hold: datetime | None,
    now: datetime,
    rate_limits: ratelimit.Limits,
) -> tuple[Any, ...]:
    """consult_book_batch()'s item for this booking with this lawyer: its row, join links, emails and
    the attempt's rate limits."""
    nonce = new_token()
    booking = {
        "id": found.booking_id,
        "status": status,
        "cancelled_by": None,
        "cancel_reason": None,
        "starts_at": req.start,
        "ends_at": end,
        "member_name": req.name,
        "member_email": req.email,
        "language": req.language,
        "timezone": req.timezone,
        "lawyer_id": lawyer_id,
        "lawyer_name": found.lawyers[lawyer_id]["name"],
        "lawyer_email": found.lawyers[lawyer_id]["email"],
        "lawyer_language": found.lawyers[lawyer_id]["language"],
        "lawyer_timezone": found.lawyers[lawyer_id]["timezone"],
        "topic_slug": found.topic["topic_slug"],
        **{name: found.topic[name] for name in ("name_ru", "name_kk", "name_en")},
        "link_nonce": nonce,
        "ical_uid": ical_uid(settings),
        "ical_sequence": 0,
    }
    join_links = links.join_link_hashes(settings, booking)
    return (
        booking["id"],
        lawyer_id,
        req.email,
        req.name,
        req.language,
        found.topic["topic_id"],
        status,
        req.start,
        end,
        req.phone,
        req.membership_no,
        req.question,
        req.timezone,
        now,
        consent.version(settings, "booking"),  # the text the form showed, in the reader's language
        nonce,
        links.manage_token_hash(settings, nonce),
        booking["ical_uid"],
        hold,
        settings.booking.max_active_per_member,
        [h for h, _role in join_links],
        [role for _h, role in join_links],
        *rendered_columns(event_emails(settings, booking, "created"))[:5],
        [bucket for bucket, _limit, _window in rate_limits],
        [window for _bucket, _limit, window in rate_limits],
        [limit for _bucket, limit, _window in rate_limits],
    )


async def load_by_token(conn: asyncpg.Connection, token: str, *, for_update: bool = False) -> asyncpg.Record:
    """Find the booking a manage token opens, or raise 404."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise not_found()
    row = await conn.fetchrow(q.BY_TOKEN_FOR_UPDATE if for_update else q.BY_TOKEN, hash_token(token))
    if row is None:
        raise not_found()
    return row


async def load_for_staff(
    conn: asyncpg.Connection, booking_id: int, role: str, user_id: int, *, for_update: bool = False
) -> asyncpg.Record:
    """Find a booking a lawyer (their own only) or staff (any) may act on, or raise 404."""
    row = await conn.fetchrow(q.BY_ID_FOR_UPDATE if for_update else q.BY_ID, booking_id)
    if row is None or (role == "lawyer" and row["lawyer_id"] != user_id):
        raise not_found()
    return row


def check_change(status: str, action: str, actor: str) -> Change:
    """Ask the state machine; turn its refusal into the API's answer."""
    try:
        return transition(status, action, actor)
    except InvalidTransition:
        raise invalid_state() from None
    except ActorNotAllowed:
        raise Forbidden() from None


def member_may_still_change(settings: Settings, booking: Mapping[str, Any], now: datetime) -> bool:
    """Members cancel and move until the cut-off before the start (the lawyer has planned the day)."""
    return now < booking["starts_at"] - timedelta(minutes=settings.booking.cancel_cutoff_minutes)


def too_late() -> ApiError:
    return conflict("too_late", N_("It is too close to the start to change this consultation online."))


async def change_status(
    conn: asyncpg.Connection,
    settings: Settings,
    booking: Mapping[str, Any],
    action: str,
    *,
    actor: str,
    actor_id: int | None,
    reason: str | None = None,
    answer: str | None = None,
) -> asyncpg.Record:
    """Apply one state-machine action to a locked booking, record it and queue its emails."""
    change = check_change(booking["status"], action, actor)
    row = await conn.fetchrow(
        q.APPLY_CHANGE,
        booking["id"],
        change.to_status,
        1 if change.bumps_sequence else 0,
        reason,
        actor,
        answer,
    )
    detail: dict[str, Any] = {"action": action}
    if reason:
        detail["reason"] = reason
    await record_event(conn, booking["id"], actor, actor_id, change.from_status, change.to_status, detail)
    if change.to_status == "cancelled":
        await outbox.withdraw(conn, booking["id"], [REMINDER_KIND])
        await booking_changed(conn, settings, booking["id"], "cancelled", change.from_status)
    elif action == "confirm":
        await booking_changed(conn, settings, booking["id"], "confirmed", change.from_status)
    log.info("booking changed", extra={"booking_id": booking["id"], "action": action, "actor": actor})
    return row


async def future_live_bookings_of(conn: asyncpg.Connection, member_id: int, now: datetime) -> list[int]:
    """Lock and list a member's live bookings that have not started yet (erasure cancels them)."""
    return [r["id"] for r in await conn.fetch(q.MEMBER_FUTURE_LIVE, member_id, now)]


async def cancel_for_erasure(
    conn: asyncpg.Connection, settings: Settings, booking_id: int, staff_id: int | None
) -> None:
    """Cancel a booking because its member is being erased, through the state machine like any cancel.

    The sequence grows, the event is recorded (reason "erasure"), queued reminders are withdrawn, the
    join links stop working with the status, and the lawyer gets an iTIP CANCEL that names no one. The
    member is not written to: their address is being erased in the same transaction.
    """
    booking = await conn.fetchrow(q.LOCK_STATUS, booking_id)
    if booking is None:
        raise LookupError(booking_id)
    change = check_change(booking["status"], "cancel", "staff")
    await conn.fetchrow(
        q.APPLY_CHANGE, booking_id, change.to_status, 1 if change.bumps_sequence else 0, None, "staff", None
    )
    detail = {"action": "cancel", "reason": "erasure"}
    await record_event(conn, booking_id, "staff", staff_id, change.from_status, change.to_status, detail)
    await outbox.withdraw(conn, booking_id, [REMINDER_KIND])
    await queue_erasure_notice(conn, settings, booking_id)
    log.info("booking cancelled for erasure", extra={"booking_id": booking_id})


async def reschedule(
    conn: asyncpg.Connection,
    settings: Settings,
    booking: Mapping[str, Any],
    *,
    start: datetime,
    lawyer_id: int | None,
    actor: str,
    actor_id: int | None,
    now: datetime,
) -> asyncpg.Record:
    """Move a locked booking to a new start: the same booking (id, UID), a new version (SEQUENCE + 1)."""
    change = check_change(booking["status"], "reschedule", actor)
    target = lawyer_id or booking["lawyer_id"]
    free = await free_lawyers_at(
        conn, settings, topic_id=booking["topic_id"], start=start, now=now, lawyer_id=target
    )
    if not free:
        raise slot_taken()
    await expire_lapsed(conn, settings, now, lawyer_ids=[target], member_id=booking["member_id"])
    try:
        async with conn.transaction():
            row = await conn.fetchrow(q.MOVE, booking["id"], start, free[0][1], target)
    except asyncpg.ExclusionViolationError as exc:
        if exc.constraint_name == "bookings_member_no_overlap":
            raise member_busy() from None
        raise slot_taken() from None
    if row is None:
        raise slot_taken()
    await links.register_join_links(conn, settings, row)
    await outbox.withdraw(conn, booking["id"], [REMINDER_KIND])
    detail = {
        "action": "reschedule",
        "from_start": booking["starts_at"].isoformat(),
        "to_start": start.isoformat(),
    }
    if target != booking["lawyer_id"]:
        detail["from_lawyer_id"] = booking["lawyer_id"]
        detail["to_lawyer_id"] = target
    await record_event(conn, booking["id"], actor, actor_id, change.from_status, change.to_status, detail)
    await booking_changed(
        conn, settings, booking["id"], "moved", change.from_status, previous_lawyer_id=booking["lawyer_id"]
    )
    log.info("booking moved", extra={"booking_id": booking["id"]})
    return row


async def expire_lapsed(
    conn: asyncpg.Connection,
    settings: Settings,
    now: datetime,
    *,
    lawyer_ids: list[int] | None = None,
    member_id: int | None = None,
    email: str | None = None,
    limit: int = 100,
) -> int:
    """Cancel pending bookings whose hold has lapsed (all of them, or those of some lawyers or a member)."""
    rows = await conn.fetch(q.LAPSED, now, lawyer_ids, member_id, email, limit)
    for row in rows:
        await change_status(conn, settings, row, "expire", actor="system", actor_id=None)
    return len(rows)
