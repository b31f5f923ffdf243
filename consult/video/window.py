"""When a join link works: a pure function of the booking, the link and the moment."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

# The call can be joined from OPENS_BEFORE the start until CLOSES_AFTER the end.
OPENS_BEFORE = timedelta(minutes=10)
CLOSES_AFTER = timedelta(minutes=30)


class JoinState(StrEnum):
    EARLY = "early"  # before the window: show the time and a countdown
    OPEN = "open"  # inside the window: send the person to the provider
    UNCONFIRMED = "unconfirmed"  # the member has not confirmed the booking by email yet
    OVER = "over"  # the window has closed, or the consultation was completed or missed
    CANCELLED = "cancelled"
    MOVED = "moved"  # the link belongs to an earlier time of the booking


def opens_at(starts_at: datetime) -> datetime:
    return starts_at - OPENS_BEFORE


def closes_at(ends_at: datetime) -> datetime:
    return ends_at + CLOSES_AFTER


def join_state(
    now: datetime,
    *,
    starts_at: datetime,
    ends_at: datetime,
    status: str,
    link_sequence: int,
    booking_sequence: int,
) -> JoinState:
    """Say what a join link does now; cancellation wins over a move, a move over the clock."""
    if status == "cancelled":
        return JoinState.CANCELLED
    if link_sequence < booking_sequence:
        return JoinState.MOVED
    if status in ("completed", "no_show") or now >= closes_at(ends_at):
        return JoinState.OVER
    if status == "pending":
        return JoinState.UNCONFIRMED
    if now < opens_at(starts_at):
        return JoinState.EARLY
    return JoinState.OPEN
