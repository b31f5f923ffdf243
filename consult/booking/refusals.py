"""Why a booking was not made: the 409 answers the writer and the booking service both give."""

from __future__ import annotations

from consult.i18n import N_
from consult.web import ApiError, conflict


def slot_taken() -> ApiError:
    return conflict("slot_taken", N_("This time has just been taken. Please choose another one."))


def member_busy() -> ApiError:
    return conflict("member_busy", N_("You already have a consultation at this time."))


def too_many_bookings() -> ApiError:
    return conflict(
        "too_many_bookings",
        N_("You already have as many upcoming consultations as one member may hold."),
    )
