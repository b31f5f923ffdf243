"""Signing in and out (password, second factor, members' one-time links), who am I, the account page,
API tokens, forgotten passwords, invitations being accepted and the member's own pages."""

from __future__ import annotations

import logging
import zoneinfo
from typing import Any

import asyncpg
from aiohttp import web

from consult import audit, keys, ratelimit
from consult.accounts import onetime, totp
from consult.accounts import queries as q
from consult.accounts.users import create_invited_user, member_for_email, password_problem, set_password
from consult.errors import ApiError, Conflict, Forbidden, Unauthenticated, invalid, not_found
from consult.forms import normalize_email
from consult.i18n import N_, current_language, current_timezone, gettext, localized
from consult.links import manage_url
from consult.mail.outbox import enqueue
from consult.mail.render import compose
from consult.security import hash_password, hash_token, new_token, verify_password
from consult.sessions import (
    CurrentUser,
    cookie_name,
    end_all_sessions,
    end_session,
    start_session,
)
from consult.settings import LANGUAGES
from consult.web import allow, client_address, current_user, json_response, read_json, render, url_for

routes = web.RouteTableDef()
log = logging.getLogger("consult.accounts")

# Rate limits: (attempts, seconds).
SIGNIN_PER_ACCOUNT = (5, 60)
SIGNIN_PER_ADDRESS = (30, 60)
LINK_PER_EMAIL = (3, 900)
LINK_PER_ADDRESS = (10, 900)
MAX_TOKENS = 20
ZONES = (
    "Asia/Almaty",
    "Asia/Qostanay",
    "Asia/Aqtobe",
    "Asia/Aqtau",
    "Asia/Atyrau",
    "Asia/Oral",
    "Asia/Qyzylorda",
    "Asia/Tashkent",
    "Asia/Bishkek",
    "Europe/Moscow",
    "Europe/Istanbul",
    "UTC",
)
# Short outcome codes a redirect carries (?done=...), shown as a notice on the next page.
NOTICES = {
    "password": N_("Your password has been changed. Other devices have been signed out."),
    "password-set": N_("Your new password is set. Please sign in."),
    "account-ready": N_("Your account is ready. Please sign in."),
    "settings": N_("Your settings have been saved."),
    "totp-on": N_("Two-step sign-in is on."),
    "totp-off": N_("Two-step sign-in is off."),
    "token-revoked": N_("The token has been revoked."),
}
BAD_CREDENTIALS = N_("The email or the password is wrong.")
LINK_GONE = N_("This link is no longer valid. It may have been used already or be too old.")


def user_json(user: CurrentUser | Any) -> dict[str, Any]:
    get = (lambda k: user[k]) if not isinstance(user, CurrentUser) else (lambda k: getattr(user, k))
    return {k: get(k) for k in ("id", "name", "email", "role", "timezone", "language")}


