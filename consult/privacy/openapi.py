"""Members' rights in the OpenAPI 3.1 document: export, erasure requests and their confirmation."""

from __future__ import annotations

from typing import Any

REF = "#/components/schemas/"
ERROR = {"$ref": REF + "Error"}  # the contract's error body, defined by the assembler
SIGNED_IN: list[dict[str, list[str]]] = [{"cookieSession": []}]
STAFF: list[dict[str, list[str]]] = [{"cookieSession": []}, {"bearerToken": []}]
INSTANT = {"type": "string", "format": "date-time"}
MAYBE_INSTANT = {"type": ["string", "null"], "format": "date-time"}
TEXT_OR_NULL = {"type": ["string", "null"]}
# What a member gave when booking a consultation or asking in writing, and what they were answered.
ASKED = {
    "member_name": {"type": "string"},
    "member_email": {"type": "string"},
    "membership_no": TEXT_OR_NULL,
    "question": {"type": "string"},
    "answer": TEXT_OR_NULL,
    "language": {"type": "string"},
    "timezone": {"type": "string"},
    "consent_at": INSTANT,
    "consent_version": {"type": "string"},
}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR}}}


SCHEMAS: dict[str, Any] = {
    "ErasureRequest": {
        "type": "object",
        "required": ["id", "status", "requested_at"],
        "properties": {
            "id": {"type": "integer"},
            "status": {"enum": ["open", "done", "declined"]},
            "requested_at": INSTANT,
        },
    },
    "ErasureDone": {
        "type": "object",
        "required": ["id", "status", "cancelled", "bookings", "closed_questions", "questions"],
        "properties": {
            "id": {"type": "integer"},
            "status": {"const": "done"},
            "cancelled": {"type": "integer", "description": "Upcoming live bookings cancelled first"},
            "bookings": {"type": "integer", "description": "Bookings whose personal data was erased"},
            "closed_questions": {"type": "integer", "description": "Open written questions closed first"},
            "questions": {
                "type": "integer",
                "description": "Written questions whose personal data, thread and files were erased",
            },
        },
    },
    "MemberExport": {
        "type": "object",
        "description": "Everything the service holds about the signed-in member, and nothing about anyone else.",
        "required": [
            "exported_at",
            "user",
            "bookings",
            "questions",
            "messages",
            "sessions",
            "erasure_requests",
            "actions",
        ],
        "properties": {
            "exported_at": INSTANT,
            "user": {
                "type": "object",
                "description": "The account, without secrets",
                "properties": {
                    "id": {"type": "integer"},
                    "role": {"const": "member"},
                    "name": {"type": "string"},
                    "email": {"type": "string"},
                    "language": {"enum": ["ru", "kk", "en"]},
                    "timezone": {"type": "string"},
                    "active": {"type": "boolean"},
                    "created_at": INSTANT,
                    "personal_data_erased_at": MAYBE_INSTANT,
                },
            },
            "bookings": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "status": {"enum": ["pending", "confirmed", "cancelled", "completed", "no_show"]},
                        "starts_at": INSTANT,
                        "ends_at": INSTANT,
                        "topic": {"type": "string"},
                        "lawyer_name": {"type": "string"},
                        **ASKED,
                        "member_phone": TEXT_OR_NULL,
                        "region": TEXT_OR_NULL,
                        "organization": TEXT_OR_NULL,
                        "cancel_reason": TEXT_OR_NULL,
                        "cancelled_by": TEXT_OR_NULL,
                        "created_at": INSTANT,
                        "updated_at": INSTANT,
                        "completed_at": MAYBE_INSTANT,
                        "personal_data_erased_at": MAYBE_INSTANT,
                        "events": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "at": INSTANT,
                                    "actor": {"enum": ["member", "lawyer", "staff", "system"]},
                                    "from_status": TEXT_OR_NULL,
                                    "to_status": {"type": "string"},
                                },
                            },
                        },
                    },
                },
            },
            "questions": {
                "type": "array",
                "description": "Written questions with their private thread; attached files by name, type and size",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "status": {"enum": ["new", "assigned", "waiting_member", "answered", "closed"]},
                        "topic": {"type": "string"},
                        "lawyer_name": TEXT_OR_NULL,
                        **ASKED,
                        "created_at": INSTANT,
                        "due_at": INSTANT,
                        "answered_at": MAYBE_INSTANT,
                        "updated_at": INSTANT,
                        "personal_data_erased_at": MAYBE_INSTANT,
                        "messages": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["id", "author", "body", "created_at"],
                                "properties": {
                                    "id": {"type": "integer"},
                                    "author": {"enum": ["member", "lawyer"]},
                                    "body": {"type": "string"},
                                    "created_at": INSTANT,
                                },
                                "additionalProperties": False,
                            },
                        },
                        "attachments": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["id", "filename", "content_type", "size", "created_at"],
                                "properties": {
                                    "id": {"type": "integer"},
                                    "filename": {"type": "string"},
                                    "content_type": {"enum": ["application/pdf", "image/jpeg", "image/png"]},
                                    "size": {"type": "integer"},
                                    "created_at": INSTANT,
                                },
                                "additionalProperties": False,
                            },
                        },
                    },
                },
            },
            "messages": {
                "type": "array",
                "description": "Emails addressed to the member: metadata only",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "kind": {"type": "string"},
                        "recipient": {"type": "string"},
                        "status": {"enum": ["pending", "sent", "failed"]},
                        "booking_id": {"type": ["integer", "null"]},
                        "created_at": INSTANT,
                        "sent_at": MAYBE_INSTANT,
                    },
                },
            },
            "sessions": {"type": "array", "items": {"type": "object"}},
            "erasure_requests": {"type": "array", "items": {"type": "object"}},
            "actions": {"type": "array", "description": "The member's own entries in the audit trail"},
        },
    },
}

