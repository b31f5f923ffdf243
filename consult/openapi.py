"""The OpenAPI 3.1 document of /api/v1, assembled from each capability's `openapi.py` (PATHS, SCHEMAS)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from consult import __version__, keys
from consult.web import allow, json_response

if TYPE_CHECKING:
    from consult.capability import Capability

routes = web.RouteTableDef()


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def json_body(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def error(description: str) -> dict[str, Any]:
    return json_body(ref("Error"), description)


SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            }
        },
    },
    "Me": {
        "type": "object",
        "required": ["id", "name", "email", "role", "timezone", "language"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "email": {"type": "string"},
            "role": {"enum": ["member", "lawyer", "staff"]},
            "timezone": {"type": "string"},
            "language": {"enum": ["ru", "kk", "en"]},
        },
    },
}

PATHS: dict[str, Any] = {
    "/healthz": {
        "get": {"summary": "The process answers", "responses": {"200": json_body({"type": "object"})}}
    },
    "/readyz": {
        "get": {
            "summary": "The database answers and every migration is applied",
            "responses": {
                "200": json_body({"type": "object"}),
                "503": json_body({"type": "object"}, "Not ready"),
            },
        }
    },
    "/api/v1/openapi.json": {
        "get": {"summary": "This document", "responses": {"200": json_body({"type": "object"})}}
    },
    "/api/v1/session": {
        "post": {
            "summary": "Sign in (lawyers and staff)",
            "security": [],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["email", "password"],
                            "properties": {
                                "email": {"type": "string"},
                                "password": {"type": "string"},
                                "totp": {"type": "string"},
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": json_body(
                    {
                        "type": "object",
                        "required": ["csrf_token", "user"],
                        "properties": {"csrf_token": {"type": "string"}, "user": ref("Me")},
                    }
                ),
                "400": error("Invalid input"),
                "401": error("invalid_credentials"),
                "429": error("Too many attempts"),
            },
        },
        "delete": {
            "summary": "Sign out",
            "responses": {"200": json_body({"type": "object"}), "401": error("Not signed in")},
        },
    },
    "/api/v1/me": {
        "get": {
            "summary": "Who am I",
            "responses": {"200": json_body(ref("Me")), "401": error("Not signed in")},
        }
    },
}


def document(capabilities: list[Capability]) -> dict[str, Any]:
    """Merge the foundation's paths with every capability's paths and schemas."""
    paths: dict[str, Any] = {k: dict(v) for k, v in PATHS.items()}
    schemas: dict[str, Any] = dict(SCHEMAS)
    for capability in sorted(capabilities, key=lambda c: c.name):
        for path, item in capability.paths.items():
            paths.setdefault(path, {}).update(item)
        schemas.update(capability.schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "consult API",
            "version": __version__,
            "description": "Slots, bookings and the public Q&A archive of the union's consultation service.",
        },
        "servers": [{"url": "/"}],
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "consult_session"},
                "bearer": {"type": "http", "scheme": "bearer"},
            },
        },
        "security": [{}, {"session": []}, {"bearer": []}],
        "paths": dict(sorted(paths.items())),
    }


@routes.get("/api/v1/openapi.json", name="openapi")
@allow("anyone")
async def openapi_json(request: web.Request) -> web.Response:
    return json_response(request.app[keys.OPENAPI])