def safe_next(target: str | None) -> str:
    """Accept only a local path as the place to go after signing in (no //evil.example, no scheme)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return "/"
    return target


def notice(request: web.Request) -> str | None:
    code = request.query.get("done", "")
    return gettext(NOTICES[code]) if code in NOTICES else None


def me(request: web.Request) -> CurrentUser:
    user = current_user(request)
    assert user is not None  # @allow guarantees it
    return user


def pool_of(request: web.Request) -> asyncpg.Pool:
    return request.app[keys.POOL]


def object_id(request: web.Request, name: str = "id") -> int:
    """Read an id from the path; anything that is not one is simply not found."""
    raw = request.match_info.get(name, "")
    if not raw.isdigit() or len(raw) > 18:
        raise not_found()
    return int(raw)


# ---------------------------------------------------------------- signing in with a password


async def check_password(request: web.Request, email: str, password: str) -> asyncpg.Record:
    """Count the attempt, then check the password; the same error for an unknown email and a wrong password."""
    email = email.strip().lower()
    async with pool_of(request).acquire() as conn:
        await ratelimit.hit(
            conn, "signin-address:" + ratelimit.key(client_address(request)), *SIGNIN_PER_ADDRESS
        )
        await ratelimit.hit(conn, "signin-account:" + ratelimit.key(email), *SIGNIN_PER_ACCOUNT)
        row = await conn.fetchrow(q.FIND_STAFF_USER, email) if len(email) <= 254 else None
    ok = await verify_password(row["password_hash"] if row else None, password[:1024])
    if row is None or not ok or not row["active"]:
        raise Unauthenticated("invalid_credentials", BAD_CREDENTIALS)
    return row


def staff_needs_totp(request: web.Request, role: str) -> bool:
    return bool(request.app[keys.SETTINGS].security.require_totp_for_staff and role == "staff")


def needs_totp_setup(request: web.Request, user: asyncpg.Record) -> bool:
    return staff_needs_totp(request, user["role"]) and not user["totp_secret"]


async def open_session(
    request: web.Request, conn: asyncpg.Connection, user_id: int, method: str
) -> tuple[str, str]:
    """End the session this browser had, start a new one (a fresh id) and record the sign-in."""
    old = current_user(request)
    if old is not None and old.session_hash is not None:
        await end_session(conn, old.session_hash)
    session_id, csrf = await start_session(conn, user_id, request.app[keys.SETTINGS])
    await audit.record(conn, user_id, "sign_in", "user", user_id, method=method)
    log.info("sign in", extra={"user_id": user_id, "method": method})
    return session_id, csrf


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


def signed_in_redirect(request: web.Request, target: str, session_id: str) -> web.Response:
    response = web.Response(status=303, headers={"Location": safe_next(target)})
    set_session_cookie(request, response, session_id)
    return response


def clear_session_cookie(request: web.Request, response: web.StreamResponse) -> None:
    response.del_cookie(cookie_name(request.app[keys.SETTINGS]), path="/")


@routes.post("/api/v1/session", name="api-session-create")
@allow("anyone")
async def api_sign_in(request: web.Request) -> web.Response:
    body = await read_json(request)
    email, password, code = body.get("email"), body.get("password"), body.get("totp")
    problems = {
        name: N_("Required.")
        for name, value in (("email", email), ("password", password))
        if not isinstance(value, str) or not value
    }
    if code is not None and not isinstance(code, str):
        problems["totp"] = N_("Enter the 6-digit code.")
    if problems:
        raise invalid(problems)
    user = await check_password(request, str(email), str(password))
    if needs_totp_setup(request, user):
        raise Forbidden("totp_setup_required", N_("Turn on two-step sign-in on the sign-in page first."))
    async with pool_of(request).acquire() as conn, conn.transaction():
        if user["totp_secret"]:
            if not code:
                raise Unauthenticated("totp_required", N_("Enter the code from your authenticator app."))
            if not await totp.accept_code(conn, user["id"], user["totp_secret"], code):
                raise Unauthenticated("invalid_totp", N_("The code is wrong or has been used already."))
        session_id, csrf = await open_session(request, conn, user["id"], "password")
    response = json_response({"csrf_token": csrf, "user": user_json(user)})
    set_session_cookie(request, response, session_id)
    return response


async def sign_out(request: web.Request) -> None:
    user = me(request)
    if user.session_hash is not None:
        async with pool_of(request).acquire() as conn, conn.transaction():
            await end_session(conn, user.session_hash)
            await audit.record(conn, user.id, "sign_out", "user", user.id)


@routes.delete("/api/v1/session", name="api-session-delete")
@allow("member", "lawyer", "staff")
async def api_sign_out(request: web.Request) -> web.Response:
    await sign_out(request)
    response = json_response({"status": "signed_out"})
    clear_session_cookie(request, response)
    return response


@routes.post("/signout", name="signout")
@allow("member", "lawyer", "staff")
async def signout_form(request: web.Request) -> web.StreamResponse:
    await sign_out(request)
    response = web.Response(status=303, headers={"Location": "/"})
    clear_session_cookie(request, response)
    return response


@routes.get("/api/v1/me", name="api-me")
@allow("member", "lawyer", "staff")
async def api_me(request: web.Request) -> web.Response:
    return json_response(user_json(me(request)))


@routes.get("/signin", name="signin")
@allow("anyone")
async def signin_page(request: web.Request) -> web.Response:
    context = {"next": safe_next(request.query.get("next")), "error": None, "notice": notice(request)}
    return render(request, "accounts/signin.html", context)


@routes.post("/signin", name="signin-post")
@allow("anyone")
async def signin_form(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    email, password = str(form.get("email", "")), str(form.get("password", ""))
    target = safe_next(str(form.get("next", "")))
    try:
        user = await check_password(request, email, password)
    except ApiError as exc:
        if exc.code != "invalid_credentials":
            raise
        context = {"next": target, "error": gettext(exc.message), "email": email, "notice": None}
        return render(request, "accounts/signin.html", context, 401)
    setup = needs_totp_setup(request, user)
    async with pool_of(request).acquire() as conn, conn.transaction():
        if user["totp_secret"] or setup:
            secret = totp.new_secret() if setup else None
            token = await onetime.create(
                conn, "second-factor", user["email"], user_id=user["id"], next=target, secret=secret
            )
            return second_factor_page(request, token, secret, user["email"], None)
        session_id, _csrf = await open_session(request, conn, user["id"], "password")
    return signed_in_redirect(request, target, session_id)


def second_factor_page(
    request: web.Request, token: str, secret: str | None, email: str, error: str | None, status: int = 200
) -> web.Response:
    """The second step: a code from the app, or first setting the app up when staff must have one."""
    context = {
        "token": token,
        "error": error,
        "setup": secret is not None,
        "secret": totp.group_secret(secret) if secret else "",
        "uri": totp.provisioning_uri(secret, email) if secret else "",
    }
    return render(request, "accounts/signin_code.html", context, status)


@routes.post("/signin/code", name="signin-code")
@allow("anyone")
async def signin_code(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    token, code = str(form.get("token", "")), str(form.get("code", ""))
    async with pool_of(request).acquire() as conn:
        step = await onetime.peek(conn, "second-factor", token)
        if step is None:
            context = {
                "next": "/",
                "error": gettext(N_("That took too long. Please sign in again.")),
                "notice": None,
            }
            return render(request, "accounts/signin.html", context, 400)
        await ratelimit.hit(conn, "signin-account:" + ratelimit.key(step["email"]), *SIGNIN_PER_ACCOUNT)
        secret = step["detail"].get("secret")
        async with conn.transaction():
            user = await conn.fetchrow(q.USER_BY_ID, step["user_id"])
            if secret:
                matched = totp.matching_step(secret, code)
                ok = (
                    matched is not None
                    and await conn.execute(q.SET_TOTP, user["id"], secret, matched) == "UPDATE 1"
                )
            else:
                ok = bool(user["totp_secret"]) and await totp.accept_code(
                    conn, user["id"], user["totp_secret"], code
                )
            if not ok or not user["active"] or await onetime.use(conn, "second-factor", token) is None:
                error = gettext(N_("The code is wrong or has been used already."))
                return second_factor_page(request, token, secret, user["email"], error, 400)
            if secret:
                await audit.record(conn, user["id"], "totp_enabled", "user", user["id"])
            session_id, _csrf = await open_session(request, conn, user["id"], "password+totp")
    return signed_in_redirect(request, step["detail"].get("next") or "/", session_id)


# ---------------------------------------------------------------- links by email (no enumeration)


def link_limits(request: web.Request, kind: str, email: str) -> list[tuple[str, int, int]]:
    address = client_address(request)
    return [
        (f"{kind}-address:" + ratelimit.key(address), *LINK_PER_ADDRESS),
        (f"{kind}-email:" + ratelimit.key(email), *LINK_PER_EMAIL),
    ]


class _NotSent(Exception):
    """Rolls back the savepoint of a link that must not go out."""


async def send_link(request: web.Request, kind: str, raw_email: str) -> None:
    """Send a member's sign-in link or a password reset link; known and unknown emails cost the same.

    kind "signin": members, and addresses not known yet (their member account is made on first use).
    kind "reset": active lawyers and staff. The answer never says which case it was, and neither does
    the time taken: a link that must not go out is made and queued all the same, inside a savepoint
    that is then rolled back.
    """
    email = normalize_email(raw_email or "")
    if email is None:
        raise invalid({"email": N_("Enter a valid email address.")})
    settings = request.app[keys.SETTINGS]
    purpose, template, path = {
        "signin": ("signin", "signin_link", "/signin/link/"),
        "reset": ("reset", "password_reset", "/reset/"),
    }[kind]
    async with pool_of(request).acquire() as conn:
        for bucket, limit, window in link_limits(request, kind, email):
            await ratelimit.hit(conn, bucket, limit, window)
        async with conn.transaction():
            row = await conn.fetchrow(q.FIND_USER_BY_EMAIL, email)
            if kind == "signin":
                wanted = row is None or (row["role"] == "member" and row["active"])
            else:
                wanted = row is not None and row["role"] in ("lawyer", "staff") and row["active"]
            try:
                async with conn.transaction():
                    user_id = row["id"] if row and wanted else None
                    token = await onetime.create(conn, purpose, email, user_id=user_id)
                    message = compose(
                        settings,
                        name=template,
                        language=row["language"] if row else current_language(),
                        timezone=row["timezone"] if row else current_timezone(),
                        to_addr=email,
                        to_name=row["name"] if row else "",
                        context={
                            "link": settings.server.base_url + path + token,
                            "minutes": int(onetime.LIFETIMES[purpose].total_seconds() // 60),
                        },
                    )
                    await enqueue(conn, message, kind=template, recipient=email)
                    if not wanted:
                        raise _NotSent
            except _NotSent:
                pass


LINK_SENT = {"status": "accepted"}


@routes.post("/api/v1/signin-links", name="api-signin-link")
@allow("anyone")
async def api_signin_link(request: web.Request) -> web.Response:
    body = await read_json(request)
    email = body.get("email")
    await send_link(request, "signin", email if isinstance(email, str) else "")
    return json_response(LINK_SENT, status=202)


@routes.post("/api/v1/password-resets", name="api-password-reset")
@allow("anyone")
async def api_password_reset(request: web.Request) -> web.Response:
    body = await read_json(request)
    email = body.get("email")
    await send_link(request, "reset", email if isinstance(email, str) else "")
    return json_response(LINK_SENT, status=202)


async def link_request_form(request: web.Request, kind: str, template: str) -> web.Response:
    form = await request.post()
    email = str(form.get("email", ""))
    try:
        await send_link(request, kind, email)
    except ApiError as exc:
        if exc.status != 400:
            raise
        errors = {k: gettext(v) for k, v in exc.fields.items()}
        return render(request, template, {"errors": errors, "email": email}, 400)
    return render(request, "accounts/link_sent.html", {"kind": kind})


@routes.get("/signin/member", name="member-signin")
@allow("anyone")
async def member_signin_page(request: web.Request) -> web.Response:
    return render(request, "accounts/member_signin.html", {"errors": {}, "email": ""})


@routes.post("/signin/member", name="member-signin-post")
@allow("anyone")
async def member_signin_form(request: web.Request) -> web.Response:
    return await link_request_form(request, "signin", "accounts/member_signin.html")


@routes.get("/password/forgot", name="password-forgot")
@allow("anyone")
async def password_forgot_page(request: web.Request) -> web.Response:
    return render(request, "accounts/password_forgot.html", {"errors": {}, "email": ""})


@routes.post("/password/forgot", name="password-forgot-post")
@allow("anyone")
async def password_forgot_form(request: web.Request) -> web.Response:
    return await link_request_form(request, "reset", "accounts/password_forgot.html")


def link_gone(request: web.Request) -> web.Response:
    return render(request, "accounts/link_gone.html", {"message": gettext(LINK_GONE)}, 404)


@routes.get("/signin/link/{token}", name="signin-link")
@allow("anyone")
async def signin_link_page(request: web.Request) -> web.Response:
    """Show a button only: mail scanners open links, and opening must not use the link up."""
    async with pool_of(request).acquire() as conn:
        link = await onetime.peek(conn, "signin", request.match_info["token"])
    if link is None:
        return link_gone(request)
    return render(request, "accounts/signin_link.html", {"token": request.match_info["token"]})


@routes.post("/signin/link/{token}", name="signin-link-post")
@allow("anyone")
async def signin_link_use(request: web.Request) -> web.StreamResponse:
    async with pool_of(request).acquire() as conn, conn.transaction():
        link = await onetime.use(conn, "signin", request.match_info["token"])
        if link is None:
            return link_gone(request)
        user = await member_for_email(conn, link["email"], current_language())
        if user["role"] != "member" or not user["active"]:
            return link_gone(request)
        session_id, _csrf = await open_session(request, conn, user["id"], "email_link")
    return signed_in_redirect(request, url_for(request, "my-bookings"), session_id)


# ---------------------------------------------------------------- password reset and invitations


def password_errors(form: Any, email: str) -> dict[str, str]:
    password, repeat = str(form.get("password", "")), str(form.get("password2", ""))
    problem = password_problem(password, email)
    if problem:
        return {"password": gettext(problem)}
    if password != repeat:
        return {"password2": gettext(N_("The two passwords differ."))}
    return {}


@routes.get("/reset/{token}", name="password-reset")
@allow("anyone")
async def password_reset_page(request: web.Request) -> web.Response:
    async with pool_of(request).acquire() as conn:
        link = await onetime.peek(conn, "reset", request.match_info["token"])
    if link is None:
        return link_gone(request)
    return render(
        request, "accounts/password_reset.html", {"token": request.match_info["token"], "errors": {}}
    )


@routes.post("/reset/{token}", name="password-reset-post")
@allow("anyone")
async def password_reset_form(request: web.Request) -> web.StreamResponse:
    token = request.match_info["token"]
    form = await request.post()
    async with pool_of(request).acquire() as conn, conn.transaction():
        link = await onetime.peek(conn, "reset", token)
        if link is None:
            return link_gone(request)
        errors = password_errors(form, link["email"])
        if errors:
            return render(request, "accounts/password_reset.html", {"token": token, "errors": errors}, 400)
        user = await conn.fetchrow(q.USER_BY_ID, link["user_id"])
        if await onetime.use(conn, "reset", token) is None or user is None or not user["active"]:
            return link_gone(request)
        await set_password(conn, user["id"], str(form["password"]))
        await end_all_sessions(conn, user["id"])
        await onetime.retire_for_user(conn, user["id"], "reset")
        await audit.record(conn, user["id"], "password_reset", "user", user["id"])
    return web.Response(
        status=303, headers={"Location": url_for(request, "signin", {"done": "password-set"})}
    )


@routes.get("/invite/{token}", name="invite")
@allow("anyone")
async def invite_page(request: web.Request) -> web.Response:
    async with pool_of(request).acquire() as conn:
        link = await onetime.peek(conn, "invite", request.match_info["token"])
        taken = link is not None and await conn.fetchval(q.FIND_USER_BY_EMAIL, link["email"]) is not None
    if link is None or taken:
        return link_gone(request)
    context = {"token": request.match_info["token"], "invite": link, "errors": {}}
    return render(request, "accounts/invite.html", context)


@routes.post("/invite/{token}", name="invite-post")
@allow("anyone")
async def invite_accept(request: web.Request) -> web.StreamResponse:
    """Set the invitee's password; an email that has an account by now keeps it exactly as it is."""
    token = request.match_info["token"]
    form = await request.post()
    async with pool_of(request).acquire() as conn, conn.transaction():
        link = await onetime.peek(conn, "invite", token)
        if link is None:
            return link_gone(request)
        errors = password_errors(form, link["email"])
        if errors:
            context = {"token": token, "invite": link, "errors": errors}
            return render(request, "accounts/invite.html", context, 400)
        if await onetime.use(conn, "invite", token) is None:
            return link_gone(request)
        detail = link["detail"]
        user_id = await create_invited_user(
            conn,
            detail["role"],
            link["email"],
            detail["name"],
            await hash_password(str(form["password"])),
            detail.get("language", "ru"),
        )
        if user_id is None:
            return link_gone(request)
        await audit.record(conn, user_id, "invite_accepted", "user", user_id, invited_by=link["created_by"])
    return web.Response(
        status=303, headers={"Location": url_for(request, "signin", {"done": "account-ready"})}
    )


