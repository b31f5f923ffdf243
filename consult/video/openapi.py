"""The video capability's part of the OpenAPI document: the join page and a lawyer's personal room."""

from __future__ import annotations

from typing import Any

_ERROR = {"$ref": "#/components/schemas/Error"}
_LAWYER_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "description": "The lawyer's user id.",
    "schema": {"type": "integer", "minimum": 1},
}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ERROR}}}


_HTML = {"text/html": {"schema": {"type": "string"}}}

PATHS: dict[str, Any] = {
    "/join/{token}": {
        "get": {
            "operationId": "join",
            "tags": ["video"],
            "summary": "Enter a consultation's video call through a participant's secret join link",
            "description": (
                "The link in invites and emails; one secret token per participant (member or lawyer) and per "
                "version of the booking. From 10 minutes before the start until 30 minutes after the end it "
                "redirects (303) to a fresh URL of the video provider (Jitsi Meet, with a short-lived JWT when "
                "token authentication is set up; BigBlueButton, creating the meeting on first join, the lawyer "
                "as moderator; or the lawyer's personal room). Before the window it shows the time in the "
                "viewer's zone and a countdown. Answers HTML pages, never the provider's secrets in JSON."
            ),
            "security": [],
            "parameters": [
                {
                    "name": "token",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "maxLength": 100},
                },
                {"name": "lang", "in": "query", "required": False, "schema": {"enum": ["ru", "kk", "en"]}},
            ],
            "responses": {
                "200": {
                    "description": (
                        "Not open yet (time, zone and countdown), not confirmed yet, or, with no video "
                        "provider, a page that says the consultation is by phone or in person."
                    ),
                    "content": _HTML,
                },
                "303": {
                    "description": "Inside the window: go to the provider's meeting now.",
                    "headers": {"Location": {"schema": {"type": "string", "format": "uri"}}},
                },
                "404": {"description": "No such join link.", "content": _HTML},
                "410": {
                    "description": (
                        "The consultation has ended (30 minutes after its end, or completed or missed), was "
                        "cancelled, or was moved (this link belongs to its earlier time); the page says which "
                        "and links to booking again."
                    ),
                    "content": _HTML,
                },
                "503": {
                    "description": "The video provider did not answer; a page with a retry button.",
                    "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                    "content": _HTML,
                },
            },
        }
    },
    "/api/v1/lawyers/{id}/room": {
        "parameters": [_LAWYER_ID],
        "get": {
            "operationId": "getLawyerRoom",
            "tags": ["video"],
            "summary": "A lawyer's fixed personal room link (staff)",
            "responses": {
                "200": {
                    "description": "The link, or null when the lawyer uses the configured provider.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LawyerRoom"}}},
                },
                "401": _error("Not signed in."),
                "403": _error("Not staff."),
                "404": _error("No such lawyer."),
            },
        },
        "put": {
            "operationId": "setLawyerRoom",
            "tags": ["video"],
            "summary": "Set or clear a lawyer's fixed personal room link (staff)",
            "description": (
                "When set, every consultation of this lawyer sends both participants to this link from our "
                "join page, instead of a new provider room per booking. null or an empty string clears it."
            ),
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LawyerRoomInput"}}},
            },
            "responses": {
                "200": {
                    "description": "The stored link.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LawyerRoom"}}},
                },
                "400": _error(
                    "The link is not an https URL (fields.room_url says why), or the body is not JSON."
                ),
                "401": _error("Not signed in."),
                "403": _error("Not staff, or a cookie session without the CSRF token."),
                "404": _error("No such lawyer."),
                "413": _error("The body is too large."),
                "415": _error("The body is not JSON."),
            },
        },
    },
}

SCHEMAS: dict[str, Any] = {
    "LawyerRoom": {
        "type": "object",
        "required": ["lawyer_id", "room_url"],
        "properties": {
            "lawyer_id": {"type": "integer"},
            "room_url": {"type": ["string", "null"], "format": "uri", "maxLength": 500},
        },
        "additionalProperties": False,
    },
    "LawyerRoomInput": {
        "type": "object",
        "required": ["room_url"],
        "properties": {
            "room_url": {
                "type": ["string", "null"],
                "maxLength": 500,
                "description": "An https:// link; null or an empty string clears it.",
            }
        },
    },
}
