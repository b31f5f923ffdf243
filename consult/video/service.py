"""The video capability's units of work: which provider, entering a meeting, ending one, describing one.

Other capabilities use three things from here:
- `describe_meeting(settings, lawyer)`: whether a consultation with this lawyer is a video call or by
  phone/in person, for emails and invites;
- `end_meeting(conn, settings, booking_id)`: tear a booking's meeting down (safe to call twice; a
  provider failure is logged, never raised). Nobody needs to call it: video's job (video/jobs.py) ends
  the meetings of cancelled, completed and missed bookings within half a minute of the change;
- `video_service(app)`: the app's provider set-up, with its HTTP client for provider APIs.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from typing import Any

import aiohttp
import asyncpg
from aiohttp import web

from consult import keys
from consult.i18n import N_
from consult.settings import Settings
from consult.video import queries
from consult.video.providers import (
    BigBlueButtonProvider,
    JitsiProvider,
    Meeting,
    NoVideoProvider,
    Participant,
    PersonalRoomProvider,
    Provider,
    VideoUnavailable,
    new_room_name,
)

log = logging.getLogger("consult.video")
SERVICE_NAME = "video"
# Provider APIs answer in well under a second; a person waiting on the join page must not wait longer.
HTTP_TIMEOUT = aiohttp.ClientTimeout(total=5, connect=3)


def provider_for(
    settings: Settings, room_url: str | None, http: aiohttp.ClientSession | None = None
) -> Provider:
    """Pick the provider of one lawyer's consultations: the lawyer's own room wins over the setting."""
    if room_url:
        return PersonalRoomProvider(room_url)
    video = settings.video
    if video.provider == "jitsi":
        return JitsiProvider(video)
    if video.provider == "bigbluebutton":
        if http is None:
            raise ValueError("BigBlueButton needs an HTTP client session")
        return BigBlueButtonProvider(video, settings.server.secret_key, http, settings.server.base_url)
    return NoVideoProvider()


class VideoService:
    """The app's video set-up: its settings and one HTTP client session for provider APIs."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._http: aiohttp.ClientSession | None = None

    @property
    def http(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=HTTP_TIMEOUT)
        return self._http

    def provider(self, room_url: str | None) -> Provider:
        needs_http = not room_url and self.settings.video.provider == "bigbluebutton"
        return provider_for(self.settings, room_url, self.http if needs_http else None)

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None


def video_service(app: web.Application) -> VideoService:
    service: VideoService = app[keys.SERVICES][SERVICE_NAME]
    return service


async def video_context(app: web.Application) -> AsyncIterator[None]:
    """Keep one VideoService for the app's life and close its HTTP client at the end."""
    service = VideoService(app[keys.SETTINGS])
    app[keys.SERVICES][SERVICE_NAME] = service
    try:
        yield
    finally:
        await service.close()


def describe_meeting(settings: Settings, lawyer: Mapping[str, Any] | None) -> dict[str, Any]:
    """Say how a consultation with this lawyer happens, for emails, invites and pages.

    `label` and `hint` are English message ids: translate them with `_()` in the reader's language.
    """
    room_url = lawyer.get("room_url") if lawyer is not None else None
    provider = "room" if room_url else settings.video.provider
    if provider == "none":
        return {
            "video": False,
            "provider": provider,
            "label": N_("Consultation by phone or in person"),
            "hint": N_("There is no video call: the lawyer will call you at the agreed time."),
        }
    return {
        "video": True,
        "provider": provider,
        "label": N_("Video call"),
        "hint": N_(
            "Open the join link from 10 minutes before the start. Nothing to install, no account needed."
        ),
    }


def participant_of(link: Mapping[str, Any]) -> Participant:
    name = link["lawyer_name"] if link["role"] == "lawyer" else link["member_name"]
    return Participant(link["role"], name or "")


async def enter_meeting(
    pool: asyncpg.Pool, provider: Provider, link: Mapping[str, Any], now: datetime
) -> str:
    """Return a fresh provider URL for the link's participant; VideoUnavailable when there is none."""
    room = ""
    if provider.needs_room:
        async with pool.acquire() as conn, conn.transaction():
            room = (await queries.ensure_room(conn, link["booking_id"], provider.name, new_room_name()))[
                "room"
            ]
    # The provider is called outside the transaction: a slow provider must not hold a connection.
    meeting = Meeting(link["booking_id"], room, link["starts_at"], link["ends_at"])
    return await provider.join_url(meeting, participant_of(link), now)


async def end_meeting(
    conn: asyncpg.Connection,
    settings: Settings,
    booking_id: int,
    *,
    http: aiohttp.ClientSession | None = None,
) -> bool:
    """Tear a booking's meeting down; True the first time, False when there was nothing left to end.

    The room is marked ended in the database and the provider is asked to end the meeting; a provider
    failure is logged (ids only) and swallowed, because a cancellation must never fail for it.
    """
    row = await queries.end_room(conn, booking_id)
    if row is None:
        return False
    if row["provider"] != "bigbluebutton" or not settings.video.bbb_url:
        return True  # Jitsi rooms vanish by themselves when the last person leaves
    meeting = Meeting(row["booking_id"], row["room"], row["starts_at"], row["ends_at"])
    own_http = http is None
    session = aiohttp.ClientSession(timeout=HTTP_TIMEOUT) if http is None else http
    try:
        bbb = BigBlueButtonProvider(
            settings.video, settings.server.secret_key, session, settings.server.base_url
        )
        await bbb.delete(meeting)
    except VideoUnavailable as exc:
        log.warning(
            "video meeting not ended at the provider",
            extra={"booking_id": booking_id, "provider": row["provider"], "error": str(exc)},
        )
    finally:
        if own_http:
            await session.close()
    return True