# ---------------------------------------------------------------- the account page and API tokens


async def account_context(request: web.Request, conn: asyncpg.Connection, **extra: Any) -> dict[str, Any]:
    user = me(request)
    row = await conn.fetchrow(q.USER_BY_ID, user.id)
    return {
        "account": row,
        "tokens": await conn.fetch(q.LIST_TOKENS, user.id),
        "zones": zone_choices(row["timezone"]),
        "languages": LANGUAGES,
        "notice": notice(request),
        "errors": {},
        "enrol": None,
        "new_token": None,
        "totp_required": staff_needs_totp(request, row["role"]),
        **extra,
    }


def zone_choices(current: str) -> list[str]:
    return list(ZONES) if current in ZONES else [current, *ZONES]


@routes.get("/account", name="account")
@allow("lawyer", "staff")
async def account_page(request: web.Request) -> web.Response:
    async with pool_of(request).acquire() as conn:
        return render(request, "accounts/account.html", await account_context(request, conn))


async def account_again(request: web.Request, status: int = 400, **extra: Any) -> web.Response:
    async with pool_of(request).acquire() as conn:
        return render(request, "accounts/account.html", await account_context(request, conn, **extra), status)


def redirect(request: web.Request, name: str, done: str) -> web.Response:
    return web.Response(status=303, headers={"Location": url_for(request, name, {"done": done})})


