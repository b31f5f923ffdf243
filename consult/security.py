"""Secret tokens and passwords: random, hashed, compared in constant time."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# 32 bytes = 256 random bits, well above the 128 the project asks for.
TOKEN_BYTES = 32
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the email is unknown, so both answers take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password-" + secrets.token_hex(8))


def new_token() -> str:
    """Return a fresh URL-safe secret token."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> bytes:
    """Return the SHA-256 digest under which a token is stored."""
    return hashlib.sha256(token.encode()).digest()


def tokens_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def sign(secret_key: str, value: str) -> str:
    """Return an HMAC-SHA256 of value under the service's secret key."""
    return hmac.new(secret_key.encode(), value.encode(), hashlib.sha256).hexdigest()


def booking_token(secret_key: str, purpose: str, nonce: str, *parts: str) -> str:
    """Derive a booking's link token (manage, join-member, join-lawyer) from its random nonce.

    The nonce holds 256 random bits and the key is secret, so the token is as unguessable as a random
    one; deriving it lets a later email (a reminder, a move) carry the link while the database keeps
    only its SHA-256 hash.
    """
    message = ":".join((purpose, nonce, *parts))
    digest = hmac.new(secret_key.encode(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def hash_password(password: str) -> str:
    """Hash a password with argon2id in a thread, so the event loop keeps serving."""
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check a password off the event loop; an absent hash still costs one verification."""

    def check() -> bool:
        try:
            return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)
