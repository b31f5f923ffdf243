"""The availability API answers what consult/availability/openapi.py says it answers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import jsonschema
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from consult.availability.openapi import PATHS, SCHEMAS
from consult.openapi import SCHEMAS as BASE_SCHEMAS
from tests.availability.conftest import ClientAt
from tests.conftest import Factory, login

# The integrator's document defines Error, the contract's error body.
ERROR = BASE_SCHEMAS["Error"]
DOCUMENT = {"components": {"schemas": {**SCHEMAS, "Error": ERROR}}}


def _rebase(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {k: ("urn:a" + v if k == "$ref" else _rebase(v)) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_rebase(v) for v in schema]
    return schema


def check(method: str, path: str, status: int, body: Any) -> None:
    response = PATHS[path][method]["responses"][str(status)]
    schema = response["content"]["application/json"]["schema"]
    registry: Registry[Any] = Registry().with_resource("urn:a", DRAFT202012.create_resource(DOCUMENT))
    jsonschema.Draft202012Validator(_rebase(schema), registry=registry).validate(body)


async def test_every_availability_answer_fits_its_documented_schema(
    client_at: ClientAt, factory: Factory
) -> None:
    lawyer = await factory.lawyer(weekly=[(d, "09:00", "11:00") for d in range(1, 8)])
    client = await client_at(datetime(2026, 12, 1, 3, tzinfo=UTC))
    calls = [
        ("/api/v1/topics", {}),
        ("/api/v1/lawyers", {"topic": "dismissal"}),
        ("/api/v1/lawyers", {"topic": "nope"}),
        ("/api/v1/slots", {"topic": "dismissal", "tz": "Europe/Moscow"}),
        ("/api/v1/slots", {"topic": "dismissal", "tz": "Nowhere/Land"}),
        ("/api/v1/slots", {"topic": "nope"}),
    ]
    seen = set()
    for path, params in calls:
        response = await client.get(path, params=params)
        check("get", path, response.status, await response.json())
        seen.add((path, response.status))
    assert seen == {
        ("/api/v1/topics", 200),
        ("/api/v1/lawyers", 200),
        ("/api/v1/lawyers", 404),
        ("/api/v1/slots", 200),
        ("/api/v1/slots", 400),
        ("/api/v1/slots", 404),
    }
    check("get", "/api/v1/me/availability", 401, await (await client.get("/api/v1/me/availability")).json())
    csrf = await login(client, lawyer)
    response = await client.get("/api/v1/me/availability")
    current = await response.json()
    check("get", "/api/v1/me/availability", 200, current)
    headers = {"X-CSRF-Token": csrf}
    response = await client.put(
        "/api/v1/me/availability",
        json={**current, "vacations": [{"from": "2026-12-20", "to": "2026-12-22"}]},
        headers=headers,
    )
    check("put", "/api/v1/me/availability", 200, await response.json())
    response = await client.put(
        "/api/v1/me/availability", json={**current, "slot_minutes": 5}, headers=headers
    )
    check("put", "/api/v1/me/availability", 400, await response.json())
