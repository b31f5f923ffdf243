"""The written-questions part of the OpenAPI 3.1 document (assembled into /api/v1/openapi.json)."""

from __future__ import annotations

from typing import Any

REF = "#/components/schemas/"
ERROR = {"$ref": REF + "Error"}  # the contract's error body, defined by the assembler


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR}}}


def _json(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": REF + schema}}}}


ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
TOKEN = {
    "name": "token",
    "in": "path",
    "required": True,
    "description": "The secret token from the link in the member's email",
    "schema": {"type": "string"},
}
TZ = {
    "name": "tz",
    "in": "query",
    "required": False,
    "schema": {"type": "string"},
    "description": "IANA zone",
}
LAWYER_OR_STAFF: list[dict[str, list[str]]] = [{"cookieSession": []}, {"bearerToken": []}]
DETAIL = _json("QuestionDetail", "The question as its lawyer and staff see it")
NOT_YOURS = _error("Not found, or not a question this caller may see")
WRONG_STATE = _error("invalid_state: the question's status does not allow this now")

ASK_FIELDS: dict[str, Any] = {
    "topic": {"type": "string", "description": "Topic slug from GET /api/v1/topics"},
    "question": {"type": "string", "minLength": 20, "maxLength": 4000},
    "name": {"type": "string", "maxLength": 200, "description": "One line; line breaks are refused"},
    "email": {"type": "string", "format": "email"},
    "membership_no": {"type": "string", "maxLength": 40},
    "language": {"type": "string", "enum": ["ru", "kk", "en"], "description": "Language of the emails"},
    "consent": {"const": True},
}

SCHEMAS: dict[str, Any] = {
    "QuestionAsk": {
        "type": "object",
        "required": ["topic", "question", "name", "email", "consent"],
        "properties": ASK_FIELDS,
    },
    "QuestionAskForm": {
        "type": "object",
        "description": "The same fields as a form (consent 'on'), with files. A form post needs the CSRF "
        "token of the consult_csrf cookie in the csrf_token field or the X-CSRF-Token header.",
        "required": ["topic", "question", "name", "email", "consent"],
        "properties": {
            **ASK_FIELDS,
            "consent": {"type": "string", "enum": ["on", "true"]},
            "csrf_token": {"type": "string"},
            "attachments": {
                "type": "array",
                "maxItems": 3,
                "description": "PDF, JPEG or PNG, at most 5 MB each, checked by content; a file whose "
                "bytes do not match its declared type or name is refused (400, field attachments)",
                "items": {"type": "string", "contentMediaType": "application/octet-stream"},
            },
        },
    },
    "QuestionCreated": {
        "type": "object",
        "required": ["id", "status", "topic", "created_at", "due_at"],
        "properties": {
            "id": {"type": "integer"},
            "status": {"$ref": REF + "QuestionStatus"},
            "topic": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
            "due_at": {
                "type": "string",
                "format": "date-time",
                "description": "Promised answer time: the end (18:00 Almaty) of the Nth working day "
                "(questions.answer_working_days), weekends and Kazakh public holidays excluded",
            },
        },
    },
    "QuestionStatus": {"type": "string", "enum": ["new", "assigned", "waiting_member", "answered", "closed"]},
    "QuestionMessage": {
        "type": "object",
        "required": ["id", "author", "body", "created_at"],
        "properties": {
            "id": {"type": "integer"},
            "author": {"type": "string", "enum": ["lawyer", "member"]},
            "body": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
        },
    },
    "QuestionSummary": {
        "type": "object",
        "description": "What every lawyer of the topic sees in the queue: no name, no email",
        "required": ["id", "status", "topic", "language", "created_at", "due_at", "excerpt"],
        "properties": {
            "id": {"type": "integer"},
            "status": {"$ref": REF + "QuestionStatus"},
            "topic": {"type": "string"},
            "language": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
            "due_at": {"type": "string", "format": "date-time"},
            "excerpt": {"type": "string", "maxLength": 200},
        },
    },
    "QuestionDetail": {
        "type": "object",
        "required": ["id", "status", "topic", "question", "member", "messages", "attachments", "due_at"],
        "properties": {
            "id": {"type": "integer"},
            "status": {"$ref": REF + "QuestionStatus"},
            "topic": {"type": "string"},
            "language": {"type": "string"},
            "question": {"type": "string"},
            "answer": {"type": ["string", "null"]},
            "member": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "email": {"type": "string"},
                    "membership_no": {"type": ["string", "null"]},
                },
            },
            "lawyer": {
                "type": ["object", "null"],
                "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
            },
            "created_at": {"type": "string", "format": "date-time"},
            "due_at": {"type": "string", "format": "date-time"},
            "answered_at": {"type": ["string", "null"], "format": "date-time"},
            "consent": {
                "type": "object",
                "properties": {
                    "at": {"type": "string", "format": "date-time"},
                    "version": {"type": "string"},
                },
            },
            "messages": {"type": "array", "items": {"$ref": REF + "QuestionMessage"}},
            "attachments": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "filename": {"type": "string"},
                        "content_type": {
                            "type": "string",
                            "enum": ["application/pdf", "image/jpeg", "image/png"],
                        },
                        "size": {"type": "integer"},
                        "url": {
                            "type": "string",
                            "description": "Download (Content-Disposition: attachment) for the lawyer and staff",
                        },
                    },
                },
            },
        },
    },
    "QuestionForMember": {
        "type": "object",
        "required": ["id", "status", "topic", "question", "messages"],
        "properties": {
            "id": {"type": "integer"},
            "status": {"$ref": REF + "QuestionStatus"},
            "topic": {"type": "string"},
            "question": {"type": "string"},
            "answer": {"type": ["string", "null"]},
            "lawyer": {"type": ["object", "null"], "properties": {"name": {"type": "string"}}},
            "created_at": {"type": "string", "format": "date-time"},
            "due_at": {"type": "string", "format": "date-time"},
            "answered_at": {"type": ["string", "null"], "format": "date-time"},
            "messages": {"type": "array", "items": {"$ref": REF + "QuestionMessage"}},
            "attachments": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"filename": {"type": "string"}, "content_type": {"type": "string"}},
                },
            },
        },
    },
    "QuestionQueue": {
        "type": "object",
        "required": ["items", "mine"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": REF + "QuestionSummary"}},
            "mine": {"type": "array", "items": {"$ref": REF + "QuestionSummary"}},
        },
    },
    "QuestionWatch": {
        "type": "object",
        "required": ["items"],
        "properties": {
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "status": {"$ref": REF + "QuestionStatus"},
                        "topic": {"type": "string"},
                        "created_at": {"type": "string", "format": "date-time"},
                        "due_at": {"type": "string", "format": "date-time"},
                        "overdue": {"type": "boolean"},
                        "lawyer": {
                            "type": ["object", "null"],
                            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
                        },
                    },
                },
            }
        },
    },
}


