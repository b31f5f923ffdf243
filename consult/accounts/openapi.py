"""OpenAPI 3.1 paths of accounts: sessions, who am I, personal API tokens, emailed links."""

from __future__ import annotations

from typing import Any


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


RATE_LIMITED = {
    **_error("Too many attempts; wait as long as Retry-After says."),
    "headers": {
        "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer", "minimum": 1}}
    },
}


def _body(required: list[str], **properties: Any) -> dict[str, Any]:
    """A required JSON object body with these properties."""
    schema = {"type": "object", "required": required, "properties": properties}
    return {"required": True, "content": {"application/json": {"schema": schema}}}


EMAIL_BODY = _body(["email"], email={"type": "string", "format": "email", "maxLength": 254})
ACCEPTED = _json(
    {"type": "object", "required": ["status"], "properties": {"status": {"const": "accepted"}}},
    "The same answer whether or not the address is known.",
)

SCHEMAS: dict[str, Any] = {
    "Me": {
        "type": "object",
        "required": ["id", "name", "email", "role", "timezone", "language"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "email": {"type": "string", "format": "email"},
            "role": {"enum": ["member", "lawyer", "staff"]},
            "timezone": {"type": "string", "description": "IANA time zone"},
            "language": {"enum": ["ru", "kk", "en"]},
        },
    },
    "SessionCreated": {
        "type": "object",
        "required": ["csrf_token", "user"],
        "properties": {"csrf_token": {"type": "string"}, "user": {"$ref": "#/components/schemas/Me"}},
    },
    "ApiToken": {
        "type": "object",
        "required": ["id", "name", "created_at", "last_used_at"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
            "last_used_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "ApiTokenCreated": {
        "type": "object",
        "required": ["id", "name", "token"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "token": {
                "type": "string",
                "description": "Shown this once; send as Authorization: Bearer <token>",
            },
        },
    },
}

PATHS: dict[str, Any] = {
    "/api/v1/session": {
        "post": {
            "operationId": "signIn",
            "summary": "Sign in as a lawyer or staff member",
            "description": (
                "Sets the session cookie. Counted per account (5 a minute) and per client address. "
                "With two-step sign-in on, send `totp`; staff who must use it and have not set it up get 403 "
                "`totp_setup_required` and set it up on the sign-in page."
            ),
            "security": [],
            "requestBody": _body(
                ["email", "password"],
                email={"type": "string"},
                password={"type": "string"},
                totp={"type": "string", "pattern": "^[0-9 ]{6,7}$"},
            ),
            "responses": {
                "200": _json({"$ref": "#/components/schemas/SessionCreated"}, "Signed in"),
                "400": _error("Fields missing"),
                "401": _error(
                    "`invalid_credentials` (alike for an unknown email and a wrong password), `totp_required`, `invalid_totp`"
                ),
                "403": _error(
                    "`totp_setup_required`, or `csrf` when a signed-in browser sends no CSRF token"
                ),
                "429": RATE_LIMITED,
            },
        },
        "delete": {
            "operationId": "signOut",
            "summary": "Sign out: the session ends on the server",
            "responses": {
                "200": _json(
                    {"type": "object", "properties": {"status": {"const": "signed_out"}}}, "Signed out"
                ),
                "401": _error("Not signed in"),
            },
        },
    },
    "/api/v1/me": {
        "get": {
            "operationId": "me",
            "summary": "Who am I (every role)",
            "responses": {
                "200": _json({"$ref": "#/components/schemas/Me"}, "The caller"),
                "401": _error("Not signed in"),
            },
        }
    },
    "/api/v1/me/tokens": {
        "get": {
            "operationId": "listTokens",
            "summary": "The caller's live personal API tokens (without the secrets)",
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "properties": {
                            "items": {"type": "array", "items": {"$ref": "#/components/schemas/ApiToken"}}
                        },
                    },
                    "Tokens, newest first",
                ),
                "401": _error("Not signed in"),
                "403": _error("Members have no tokens"),
            },
        },
        "post": {
            "operationId": "createToken",
            "summary": "Make a personal API token (lawyers and staff)",
            "requestBody": _body(["name"], name={"type": "string", "minLength": 1, "maxLength": 100}),
            "responses": {
                "201": _json(
                    {"$ref": "#/components/schemas/ApiTokenCreated"}, "Created; the token is shown this once"
                ),
                "400": _error("No name"),
                "401": _error("Not signed in"),
                "403": _error("Members have no tokens"),
                "409": _error("`too_many_tokens` (20 at most)"),
            },
        },
    },
    "/api/v1/me/tokens/{id}": {
        "delete": {
            "operationId": "revokeToken",
            "summary": "Revoke one of the caller's tokens",
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {
                "204": {"description": "Revoked"},
                "401": _error("Not signed in"),
                "404": _error("No such token of the caller's (someone else's answers the same)"),
            },
        }
    },
    "/api/v1/signin-links": {
        "post": {
            "operationId": "requestSignInLink",
            "summary": "Email a member a one-time sign-in link (15 minutes, single use)",
            "description": "A member account is made when the link is first used. Limited per email and per client address.",
            "security": [],
            "requestBody": EMAIL_BODY,
            "responses": {"202": ACCEPTED, "400": _error("Not an email address"), "429": RATE_LIMITED},
        }
    },
    "/api/v1/password-resets": {
        "post": {
            "operationId": "requestPasswordReset",
            "summary": "Email a lawyer or staff member a link to set a new password (60 minutes, single use)",
            "security": [],
            "requestBody": EMAIL_BODY,
            "responses": {"202": ACCEPTED, "400": _error("Not an email address"), "429": RATE_LIMITED},
        }
    },
}
