"""Staff pages of accounts: people and invitations, the membership register, the audit trail."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from consult import audit, keys
from consult.accounts import onetime, register
from consult.accounts import queries as q
from consult.accounts.views import me, object_id, pool_of, redirect
from consult.errors import invalid, not_found
from consult.forms import normalize_email
from consult.i18n import N_, gettext
from consult.mail.outbox import enqueue
from consult.mail.render import compose
from consult.security import hash_token
from consult.sessions import end_all_sessions
from consult.settings import LANGUAGES
from consult.web import allow, render

routes = web.RouteTableDef()

ROLES = ("lawyer", "staff")
AUDIT_PAGE_SIZE = 50
MAX_REGISTER_BYTES = 10 * 1024 * 1024
NOTICES = {
    "invited": N_("The invitation has been sent."),
    "invite-cancelled": N_("The invitation has been cancelled."),
    "deactivated": N_("The account has been deactivated and its sessions ended."),
    "reactivated": N_("The account has been reactivated."),
    "role": N_("The role has been changed."),
}


async def people_page(
    request: web.Request, errors: dict[str, str] | None = None, status: int = 200, form: Any = None
) -> web.Response:
    async with pool_of(request).acquire() as conn:
        context = {
            "people": await conn.fetch(q.STAFF_PEOPLE),
            "members": await conn.fetchval(q.MEMBER_COUNT),
            "invites": await conn.fetch(q.OPEN_INVITES),
            "errors": errors or {},
            "form": form or {},
            "languages": LANGUAGES,
            "me_id": me(request).id,
        }
    code = request.query.get("done", "")
    context["notice"] = gettext(NOTICES[code]) if code in NOTICES else None
    return render(request, "accounts/staff_users.html", context, status)


@routes.get("/staff/users", name="staff-users")
@allow("staff")
async def staff_users(request: web.Request) -> web.Response:
    return await people_page(request)


@routes.post("/staff/invites", name="staff-invite")
@allow("staff")
async def staff_invite(request: web.Request) -> web.StreamResponse:
    """Invite a lawyer or staff member; an email that has an account already is left as it is."""
    form = await request.post()
    values = {k: str(form.get(k, "")) for k in ("email", "name", "role", "language")}
    email = normalize_email(values["email"])
    name = " ".join(values["name"].split())
    errors: dict[str, str] = {}
    if email is None:
        errors["email"] = N_("Enter a valid email address.")
    if not 1 <= len(name) <= 200:
        errors["name"] = N_("Enter a name of 1 to 200 characters.")
    if values["role"] not in ROLES:
        errors["role"] = N_("Choose a role.")
    language = values["language"] if values["language"] in LANGUAGES else "ru"
    settings = request.app[keys.SETTINGS]
    async with pool_of(request).acquire() as conn, conn.transaction():
        if email is not None and await conn.fetchval(q.FIND_USER_BY_EMAIL, email) is not None:
            errors["email"] = N_("This email has an account already; nothing was changed.")
        if errors:
            translated = {k: gettext(v) for k, v in errors.items()}
            return await people_page(request, translated, 400, values)
        assert email is not None
        staff = me(request)
        token = await onetime.create(
            conn, "invite", email, created_by=staff.id, role=values["role"], name=name, language=language
        )
        message = compose(
            settings,
            name="invitation",
            language=language,
            timezone=settings.i18n.default_timezone,
            to_addr=email,
            to_name=name,
            context={
                "link": f"{settings.server.base_url}/invite/{token}",
                "name": name,
                "role": values["role"],
                "inviter": staff.name,
                "days": onetime.LIFETIMES["invite"].days,
            },
        )
        await enqueue(conn, message, kind="invitation", recipient=email)
        invite_id = await conn.fetchval(q.LINK_ID_BY_HASH, hash_token(token))
        await audit.record(conn, staff.id, "invite_sent", "invitation", invite_id, role=values["role"])
    return redirect(request, "staff-users", "invited")


@routes.post("/staff/invites/{id}/cancel", name="staff-invite-cancel")
@allow("staff")
async def staff_invite_cancel(request: web.Request) -> web.StreamResponse:
    invite_id = object_id(request)
    async with pool_of(request).acquire() as conn, conn.transaction():
        if await conn.fetchval(q.CANCEL_INVITE, invite_id) is None:
            raise not_found()
        await audit.record(conn, me(request).id, "invite_cancelled", "invitation", invite_id)
    return redirect(request, "staff-users", "invite-cancelled")


async def set_active(request: web.Request, active: bool) -> web.StreamResponse:
    """Deactivate (ending every session; API tokens stop working) or reactivate someone else's account."""
    user_id = object_id(request)
    staff = me(request)
    async with pool_of(request).acquire() as conn, conn.transaction():
        row = await conn.fetchrow(q.SET_ACTIVE, user_id, staff.id, active)
        if row is None:
            exists = await conn.fetchval(q.OTHER_USER, user_id, staff.id)
            if exists is None:
                raise not_found()
            return redirect(request, "staff-users", "reactivated" if active else "deactivated")
        if not active:
            await end_all_sessions(conn, user_id)
        action = "account_reactivated" if active else "account_deactivated"
        await audit.record(conn, staff.id, action, "user", user_id, role=row["role"])
    return redirect(request, "staff-users", "reactivated" if active else "deactivated")


