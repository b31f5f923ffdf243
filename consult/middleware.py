"""Middlewares: request id and logs, locale, who is asking, permissions, CSRF, errors, headers."""

from __future__ import annotations

import logging
import time
import uuid
from urllib.parse import urlencode, urlsplit

from aiohttp import web
from aiohttp.typedefs import Handler

from consult import keys
from consult.errors import ApiError, Forbidden, HttpError, Internal, Invalid, Unauthenticated
from consult.i18n import N_, current_language, gettext, pick_language, set_request_locale
from consult.security import new_token, tokens_equal
from consult.sessions import CurrentUser, cookie_name, load_api_token, load_session
from consult.web import allowed_roles, current_user, error_body, is_api, json_response, render

log = logging.getLogger("consult.http")
USER = keys.USER
REQUEST_ID = keys.REQUEST_ID
CSRF_COOKIE = "consult_csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Routes reached through a secret link: the Referer must not carry the secret to another site.
SECRET_ROUTE_PREFIXES = ("/b/", "/join/", "/signin/", "/invite/", "/reset/", "/q/", "/calendar/")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


def route_label(request: web.Request) -> str:
    """Name the route for logs and metrics: its name or pattern, never the path (paths hold tokens)."""
    route = request.match_info.route
    return route.name or (route.resource.canonical if route.resource else "unmatched")


@web.middleware
async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give each request an id, pick its locale and log one line when it ends."""
    given = request.headers.get("X-Request-Id", "")[:64]
    request[REQUEST_ID] = given if given.replace("-", "").isalnum() else uuid.uuid4().hex
    settings = request.app[keys.SETTINGS]
    language = pick_language(
        request.query.get("lang"),
        request.cookies.get("lang"),
        request.headers.get("Accept-Language"),
        settings.i18n.default_language,
    )
    set_request_locale(language, settings.i18n.default_timezone)
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        if request.query.get("lang") == language and not is_api(request):
            response.set_cookie("lang", language, max_age=365 * 86400, samesite="Lax", path="/")
        response.headers["X-Request-Id"] = request[REQUEST_ID]
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        log.info(
            "request",
            extra={
                "request_id": request[REQUEST_ID],
                "method": request.method,
                "route": route_label(request),
                "status": status,
                "ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every failure into the contract's JSON error under /api/ and a page elsewhere."""
    try:
        # PostgreSQL text cannot hold NUL: refuse it here once, not as a 500 in whichever query meets it.
        if "\x00" in request.path:
            raise Invalid(message=N_("The address contains a NUL character."))
        with_nul = {
            name: N_("Must not contain a NUL character.") for name, v in request.query.items() if "\x00" in v
        }
        if with_nul:
            raise Invalid(message=N_("The address contains a NUL character."), fields=with_nul)
        return await handler(request)
    except ApiError as exc:
        return error_response(request, exc)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(exc.status, "http_error")
        message = {
            404: N_("Not found."),
            405: N_("This method is not allowed here."),
            413: N_("The request body is too large."),
        }.get(exc.status, N_("The request could not be handled."))
        return error_response(request, HttpError(exc.status, code, message, headers=dict(exc.headers)))
    except Exception:
        log.exception(
            "unhandled error", extra={"request_id": request.get(REQUEST_ID), "route": route_label(request)}
        )
        return error_response(request, Internal())


def error_response(request: web.Request, error: ApiError) -> web.StreamResponse:
    headers = {
        k: v for k, v in error.headers.items() if k.lower() in ("retry-after", "allow", "www-authenticate")
    }
    if is_api(request) or request.headers.get("Accept", "").startswith("application/json"):
        return json_response(error_body(error), status=error.status, headers=headers)
    if error.status == 401:
        target = request.path_qs if request.method == "GET" else "/"
        return web.Response(status=303, headers={"Location": f"/signin?{urlencode({'next': target})}"})
    template = f"errors/{error.status if error.status in (403, 404, 429, 500) else 'error'}.html"
    try:
        response = render(
            request,
            template,
            {"status": error.status, "message": gettext(error.message), "fields": error.fields},
            status=error.status,
        )
    except Exception:  # a broken template must not hide the original error
        log.exception("error page failed", extra={"request_id": request.get(REQUEST_ID)})
        response = web.Response(status=error.status, text=gettext(error.message))
    response.headers.update(headers)
    return response


