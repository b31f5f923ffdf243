"""What other capabilities ask of accounts: membership, for now (the booking form checks a card number).

Accounts' own units of work (passwords, sessions, links, TOTP, tokens) are still written in its views and
its register module; other capabilities reach accounts only through this module.
"""

from __future__ import annotations

import asyncpg

from consult.accounts import register


async def check_membership(conn: asyncpg.Connection, membership_no: str, surname: str) -> bool:
    """True when the card number is active in the member register and the surname matches its holder."""
    return await register.check_membership(conn, membership_no, surname)
