"""Why a booking was not made: the conflicts the writer and the booking service both answer with."""

from __future__ import annotations

from consult.errors import Conflict
from consult.i18n import N_


class SlotTaken(Conflict):
    default_code = "slot_taken"
    default_message = N_("This time has just been taken. Please choose another one.")


class MemberBusy(Conflict):
    default_code = "member_busy"
    default_message = N_("You already have a consultation at this time.")


class TooManyBookings(Conflict):
    default_code = "too_many_bookings"
    default_message = N_("You already have as many upcoming consultations as one member may hold.")


def slot_taken() -> SlotTaken:
    return SlotTaken()


def member_busy() -> MemberBusy:
    return MemberBusy()


def too_many_bookings() -> TooManyBookings:
    return TooManyBookings()