@routes.post("/staff/users/{id}/deactivate", name="staff-user-deactivate")
@allow("staff")
async def staff_user_deactivate(request: web.Request) -> web.StreamResponse:
    return await set_active(request, False)


@routes.post("/staff/users/{id}/reactivate", name="staff-user-reactivate")
@allow("staff")
async def staff_user_reactivate(request: web.Request) -> web.StreamResponse:
    return await set_active(request, True)


@routes.post("/staff/users/{id}/role", name="staff-user-role")
@allow("staff")
async def staff_user_role(request: web.Request) -> web.StreamResponse:
    """Make a lawyer staff or staff a lawyer (never oneself); the change holds from the next request."""
    user_id = object_id(request)
    role = str((await request.post()).get("role", ""))
    if role not in ROLES:
        raise invalid({"role": N_("Choose a role.")})
    staff = me(request)
    async with pool_of(request).acquire() as conn, conn.transaction():
        row = await conn.fetchrow(q.CHANGE_ROLE, user_id, staff.id, role)
        if row is None:
            if await conn.fetchval(q.USER_BY_ID, user_id) is None or user_id == staff.id:
                raise not_found()
            return redirect(request, "staff-users", "role")
        if role == "lawyer":
            await conn.execute(q.ENSURE_LAWYER, user_id)
        await audit.record(conn, staff.id, "role_changed", "user", user_id, old=row["old_role"], new=role)
    return redirect(request, "staff-users", "role")


# ---------------------------------------------------------------- membership register


@routes.get("/staff/register", name="staff-register")
@allow("staff")
async def staff_register(request: web.Request) -> web.Response:
    async with pool_of(request).acquire() as conn:
        summary = await register.summary(conn)
    return render(
        request, "accounts/staff_register.html", {"summary": summary, "report": None, "error": None}
    )


@routes.post("/staff/register", name="staff-register-upload")
@allow("staff")
async def staff_register_import(request: web.Request) -> web.Response:
    form = await request.post()
    upload = form.get("file")
    if isinstance(upload, web.FileField):
        data = upload.file.read(MAX_REGISTER_BYTES + 1)
    else:
        data = str(form.get("csv", "")).encode()
    error = None
    if not data.strip():
        error = gettext(N_("Choose a CSV file or paste its rows."))
    elif len(data) > MAX_REGISTER_BYTES:
        error = gettext(N_("The file is too large."))
    report = None
    async with pool_of(request).acquire() as conn, conn.transaction():
        if error is None:
            report = await register.import_register(
                conn, data, deactivate_missing=form.get("deactivate_missing") == "on"
            )
            await audit.record(
                conn,
                me(request).id,
                "register_imported",
                "membership_register",
                None,
                accepted=len(report.accepted),
                rejected=len(report.rejected),
                created=report.created,
                updated=report.updated,
                deactivated=report.deactivated,
            )
        summary = await register.summary(conn)
    context = {"summary": summary, "report": report, "error": error}
    return render(request, "accounts/staff_register.html", context, 400 if error else 200)


# ---------------------------------------------------------------- audit trail


@routes.get("/staff/audit", name="staff-audit")
@allow("staff")
async def staff_audit(request: web.Request) -> web.Response:
    action = request.query.get("action") or None
    try:
        page = max(1, min(int(request.query.get("page", "1")), 100_000))
    except ValueError:
        page = 1
    async with pool_of(request).acquire() as conn:
        actions = [r["action"] for r in await conn.fetch(q.AUDIT_ACTIONS)]
        if action is not None and action not in actions:
            action = None
        total = await conn.fetchval(q.AUDIT_COUNT, action)
        rows = await conn.fetch(q.AUDIT_PAGE, action, AUDIT_PAGE_SIZE, (page - 1) * AUDIT_PAGE_SIZE)
    entries = [
        {**dict(r), "detail_text": json.dumps(r["detail"], ensure_ascii=False, sort_keys=True)} for r in rows
    ]
    pages = max(1, (total + AUDIT_PAGE_SIZE - 1) // AUDIT_PAGE_SIZE)
    context = {
        "entries": entries,
        "actions": actions,
        "action": action,
        "page": page,
        "pages": pages,
        "total": total,
    }
    return render(request, "accounts/staff_audit.html", context)
