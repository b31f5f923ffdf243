"""The one way to answer: JSON bodies, errors, pages, and who may use a route."""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import aiohttp_jinja2
from aiohttp import web

from consult import keys
from consult.i18n import N_, current_timezone, gettext

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
H = TypeVar("H", bound=Handler)

ROLES = ("anyone", "member", "lawyer", "staff")
MAX_JSON_BYTES = 256 * 1024


class ApiError(Exception):
    """A failure the caller can act on; turned into a status and a body in one middleware."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message  # an English message id, translated when the answer is written
        self.fields = dict(fields or {})
        self.headers = dict(headers or {})


def invalid(fields: Mapping[str, str], message: str = N_("Some fields need attention.")) -> ApiError:
    return ApiError(400, "invalid", message, fields)


def not_found() -> ApiError:
    return ApiError(404, "not_found", N_("Not found."))


def conflict(code: str, message: str) -> ApiError:
    return ApiError(409, code, message)


def allow(*roles: str) -> Callable[[H], H]:
    """Declare who may use a route: anyone, member, lawyer, staff (checked in one middleware)."""
    unknown = set(roles) - set(ROLES)
    if not roles or unknown:
        raise ValueError(f"allow() takes roles from {ROLES}, got {roles}")

    def mark(handler: H) -> H:
        handler.__consult_allow__ = frozenset(roles)  # type: ignore[attr-defined]
        return handler

    return mark


def allowed_roles(handler: Any) -> frozenset[str] | None:
    return getattr(handler, "__consult_allow__", None)


def is_api(request: web.Request) -> bool:
    return request.path.startswith("/api/")


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def dumps(data: Any) -> str:
    return json.dumps(data, default=_default, ensure_ascii=False, separators=(",", ":"))


def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    return web.json_response(data, status=status, dumps=dumps, headers=headers)


def error_body(error: ApiError) -> dict[str, Any]:
    body: dict[str, Any] = {"code": error.code, "message": gettext(error.message)}
    if error.fields:
        body["fields"] = {name: gettext(problem) for name, problem in error.fields.items()}
    return {"error": body}


async def read_json(request: web.Request, max_bytes: int = MAX_JSON_BYTES) -> dict[str, Any]:
    """Read a JSON object body, or raise the contract's 413, 415 or 400."""
    if request.content_length is not None and request.content_length > max_bytes:
        raise ApiError(413, "too_large", N_("The request body is too large."))
    if request.content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", N_("Send JSON with Content-Type: application/json."))
    raw = await request.content.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise ApiError(413, "too_large", N_("The request body is too large."))
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ApiError(400, "malformed_json", N_("The body is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise ApiError(400, "malformed_json", N_("The body must be a JSON object."))
    return data


def request_zone(request: web.Request, name: str = "tz") -> ZoneInfo:
    """Return the zone the caller asked for (?tz=), else the reader's zone; 400 for an unknown one."""
    value = request.query.get(name)
    if value is None:
        return ZoneInfo(current_timezone())
    try:
        if not value or len(value) > 64 or value.startswith(("/", ".")) or ".." in value:
            raise ValueError(value)
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise invalid({name: N_("Unknown time zone.")}) from None


def render(
    request: web.Request, template: str, context: Mapping[str, Any] | None = None, status: int = 200
) -> web.Response:
    """Render a page; the base context (user, language, CSRF token) comes from the context processor."""
    page = {**request.app[keys.PAGE_CONTEXT](request), **(context or {})}
    return aiohttp_jinja2.render_template(template, request, page, status=status)


def settings_of(request: web.Request) -> Any:
    return request.app[keys.SETTINGS]


def pool_of(request: web.Request) -> Any:
    return request.app[keys.POOL]


def url_for(request: web.Request, name: str, query: Mapping[str, Any] | None = None, **parts: Any) -> str:
    """Build a path from a route name: the only way templates and views link."""
    url = request.app.router[name].url_for(**{k: str(v) for k, v in parts.items()})
    if query:
        url = url.with_query({k: str(v) for k, v in query.items() if v is not None})
    return str(url)