def _text_body(field: str, limit: int) -> dict[str, Any]:
    return {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": [field],
                    "properties": {field: {"type": "string", "minLength": 1, "maxLength": limit}},
                }
            }
        },
    }


PATHS: dict[str, Any] = {
    "/api/v1/questions": {
        "post": {
            "operationId": "askQuestion",
            "summary": "Ask a lawyer in writing; the member gets an email with a secret link to follow it",
            "tags": ["questions"],
            "parameters": [TZ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": REF + "QuestionAsk"}},
                    "multipart/form-data": {"schema": {"$ref": REF + "QuestionAskForm"}},
                },
            },
            "responses": {
                "201": _json("QuestionCreated", "Received; the follow link travels by email only"),
                "400": _error("Invalid fields (topic, question, name, email, consent, attachments ...)"),
                "403": _error("csrf: a form post without the visitor's CSRF token"),
                "409": _error("too_many_open_questions: the member has questions.max_open_per_member open"),
                "413": _error("The body is too large"),
                "415": _error("Neither JSON nor a form"),
                "429": _error("rate_limited: too many questions from this address or email (Retry-After)"),
            },
        }
    },
    "/api/v1/questions/manage/{token}": {
        "get": {
            "operationId": "followQuestion",
            "summary": "The question as its member sees it, through the secret link",
            "tags": ["questions"],
            "parameters": [TOKEN, TZ],
            "responses": {"200": _json("QuestionForMember", "The member's view"), "404": NOT_YOURS},
        }
    },
    "/api/v1/questions/manage/{token}/messages": {
        "post": {
            "operationId": "replyToLawyer",
            "summary": "The member replies to the lawyer's follow-up question (status waiting_member -> assigned)",
            "tags": ["questions"],
            "parameters": [TOKEN, TZ],
            "requestBody": _text_body("body", 4000),
            "responses": {
                "201": _json("QuestionMessage", "The reply; the lawyer is emailed"),
                "400": _error("Empty or too long"),
                "404": NOT_YOURS,
                "409": WRONG_STATE,
            },
        }
    },
    "/api/v1/questions/queue": {
        "get": {
            "operationId": "questionQueue",
            "summary": "Unassigned questions of the lawyer's topics (most urgent first) and the lawyer's own",
            "tags": ["questions"],
            "security": LAWYER_OR_STAFF,
            "parameters": [TZ],
            "responses": {"200": _json("QuestionQueue", "The queue"), "401": _error("Not signed in")},
        }
    },
    "/api/v1/questions/watch": {
        "get": {
            "operationId": "questionWatch",
            "summary": "Staff: open questions overdue or due within one working day",
            "tags": ["questions"],
            "security": LAWYER_OR_STAFF,
            "parameters": [TZ],
            "responses": {"200": _json("QuestionWatch", "The watch list"), "403": _error("Staff only")},
        }
    },
    "/api/v1/questions/{id}": {
        "get": {
            "operationId": "getQuestion",
            "summary": "The whole question: for the lawyer who took it and for staff",
            "tags": ["questions"],
            "security": LAWYER_OR_STAFF,
            "parameters": [ID, TZ],
            "responses": {"200": DETAIL, "404": NOT_YOURS},
        }
    },
    "/api/v1/questions/{id}/take": {
        "post": {
            "operationId": "takeQuestion",
            "summary": "A lawyer of the question's topic takes it; of two at once, one wins",
            "tags": ["questions"],
            "security": LAWYER_OR_STAFF,
            "parameters": [ID, TZ],
            "responses": {
                "200": DETAIL,
                "404": NOT_YOURS,
                "409": _error("already_taken: another lawyer took it first"),
            },
        }
    },
    "/api/v1/questions/{id}/messages": {
        "post": {
            "operationId": "askMemberBack",
            "summary": "The lawyer asks the member a follow-up question (-> waiting_member; the member is emailed)",
            "tags": ["questions"],
            "security": LAWYER_OR_STAFF,
            "parameters": [ID, TZ],
            "requestBody": _text_body("body", 4000),
            "responses": {
                "201": DETAIL,
                "400": _error("Empty or too long"),
                "404": NOT_YOURS,
                "409": WRONG_STATE,
            },
        }
    },
    "/api/v1/questions/{id}/answer": {
        "post": {
            "operationId": "answerQuestion",
            "summary": "The lawyer answers (-> answered); the member is emailed a link to read it",
            "tags": ["questions"],
            "security": LAWYER_OR_STAFF,
            "parameters": [ID, TZ],
            "requestBody": _text_body("answer", 20000),
            "responses": {
                "200": DETAIL,
                "400": _error("Empty or too long"),
                "404": NOT_YOURS,
                "409": WRONG_STATE,
            },
        }
    },
    "/api/v1/questions/{id}/assign": {
        "post": {
            "operationId": "assignQuestion",
            "summary": "Staff give an open question to a lawyer; the lawyer is emailed",
            "tags": ["questions"],
            "security": LAWYER_OR_STAFF,
            "parameters": [ID, TZ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["lawyer_id"],
                            "properties": {"lawyer_id": {"type": "integer"}},
                        }
                    }
                },
            },
            "responses": {
                "200": DETAIL,
                "400": _error("lawyer_id is not an active lawyer"),
                "404": NOT_YOURS,
                "409": WRONG_STATE,
            },
        }
    },
}