@web.middleware
async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Find the user from the session cookie or a Bearer token, then apply the route's permission."""
    if isinstance(request.match_info.route.resource, web.StaticResource):
        return await handler(request)
    app = request.app
    settings = app[keys.SETTINGS]
    user: CurrentUser | None = None
    auth = request.headers.get("Authorization", "")
    session_id = request.cookies.get(cookie_name(settings))
    if auth.startswith("Bearer ") or session_id:
        async with app[keys.POOL].acquire() as conn:
            if auth.startswith("Bearer "):
                user = await load_api_token(conn, auth[7:].strip())
                if user is None:
                    raise Unauthenticated("invalid_token", N_("The API token is not valid."))
            elif session_id:
                user = await load_session(conn, session_id, settings)
    if user is not None:
        request[USER] = user
        if "lang" not in request.query and "lang" not in request.cookies:
            set_request_locale(user.language, user.timezone)
        else:
            set_request_locale(current_language(), user.timezone)

    roles = allowed_roles(request.match_info.handler)
    if roles is None and request.match_info.http_exception is None:
        # Every route declares who may use it; an undeclared one is closed, not open.
        log.error("route without permission", extra={"route": route_label(request)})
        raise Forbidden()
    if roles is not None and "anyone" not in roles:
        if user is None:
            raise Unauthenticated()
        if user.role not in roles:
            raise Forbidden()

    if request.method not in SAFE_METHODS:
        check_csrf(request, user, settings.server.base_url)
    return await handler(request)


def check_csrf(request: web.Request, user: CurrentUser | None, base_url: str) -> None:
    """Refuse a state-changing request that a browser may have sent on another site's behalf."""
    has_session = user is not None and user.csrf_token is not None
    is_form = request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data")
    if not has_session and not is_form:
        return  # JSON without our cookie: browsers cannot send it cross-site without CORS, which we never allow
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        raise Forbidden("csrf", N_("This request came from another site."))
    origin = request.headers.get("Origin")
    if origin == "null" and fetch_site == "same-origin":
        # A page served with Referrer-Policy: no-referrer (the secret-link pages) makes browsers send
        # "Origin: null" even to the page's own site; Sec-Fetch-Site then says it is our own page.
        origin = None
    if origin is not None:
        allowed = {_origin(base_url), f"{request.scheme}://{request.host}"}
        if origin not in allowed:
            raise Forbidden("csrf", N_("This request came from another site."))
    sent = request.headers.get("X-CSRF-Token") or request.get(keys.CSRF_FORM_TOKEN)
    expected = user.csrf_token if has_session and user is not None else request.cookies.get(CSRF_COOKIE)
    if not sent or not expected or not tokens_equal(sent, expected):
        raise Forbidden("csrf", N_("The form has expired. Please reload the page and try again."))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@web.middleware
async def form_token(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Read the csrf_token form field before the permission check, and keep a CSRF cookie for visitors."""
    if request.method not in SAFE_METHODS and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        # Multipart too (forms with file uploads): the body is bounded by client_max_size and aiohttp
        # spools file parts to temporary files; without this a multipart form could never pass CSRF.
        form = await request.post()  # cached by aiohttp, so views read it again for free
        value = form.get("csrf_token")
        request[keys.CSRF_FORM_TOKEN] = value if isinstance(value, str) else None
    response = await handler(request)
    if CSRF_COOKIE not in request.cookies and not is_api(request) and request.method == "GET":
        response.set_cookie(CSRF_COOKIE, visitor_csrf(request), httponly=True, samesite="Lax", path="/")
    return response


def visitor_csrf(request: web.Request) -> str:
    """The double-submit token of a visitor without a session (booking and sign-in forms)."""
    token = request.get(keys.VISITOR_CSRF) or request.cookies.get(CSRF_COOKIE)
    if not token:
        token = request[keys.VISITOR_CSRF] = new_token()
    return str(token)


def csrf_token_for(request: web.Request) -> str:
    user = current_user(request)
    if user is not None and user.csrf_token:
        return user.csrf_token
    return visitor_csrf(request)


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Add the headers every answer carries; private and secret-link pages are never cached."""
    response = await handler(request)
    settings = request.app[keys.SETTINGS]
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    secret_page = request.path.startswith(SECRET_ROUTE_PREFIXES) or "/manage/" in request.path
    headers.setdefault("Referrer-Policy", "no-referrer" if secret_page else "strict-origin-when-cross-origin")
    if settings.https:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if current_user(request) is not None or secret_page or request.method not in SAFE_METHODS:
        headers["Cache-Control"] = "no-store"
    return response


MIDDLEWARES = [security_headers, request_context, errors, form_token, authenticate]
