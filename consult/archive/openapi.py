"""OpenAPI 3.1 description of the archive's endpoints (assembled into /api/v1/openapi.json)."""

from __future__ import annotations

from typing import Any

_ERROR = {"$ref": "#/components/schemas/Error"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    text = {
        400: "Invalid input (fields name the problems)",
        401: "Not signed in",
        403: "Not staff",
        404: "No such entry (or not visible to the caller)",
        409: "Conflict: `invalid_state`, or `unresolved_redactions` when publishing with open findings",
        413: "Body too large",
        415: "Not JSON",
        503: "`search_timeout`: the search ran past its time limit",
    }
    return {str(s): _json(_ERROR, text[s]) for s in statuses}


_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
_TZ = {
    "name": "tz",
    "in": "query",
    "required": False,
    "schema": {"type": "string"},
    "description": "IANA zone for instants",
}
_STAFF: list[dict[str, list[str]]] = [{"cookieSession": []}, {"bearerToken": []}]


def _staff_action(summary: str, body: dict[str, Any] | None, *errors: int) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "tags": ["archive (staff)"],
        "summary": summary,
        "security": _STAFF,
        "parameters": [_ID],
        "responses": {
            "200": _json({"$ref": "#/components/schemas/ArchiveDraft"}, "The entry"),
            **_errors(*errors),
        },
    }
    if body is not None:
        operation["requestBody"] = {"required": False, "content": {"application/json": {"schema": body}}}
    return operation


PATHS: dict[str, Any] = {
    "/api/v1/faq": {
        "get": {
            "tags": ["archive"],
            "summary": "Search published archive entries, best match first",
            "description": (
                "Full-text search in Russian (stemmed) and Kazakh (suffixes stripped) with the websearch "
                'syntax: "quoted phrase", `or`, `-word`. The last word also matches as a prefix unless '
                "the query ends with a space. `ё` equals `е`; Latin look-alike letters inside Cyrillic "
                "words are read as Cyrillic. Without `q`, the newest entries. Searches rank the newest "
                "500 matches; when more match, `total` is an estimate and `total_exact` is false."
            ),
            "parameters": [
                {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 200}},
                {"name": "topic", "in": "query", "schema": {"type": "string"}, "description": "topic slug"},
                {"name": "lang", "in": "query", "schema": {"enum": ["ru", "kk", "en"]}},
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
                {
                    "name": "per_page",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 50, "default": 10},
                },
                _TZ,
            ],
            "responses": {
                "200": _json({"$ref": "#/components/schemas/ArchiveSearch"}, "A page of results"),
                **_errors(400, 503),
            },
        },
        "post": {
            "tags": ["archive (staff)"],
            "summary": "Create a draft, from scratch or from a completed consultation",
            "description": (
                "With `booking_id`, fields left out are taken from the consultation (question, the "
                "lawyer's answer, topic, language) and the member's name is looked for in the text."
            ),
            "security": _STAFF,
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ArchiveInput"}}},
            },
            "responses": {
                "201": _json({"$ref": "#/components/schemas/ArchiveDraft"}, "The draft and its findings"),
                **_errors(400, 401, 403, 409, 413, 415),
            },
        },
    },
    "/api/v1/faq/similar": {
        "get": {
            "tags": ["archive"],
            "summary": "Up to three published answers to questions like the given text",
            "description": "For the booking form: answers that may help while a member types a question.",
            "parameters": [
                {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 2000}},
                _TZ,
            ],
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["items"],
                        "properties": {
                            "items": {"type": "array", "items": {"$ref": "#/components/schemas/ArchiveItem"}}
                        },
                    },
                    "Similar entries",
                ),
                **_errors(400),
            },
        }
    },
    "/api/v1/faq/{id}": {
        "get": {
            "tags": ["archive"],
            "summary": "One published entry with related questions",
            "parameters": [_ID, _TZ],
            "responses": {
                "200": _json({"$ref": "#/components/schemas/ArchiveEntry"}, "The entry"),
                **_errors(404),
            },
        },
        "patch": {
            **_staff_action(
                "Edit a draft (or a withdrawn entry, which becomes a draft); findings are computed anew",
                {"$ref": "#/components/schemas/ArchiveInput"},
                400,
                401,
                403,
                404,
                409,
            )
        },
    },
    "/api/v1/faq/{id}/redactions/{rid}": {
        "post": {
            **_staff_action(
                "Accept a finding (its text becomes a placeholder or the replacement) or dismiss it",
                {
                    "type": "object",
                    "required": ["action"],
                    "properties": {
                        "action": {"enum": ["accept", "dismiss"]},
                        "replacement": {"type": "string", "maxLength": 200},
                    },
                },
                400,
                401,
                403,
                404,
                409,
            ),
            "parameters": [
                _ID,
                {"name": "rid", "in": "path", "required": True, "schema": {"type": "integer"}},
            ],
        }
    },
    "/api/v1/faq/{id}/publish": {
        "post": _staff_action(
            "Publish; 409 `unresolved_redactions` while findings are open unless forced with a reason",
            {
                "type": "object",
                "properties": {"force": {"type": "boolean"}, "reason": {"type": "string", "maxLength": 1000}},
            },
            400,
            401,
            403,
            404,
            409,
        )
    },
    "/api/v1/faq/{id}/withdraw": {
        "post": _staff_action("Withdraw a published entry from the public archive", None, 401, 403, 404, 409)
    },
    "/api/v1/faq/{id}/vote": {
        "post": {
            "tags": ["archive"],
            "summary": "Was this answer helpful? One vote per visitor, entry and day",
            "parameters": [_ID],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["helpful"],
                            "properties": {"helpful": {"type": "boolean"}},
                        }
                    }
                },
            },
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["counted"],
                        "properties": {"counted": {"type": "boolean"}},
                    },
                    "Whether the vote counted (false: already voted today)",
                ),
                **_errors(400, 404, 415),
            },
        }
    },
}