@routes.post("/account/password", name="account-password")
@allow("lawyer", "staff")
async def account_password(request: web.Request) -> web.StreamResponse:
    """Change the password; every other session of this person ends."""
    user = me(request)
    form = await request.post()
    async with pool_of(request).acquire() as conn:
        await ratelimit.hit(conn, "signin-account:" + ratelimit.key(user.email), *SIGNIN_PER_ACCOUNT)
        stored = await conn.fetchval(q.STORED_PASSWORD_OF, user.id)
    if not await verify_password(stored, str(form.get("current", ""))[:1024]):
        return await account_again(request, errors={"current": gettext(N_("The current password is wrong."))})
    errors = password_errors(form, user.email)
    if errors:
        return await account_again(request, errors=errors)
    async with pool_of(request).acquire() as conn, conn.transaction():
        await set_password(conn, user.id, str(form["password"]))
        await end_all_sessions(conn, user.id, keep=user.session_hash)
        await onetime.retire_for_user(conn, user.id, "reset")
        await audit.record(conn, user.id, "password_changed", "user", user.id)
    return redirect(request, "account", "password")


@routes.post("/account/settings", name="settings-post")
@allow("member", "lawyer", "staff")
async def settings_form(request: web.Request) -> web.StreamResponse:
    user = me(request)
    form = await request.post()
    language, zone = str(form.get("language", "")), str(form.get("timezone", ""))
    page = "my-settings" if user.role == "member" else "account"
    if language not in LANGUAGES or not valid_zone(zone):
        raise invalid(
            {"timezone": N_("Unknown time zone.")}
            if language in LANGUAGES
            else {"language": N_("Choose a language.")}
        )
    async with pool_of(request).acquire() as conn:
        await conn.execute(q.UPDATE_SETTINGS, user.id, language, zone)
    response = web.Response(status=303, headers={"Location": url_for(request, page, {"done": "settings"})})
    response.set_cookie("lang", language, max_age=365 * 86400, samesite="Lax", path="/")
    return response


