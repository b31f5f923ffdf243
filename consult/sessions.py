"""Server-side sessions and API tokens: who is making this request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from consult.security import hash_token, new_token
from consult.settings import Settings


@dataclass(frozen=True)
class CurrentUser:
    id: int
    role: str
    name: str
    email: str
    language: str
    timezone: str
    csrf_token: str | None  # None for Bearer requests, which need no CSRF token
    session_hash: bytes | None


def cookie_name(settings: Settings) -> str:
    """Name the session cookie; the __Host- prefix pins it to our origin under https."""
    return "__Host-consult_session" if settings.https else "consult_session"


def idle_limit(role: str, settings: Settings) -> timedelta:
    # Members sign in rarely and read their own bookings only; staff and lawyers hold others' data.
    if role in ("lawyer", "staff"):
        return timedelta(minutes=settings.security.session_idle_minutes)
    return timedelta(hours=settings.security.session_absolute_hours)


START_SESSION = """
INSERT INTO sessions (id_hash, user_id, csrf_token, expires_at) VALUES ($1, $2, $3, $4)
"""


async def start_session(conn: asyncpg.Connection, user_id: int, settings: Settings) -> tuple[str, str]:
    """Open a new session (a fresh id at every sign-in); return the cookie value and the CSRF token."""
    session_id, csrf = new_token(), new_token()
    expires = datetime.now(UTC) + timedelta(hours=settings.security.session_absolute_hours)
    await conn.execute(START_SESSION, hash_token(session_id), user_id, csrf, expires)
    return session_id, csrf


LOAD_SESSION = """
SELECT s.id_hash, s.csrf_token, s.last_seen_at, s.expires_at,
       u.id, u.role, u.name, u.email, u.language, u.timezone
FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.id_hash = $1 AND u.active
"""


async def load_session(conn: asyncpg.Connection, session_id: str, settings: Settings) -> CurrentUser | None:
    """Return the session's user, or None when it is unknown, idle too long or past its end."""
    row = await conn.fetchrow(LOAD_SESSION, hash_token(session_id))
    if row is None:
        return None
    now = datetime.now(UTC)
    if now >= row["expires_at"] or now - row["last_seen_at"] > idle_limit(row["role"], settings):
        await conn.execute("DELETE FROM sessions WHERE id_hash = $1", row["id_hash"])
        return None
    # Touch at most once a minute: a write per request would cost more than it tells.
    if now - row["last_seen_at"] > timedelta(minutes=1):
        await conn.execute("UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1", row["id_hash"], now)
    return CurrentUser(
        row["id"],
        row["role"],
        row["name"],
        row["email"],
        row["language"],
        row["timezone"],
        row["csrf_token"],
        row["id_hash"],
    )


USER_BY_API_KEY = """
UPDATE api_tokens t SET last_used_at = now()
FROM users u
WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.id = t.user_id AND u.active
  AND u.role IN ('lawyer', 'staff')
RETURNING u.id, u.role, u.name, u.email, u.language, u.timezone
"""


async def load_api_token(conn: asyncpg.Connection, token: str) -> CurrentUser | None:
    row = await conn.fetchrow(USER_BY_API_KEY, hash_token(token))
    if row is None:
        return None
    return CurrentUser(
        row["id"], row["role"], row["name"], row["email"], row["language"], row["timezone"], None, None
    )


async def end_session(conn: asyncpg.Connection, session_hash: bytes) -> None:
    await conn.execute("DELETE FROM sessions WHERE id_hash = $1", session_hash)


async def end_all_sessions(conn: asyncpg.Connection, user_id: int, keep: bytes | None = None) -> None:
    """End every session of a user (password change, deactivation), except perhaps the current one."""
    await conn.execute(
        "DELETE FROM sessions WHERE user_id = $1 AND ($2::bytea IS NULL OR id_hash <> $2)", user_id, keep
    )