_INSTANT = {"type": "string", "format": "date-time"}
_LANGUAGE = {"enum": ["ru", "kk", "en"]}

SCHEMAS: dict[str, Any] = {
    "ArchiveItem": {
        "type": "object",
        "required": ["id", "slug", "question", "topic", "language", "published_at", "url"],
        "properties": {
            "id": {"type": "integer"},
            "slug": {"type": "string"},
            "question": {"type": "string"},
            "topic": {"type": "string", "description": "topic slug"},
            "language": _LANGUAGE,
            "published_at": _INSTANT,
            "url": {"type": "string", "description": "path of the public page"},
        },
    },
    "ArchiveSearch": {
        "type": "object",
        "required": ["total", "total_exact", "items"],
        "properties": {
            "total": {"type": "integer"},
            "total_exact": {"type": "boolean"},
            "items": {
                "type": "array",
                "items": {
                    "allOf": [
                        {"$ref": "#/components/schemas/ArchiveItem"},
                        {
                            "type": "object",
                            "required": ["snippet"],
                            "properties": {
                                "snippet": {
                                    "type": "string",
                                    "description": "escaped HTML; matches wrapped in <mark>",
                                }
                            },
                        },
                    ]
                },
            },
        },
    },
    "ArchiveEntry": {
        "allOf": [
            {"$ref": "#/components/schemas/ArchiveItem"},
            {
                "type": "object",
                "required": ["answer", "related", "views", "helpful"],
                "properties": {
                    "answer": {"type": "string"},
                    "views": {"type": "integer"},
                    "helpful": {
                        "type": "object",
                        "properties": {"yes": {"type": "integer"}, "no": {"type": "integer"}},
                    },
                    "related": {"type": "array", "items": {"$ref": "#/components/schemas/ArchiveItem"}},
                },
            },
        ]
    },
    "ArchiveInput": {
        "type": "object",
        "properties": {
            "question": {"type": "string", "maxLength": 5000},
            "answer": {"type": "string", "maxLength": 20000},
            "topic": {"type": "string", "description": "topic slug"},
            "language": _LANGUAGE,
            "booking_id": {"type": "integer", "description": "a completed consultation (POST only)"},
            "question_id": {"type": "integer", "description": "an answered written question (POST only)"},
        },
    },
    "Redaction": {
        "type": "object",
        "required": ["id", "field", "start", "end", "kind", "text", "state"],
        "properties": {
            "id": {"type": "integer"},
            "field": {"enum": ["question", "answer"]},
            "start": {"type": "integer", "description": "character offset (Python str index) into the field"},
            "end": {"type": "integer"},
            "kind": {
                "enum": [
                    "person",
                    "iin",
                    "bin",
                    "phone",
                    "email",
                    "handle",
                    "id_document",
                    "number",
                    "birth_date",
                    "address",
                    "organization",
                    "location",
                ]
            },
            "text": {"type": "string", "description": "emptied for accepted findings once published"},
            "state": {"enum": ["open", "accepted", "dismissed"]},
            "replacement": {"type": ["string", "null"]},
        },
    },
    "ArchiveDraft": {
        "type": "object",
        "required": ["id", "status", "question", "answer", "topic", "language", "redactions"],
        "properties": {
            "id": {"type": "integer"},
            "slug": {
                "type": ["string", "null"],
                "description": "set at the first publication, never changed",
            },
            "status": {"enum": ["draft", "published", "withdrawn"]},
            "question": {"type": "string"},
            "answer": {"type": "string"},
            "topic": {"type": "string"},
            "language": _LANGUAGE,
            "booking_id": {"type": ["integer", "null"]},
            "published_at": {"type": ["string", "null"], "format": "date-time"},
            "forced_publish_reason": {"type": ["string", "null"]},
            "redactions": {"type": "array", "items": {"$ref": "#/components/schemas/Redaction"}},
        },
    },
}