def valid_zone(name: str) -> bool:
    return name in ZONES or (0 < len(name) <= 64 and name in zoneinfo.available_timezones())


@routes.post("/account/totp", name="account-totp-start")
@allow("lawyer", "staff")
async def account_totp_start(request: web.Request) -> web.Response:
    user = me(request)
    secret = totp.new_secret()
    async with pool_of(request).acquire() as conn, conn.transaction():
        token = await onetime.create(conn, "totp-enrol", user.email, user_id=user.id, secret=secret)
    enrol = {
        "token": token,
        "secret": totp.group_secret(secret),
        "uri": totp.provisioning_uri(secret, user.email),
    }
    return await account_again(request, 200, enrol=enrol)


@routes.post("/account/totp/confirm", name="account-totp-confirm")
@allow("lawyer", "staff")
async def account_totp_confirm(request: web.Request) -> web.StreamResponse:
    user = me(request)
    form = await request.post()
    token, code = str(form.get("token", "")), str(form.get("code", ""))
    async with pool_of(request).acquire() as conn, conn.transaction():
        link = await onetime.peek(conn, "totp-enrol", token)
        if link is None or link["user_id"] != user.id:
            return await account_again(
                request, errors={"code": gettext(N_("That took too long. Please start again."))}
            )
        secret = link["detail"]["secret"]
        step = totp.matching_step(secret, code)
        if step is None or await conn.execute(q.SET_TOTP, user.id, secret, step) != "UPDATE 1":
            enrol = {
                "token": token,
                "secret": totp.group_secret(secret),
                "uri": totp.provisioning_uri(secret, user.email),
            }
            errors = {"code": gettext(N_("The code is wrong or has been used already."))}
            return await account_again(request, enrol=enrol, errors=errors)
        await onetime.use(conn, "totp-enrol", token)
        await audit.record(conn, user.id, "totp_enabled", "user", user.id)
    return redirect(request, "account", "totp-on")


