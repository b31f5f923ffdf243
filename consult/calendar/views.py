"""The lawyer's calendar feed: a secret iCalendar address for Outlook, Google and Apple calendars."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiohttp import web

from consult import keys, links
from consult.calendar import queries
from consult.calendar.ics import FeedEvent, FeedStatus, build_feed
from consult.errors import not_found
from consult.i18n import gettext, localized, use_locale
from consult.security import hash_token
from consult.web import allow

routes = web.RouteTableDef()

PAST = timedelta(days=30)
AHEAD = timedelta(days=60)
FEED_STATUS: dict[str, FeedStatus] = {
    "pending": "TENTATIVE",
    "confirmed": "CONFIRMED",
    "completed": "CONFIRMED",
    "no_show": "CONFIRMED",
    "cancelled": "CANCELLED",
}


@routes.get("/calendar/{token}.ics", name="calendar-feed")
@allow("anyone")
async def calendar_feed(request: web.Request) -> web.Response:
    token = request.match_info["token"]
    if not token or len(token) > 100:
        raise not_found()
    settings = request.app[keys.SETTINGS]
    now = datetime.now(UTC)
    async with request.app[keys.POOL].acquire() as conn:
        owner = await conn.fetchrow(queries.FEED_OWNER, hash_token(token))
        if owner is None:
            raise not_found()
        rows = await conn.fetch(queries.FEED_BOOKINGS, owner["id"], now - PAST, now + AHEAD)
    events = []
    with use_locale(owner["language"], owner["timezone"]):
        name = gettext("Union consultations")
        for row in rows:
            live = row["status"] in ("pending", "confirmed")
            join = (
                links.join_url(settings, row, "lawyer")
                if live and settings.video.provider != "none"
                else None
            )
            events.append(
                FeedEvent(
                    uid=row["ical_uid"],
                    sequence=row["ical_sequence"],
                    status=FEED_STATUS[row["status"]],
                    start=row["starts_at"],
                    end=row["ends_at"],
                    summary=gettext("Union legal consultation: %(topic)s")
                    % {"topic": localized(row, "name")},
                    description=gettext("Consultation number %(id)s. The question is on your day page.")
                    % {"id": row["id"]},
                    dtstamp=row["updated_at"],
                    join_url=join,
                    conference_label=gettext("Video consultation"),
                )
            )
    return web.Response(
        body=build_feed(events, name),
        content_type="text/calendar",
        charset="utf-8",
        headers={"Cache-Control": "no-store"},
    )
