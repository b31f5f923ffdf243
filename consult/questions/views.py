"""Written questions over HTTP: the asking form, the member's secret page, the lawyer's queue and
thread, the staff watch list, and the JSON API under /api/v1/questions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote
from zoneinfo import ZoneInfo

import asyncpg
from aiohttp import web

from consult import keys
from consult.errors import ApiError, invalid, not_found
from consult.i18n import N_, current_language, gettext
from consult.questions import deadlines, forms, queries, service, storage
from consult.questions.files import MAX_BYTES
from consult.security import hash_token
from consult.web import (
    allow,
    client_address,
    current_user,
    json_response,
    read_json,
    render,
    request_zone,
    url_for,
)

routes = web.RouteTableDef()
FORM_FIELDS = ("topic", "question", "name", "email", "membership_no", "language", "consent")


# ---- reading requests ------------------------------------------------------------------------


def _id(request: web.Request, name: str = "id") -> int:
    value = request.match_info[name]
    if not value.isdigit() or len(value) > 18:
        raise not_found()
    return int(value)


def _user(request: web.Request) -> Any:
    user = current_user(request)
    assert user is not None  # the route's allow() let only signed-in people through
    return user


async def _body(request: web.Request) -> dict[str, Any]:
    """A JSON object, or a form's fields (form posts from pages and multipart API calls)."""
    if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        form = await request.post()
        return {k: v for k, v in form.items() if isinstance(v, str)}
    return await read_json(request)


async def _uploads(request: web.Request) -> list[service.Upload]:
    """The files of a multipart post (field `attachments`); a form's empty file input is skipped."""
    if request.content_type != "multipart/form-data":
        return []
    uploads = []
    for part in (await request.post()).getall("attachments", []):
        if isinstance(part, web.FileField):
            data = part.file.read(MAX_BYTES + 1)
            if part.filename or data:
                # Some clients send a non-ASCII name percent-encoded; browsers send it as UTF-8.
                uploads.append((unquote(part.filename or ""), part.content_type or "", data))
        elif part:
            raise invalid({"attachments": N_("Only PDF, JPEG and PNG files can be attached.")})
    return uploads


# ---- answering in JSON -----------------------------------------------------------------------


def _instant(value: datetime | None, zone: ZoneInfo) -> str | None:
    return value.astimezone(zone).isoformat() if value is not None else None


def summary_json(row: Any, zone: ZoneInfo) -> dict[str, Any]:
    """What every lawyer of the topic may see in the queue: no name, no email, an excerpt."""
    return {
        "id": row["id"],
        "status": row["status"],
        "topic": row["topic_slug"],
        "language": row["language"],
        "created_at": _instant(row["created_at"], zone),
        "due_at": _instant(row["due_at"], zone),
        "excerpt": row["excerpt"],
    }


def _thread_json(row: Any, messages: list[Any], zone: ZoneInfo) -> dict[str, Any]:
    """What the member and the lawyer both see: the question, its times and the thread."""
    return {
        "id": row["id"],
        "status": row["status"],
        "topic": row["topic_slug"],
        "question": row["question"],
        "created_at": _instant(row["created_at"], zone),
        "due_at": _instant(row["due_at"], zone),
        "answered_at": _instant(row["answered_at"], zone),
        "messages": [_message_json(m, zone) for m in messages],
    }


def detail_json(request: web.Request, row: Any, messages: list[Any], files: list[Any]) -> dict[str, Any]:
    """The question as its lawyer and staff see it."""
    zone = request_zone(request)
    lawyer = row["assigned_lawyer_id"]
    return {
        **_thread_json(row, messages, zone),
        "language": row["language"],
        "answer": row["answer"],
        "member": {
            "name": row["member_name"],
            "email": row["member_email"],
            "membership_no": row["membership_no"],
        },
        "lawyer": {"id": lawyer, "name": row["lawyer_name"]} if lawyer is not None else None,
        "consent": {"at": _instant(row["consent_at"], zone), "version": row["consent_version"]},
        "attachments": [
            {
                "id": f["id"],
                "filename": f["filename"],
                "content_type": f["content_type"],
                "size": f["size_bytes"],
                "url": url_for(request, "question-attachment", id=row["id"], attachment_id=f["id"]),
            }
            for f in files
        ],
    }


