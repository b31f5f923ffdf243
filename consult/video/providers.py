"""Video providers behind our join page: Jitsi Meet, BigBlueButton, a lawyer's own room, or none.

Each provider answers four questions about one booking's meeting: create it, update it, delete it, and
give one participant a URL to enter it at one moment. Invites never carry these URLs: the join page asks
for a fresh one each time somebody taps "Join" inside the window.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import aiohttp
from yarl import URL

from consult.settings import Video
from consult.video.window import CLOSES_AFTER

ROOM_BYTES = 20  # 160 random bits; base32 keeps them in lower case, which Jitsi may fold room names to


class VideoUnavailable(Exception):
    """The provider did not answer, or answered with a failure; the person can try again."""


@dataclass(frozen=True)
class Meeting:
    booking_id: int
    room: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Participant:
    role: str  # "member" or "lawyer"
    name: str

    @property
    def moderator(self) -> bool:
        return self.role == "lawyer"


def new_room_name() -> str:
    """Return a fresh room name of 160 random bits: nothing in it names a person or a topic."""
    return base64.b32encode(secrets.token_bytes(ROOM_BYTES)).decode().rstrip("=").lower()


class Provider(ABC):
    """What every video provider does for one booking's meeting."""

    name: str
    has_video = True
    # Whether the meeting needs a room of its own (in video_rooms); a personal room or no video does not.
    needs_room = True

    async def create(self, meeting: Meeting) -> None:
        """Make the meeting exist; safe to call again."""
        return None  # nothing to do unless the provider keeps meetings of its own

    async def update(self, meeting: Meeting) -> None:
        """Tell the provider the meeting moved; most providers keep nothing to change."""
        return None  # nothing to do unless the provider keeps meetings of its own

    async def delete(self, meeting: Meeting) -> None:
        """End the meeting; safe to call again and for a meeting that never started."""
        return None  # nothing to do unless the provider keeps meetings of its own

    @abstractmethod
    async def join_url(self, meeting: Meeting, participant: Participant, now: datetime) -> str:
        """Return a URL that takes this participant into the meeting now."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt_hs256(claims: dict[str, Any], secret: str) -> str:
    """Encode claims as a JSON Web Token signed with HMAC-SHA256 (RFC 7519, RFC 7515)."""
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64url(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode())
    signing_input = f"{header}.{payload}".encode()
    signature = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64url(signature)}"


class JitsiProvider(Provider):
    """Jitsi Meet: rooms exist when the first person enters; a self-hosted one may demand a JWT."""

    name = "jitsi"

    def __init__(self, video: Video) -> None:
        self.base_url = video.jitsi_base_url.rstrip("/")
        self.app_id = video.jitsi_app_id
        self.app_secret = video.jitsi_app_secret

    @property
    def domain(self) -> str:
        return urlsplit(self.base_url).hostname or ""

    def token(self, meeting: Meeting, participant: Participant, now: datetime) -> str:
        """Return a short-lived JWT for one participant (Jitsi's token authentication)."""
        issued = int(now.timestamp())
        claims = {
            "aud": "jitsi",
            "iss": self.app_id,
            "sub": self.domain,
            "room": meeting.room,
            "iat": issued,
            "nbf": issued - 60,  # a minute of grace for a provider clock running behind ours
            "exp": int((meeting.ends_at + CLOSES_AFTER).timestamp()),
            "context": {"user": {"name": participant.name, "moderator": participant.moderator}},
        }
        return jwt_hs256(claims, self.app_secret)

    async def join_url(self, meeting: Meeting, participant: Participant, now: datetime) -> str:
        url = f"{self.base_url}/{meeting.room}"
        if self.app_id and self.app_secret:
            return f"{url}?jwt={self.token(meeting, participant, now)}"
        # Without tokens the display name travels in the fragment, which never reaches a server.
        return f"{url}#userInfo.displayName={quote(json.dumps(participant.name, ensure_ascii=False))}"


def bbb_checksum(call: str, query: str, secret: str) -> str:
    """BigBlueButton's checksum: SHA-256 of the call name, the query string and the shared secret."""
    return hashlib.sha256(f"{call}{query}{secret}".encode()).hexdigest()


_RETURNCODE = re.compile(r"<returncode>\s*([A-Z]+)\s*</returncode>")
_MESSAGE_KEY = re.compile(r"<messageKey>\s*([A-Za-z]+)\s*</messageKey>")


class BigBlueButtonProvider(Provider):
    """BigBlueButton: create the meeting on first join (create is idempotent), then sign a join URL."""

    name = "bigbluebutton"

    def __init__(self, video: Video, secret_key: str, http: aiohttp.ClientSession, logout_url: str) -> None:
        base = video.bbb_url.rstrip("/")
        self.api_url = base if base.endswith("/api") else f"{base}/api"
        self.secret = video.bbb_secret
        self.secret_key = secret_key
        self.http = http
        self.logout_url = logout_url
        self.meeting_name = "Consultation"

    def url(self, call: str, params: dict[str, str]) -> str:
        """Return the signed URL of an API call."""
        query = urlencode(params, quote_via=quote, safe="")
        return f"{self.api_url}/{call}?{query}&checksum={bbb_checksum(call, query, self.secret)}"

    def password(self, meeting: Meeting, role: str) -> str:
        # Derived rather than stored: nothing secret about a meeting needs to sit in the database.
        digest = hmac.new(self.secret_key.encode(), f"bbb-{role}:{meeting.room}".encode(), hashlib.sha256)
        return digest.hexdigest()[:32]

    async def call(self, call: str, params: dict[str, str], ok_keys: tuple[str, ...] = ()) -> None:
        """Run an API call; raise VideoUnavailable unless it succeeds (or fails with an expected key)."""
        try:
            # encoded=True: send the query exactly as signed (yarl would otherwise normalize its escapes).
            async with self.http.get(URL(self.url(call, params), encoded=True)) as response:
                body = await response.text()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise VideoUnavailable(f"{call}: {type(exc).__name__}") from exc
        code = _RETURNCODE.search(body)
        if status == 200 and code and code.group(1) == "SUCCESS":
            return
        key = _MESSAGE_KEY.search(body)
        if key and key.group(1) in ok_keys:
            return
        raise VideoUnavailable(f"{call}: HTTP {status}, {key.group(1) if key else 'no messageKey'}")

    async def create(self, meeting: Meeting) -> None:
        await self.call(
            "create",
            {
                "meetingID": meeting.room,
                "name": self.meeting_name,
                "attendeePW": self.password(meeting, "viewer"),
                "moderatorPW": self.password(meeting, "moderator"),
                "record": "false",
                "logoutURL": self.logout_url,
            },
        )

    async def delete(self, meeting: Meeting) -> None:
        await self.call(
            "end",
            {"meetingID": meeting.room, "password": self.password(meeting, "moderator")},
            ok_keys=("notFound", "invalidMeetingIdentifier"),
        )

    async def join_url(self, meeting: Meeting, participant: Participant, now: datetime) -> str:
        await self.create(meeting)
        role = "moderator" if participant.moderator else "viewer"
        return self.url(
            "join",
            {
                "fullName": participant.name,
                "meetingID": meeting.room,
                # role for BigBlueButton 2.4 and later, the password for older servers; they agree.
                "role": role.upper(),
                "password": self.password(meeting, role),
                "redirect": "true",
            },
        )


class PersonalRoomProvider(Provider):
    """A lawyer's fixed room (set by staff), used for every consultation of that lawyer."""

    name = "room"
    needs_room = False

    def __init__(self, room_url: str) -> None:
        self.room_url = room_url

    async def join_url(self, meeting: Meeting, participant: Participant, now: datetime) -> str:
        return self.room_url


class NoVideoProvider(Provider):
    """No video: the consultation happens by phone or in person."""

    name = "none"
    has_video = False
    needs_room = False

    async def join_url(self, meeting: Meeting, participant: Participant, now: datetime) -> str:
        raise VideoUnavailable("no video provider")