PATHS: dict[str, Any] = {
    "/api/v1/me/export": {
        "get": {
            "operationId": "exportMyData",
            "tags": ["privacy"],
            "summary": "Download everything the service holds about me (JSON, as an attachment)",
            "security": SIGNED_IN,
            "responses": {
                "200": {
                    "description": "The member's data",
                    "content": {"application/json": {"schema": {"$ref": REF + "MemberExport"}}},
                },
                "401": _error("Not signed in"),
                "403": _error("Not a member"),
            },
        }
    },
    "/api/v1/me/erasure": {
        "post": {
            "operationId": "requestErasure",
            "tags": ["privacy"],
            "summary": "Ask for my personal data to be erased; staff confirm it",
            "description": "No body. A second call while a request is open answers that request with 200.",
            "security": SIGNED_IN,
            "responses": {
                "201": {
                    "description": "The request, now open",
                    "content": {"application/json": {"schema": {"$ref": REF + "ErasureRequest"}}},
                },
                "200": {
                    "description": "The request already open",
                    "content": {"application/json": {"schema": {"$ref": REF + "ErasureRequest"}}},
                },
                "401": _error("Not signed in"),
                "403": _error("Not a member, or no CSRF token with a cookie session"),
            },
        }
    },
    "/api/v1/erasure-requests/{id}/confirm": {
        "post": {
            "operationId": "confirmErasure",
            "tags": ["privacy"],
            "summary": "Carry out an erasure request",
            "description": (
                "Cancels the member's upcoming live bookings (each lawyer gets an iTIP CANCEL), then erases "
                "names, emails, phones, membership numbers, questions and answers of all their bookings and "
                "written questions (whose open ones are closed first; their threads, links and attached files "
                "are deleted) and anonymizes the account; statuses, topics, regions and times stay for the "
                "reports."
            ),
            "security": STAFF,
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {
                "200": {
                    "description": "Done",
                    "content": {"application/json": {"schema": {"$ref": REF + "ErasureDone"}}},
                },
                "404": _error("No such request"),
                "409": _error("invalid_state: the request was decided already"),
            },
        }
    },
}
