"""Creating accounts for lawyers and staff."""

from __future__ import annotations

import asyncpg

from consult.forms import normalize_email
from consult.i18n import N_
from consult.security import hash_password

MIN_PASSWORD = 10


class UserError(Exception):
    """An account cannot be created as asked."""


CREATE_USER = """
INSERT INTO users (role, email, name, password_hash, language, password_changed_at)
VALUES ($1, $2, $3, $4, $5, now())
ON CONFLICT (email) DO NOTHING
RETURNING id
"""


async def create_staff_user(
    conn: asyncpg.Connection, role: str, email: str, name: str, password: str, language: str = "ru"
) -> int:
    """Add a lawyer or staff account; an existing email is refused, never overwritten."""
    address = normalize_email(email)
    if address is None:
        raise UserError("the email address is not valid")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password needs at least {MIN_PASSWORD} characters")
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise UserError("the name must have 1 to 200 characters")
    async with conn.transaction():
        user_id = await conn.fetchval(
            CREATE_USER, role, address, name, await hash_password(password), language
        )
        if user_id is None:
            raise UserError("an account with this email exists already")
        if role == "lawyer":
            await conn.execute("INSERT INTO lawyers (user_id) VALUES ($1)", user_id)
    return int(user_id)


MAX_PASSWORD = 1024


def password_problem(password: str, email: str = "") -> str | None:
    """Say what is wrong with a new password (an English message id), or None when it will do."""
    if len(password) < MIN_PASSWORD:
        return N_("Use at least 10 characters.")
    if len(password) > MAX_PASSWORD:
        return N_("This password is too long.")
    if email and password.strip().lower() == email.strip().lower():
        return N_("The password must not be your email address.")
    return None


SET_PASSWORD = """
UPDATE users SET password_hash = $2, password_changed_at = now()
WHERE id = $1 AND role IN ('lawyer', 'staff')
"""  # noqa: S105 (SQL, not a secret)


async def set_password(conn: asyncpg.Connection, user_id: int, password: str) -> None:
    """Store a new password hash (hashed off the event loop); the caller ends the sessions it must."""
    await conn.execute(SET_PASSWORD, user_id, await hash_password(password))


CREATE_INVITED = """
INSERT INTO users (role, email, name, password_hash, language, password_changed_at)
VALUES ($1, $2, $3, $4, $5, now())
ON CONFLICT (email) DO NOTHING
RETURNING id
"""


async def create_invited_user(
    conn: asyncpg.Connection, role: str, email: str, name: str, password_hash: str, language: str
) -> int | None:
    """Create the invited account; None when the email has an account already (never overwritten)."""
    user_id = await conn.fetchval(CREATE_INVITED, role, email, name, password_hash, language)
    if user_id is not None and role == "lawyer":
        await conn.execute("INSERT INTO lawyers (user_id) VALUES ($1) ON CONFLICT DO NOTHING", user_id)
    return None if user_id is None else int(user_id)


MEMBER_FOR_EMAIL = """
WITH made AS (
    INSERT INTO users (role, email, name, language) VALUES ('member', $1, $2, $3)
    ON CONFLICT (email) DO NOTHING
    RETURNING id, role, active
)
SELECT id, role, active FROM made
UNION ALL
SELECT id, role, active FROM users WHERE email = $1
LIMIT 1
"""


async def member_for_email(conn: asyncpg.Connection, email: str, language: str) -> asyncpg.Record:
    """Return the account of this email, making a member account on first use."""
    name = email.partition("@")[0][:200] or email
    row = await conn.fetchrow(MEMBER_FOR_EMAIL, email, name, language)
    assert row is not None
    return row
