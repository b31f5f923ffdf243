"""The reports' and operations' part of the OpenAPI 3.1 document (assembled into /api/v1/openapi.json)."""

from __future__ import annotations

from typing import Any

REF = "#/components/schemas/"
ERROR = {"$ref": REF + "Error"}  # the contract's error body, defined by the assembler
STAFF: list[dict[str, list[str]]] = [{"cookieSession": []}, {"bearerToken": []}]


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR}}}


def _date(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "string", "format": "date"},
    }


PERIOD = [
    _date("from", "First day (in the zone `tz`); default: the first day of the month eleven months back"),
    _date("to", "Last day, included; default: today"),
    {
        "name": "tz",
        "in": "query",
        "required": False,
        "description": "IANA zone for day bounds, months, hours and weekdays; default: the reader's zone",
        "schema": {"type": "string", "examples": ["Asia/Almaty"]},
    },
]
COUNT = {"type": "integer", "minimum": 0}

SCHEMAS: dict[str, Any] = {
    "ConsultationCounts": {
        "type": "object",
        "required": ["key", "label", "total", "pending", "confirmed", "cancelled", "completed", "no_show"],
        "properties": {
            "key": {
                "type": ["string", "null"],
                "description": (
                    "Region code, topic slug, lawyer id (as text), organisation name or YYYY-MM; "
                    'null for bookings without a region or an organisation ("not given")'
                ),
            },
            "label": {
                "type": "string",
                "description": "The key as people read it, in the request's language",
            },
            "total": COUNT,
            "pending": COUNT,
            "confirmed": COUNT,
            "cancelled": COUNT,
            "completed": COUNT,
            "no_show": COUNT,
        },
    },
    "ConsultationReport": {
        "type": "object",
        "required": ["from", "to", "tz", "group", "rows"],
        "properties": {
            "from": {"type": "string", "format": "date"},
            "to": {"type": "string", "format": "date"},
            "tz": {"type": "string"},
            "group": {"enum": ["region", "organization", "topic", "lawyer", "month"]},
            "rows": {"type": "array", "items": {"$ref": REF + "ConsultationCounts"}},
        },
    },
}

PATHS: dict[str, Any] = {
    "/api/v1/reports/consultations": {
        "get": {
            "operationId": "reportConsultations",
            "tags": ["reports"],
            "summary": "Count consultations by status, grouped by region, organisation, topic, lawyer or month",
            "description": (
                "Consultations count on the day they take place (starts_at in the zone `tz`). Rows are "
                "ordered by total, most first; months oldest first. Bookings whose personal data was "
                "erased still count. Each call is written to the audit trail."
            ),
            "security": STAFF,
            "parameters": [
                {
                    "name": "group",
                    "in": "query",
                    "required": False,
                    "schema": {
                        "enum": ["region", "organization", "topic", "lawyer", "month"],
                        "default": "month",
                    },
                },
                *PERIOD,
            ],
            "responses": {
                "200": {
                    "description": "Counts per group",
                    "content": {"application/json": {"schema": {"$ref": REF + "ConsultationReport"}}},
                },
                "400": _error(
                    "invalid: an unknown group, a malformed date, from after to, or an unknown zone"
                ),
                "401": _error("Not signed in"),
                "403": _error("Signed in, but not staff"),
            },
        }
    },
    "/staff/reports/{report}.csv": {
        "get": {
            "operationId": "reportCsv",
            "tags": ["reports"],
            "summary": "Download one report table of the reports page as CSV",
            "description": (
                "The same cells as the table on the page, headings first, UTF-8 with a byte-order mark. "
                "`archive` is all-time and answers 404 until the archive exists."
            ),
            "security": STAFF,
            "parameters": [
                {
                    "name": "report",
                    "in": "path",
                    "required": True,
                    "schema": {
                        "enum": [
                            "status",
                            "region",
                            "organization",
                            "topic",
                            "lawyer",
                            "month",
                            "hour",
                            "weekday",
                            "archive",
                        ]
                    },
                },
                *PERIOD,
            ],
            "responses": {
                "200": {"description": "The table", "content": {"text/csv": {"schema": {"type": "string"}}}},
                "400": _error("invalid: a malformed date or period"),
                "404": _error("No such report"),
            },
        }
    },
    "/metrics": {
        "get": {
            "operationId": "metrics",
            "tags": ["operations"],
            "summary": "Prometheus metrics in the text exposition format 0.0.4",
            "description": (
                "Open only to the addresses and networks in `server.metrics_allow` (the client address, "
                "after `server.trusted_proxies`); 404 for anyone else. Families: "
                "consult_http_request_duration_seconds (histogram by route name, method, status class; per "
                "process), consult_bookings{status}, consult_outbox_pending, consult_outbox_retrying, "
                "consult_outbox_oldest_pending_age_seconds, consult_outbox_failed, "
                "consult_worker_heartbeat_age_seconds{instance,job}."
            ),
            "security": [],
            "responses": {
                "200": {
                    "description": "The metrics",
                    "content": {"text/plain; version=0.0.4": {"schema": {"type": "string"}}},
                },
                "404": {"description": "Not an allowed address"},
            },
        }
    },
}
