"""The one state machine: every action from every status by every actor, allowed or refused."""

from __future__ import annotations

import pytest

from consult.booking.states import (
    ACTORS,
    STATUSES,
    TRANSITIONS,
    ActorNotAllowed,
    InvalidTransition,
    allowed_actions,
    transition,
)

# The whole table, written out: (from status, action, actor) -> to status.
ALLOWED = {
    ("pending", "confirm", "member"): "confirmed",
    ("pending", "reschedule", "member"): "pending",
    ("pending", "reschedule", "staff"): "pending",
    ("confirmed", "reschedule", "member"): "confirmed",
    ("confirmed", "reschedule", "staff"): "confirmed",
    ("pending", "cancel", "member"): "cancelled",
    ("pending", "cancel", "lawyer"): "cancelled",
    ("pending", "cancel", "staff"): "cancelled",
    ("confirmed", "cancel", "member"): "cancelled",
    ("confirmed", "cancel", "lawyer"): "cancelled",
    ("confirmed", "cancel", "staff"): "cancelled",
    ("pending", "expire", "system"): "cancelled",
    ("confirmed", "complete", "lawyer"): "completed",
    ("confirmed", "complete", "staff"): "completed",
    ("confirmed", "no_show", "lawyer"): "no_show",
    ("confirmed", "no_show", "staff"): "no_show",
}
CASES = [(s, a, who) for s in STATUSES for a in TRANSITIONS for who in ACTORS]


@pytest.mark.parametrize(("status", "action", "actor"), CASES)
def test_every_action_from_every_status_is_allowed_or_refused_as_the_table_says(
    status: str, action: str, actor: str
) -> None:
    expected = ALLOWED.get((status, action, actor))
    if expected is not None:
        change = transition(status, action, actor)
        assert (change.from_status, change.to_status) == (status, expected)
        return
    with pytest.raises((InvalidTransition, ActorNotAllowed)):
        transition(status, action, actor)


def test_a_finished_consultation_cannot_be_touched_by_anyone() -> None:
    for status in ("cancelled", "completed", "no_show"):
        for actor in ACTORS:
            assert allowed_actions(status, actor) == []


def test_moves_and_cancellations_make_a_new_calendar_version_and_confirming_does_not() -> None:
    assert transition("confirmed", "reschedule", "member").bumps_sequence
    assert transition("confirmed", "cancel", "lawyer").bumps_sequence
    assert transition("pending", "expire", "system").bumps_sequence
    assert not transition("pending", "confirm", "member").bumps_sequence
    assert not transition("confirmed", "complete", "lawyer").bumps_sequence


def test_only_leaving_pending_or_confirmed_frees_the_slot() -> None:
    assert transition("confirmed", "cancel", "member").frees_slot
    assert transition("confirmed", "complete", "lawyer").frees_slot
    assert not transition("pending", "confirm", "member").frees_slot
    assert not transition("confirmed", "reschedule", "member").frees_slot


def test_a_member_cannot_complete_a_consultation_and_an_unknown_action_is_a_bug() -> None:
    with pytest.raises(ActorNotAllowed):
        transition("confirmed", "complete", "member")
    with pytest.raises(InvalidTransition):
        transition("completed", "cancel", "lawyer")
    with pytest.raises(ValueError):
        transition("confirmed", "teleport", "member")
