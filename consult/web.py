"""The one way to answer: JSON bodies, errors, pages, and who may use a route."""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import aiohttp_jinja2
from aiohttp import web

from consult import keys
from consult.errors import (
    ApiError,
    Invalid,
    NotFound,
    TooLarge,
    Unauthenticated,
    UnsupportedMediaType,
    invalid,
)
from consult.i18n import N_, current_timezone, gettext

if TYPE_CHECKING:
    from consult.sessions import CurrentUser

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
H = TypeVar("H", bound=Handler)

ROLES = ("anyone", "member", "lawyer", "staff")
MAX_JSON_BYTES = 256 * 1024


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
        raise TooLarge()
    if request.content_type != "application/json":
        raise UnsupportedMediaType(message=N_("Send JSON with Content-Type: application/json."))
    raw = await request.content.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise TooLarge()
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Invalid("malformed_json", N_("The body is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise Invalid("malformed_json", N_("The body must be a JSON object."))
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


def current_user(request: web.Request) -> CurrentUser | None:
    """Who is asking (set by the authenticate middleware), or None for a visitor."""
    return request.get(keys.USER)


def signed_in(request: web.Request) -> CurrentUser:
    """The caller of a route that @allow() closes to visitors: the middleware guarantees there is one."""
    user = request.get(keys.USER)
    if user is None:
        raise Unauthenticated()
    return user


def path_id(request: web.Request, name: str = "id") -> int:
    """An id from the path as an int; anything else (or one out of bigint's range) is a 404, never a 500."""
    value = request.match_info.get(name, "")
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise NotFound()
    return int(value)


def now(request: web.Request) -> datetime:
    """The time for this request: the app's clock (pinned in tests), else the real one."""
    clock = request.app.get(keys.CLOCK)
    return clock() if clock is not None else datetime.now(UTC)


def client_address(request: web.Request) -> str:
    """The client's address; X-Forwarded-For counts only when the peer is a configured proxy."""
    peer = request.remote or ""
    trusted = request.app[keys.SETTINGS].server.trusted_proxies
    forwarded = request.headers.get("X-Forwarded-For")
    if forwarded and peer in trusted:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        # Walk from the nearest hop outwards, skipping our own proxies.
        for hop in reversed(hops):
            if hop not in trusted:
                return hop
    return peer


def url_for(request: web.Request, name: str, query: Mapping[str, Any] | None = None, **parts: Any) -> str:
    """Build a path from a route name: the only way templates and views link."""
    url = request.app.router[name].url_for(**{k: str(v) for k, v in parts.items()})
    if query:
        url = url.with_query({k: str(v) for k, v in query.items() if v is not None})
    return str(url)