@routes.post("/account/totp/disable", name="account-totp-disable")
@allow("lawyer", "staff")
async def account_totp_disable(request: web.Request) -> web.StreamResponse:
    user = me(request)
    form = await request.post()
    if staff_needs_totp(request, user.role):
        raise Forbidden(message=N_("Two-step sign-in is required for staff."))
    async with pool_of(request).acquire() as conn, conn.transaction():
        secret = await conn.fetchval(q.STORED_TOTP_OF, user.id)
        if not secret or not await totp.accept_code(conn, user.id, secret, str(form.get("code", ""))):
            return await account_again(
                request, errors={"disable": gettext(N_("The code is wrong or has been used already."))}
            )
        await conn.execute(q.CLEAR_TOTP, user.id)
        await audit.record(conn, user.id, "totp_disabled", "user", user.id)
    return redirect(request, "account", "totp-off")


def token_name(value: Any) -> str:
    name = " ".join(value.split()) if isinstance(value, str) else ""
    if not 1 <= len(name) <= 100:
        raise invalid({"name": N_("Give the token a name of 1 to 100 characters.")})
    return name


async def create_token(conn: asyncpg.Connection, user: CurrentUser, name: str) -> dict[str, Any]:
    """Make a personal API token; only its hash is kept, so it is shown this once."""
    if await conn.fetchval(q.COUNT_TOKENS, user.id) >= MAX_TOKENS:
        raise Conflict("too_many_tokens", N_("You have too many tokens. Revoke one first."))
    token = new_token()
    row = await conn.fetchrow(q.CREATE_TOKEN, user.id, name, hash_token(token))
    await audit.record(conn, user.id, "token_created", "api_token", row["id"])
    return {"id": row["id"], "name": row["name"], "token": token}


