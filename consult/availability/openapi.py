"""OpenAPI 3.1 paths of availability: topics, public lawyer profiles, bookable slots, a lawyer's hours."""

from __future__ import annotations

from typing import Any


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
HHMM = {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$", "examples": ["09:30"]}
LANGUAGE = {"enum": ["ru", "kk", "en"]}

SCHEMAS: dict[str, Any] = {
    "Topic": {
        "type": "object",
        "required": ["slug", "name"],
        "properties": {
            "slug": {"type": "string", "examples": ["dismissal"]},
            "name": {"type": "string", "description": "In the request's language."},
        },
    },
    "LawyerProfile": {
        "type": "object",
        "required": ["id", "name", "languages", "topics", "bio"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "languages": {"type": "array", "items": LANGUAGE},
            "topics": {"type": "array", "items": {"type": "string"}, "description": "Topic slugs."},
            "bio": {"type": "string", "description": "In the request's language, else Russian."},
        },
    },
    "Slot": {
        "type": "object",
        "required": ["start", "end", "lawyer_id"],
        "properties": {
            "start": {"type": "string", "format": "date-time", "examples": ["2026-12-03T07:00:00+03:00"]},
            "end": {"type": "string", "format": "date-time"},
            "lawyer_id": {
                "type": "integer",
                "description": "The lawyer offering it; for 'any lawyer', the least loaded one free then.",
            },
        },
    },
    "WeeklyHours": {
        "type": "object",
        "required": ["weekday", "start", "end"],
        "properties": {
            "weekday": {"type": "integer", "minimum": 1, "maximum": 7, "description": "1 = Monday."},
            "start": HHMM,
            "end": HHMM,
        },
    },
    "AvailabilityException": {
        "oneOf": [
            {
                "type": "object",
                "title": "Day off",
                "required": ["date", "available"],
                "properties": {"date": DATE, "available": {"const": False}},
            },
            {
                "type": "object",
                "title": "Extra hours (bookable even on a holiday or a day off)",
                "required": ["date", "start", "end", "available"],
                "properties": {"date": DATE, "start": HHMM, "end": HHMM, "available": {"const": True}},
            },
        ]
    },
    "Availability": {
        "type": "object",
        "required": [
            "timezone",
            "slot_minutes",
            "buffer_minutes",
            "weekly",
            "exceptions",
            "topics",
            "languages",
        ],
        "properties": {
            "timezone": {"type": "string", "description": "IANA zone of the wall-clock hours."},
            "slot_minutes": {"type": "integer", "minimum": 15, "maximum": 120},
            "buffer_minutes": {"type": "integer", "minimum": 0, "maximum": 240},
            "weekly": {"type": "array", "items": _ref("WeeklyHours")},
            "exceptions": {"type": "array", "items": _ref("AvailabilityException")},
            "topics": {"type": "array", "items": {"type": "string"}},
            "languages": {"type": "array", "items": LANGUAGE, "description": "Extension of the v1 contract."},
        },
    },
    "AvailabilityInput": {
        "type": "object",
        "required": ["timezone", "slot_minutes"],
        "description": (
            "Replaces the lawyer's availability; bookings already made stay. A missing list means an empty one, "
            "except `languages`, which keeps its value when left out. Public holidays of Kazakhstan and union "
            "closures are days off without being listed."
        ),
        "properties": {
            "timezone": {"type": "string"},
            "slot_minutes": {"type": "integer", "minimum": 15, "maximum": 120},
            "buffer_minutes": {"type": "integer", "minimum": 0, "maximum": 240, "default": 0},
            "weekly": {"type": "array", "maxItems": 100, "items": _ref("WeeklyHours")},
            "exceptions": {"type": "array", "maxItems": 1000, "items": _ref("AvailabilityException")},
            "vacations": {
                "type": "array",
                "maxItems": 50,
                "description": "Extension: date ranges (inclusive) stored as one day off per date.",
                "items": {
                    "type": "object",
                    "required": ["from", "to"],
                    "properties": {"from": DATE, "to": DATE},
                },
            },
            "topics": {"type": "array", "items": {"type": "string"}},
            "languages": {"type": "array", "minItems": 1, "items": LANGUAGE},
        },
    },
}

_AVAILABILITY_FIELDS = (
    "400 `invalid` with `fields` named by path, e.g. `weekly.2.end` (end before start, hours shorter than "
    "one consultation), `weekly.1.start` (overlapping hours), `timezone` (unknown zone), `topics.0` (unknown "
    "topic), `exceptions.3.date` (not YYYY-MM-DD), `vacations.0.to` (last day before the first)."
)

PATHS: dict[str, Any] = {
    "/api/v1/topics": {
        "get": {
            "summary": "Topics members can book a consultation on",
            "security": [],
            "responses": {"200": _json({"type": "array", "items": _ref("Topic")})},
        }
    },
    "/api/v1/lawyers": {
        "get": {
            "summary": "Public profiles of active lawyers, optionally of one topic",
            "security": [],
            "parameters": [{"name": "topic", "in": "query", "required": False, "schema": {"type": "string"}}],
            "responses": {
                "200": _json({"type": "array", "items": _ref("LawyerProfile")}),
                "404": _error("Unknown topic"),
            },
        }
    },
    "/api/v1/slots": {
        "get": {
            "summary": "Bookable slots of a topic's lawyers (or one lawyer), in the asked zone",
            "description": (
                "`from` and `to` are dates in the zone `tz`: the window is [from 00:00, to + 1 day 00:00) there. "
                "Defaults: today in `tz` up to the booking horizon. Only slots that can be booked now are "
                "listed: inside the lawyer's hours, not on a holiday, closure or day off (extra hours excepted), "
                "clear of live bookings and their pauses, after the minimum notice and within the horizon. "
                "Without `lawyer`, each time is listed once, offered by the least loaded free lawyer."
            ),
            "security": [],
            "parameters": [
                {"name": "topic", "in": "query", "required": True, "schema": {"type": "string"}},
                {"name": "from", "in": "query", "required": False, "schema": DATE},
                {"name": "to", "in": "query", "required": False, "schema": DATE},
                {
                    "name": "tz",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string", "examples": ["Europe/Moscow"]},
                    "description": "IANA zone for the dates and the answer's offsets; default: the service's.",
                },
                {
                    "name": "lawyer",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "integer", "minimum": 1},
                },
            ],
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["slots"],
                        "properties": {"slots": {"type": "array", "items": _ref("Slot")}},
                    }
                ),
                "400": _error(
                    "`invalid`: topic missing, a date not YYYY-MM-DD, `from` in the past, `to` before `from`, "
                    "more than 62 days apart, an unknown `tz`, or a `lawyer` that is not a positive whole number"
                ),
                "404": _error("Unknown or inactive topic (`not_found`)"),
            },
        }
    },
    "/api/v1/me/availability": {
        "get": {
            "summary": "The signed-in lawyer's availability",
            "responses": {
                "200": _json(_ref("Availability")),
                "401": _error("Not signed in"),
                "403": _error("Not a lawyer"),
            },
        },
        "put": {
            "summary": "Replace the signed-in lawyer's availability",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("AvailabilityInput")}},
            },
            "responses": {
                "200": _json(_ref("Availability"), "Saved; the availability as stored"),
                "400": _error(_AVAILABILITY_FIELDS),
                "401": _error("Not signed in"),
                "403": _error("Not a lawyer, or the CSRF token is missing"),
                "413": _error("Body too large"),
                "415": _error("Not JSON"),
            },
        },
    },
}
