"""The booking endpoints as OpenAPI 3.1 path items; the integrator assembles /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


TZ_PARAM = {
    "name": "tz",
    "in": "query",
    "required": False,
    "description": "IANA zone to answer instants in; the service's default zone otherwise.",
    "schema": {"type": "string", "example": "Asia/Almaty"},
}
TOKEN_PARAM = {
    "name": "token",
    "in": "path",
    "required": True,
    "description": "The secret manage token from the member's email.",
    "schema": {"type": "string"},
}
ID_PARAM = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
IDEMPOTENCY_PARAM = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Same key and body: the first answer again. Same key, other body: 422.",
    "schema": {"type": "string", "maxLength": 200},
}
INSTANT = {"type": "string", "format": "date-time", "example": "2026-12-03T10:00:00+05:00"}
STATUS = {"type": "string", "enum": ["pending", "confirmed", "cancelled", "completed", "no_show"]}
# What every view of a booking shows: which one, its state and its time.
BOOKING_CORE = {"id": {"type": "integer"}, "status": STATUS, "start": INSTANT, "end": INSTANT}

SCHEMAS: dict[str, Any] = {
    "BookingCreate": {
        "type": "object",
        "required": ["topic", "start", "name", "email", "question", "consent"],
        "properties": {
            "topic": {"type": "string", "description": "Topic slug."},
            "start": INSTANT,
            "lawyer_id": {"type": ["integer", "null"], "description": "Omit to let the service pick."},
            "name": {"type": "string", "maxLength": 200, "description": "One line, no control characters."},
            "email": {"type": "string", "format": "email"},
            "membership_no": {"type": ["string", "null"], "maxLength": 40},
            "phone": {"type": ["string", "null"]},
            "question": {"type": "string", "minLength": 20, "maxLength": 4000},
            "language": {"type": "string", "enum": ["ru", "kk", "en"]},
            "timezone": {"type": "string", "description": "The member's IANA zone, for emails and pages."},
            "consent": {"type": "boolean", "const": True},
        },
    },
    "BookingCreated": {
        "type": "object",
        "required": ["id", "status", "start", "end", "lawyer_id"],
        "properties": {
            **BOOKING_CORE,
            "lawyer_id": {"type": "integer"},
        },
    },
    "MemberBooking": {
        "type": "object",
        "required": ["id", "status", "start", "end", "topic", "lawyer", "video_url", "ics_url"],
        "properties": {
            **BOOKING_CORE,
            "topic": {"type": "string", "description": "Topic slug."},
            "topic_name": {"type": "string"},
            "lawyer": {
                "type": "object",
                "required": ["id", "name"],
                "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
            },
            "video_url": {"type": ["string", "null"], "format": "uri"},
            "ics_url": {"type": "string", "format": "uri"},
            "timezone": {"type": "string"},
            "cancel_reason": {"type": ["string", "null"]},
        },
    },
    "LawyerBooking": {
        "type": "object",
        "required": ["id", "status", "start", "end", "topic", "lawyer_id", "member", "question"],
        "properties": {
            **BOOKING_CORE,
            "topic": {"type": "string"},
            "lawyer_id": {"type": "integer"},
            "member": {
                "type": "object",
                "required": ["name", "email", "phone"],
                "properties": {
                    "name": {"type": "string"},
                    "email": {"type": "string"},
                    "phone": {"type": ["string", "null"]},
                },
            },
            "question": {"type": "string"},
            "answer": {"type": ["string", "null"]},
            "language": {"type": "string", "enum": ["ru", "kk", "en"]},
            "cancel_reason": {"type": ["string", "null"]},
        },
    },
}

_MEMBER_ANSWERS = {
    "200": _json(_ref("MemberBooking"), "The booking as its member sees it."),
    "400": _error("Invalid input."),
    "404": _error("No booking has this token."),
    "409": _error("invalid_state, too_late (within the cut-off), slot_taken or member_busy."),
}
_STAFF_ANSWERS = {
    "200": _json(_ref("LawyerBooking"), "The booking as its lawyer sees it."),
    "400": _error("Invalid input."),
    "401": _error("Not signed in."),
    "403": _error("Not a lawyer or staff member."),
    "404": _error("No such booking, or another lawyer's."),
    "409": _error("invalid_state."),
}


def _body(schema: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


PATHS: dict[str, Any] = {
    "/api/v1/bookings": {
        "post": {
            "summary": "Book a consultation",
            "description": "The manage token is sent to the member by email only, never in the answer.",
            "tags": ["bookings"],
            "parameters": [IDEMPOTENCY_PARAM, TZ_PARAM],
            "requestBody": _body(_ref("BookingCreate")),
            "responses": {
                "201": _json(
                    _ref("BookingCreated"), "Booked (pending until confirmed by email, or confirmed)."
                ),
                "400": _error("Invalid fields, named in error.fields."),
                "409": _error("slot_taken, member_busy or too_many_bookings."),
                "413": _error("Body too large."),
                "415": _error("Not JSON."),
                "422": _error("idempotency_mismatch: the key was used with another body."),
                "429": _error("Too many attempts; see Retry-After."),
            },
        }
    },
    "/api/v1/bookings/manage/{token}": {
        "get": {
            "summary": "The booking behind a manage token",
            "tags": ["bookings"],
            "parameters": [TOKEN_PARAM, TZ_PARAM],
            "responses": {k: v for k, v in _MEMBER_ANSWERS.items() if k in ("200", "404")},
        }
    },
    "/api/v1/bookings/manage/{token}/confirm": {
        "post": {
            "summary": "Confirm the email address: pending -> confirmed",
            "tags": ["bookings"],
            "parameters": [TOKEN_PARAM, TZ_PARAM],
            "responses": _MEMBER_ANSWERS,
        }
    },
    "/api/v1/bookings/manage/{token}/cancel": {
        "post": {
            "summary": "Cancel (until the cut-off before the start)",
            "tags": ["bookings"],
            "parameters": [TOKEN_PARAM, TZ_PARAM],
            "requestBody": _body(
                {"type": "object", "properties": {"reason": {"type": "string", "maxLength": 1000}}}, False
            ),
            "responses": _MEMBER_ANSWERS,
        }
    },
    "/api/v1/bookings/manage/{token}/reschedule": {
        "post": {
            "summary": "Move the same booking to a new start",
            "tags": ["bookings"],
            "parameters": [TOKEN_PARAM, TZ_PARAM],
            "requestBody": _body(
                {
                    "type": "object",
                    "required": ["start"],
                    "properties": {"start": INSTANT, "lawyer_id": {"type": ["integer", "null"]}},
                }
            ),
            "responses": _MEMBER_ANSWERS,
        }
    },
    "/api/v1/me/bookings": {
        "get": {
            "summary": "The signed-in lawyer's bookings",
            "tags": ["bookings"],
            "parameters": [
                {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
                {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}},
                TZ_PARAM,
            ],
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "properties": {"items": {"type": "array", "items": _ref("LawyerBooking")}},
                    },
                    "Bookings starting in [from, to], oldest first.",
                ),
                "400": _error("Bad dates."),
                "401": _error("Not signed in."),
                "403": _error("Not a lawyer."),
            },
        }
    },
    "/api/v1/bookings/{id}/complete": {
        "post": {
            "summary": "Mark completed with the written answer",
            "tags": ["bookings"],
            "parameters": [ID_PARAM, TZ_PARAM],
            "requestBody": _body(
                {"type": "object", "required": ["answer"], "properties": {"answer": {"type": "string"}}}
            ),
            "responses": _STAFF_ANSWERS,
        }
    },
    "/api/v1/bookings/{id}/no-show": {
        "post": {
            "summary": "Mark that the member did not come",
            "tags": ["bookings"],
            "parameters": [ID_PARAM, TZ_PARAM],
            "responses": _STAFF_ANSWERS,
        }
    },
    "/api/v1/bookings/{id}/cancel": {
        "post": {
            "summary": "Cancel as the lawyer or staff; the member is told and offered a new time",
            "tags": ["bookings"],
            "parameters": [ID_PARAM, TZ_PARAM],
            "requestBody": _body(
                {
                    "type": "object",
                    "required": ["reason"],
                    "properties": {"reason": {"type": "string", "maxLength": 1000}},
                }
            ),
            "responses": _STAFF_ANSWERS,
        }
    },
    "/calendar/{token}.ics": {
        "get": {
            "summary": "A lawyer's bookings as an iCalendar subscription feed",
            "tags": ["calendar"],
            "parameters": [{"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {
                "200": {
                    "description": "iCalendar",
                    "content": {"text/calendar": {"schema": {"type": "string"}}},
                },
                "404": {"description": "Unknown or renewed feed token."},
            },
        }
    },
}