def member_json(request: web.Request, row: Any, messages: list[Any], files: list[Any]) -> dict[str, Any]:
    """The question as its member sees it through the secret link: no lawyer's email, no file links."""
    return {
        **_thread_json(row, messages, request_zone(request)),
        "answer": row["answer"] if row["status"] in ("answered", "closed") else None,
        "lawyer": {"name": row["lawyer_name"]} if row["lawyer_name"] else None,
        "attachments": [{"filename": f["filename"], "content_type": f["content_type"]} for f in files],
    }


def _message_json(message: Any, zone: ZoneInfo) -> dict[str, Any]:
    return {
        "id": message["id"],
        "author": message["author"],
        "body": message["body"],
        "created_at": _instant(message["created_at"], zone),
    }


async def _detail(request: web.Request, conn: asyncpg.Connection, question_id: int) -> dict[str, Any]:
    row = await service.visible_question(conn, _user(request), question_id)
    return detail_json(
        request, row, await queries.messages(conn, question_id), await queries.attachments(conn, question_id)
    )


async def _by_token(conn: asyncpg.Connection, token: str) -> asyncpg.Record:
    if not token or len(token) > 100:
        raise not_found()
    row = await queries.question_by_token(conn, hash_token(token))
    if row is None:
        raise not_found()
    return row


# ---- API: asking and following ---------------------------------------------------------------


@routes.post("/api/v1/questions", name="api-questions-create")
@allow("anyone")
async def api_ask(request: web.Request) -> web.Response:
    data = await _body(request)
    row = await service.ask(
        request.app[keys.POOL],
        request.app[keys.SETTINGS],
        data,
        await _uploads(request),
        client_address(request),
        datetime.now(UTC),
    )
    zone = request_zone(request)
    return json_response(
        {
            "id": row["id"],
            "status": row["status"],
            "topic": row["topic_slug"],
            "created_at": _instant(row["created_at"], zone),
            "due_at": _instant(row["due_at"], zone),
        },
        status=201,
    )


@routes.get("/api/v1/questions/manage/{token}", name="api-question-manage")
@allow("anyone")
async def api_follow(request: web.Request) -> web.Response:
    async with request.app[keys.POOL].acquire() as conn:
        row = await _by_token(conn, request.match_info["token"])
        return json_response(
            member_json(
                request,
                row,
                await queries.messages(conn, row["id"]),
                await queries.attachments(conn, row["id"]),
            )
        )


@routes.post("/api/v1/questions/manage/{token}/messages", name="api-question-manage-reply")
@allow("anyone")
async def api_member_reply(request: web.Request) -> web.Response:
    body = forms.parse_text(await read_json(request), "body", forms.MAX_MESSAGE)
    async with request.app[keys.POOL].acquire() as conn, conn.transaction():
        row = await _by_token(conn, request.match_info["token"])
        message = await service.member_reply(conn, request.app[keys.SETTINGS], row, body)
    return json_response(_message_json(message, request_zone(request)), status=201)


# ---- API: lawyers and staff ------------------------------------------------------------------


@routes.get("/api/v1/questions/queue", name="api-questions-queue")
@allow("lawyer")
async def api_queue(request: web.Request) -> web.Response:
    zone = request_zone(request)
    user = _user(request)
    async with request.app[keys.POOL].acquire() as conn:
        waiting, taken = await queries.queue(conn, user.id), await queries.mine(conn, user.id)
    return json_response(
        {"items": [summary_json(r, zone) for r in waiting], "mine": [summary_json(r, zone) for r in taken]}
    )


