"""Helpers for the reports, operations and privacy stories."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient

from consult.sessions import cookie_name, start_session
from consult.settings import Settings
from tests.conftest import Factory


async def member_login(
    client: TestClient, db: asyncpg.Connection, settings: Settings, member: dict[str, Any]
) -> str:
    """Sign a member in the way member sign-in will (a server session and its cookie); return the CSRF token."""
    session_id, csrf = await start_session(db, member["id"], settings)
    client.session.cookie_jar.update_cookies({cookie_name(settings): session_id})
    return csrf


async def consultation(
    factory: Factory,
    lawyer: dict[str, Any],
    *,
    start: datetime,
    status: str = "completed",
    topic: str = "dismissal",
    region: str | None = None,
    organization: str | None = None,
    created: datetime | None = None,
    member: dict[str, Any] | None = None,
    phone: str | None = None,
    membership_no: str | None = None,
    answer: str | None = None,
) -> dict[str, Any]:
    """A booking with the fields reports group by (region, organisation, booking time) filled in."""
    booking = await factory.booking(lawyer, start=start, status=status, topic=topic, member=member)
    row = await factory.conn.fetchrow(
        """
        UPDATE bookings SET region_id = (SELECT id FROM regions WHERE code = $2), organization = $3,
               created_at = coalesce($4, created_at), member_phone = $5, membership_no = $6, answer = $7
        WHERE id = $1 RETURNING *
        """,
        booking["id"],
        region,
        organization,
        created,
        phone,
        membership_no,
        answer,
    )
    return {**dict(row), "token": booking["token"]}


async def long_time_members(factory: Factory, *names: str) -> list[dict[str, Any]]:
    """Members who joined 30 months ago, before the default retention period of 24 months."""
    members = [await factory.user("member", name=name, password=None) for name in names]
    await factory.conn.execute(
        "UPDATE users SET created_at = now() - interval '30 months' WHERE id = ANY($1)",
        [m["id"] for m in members],
    )
    return members


def assert_matches_schema(body: Any, schemas: dict[str, Any], name: str) -> None:
    """Check an answer against our part of the OpenAPI document (refs resolve within it)."""
    import pytest

    jsonschema = pytest.importorskip("jsonschema")
    document = {"components": {"schemas": schemas}, "$ref": f"#/components/schemas/{name}"}
    jsonschema.Draft202012Validator(document).validate(body)
