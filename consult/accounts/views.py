"""Signing in and out, and who am I."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from consult import keys
from consult.accounts.sessions import CurrentUser, cookie_name, end_session, start_session
from consult.i18n import N_, gettext
from consult.middleware import current_user
from consult.security import verify_password
from consult.web import ApiError, allow, json_response, read_json, render

routes = web.RouteTableDef()

FIND_STAFF_USER = """
SELECT id, role, name, email, language, timezone, password_hash, active
FROM users WHERE email = $1 AND role IN ('lawyer', 'staff')
"""


def user_json(user: CurrentUser | Any) -> dict[str, Any]:
    return {
        "id": user["id"] if isinstance(user, dict) else user.id,
        "name": user["name"] if isinstance(user, dict) else user.name,
        "email": user["email"] if isinstance(user, dict) else user.email,
        "role": user["role"] if isinstance(user, dict) else user.role,
        "timezone": user["timezone"] if isinstance(user, dict) else user.timezone,
        "language": user["language"] if isinstance(user, dict) else user.language,
    }


def safe_next(target: str | None) -> str:
    """Accept only a local path as the place to go after signing in (no //evil.example, no scheme)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if any(ord(ch) < 32 for ch in target):
        return "/"
    return target


async def sign_in(request: web.Request, email: str, password: str) -> tuple[dict[str, Any], str, str]:
    """Check the password and open a session; the same error for an unknown email and a wrong password."""
    pool = request.app[keys.POOL]
    email = email.strip().lower()
    async with pool.acquire() as conn:
        row = await conn.fetchrow(FIND_STAFF_USER, email) if len(email) <= 254 else None
    ok = await verify_password(row["password_hash"] if row else None, password)
    if row is None or not ok or not row["active"]:
        raise ApiError(401, "invalid_credentials", N_("The email or the password is wrong."))
    async with pool.acquire() as conn, conn.transaction():
        session_id, csrf = await start_session(conn, row["id"], request.app[keys.SETTINGS])
        await conn.execute(
            "INSERT INTO audit_log (actor_id, action, object_type, object_id) VALUES ($1, 'sign_in', 'user', $2)",
            row["id"],
            str(row["id"]),
        )
    return dict(row), session_id, csrf


def set_session_cookie(request: web.Request, response: web.StreamResponse, session_id: str) -> None:
    settings = request.app[keys.SETTINGS]
    response.set_cookie(
        cookie_name(settings),
        session_id,
        httponly=True,
        samesite="Lax",
        secure=settings.https,
        path="/",
        max_age=settings.security.session_absolute_hours * 3600,
    )


@routes.post("/api/v1/session", name="api-session-create")
@allow("anyone")
async def api_sign_in(request: web.Request) -> web.Response:
    body = await read_json(request)
    email, password = body.get("email"), body.get("password")
    if not isinstance(email, str) or not isinstance(password, str):
        raise ApiError(400, "invalid", N_("Some fields need attention."), {"email": N_("Required.")})
    user, session_id, csrf = await sign_in(request, email, password)
    response = json_response({"csrf_token": csrf, "user": user_json(user)})
    set_session_cookie(request, response, session_id)
    return response


@routes.delete("/api/v1/session", name="api-session-delete")
@allow("member", "lawyer", "staff")
async def api_sign_out(request: web.Request) -> web.Response:
    user = current_user(request)
    if user is not None and user.session_hash is not None:
        async with request.app[keys.POOL].acquire() as conn:
            await end_session(conn, user.session_hash)
    response = json_response({"status": "signed_out"})
    response.del_cookie(cookie_name(request.app[keys.SETTINGS]), path="/")
    return response


@routes.get("/api/v1/me", name="api-me")
@allow("member", "lawyer", "staff")
async def api_me(request: web.Request) -> web.Response:
    user = current_user(request)
    assert user is not None
    return json_response(user_json(user))


@routes.get("/signin", name="signin")
@allow("anyone")
async def signin_page(request: web.Request) -> web.Response:
    return render(
        request, "accounts/signin.html", {"next": safe_next(request.query.get("next")), "error": None}
    )


@routes.post("/signin", name="signin-post")
@allow("anyone")
async def signin_form(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    email, password = str(form.get("email", "")), str(form.get("password", ""))
    target = safe_next(str(form.get("next", "")))
    try:
        _user, session_id, _csrf = await sign_in(request, email, password)
    except ApiError as exc:
        if exc.code != "invalid_credentials":
            raise
        return render(
            request,
            "accounts/signin.html",
            {"next": target, "error": gettext(exc.message), "email": email},
            401,
        )
    response = web.Response(status=303, headers={"Location": target})
    set_session_cookie(request, response, session_id)
    return response


@routes.post("/signout", name="signout")
@allow("member", "lawyer", "staff")
async def signout_form(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    if user is not None and user.session_hash is not None:
        async with request.app[keys.POOL].acquire() as conn:
            await end_session(conn, user.session_hash)
    response = web.Response(status=303, headers={"Location": "/"})
    response.del_cookie(cookie_name(request.app[keys.SETTINGS]), path="/")
    return response