@routes.get("/api/v1/questions/watch", name="api-questions-watch")
@allow("staff")
async def api_watch(request: web.Request) -> web.Response:
    zone = request_zone(request)
    rows = await _watchlist(request)
    return json_response(
        {
            "items": [
                {
                    "id": r["id"],
                    "status": r["status"],
                    "topic": r["topic_slug"],
                    "created_at": _instant(r["created_at"], zone),
                    "due_at": _instant(r["due_at"], zone),
                    "overdue": r["overdue"],
                    "lawyer": {"id": r["assigned_lawyer_id"], "name": r["lawyer_name"]}
                    if r["assigned_lawyer_id"] is not None
                    else None,
                }
                for r in rows
            ]
        }
    )


async def _watchlist(request: web.Request) -> list[asyncpg.Record]:
    now = datetime.now(UTC)
    async with request.app[keys.POOL].acquire() as conn:
        closed = await queries.closures(conn, now.date(), (now + timedelta(days=60)).date())
        return await queries.watchlist(conn, now, deadlines.due_soon_cutoff(now, closed))


@routes.get(r"/api/v1/questions/{id:\d+}", name="api-question")
@allow("lawyer", "staff")
async def api_question(request: web.Request) -> web.Response:
    async with request.app[keys.POOL].acquire() as conn:
        return json_response(await _detail(request, conn, _id(request)))


@routes.post(r"/api/v1/questions/{id:\d+}/take", name="api-question-take")
@allow("lawyer")
async def api_take(request: web.Request) -> web.Response:
    question_id = _id(request)
    async with request.app[keys.POOL].acquire() as conn, conn.transaction():
        await service.take(conn, _user(request), question_id)
        return json_response(await _detail(request, conn, question_id))


@routes.post(r"/api/v1/questions/{id:\d+}/messages", name="api-question-messages")
@allow("lawyer")
async def api_lawyer_message(request: web.Request) -> web.Response:
    body = forms.parse_text(await read_json(request), "body", forms.MAX_MESSAGE)
    question_id = _id(request)
    async with request.app[keys.POOL].acquire() as conn, conn.transaction():
        await service.ask_member(conn, request.app[keys.SETTINGS], _user(request), question_id, body)
        return json_response(await _detail(request, conn, question_id), status=201)


@routes.post(r"/api/v1/questions/{id:\d+}/answer", name="api-question-answer")
@allow("lawyer")
async def api_answer(request: web.Request) -> web.Response:
    text = forms.parse_text(await read_json(request), "answer", forms.MAX_ANSWER)
    question_id = _id(request)
    async with request.app[keys.POOL].acquire() as conn, conn.transaction():
        await service.answer(conn, request.app[keys.SETTINGS], _user(request), question_id, text)
        return json_response(await _detail(request, conn, question_id))


@routes.post(r"/api/v1/questions/{id:\d+}/assign", name="api-question-assign")
@allow("staff")
async def api_assign(request: web.Request) -> web.Response:
    body = await read_json(request)
    question_id = _id(request)
    async with request.app[keys.POOL].acquire() as conn, conn.transaction():
        await service.reassign(
            conn, request.app[keys.SETTINGS], _user(request), question_id, body.get("lawyer_id")
        )
        return json_response(await _detail(request, conn, question_id))


