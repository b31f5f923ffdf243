"""The secret links that reach a booking: the member's manage link and each participant's join link."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg

from consult.security import booking_token, hash_token
from consult.settings import Settings

JOIN_ROLES = ("member", "lawyer")


def manage_token(settings: Settings, booking: Mapping[str, Any]) -> str:
    return booking_token(settings.server.secret_key, "manage", booking["link_nonce"])


def manage_token_hash(settings: Settings, nonce: str) -> bytes:
    """The hash stored in bookings.manage_token_hash for a booking with this nonce."""
    return hash_token(booking_token(settings.server.secret_key, "manage", nonce))


def manage_url(settings: Settings, booking: Mapping[str, Any]) -> str:
    return f"{settings.server.base_url}/b/{manage_token(settings, booking)}"


def join_token(settings: Settings, booking: Mapping[str, Any], role: str) -> str:
    """A participant's join token for the booking's current version; a move makes a new one."""
    if role not in JOIN_ROLES:
        raise ValueError(role)
    return booking_token(
        settings.server.secret_key, f"join-{role}", booking["link_nonce"], str(booking["ical_sequence"])
    )


def join_url(settings: Settings, booking: Mapping[str, Any], role: str) -> str:
    return f"{settings.server.base_url}/join/{join_token(settings, booking, role)}"


REGISTER_JOIN_LINK = """
INSERT INTO join_links (token_hash, booking_id, role, sequence) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING
"""


def join_link_hashes(settings: Settings, booking: Mapping[str, Any]) -> list[tuple[bytes, str]]:
    """(token hash, role) of both join tokens of the booking's current version: what join_links stores."""
    return [(hash_token(join_token(settings, booking, role)), role) for role in JOIN_ROLES]


async def register_join_links(
    conn: asyncpg.Connection, settings: Settings, booking: Mapping[str, Any]
) -> None:
    """Store the hashes of both join tokens of the booking's current version (after create and move)."""
    await conn.executemany(
        REGISTER_JOIN_LINK,
        [
            (token_hash, booking["id"], role, booking["ical_sequence"])
            for token_hash, role in join_link_hashes(settings, booking)
        ],
    )
