"""Background jobs of video: end the provider meetings of consultations that are over or called off."""

from __future__ import annotations

from aiohttp import web

from consult import keys
from consult.video import queries
from consult.video.service import SERVICE_NAME, end_meeting

BATCH = 50
JOB_NAME = "video-end-meetings"


async def end_meetings_job(app: web.Application) -> int:
    """End the meetings of cancelled, completed or missed bookings, and of those long past their end.

    Runs after the change has committed (a provider call never holds a booking's transaction, and a
    cancellation never fails for a provider); a provider that does not answer is tried again next round
    only if the room is still open, and end_meeting marks it ended first, so each meeting is ended once.
    """
    service = app[keys.SERVICES].get(SERVICE_NAME)
    http = service.http if service is not None else None
    settings = app[keys.SETTINGS]
    ended = 0
    async with app[keys.POOL].acquire() as conn:
        for booking_id in await queries.rooms_to_end(conn, BATCH):
            async with conn.transaction():
                ended += await end_meeting(conn, settings, booking_id, http=http)
    return ended