async def revoke_token(conn: asyncpg.Connection, user: CurrentUser, token_id: int) -> None:
    """Revoke one of the caller's tokens; someone else's answers 404 like a missing one."""
    if await conn.fetchval(q.REVOKE_TOKEN, token_id, user.id) is None:
        raise not_found()
    await audit.record(conn, user.id, "token_revoked", "api_token", token_id)


@routes.get("/api/v1/me/tokens", name="api-tokens")
@allow("lawyer", "staff")
async def api_tokens(request: web.Request) -> web.Response:
    async with pool_of(request).acquire() as conn:
        rows = await conn.fetch(q.LIST_TOKENS, me(request).id)
    return json_response({"items": [dict(r) for r in rows]})


@routes.post("/api/v1/me/tokens", name="api-token-create")
@allow("lawyer", "staff")
async def api_token_create(request: web.Request) -> web.Response:
    name = token_name((await read_json(request)).get("name"))
    async with pool_of(request).acquire() as conn, conn.transaction():
        created = await create_token(conn, me(request), name)
    return json_response(created, status=201)


@routes.delete("/api/v1/me/tokens/{id}", name="api-token-delete")
@allow("lawyer", "staff")
async def api_token_delete(request: web.Request) -> web.Response:
    token_id = object_id(request)
    async with pool_of(request).acquire() as conn, conn.transaction():
        await revoke_token(conn, me(request), token_id)
    return web.Response(status=204)


