"""Time-based one-time codes (RFC 6238) for lawyers' and staff's second sign-in step."""

from __future__ import annotations

import time

import asyncpg
import pyotp

ISSUER = "Consult"
STEP_SECONDS = 30


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str, issuer: str = ISSUER) -> str:
    """The otpauth:// URI an authenticator app takes (typed in or pasted, as we show no QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def group_secret(secret: str) -> str:
    """Show the secret in groups of four, easier to type into a phone."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """Return the time step the code belongs to (the current one or a neighbour), or None."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if now is None else now
    for offset in (0, -1, 1):  # a phone's clock a little off still works
        at = now + offset * STEP_SECONDS
        if pyotp.utils.strings_equal(totp.at(at), code):
            return int(at // STEP_SECONDS)
    return None


ACCEPT_STEP = """
UPDATE users SET totp_last_step = $2
WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)
RETURNING id
"""


async def accept_code(conn: asyncpg.Connection, user_id: int, secret: str, code: str) -> bool:
    """Check a code and remember its step, so the same code cannot be replayed."""
    step = matching_step(secret, code)
    if step is None:
        return False
    return await conn.fetchval(ACCEPT_STEP, user_id, step) is not None
