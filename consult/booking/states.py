"""The booking state machine: which action moves a booking from which status to which, and who may act.

Pure: no I/O. Every change of a booking goes through `transition`, so that the rules live here only.
"""

from __future__ import annotations

from dataclasses import dataclass

STATUSES = ("pending", "confirmed", "cancelled", "completed", "no_show")
LIVE = frozenset({"pending", "confirmed"})
ACTORS = ("member", "lawyer", "staff", "system")

# action -> {from status: to status}
TRANSITIONS: dict[str, dict[str, str]] = {
    "confirm": {"pending": "confirmed"},
    "reschedule": {"pending": "pending", "confirmed": "confirmed"},
    "cancel": {"pending": "cancelled", "confirmed": "cancelled"},
    "expire": {"pending": "cancelled"},
    "complete": {"confirmed": "completed"},
    "no_show": {"confirmed": "no_show"},
}

# action -> who may take it
ACTORS_OF: dict[str, frozenset[str]] = {
    "confirm": frozenset({"member"}),
    "reschedule": frozenset({"member", "staff"}),
    "cancel": frozenset({"member", "lawyer", "staff"}),
    "expire": frozenset({"system"}),
    "complete": frozenset({"lawyer", "staff"}),
    "no_show": frozenset({"lawyer", "staff"}),
}


class InvalidTransition(Exception):
    """The booking's status does not allow this action (answered as 409 invalid_state)."""

    def __init__(self, status: str, action: str) -> None:
        super().__init__(f"{action} is not possible from {status}")
        self.status = status
        self.action = action


class ActorNotAllowed(Exception):
    """This kind of person may not take this action on a booking."""


@dataclass(frozen=True)
class Change:
    action: str
    actor: str
    from_status: str
    to_status: str

    @property
    def frees_slot(self) -> bool:
        return self.from_status in LIVE and self.to_status not in LIVE

    @property
    def bumps_sequence(self) -> bool:
        """Whether calendars must see a new version (iTIP SEQUENCE): moves and cancellations."""
        return self.action == "reschedule" or self.to_status == "cancelled"


def transition(status: str, action: str, actor: str) -> Change:
    """Return the change `action` by `actor` makes to a booking in `status`, or raise."""
    if action not in TRANSITIONS:
        raise ValueError(f"unknown action {action!r}")
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    if actor not in ACTORS_OF[action]:
        raise ActorNotAllowed(f"{actor} may not {action}")
    target = TRANSITIONS[action].get(status)
    if target is None:
        raise InvalidTransition(status, action)
    return Change(action, actor, status, target)


def allowed_actions(status: str, actor: str) -> list[str]:
    """List what `actor` may do to a booking in `status` (for pages that show only possible buttons)."""
    return [a for a, moves in TRANSITIONS.items() if status in moves and actor in ACTORS_OF[a]]
