"""Creating accounts for lawyers and staff."""

from __future__ import annotations

import re

import asyncpg

from consult.security import hash_password

EMAIL = re.compile(
    r"^[^@\s<>()\[\],;:\"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$"
)
MIN_PASSWORD = 10


class UserError(Exception):
    """An account cannot be created as asked."""


def normalize_email(email: str) -> str | None:
    """Return the email lower-cased, or None when it is not a plausible address."""
    email = email.strip().lower()
    return email if len(email) <= 254 and EMAIL.match(email) else None


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