@routes.get(r"/questions/{id:\d+}/attachments/{attachment_id:\d+}", name="question-attachment")
@allow("lawyer", "staff")
async def attachment(request: web.Request) -> web.Response:
    """Serve a file to the question's lawyer or staff only, as a download of its checked type."""
    user = _user(request)
    async with request.app[keys.POOL].acquire() as conn:
        row = await queries.attachment(conn, _id(request), _id(request, "attachment_id"))
    if row is None or (user.role != "staff" and row["assigned_lawyer_id"] != user.id):
        raise not_found()
    try:
        data = await storage.load(request.app[keys.SETTINGS], row["storage_name"])
    except FileNotFoundError:
        raise not_found() from None
    ascii_name = f"attachment-{row['id']}.{row['filename'].rsplit('.', 1)[-1]}"
    return web.Response(
        body=data,
        headers={
            "Content-Type": row["content_type"],
            "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''"
            + quote(row["filename"], safe=""),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


# ---- pages: asking and following -------------------------------------------------------------


async def _topics(request: web.Request) -> list[asyncpg.Record]:
    async with request.app[keys.POOL].acquire() as conn:
        return await queries.topics(conn)


def _translated(fields: dict[str, str]) -> dict[str, str]:
    return {name: gettext(problem) for name, problem in fields.items()}


@routes.get("/questions/new", name="question-new")
@allow("anyone")
async def new_page(request: web.Request) -> web.Response:
    values = {"topic": request.query.get("topic", ""), "language": current_language()}
    return render(request, "questions/new.html", await _new_context(request, values))


async def _new_context(request: web.Request, values: dict[str, Any], **extra: Any) -> dict[str, Any]:
    values.setdefault("language", current_language())
    return {"topics": await _topics(request), "values": values, "errors": {}, "alert": None, **extra}


@routes.post("/questions/new", name="question-create")
@allow("anyone")
async def new_post(request: web.Request) -> web.Response:
    data = await _body(request)
    values = {k: data.get(k, "") for k in FORM_FIELDS}
    try:
        row = await service.ask(
            request.app[keys.POOL],
            request.app[keys.SETTINGS],
            data,
            await _uploads(request),
            client_address(request),
            datetime.now(UTC),
        )
    except ApiError as exc:
        if exc.status not in (400, 409):
            raise
        context = await _new_context(
            request, values, errors=_translated(exc.fields), alert=gettext(exc.message)
        )
        return render(request, "questions/new.html", context, status=exc.status)
    return render(request, "questions/sent.html", {"q": row, "email": row["member_email"]}, status=201)


async def _follow_context(conn: asyncpg.Connection, row: Any, **extra: Any) -> dict[str, Any]:
    return {
        "q": row,
        "messages": await queries.messages(conn, row["id"]),
        "files": await queries.attachments(conn, row["id"]),
        "errors": {},
        "alert": None,
        **extra,
    }


@routes.get("/q/{token}", name="question-follow")
@allow("anyone")
async def follow_page(request: web.Request) -> web.Response:
    token = request.match_info["token"]
    async with request.app[keys.POOL].acquire() as conn:
        row = await _by_token(conn, token)
        context = await _follow_context(conn, row, token=token, sent=request.query.get("sent") == "1")
    return render(request, "questions/follow.html", context)


@routes.post("/q/{token}", name="question-follow-reply")
@allow("anyone")
async def follow_reply(request: web.Request) -> web.StreamResponse:
    token = request.match_info["token"]
    data = await _body(request)
    async with request.app[keys.POOL].acquire() as conn:
        row = await _by_token(conn, token)
        try:
            body = forms.parse_text(data, "body", forms.MAX_MESSAGE)
            async with conn.transaction():
                await service.member_reply(conn, request.app[keys.SETTINGS], row, body)
        except ApiError as exc:
            if exc.status not in (400, 409):
                raise
            context = await _follow_context(
                conn, row, token=token, sent=False, errors=_translated(exc.fields), alert=gettext(exc.message)
            )
            return render(request, "questions/follow.html", context, status=exc.status)
    location = url_for(request, "question-follow", {"sent": "1"}, token=token)
    return web.Response(status=303, headers={"Location": location})


# ---- pages: lawyers and staff ----------------------------------------------------------------


@routes.get("/questions/queue", name="questions-queue")
@allow("lawyer")
async def queue_page(request: web.Request) -> web.Response:
    return await _queue_page(request)


async def _queue_page(request: web.Request, alert: str | None = None, status: int = 200) -> web.Response:
    user = _user(request)
    async with request.app[keys.POOL].acquire() as conn:
        waiting, taken = await queries.queue(conn, user.id), await queries.mine(conn, user.id)
    context = {"waiting": waiting, "taken": taken, "alert": alert, "now": datetime.now(UTC)}
    return render(request, "questions/queue.html", context, status=status)


async def _detail_page(
    request: web.Request, conn: asyncpg.Connection, question_id: int, status: int = 200, **extra: Any
) -> web.Response:
    user = _user(request)
    row = await service.visible_question(conn, user, question_id)
    context = {
        "q": row,
        "messages": await queries.messages(conn, question_id),
        "files": await queries.attachments(conn, question_id),
        "lawyers": await queries.active_lawyers(conn) if user.role == "staff" else [],
        "now": datetime.now(UTC),
        "errors": {},
        "alert": None,
        "values": {},
        **extra,
    }
    return render(request, "questions/detail.html", context, status=status)


@routes.get(r"/questions/{id:\d+}", name="question-detail")
@allow("lawyer", "staff")
async def detail_page(request: web.Request) -> web.Response:
    async with request.app[keys.POOL].acquire() as conn:
        return await _detail_page(request, conn, _id(request))


def _to_detail(request: web.Request, question_id: int) -> web.Response:
    return web.Response(status=303, headers={"Location": url_for(request, "question-detail", id=question_id)})


@routes.post(r"/questions/{id:\d+}/take", name="question-take-post")
@allow("lawyer")
async def take_post(request: web.Request) -> web.StreamResponse:
    question_id = _id(request)
    try:
        async with request.app[keys.POOL].acquire() as conn, conn.transaction():
            await service.take(conn, _user(request), question_id)
    except ApiError as exc:
        if exc.status != 409:
            raise
        return await _queue_page(request, alert=gettext(exc.message), status=409)
    return _to_detail(request, question_id)


async def _lawyer_form(request: web.Request, field: str, limit: int, action: Any) -> web.StreamResponse:
    """Run a lawyer's or staff member's form on a question; on a problem show the page with it."""
    question_id = _id(request)
    data = await _body(request)
    async with request.app[keys.POOL].acquire() as conn:
        try:
            value = forms.parse_text(data, field, limit) if limit else data.get(field)
            async with conn.transaction():
                await action(conn, request.app[keys.SETTINGS], _user(request), question_id, value)
        except ApiError as exc:
            if exc.status not in (400, 409):
                raise
            return await _detail_page(
                request,
                conn,
                question_id,
                status=exc.status,
                errors=_translated(exc.fields),
                alert=gettext(exc.message),
                values={field: data.get(field, "")},
            )
    return _to_detail(request, question_id)


@routes.post(r"/questions/{id:\d+}/messages", name="question-message-post")
@allow("lawyer")
async def message_post(request: web.Request) -> web.StreamResponse:
    return await _lawyer_form(request, "body", forms.MAX_MESSAGE, service.ask_member)


@routes.post(r"/questions/{id:\d+}/answer", name="question-answer-post")
@allow("lawyer")
async def answer_post(request: web.Request) -> web.StreamResponse:
    return await _lawyer_form(request, "answer", forms.MAX_ANSWER, service.answer)


@routes.post(r"/questions/{id:\d+}/assign", name="question-assign-post")
@allow("staff")
async def assign_post(request: web.Request) -> web.StreamResponse:
    return await _lawyer_form(request, "lawyer_id", 0, service.reassign)


@routes.get("/staff/questions", name="staff-questions")
@allow("staff")
async def staff_page(request: web.Request) -> web.Response:
    rows = await _watchlist(request)
    async with request.app[keys.POOL].acquire() as conn:
        lawyers, answered = await queries.active_lawyers(conn), await queries.recently_answered(conn)
    context = {
        "overdue": [r for r in rows if r["overdue"]],
        "soon": [r for r in rows if not r["overdue"]],
        "answered": answered,
        "lawyers": lawyers,
    }
    return render(request, "questions/staff.html", context)