@routes.post("/account/tokens", name="account-token-create")
@allow("lawyer", "staff")
async def account_token_create(request: web.Request) -> web.Response:
    form = await request.post()
    try:
        name = token_name(form.get("name"))
    except ApiError as exc:
        return await account_again(request, errors={k: gettext(v) for k, v in exc.fields.items()})
    async with pool_of(request).acquire() as conn, conn.transaction():
        created = await create_token(conn, me(request), name)
    return await account_again(request, 201, new_token=created)


@routes.post("/account/tokens/{id}/revoke", name="account-token-revoke")
@allow("lawyer", "staff")
async def account_token_revoke(request: web.Request) -> web.StreamResponse:
    token_id = object_id(request)
    async with pool_of(request).acquire() as conn, conn.transaction():
        await revoke_token(conn, me(request), token_id)
    return redirect(request, "account", "token-revoked")


# ---------------------------------------------------------------- the member's own pages

STATUS_LABELS = {
    "pending": N_("Waiting for email confirmation"),
    "confirmed": N_("Confirmed"),
    "cancelled": N_("Cancelled"),
    "completed": N_("Completed"),
    "no_show": N_("Missed"),
}


@routes.get("/my/bookings", name="my-bookings")
@allow("member")
async def my_bookings(request: web.Request) -> web.Response:
    settings = request.app[keys.SETTINGS]
    async with pool_of(request).acquire() as conn:
        rows = await conn.fetch(q.MEMBER_BOOKINGS, me(request).id)
    bookings = [
        {
            **dict(r),
            "topic": localized(r, "name"),
            "status_label": gettext(STATUS_LABELS.get(r["status"], r["status"])),
            "url": manage_url(settings, r),
        }
        for r in rows
    ]
    return render(request, "accounts/my_bookings.html", {"bookings": bookings})


@routes.get("/my/settings", name="my-settings")
@allow("member")
async def my_settings(request: web.Request) -> web.Response:
    user = me(request)
    context = {"zones": zone_choices(user.timezone), "languages": LANGUAGES, "notice": notice(request)}
    return render(request, "accounts/my_settings.html", context)
