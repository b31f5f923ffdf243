"""Checking what staff type in: a lawyer's personal room link."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from consult.i18n import N_

MAX_ROOM_URL = 500


class RoomUrlError(ValueError):
    """The room link is not one we can send people to; the message is an English id."""


def clean_room_url(value: Any) -> str | None:
    """Return the https room link to store, None to clear it, or raise RoomUrlError."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise RoomUrlError(N_("Give a link starting with https://, or leave it empty."))
    value = value.strip()
    if not value:
        return None
    if len(value) > MAX_ROOM_URL:
        raise RoomUrlError(N_("The link is too long."))
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise RoomUrlError(N_("The link must not contain spaces."))
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        raise RoomUrlError(N_("Give a link starting with https://, or leave it empty.")) from None
    # Only https: the link takes people into a confidential conversation. No user:password@ either.
    if parts.scheme != "https" or not host or "@" in parts.netloc:
        raise RoomUrlError(N_("Give a link starting with https://, or leave it empty."))
    return value
