"""The archive over HTTP: public pages and API, staff drafting pages and API, sitemap."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from markupsafe import Markup

from consult import keys
from consult.archive import entries
from consult.archive import queries as sql
from consult.archive.redaction import Finding, placeholder_for
from consult.archive.search import (
    MAX_PER_PAGE,
    MAX_QUERY,
    MAX_SIMILAR_TEXT,
    RANK_WINDOW,
    SearchPage,
    check_text,
    related_entries,
    search_archive,
    similar_entries,
)
from consult.archive.slug import slug_id
from consult.errors import ApiError, invalid, not_found
from consult.i18n import N_, current_language, gettext
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

MAX_BROWSE_OFFSET = 10000
SITEMAP_LIMIT = 50000  # the sitemap protocol's limit per file
KIND_LABELS = {
    "person": N_("Name"),
    "iin": N_("IIN or BIN"),
    "bin": N_("BIN"),
    "phone": N_("Phone"),
    "email": N_("Email"),
    "handle": N_("Messenger or social account"),
    "id_document": N_("Identity document"),
    "number": N_("Personal number (card, employee, plate)"),
    "birth_date": N_("Date of birth"),
    "address": N_("Address"),
    "organization": N_("Organisation"),
    "location": N_("Village"),
}
STATUS_LABELS = {"draft": N_("Draft"), "published": N_("Published"), "withdrawn": N_("Withdrawn")}


def actor(request: web.Request) -> int:
    user = current_user(request)
    assert user is not None  # routes that call this are staff-only
    return user.id


def _int_param(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise invalid({name: N_("Must be a whole number in range.")})
    return int(raw)


async def _topic_filter(conn: Any, slug: str | None) -> int | None:
    if not slug:
        return None
    topic_id = await conn.fetchval(sql.TOPIC_BY_SLUG, slug) if len(slug) <= 60 else None
    if topic_id is None:
        raise invalid({"topic": N_("Unknown topic.")})
    return int(topic_id)


def _language_filter(value: str | None, name: str) -> str | None:
    if not value:
        return None
    if value not in entries.LANGUAGES:
        raise invalid({name: N_("Choose ru, kk or en.")})
    return value


async def run_search(request: web.Request, *, language_param: str) -> tuple[SearchPage, dict[str, Any]]:
    """Read q, topic, language, page and per_page; search in one transaction under a time limit."""
    q = check_text(request.query.get("q"), "q", MAX_QUERY)
    language = _language_filter(request.query.get(language_param), language_param)
    per_page = _int_param(request, "per_page", 10, 1, MAX_PER_PAGE)
    page = _int_param(request, "page", 1, 1, MAX_BROWSE_OFFSET)
    deepest = RANK_WINDOW if q else MAX_BROWSE_OFFSET
    if (page - 1) * per_page >= deepest:
        raise invalid({"page": N_("Too deep: narrow the search instead.")})
    async with request.app[keys.POOL].acquire() as conn, conn.transaction():
        topic_id = await _topic_filter(conn, request.query.get("topic"))
        result = await search_archive(
            conn, q, topic_id=topic_id, language=language, page=page, per_page=per_page
        )
    params = {"q": q, "topic": request.query.get("topic") or "", "language": language or "", "page": page}
    params["per_page"] = per_page
    return result, params


def instant(value: datetime | None, zone: ZoneInfo) -> str | None:
    return value.astimezone(zone).isoformat() if value else None


def public_item(request: web.Request, row: dict[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    return {
        "id": row["id"],
        "slug": row["slug"],
        "question": row["question"],
        "topic": row["topic"],
        "language": row["language"],
        "published_at": instant(row["published_at"], zone),
        "url": url_for(request, "faq-entry", slug=row["slug"]),
    }


def staff_entry(entry: dict[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    return {
        "id": entry["id"],
        "slug": entry["slug"],
        "status": entry["status"],
        "question": entry["question"],
        "answer": entry["answer"],
        "topic": entry["topic"],
        "language": entry["language"],
        "booking_id": entry["booking_id"],
        "published_at": instant(entry["published_at"], zone),
        "forced_publish_reason": entry["forced_publish_reason"],
        "redactions": [
            {
                "id": r["id"],
                "field": r["field"],
                "start": r["start_offset"],
                "end": r["end_offset"],
                "kind": r["kind"],
                "text": r["text"],
                "state": r["state"],
                "replacement": r["replacement"],
            }
            for r in entry["redactions"]
        ],
    }


# --- public API --------------------------------------------------------------------------------------


@routes.get("/api/v1/faq", name="api-faq-list")
@allow("anyone")
async def api_list(request: web.Request) -> web.Response:
    zone = request_zone(request)
    result, _params = await run_search(request, language_param="lang")
    items = [{**public_item(request, row, zone), "snippet": str(row["snippet"])} for row in result.items]
    return json_response({"total": result.total, "total_exact": result.exact, "items": items})


@routes.get("/api/v1/faq/similar", name="api-faq-similar")
@allow("anyone")
async def api_similar(request: web.Request) -> web.Response:
    """Up to three published answers to questions like the one being typed (the booking form)."""
    zone = request_zone(request)
    text = check_text(request.query.get("q"), "q", MAX_SIMILAR_TEXT)
    async with request.app[keys.POOL].acquire() as conn, conn.transaction():
        rows = await similar_entries(conn, text, limit=3)
    return json_response({"items": [public_item(request, row, zone) for row in rows]})


@routes.get(r"/api/v1/faq/{id:\d{1,18}}", name="api-faq-entry")
@allow("anyone")
async def api_entry(request: web.Request) -> web.Response:
    zone = request_zone(request)
    async with request.app[keys.POOL].acquire() as conn, conn.transaction():
        row = await conn.fetchrow(sql.GET_PUBLISHED, int(request.match_info["id"]))
        if row is None:
            raise not_found()
        entry = dict(row)
        related = await related_entries(conn, entry)
    return json_response(
        {
            **public_item(request, entry, zone),
            "answer": entry["answer"],
            "views": entry["views"],
            "helpful": {"yes": entry["helpful_yes"], "no": entry["helpful_no"]},
            "related": [public_item(request, r, zone) for r in related],
        }
    )


@routes.post(r"/api/v1/faq/{id:\d{1,18}}/vote", name="api-faq-vote")
@allow("anyone")
async def api_vote(request: web.Request) -> web.Response:
    body = await read_json(request)
    helpful = body.get("helpful")
    if not isinstance(helpful, bool):
        raise invalid({"helpful": N_("Must be true or false.")})
    counted = await _vote(request, int(request.match_info["id"]), helpful)
    return json_response({"counted": counted})


async def _vote(request: web.Request, entry_id: int, helpful: bool) -> bool:
    secret = request.app[keys.SETTINGS].server.secret_key
    key = entries.vote_key(secret, entry_id, client_address(request), datetime.now(UTC).date())
    async with request.app[keys.POOL].acquire() as conn, conn.transaction():
        if await conn.fetchval(sql.IS_PUBLISHED, entry_id) is None:
            raise not_found()
        return await entries.vote(conn, entry_id, helpful, key)


# --- staff API ---------------------------------------------------------------------------------------


async def _answer_entry(request: web.Request, conn: Any, entry_id: int, status: int = 200) -> web.Response:
    entry = await entries.load_entry(conn, entry_id)
    return json_response(staff_entry(entry, request_zone(request)), status=status)


@routes.post("/api/v1/faq", name="api-faq-create")
@allow("staff")
async def api_create(request: web.Request) -> web.Response:
    body = await read_json(request)
    question_id = body.pop("question_id", None)
    if question_id is not None and (not isinstance(question_id, int) or isinstance(question_id, bool)):
        raise invalid({"question_id": N_("Must be a written question's id.")})
    async with request.app[keys.POOL].acquire() as conn, conn.transaction():
        if question_id is not None:
            names, from_question = await entries.draft_input_from_question(conn, question_id)
            booking_id, filled = None, {**from_question, **{k: v for k, v in body.items() if v is not None}}
        else:
            booking_id, names, filled = await entries.draft_input_from_booking(conn, body)
        new = await entries.read_entry_input(conn, filled)
        entry_id = await entries.create_draft(
            conn,
            new,
            actor_id=actor(request),
            booking_id=booking_id,
            source_question_id=question_id,
            names=names,
        )
        return await _answer_entry(request, conn, entry_id, status=201)


@routes.patch(r"/api/v1/faq/{id:\d{1,18}}", name="api-faq-update")
@allow("staff")
async def api_update(request: web.Request) -> web.Response:
    body = await read_json(request)
    async with request.app[keys.POOL].acquire() as conn, conn.transaction():
        entry = await entries.load_entry(conn, int(request.match_info["id"]), for_update=True)
        new = await entries.read_entry_input(conn, body, entry)
        await entries.update_draft(conn, entry, new, actor(request))
        return await _answer_entry(request, conn, entry["id"])


@routes.post(r"/api/v1/faq/{id:\d{1,18}}/redactions/{rid:\d{1,18}}", name="api-faq-redaction")
@allow("staff")
async def api_redaction(request: web.Request) -> web.Response:
    body = await read_json(request)
    async with request.app[keys.POOL].acquire() as conn, conn.transaction():
        entry = await entries.load_entry(conn, int(request.match_info["id"]), for_update=True)
        await _resolve(request, conn, entry, body)
        return await _answer_entry(request, conn, entry["id"])


async def _resolve(request: web.Request, conn: Any, entry: dict[str, Any], body: dict[str, Any]) -> None:
    """Accept or dismiss the finding named in the path, as the JSON body or the form says."""
    rid = int(request.match_info["rid"])
    await entries.resolve_redaction(
        conn, entry, rid, body.get("action"), body.get("replacement"), actor(request)
    )


@routes.post(r"/api/v1/faq/{id:\d{1,18}}/publish", name="api-faq-publish")
@allow("staff")
async def api_publish(request: web.Request) -> web.Response:
    body = await read_json(request) if request.can_read_body else {}
    async with request.app[keys.POOL].acquire() as conn, conn.transaction():
        entry = await entries.load_entry(conn, int(request.match_info["id"]), for_update=True)
        await entries.publish(conn, entry, body.get("force"), body.get("reason"), actor(request))
        return await _answer_entry(request, conn, entry["id"])


@routes.post(r"/api/v1/faq/{id:\d{1,18}}/withdraw", name="api-faq-withdraw")
@allow("staff")
async def api_withdraw(request: web.Request) -> web.Response:
    async with request.app[keys.POOL].acquire() as conn, conn.transaction():
        entry = await entries.load_entry(conn, int(request.match_info["id"]), for_update=True)
        await entries.withdraw(conn, entry, actor(request))
        return await _answer_entry(request, conn, entry["id"])


# --- public pages ------------------------------------------------------------------------------------


def topic_name(row: Any) -> str:
    return str(row[f"topic_name_{current_language()}"] or row["topic_name_ru"])


@routes.get("/faq", name="faq-list")
@allow("anyone")
async def faq_list(request: web.Request) -> web.Response:
    try:
        result, params = await run_search(request, language_param="language")
        error = None
    except ApiError as exc:
        if exc.status != 400:
            raise
        result, error = SearchPage(0), gettext(next(iter(exc.fields.values()), exc.message))
        params = {"q": "", "topic": "", "language": "", "page": 1, "per_page": 10}
    async with request.app[keys.POOL].acquire() as conn:
        topics = await conn.fetch(sql.TOPICS)
    pages = max(
        1, -(-min(result.total, RANK_WINDOW if params["q"] else MAX_BROWSE_OFFSET) // params["per_page"])
    )

    def page_url(number: int) -> str:
        query = {k: v for k, v in params.items() if v and k not in ("page", "per_page")}
        return url_for(request, "faq-list", {**query, "page": number} if number > 1 else query)

    return render(
        request,
        "archive/list.html",
        {
            "result": result,
            "params": params,
            "topics": topics,
            "error": error,
            "pages": pages,
            "page_url": page_url,
            "topic_name": topic_name,
            "canonical": request.app[keys.SETTINGS].server.base_url + url_for(request, "faq-list"),
        },
        status=400 if error else 200,
    )


def json_ld(entry: dict[str, Any], url: str) -> Markup:
    """FAQPage structured data, safe inside <script type="application/ld+json"> (no '<' survives)."""
    data = {
        "@context": "https://schema.org",
        "@type": "FAQPage",
        "inLanguage": entry["language"],
        "url": url,
        "mainEntity": [
            {
                "@type": "Question",
                "name": entry["question"],
                "datePublished": entry["published_at"].date().isoformat(),
                "acceptedAnswer": {"@type": "Answer", "text": entry["answer"]},
            }
        ],
    }
    text = json.dumps(data, ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # noqa: S704 - JSON whose markup characters are all escaped as \\u sequences


def meta_description(answer: str, limit: int = 160) -> str:
    text = " ".join(answer.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.replace("\r\n", "\n").split("\n") if p.strip()]


@routes.get("/faq/{slug}", name="faq-entry")
@allow("anyone")
async def faq_entry(request: web.Request) -> web.Response:
    slug = request.match_info["slug"]
    async with request.app[keys.POOL].acquire() as conn, conn.transaction():
        row = await conn.fetchrow(sql.GET_PUBLISHED_BY_SLUG, slug) if len(slug) <= 120 else None
        if row is None:
            # A shortened or mistyped link still ends in the id: send it to the one true address.
            entry_id = slug_id(slug)
            found = await conn.fetchrow(sql.GET_PUBLISHED, entry_id) if entry_id else None
            if found is None:
                raise not_found()
            raise web.HTTPMovedPermanently(url_for(request, "faq-entry", slug=found["slug"]))
        entry = dict(row)
        await conn.execute(sql.NO_FLUSH)
        await conn.execute(sql.COUNT_VIEW, entry["id"])
        related = await related_entries(conn, entry)
    path = url_for(request, "faq-entry", slug=entry["slug"])
    canonical = request.app[keys.SETTINGS].server.base_url + path
    return render(
        request,
        "archive/entry.html",
        {
            "entry": entry,
            "related": related,
            "canonical": canonical,
            "description": meta_description(entry["answer"] or entry["question"]),
            "json_ld": json_ld(entry, canonical),
            "paragraphs": paragraphs,
            "topic_name": topic_name(entry),
            "voted": request.query.get("voted"),
        },
    )


@routes.post("/faq/{slug}/vote", name="faq-vote")
@allow("anyone")
async def faq_vote(request: web.Request) -> web.Response:
    form = await request.post()
    helpful = form.get("helpful")
    if helpful not in ("yes", "no"):
        raise invalid({"helpful": N_("Choose yes or no.")})
    async with request.app[keys.POOL].acquire() as conn:
        row = await conn.fetchrow(sql.GET_PUBLISHED_BY_SLUG, request.match_info["slug"])
    if row is None:
        raise not_found()
    counted = await _vote(request, row["id"], helpful == "yes")
    target = url_for(request, "faq-entry", {"voted": "1" if counted else "again"}, slug=row["slug"])
    raise web.HTTPSeeOther(target + "#vote")


@routes.get("/sitemap.xml", name="sitemap")
@allow("anyone")
async def sitemap(request: web.Request) -> web.Response:
    async with request.app[keys.POOL].acquire() as conn:
        rows = await conn.fetch(sql.SITEMAP, SITEMAP_LIMIT)
    base = request.app[keys.SETTINGS].server.base_url
    response = render(
        request,
        "archive/sitemap.xml",
        {
            "home": base + url_for(request, "home"),
            "archive": base + url_for(request, "faq-list"),
            "urls": [(base + url_for(request, "faq-entry", slug=r["slug"]), r["modified"]) for r in rows],
        },
    )
    response.content_type = "application/xml"
    return response


# --- staff pages -------------------------------------------------------------------------------------


async def _drafts_page(
    request: web.Request, error: str | None = None, form: dict[str, Any] | None = None, status: int = 200
) -> web.Response:
    async with request.app[keys.POOL].acquire() as conn:
        drafts = await conn.fetch(sql.DRAFTS)
        bookings = await conn.fetch(sql.COMPLETED_BOOKINGS)
        published = await conn.fetch(sql.RECENTLY_PUBLISHED)
        topics = await conn.fetch(sql.TOPICS)
    return render(
        request,
        "archive/drafts.html",
        {
            "drafts": drafts,
            "bookings": bookings,
            "published": published,
            "topics": topics,
            "topic_name": topic_name,
            "status_labels": STATUS_LABELS,
            "error": error,
            "form": form or {},
        },
        status=status,
    )


@routes.get("/staff/archive", name="staff-archive")
@allow("staff")
async def staff_drafts(request: web.Request) -> web.Response:
    return await _drafts_page(request)


async def _form_body(request: web.Request) -> dict[str, Any]:
    form = await request.post()
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}


@routes.post("/staff/archive", name="staff-archive-create")
@allow("staff")
async def staff_create(request: web.Request) -> web.StreamResponse:
    body = await _form_body(request)
    if body.get("booking_id", "").isdigit():
        body = {"booking_id": int(body["booking_id"])}
    else:
        body.pop("booking_id", None)
    try:
        async with request.app[keys.POOL].acquire() as conn, conn.transaction():
            booking_id, names, filled = await entries.draft_input_from_booking(conn, body)
            new = await entries.read_entry_input(conn, filled)
            entry_id = await entries.create_draft(
                conn, new, actor_id=actor(request), booking_id=booking_id, names=names
            )
    except ApiError as exc:
        if exc.status not in (400, 409):
            raise
        return await _drafts_page(request, _error_text(exc), body, exc.status)
    raise web.HTTPSeeOther(url_for(request, "staff-archive-edit", id=entry_id))


@routes.post(r"/staff/archive/from-question/{id:\d{1,18}}", name="faq-draft-of-question")
@allow("staff")
async def staff_create_from_question(request: web.Request) -> web.StreamResponse:
    """Start an archive draft from an answered written question (the redactor and the gate apply)."""
    question_id = int(request.match_info["id"])
    async with request.app[keys.POOL].acquire() as conn, conn.transaction():
        names, filled = await entries.draft_input_from_question(conn, question_id)
        new = await entries.read_entry_input(conn, filled)
        entry_id = await entries.create_draft(
            conn, new, actor_id=actor(request), source_question_id=question_id, names=names
        )
    raise web.HTTPSeeOther(url_for(request, "staff-archive-edit", id=entry_id))


def _error_text(exc: ApiError) -> str:
    details = "; ".join(f"{name}: {gettext(problem)}" for name, problem in exc.fields.items())
    return gettext(exc.message) + (f" ({details})" if details else "")


def segments(
    text: str, redactions: list[dict[str, Any]], field: str
) -> list[tuple[str, dict[str, Any] | None]]:
    """Cut a field's text into plain pieces and pieces covered by a finding, for highlighting."""
    pieces: list[tuple[str, dict[str, Any] | None]] = []
    at = 0
    for r in sorted((r for r in redactions if r["field"] == field), key=lambda r: r["start_offset"]):
        if r["start_offset"] < at or r["end_offset"] > len(text):
            continue
        pieces.append((text[at : r["start_offset"]], None))
        pieces.append((text[r["start_offset"] : r["end_offset"]], r))
        at = r["end_offset"]
    pieces.append((text[at:], None))
    return [p for p in pieces if p[0]]


async def _editor(
    request: web.Request, entry_id: int, error: str | None = None, status: int = 200
) -> web.Response:
    async with request.app[keys.POOL].acquire() as conn:
        entry = await entries.load_entry(conn, entry_id)
        topics = await conn.fetch(sql.TOPICS)
    for r in entry["redactions"]:
        finding = Finding(r["kind"], r["start_offset"], r["end_offset"], r["text"])
        r["placeholder"] = placeholder_for(finding, entry["language"])
        r["label"] = gettext(KIND_LABELS[r["kind"]])
    open_count = sum(1 for r in entry["redactions"] if r["state"] == "open")
    return render(
        request,
        "archive/editor.html",
        {
            "entry": entry,
            "topics": topics,
            "segments": segments,
            "open_count": open_count,
            "error": error,
            "status_label": gettext(STATUS_LABELS[entry["status"]]),
            "paragraphs": paragraphs,
            "kind_labels": {kind: gettext(label) for kind, label in KIND_LABELS.items()},
        },
        status=status,
    )


@routes.get(r"/staff/archive/{id:\d{1,18}}", name="staff-archive-edit")
@allow("staff")
async def staff_edit(request: web.Request) -> web.Response:
    return await _editor(request, int(request.match_info["id"]))


async def _staff_action(request: web.Request, action: Any, anchor: str = "") -> web.StreamResponse:
    """Run one unit of work on an entry from a form; show the editor again with the error if it fails.
    The editor opens again at the anchor, where staff were."""
    entry_id = int(request.match_info["id"])
    body = await _form_body(request)
    try:
        async with request.app[keys.POOL].acquire() as conn, conn.transaction():
            entry = await entries.load_entry(conn, entry_id, for_update=True)
            await action(conn, entry, body)
    except ApiError as exc:
        if exc.status not in (400, 409):
            raise
        return await _editor(request, entry_id, _error_text(exc), exc.status)
    raise web.HTTPSeeOther(
        url_for(request, "staff-archive-edit", id=entry_id) + (f"#{anchor}" if anchor else "")
    )


@routes.post(r"/staff/archive/{id:\d{1,18}}", name="staff-archive-save")
@allow("staff")
async def staff_save(request: web.Request) -> web.StreamResponse:
    async def save(conn: Any, entry: dict[str, Any], body: dict[str, Any]) -> None:
        new = await entries.read_entry_input(conn, body, entry)
        await entries.update_draft(conn, entry, new, actor(request))

    return await _staff_action(request, save)


@routes.post(r"/staff/archive/{id:\d{1,18}}/redactions/{rid:\d{1,18}}", name="staff-archive-redaction")
@allow("staff")
async def staff_redaction(request: web.Request) -> web.StreamResponse:
    async def resolve(conn: Any, entry: dict[str, Any], body: dict[str, Any]) -> None:
        await _resolve(request, conn, entry, body)

    return await _staff_action(request, resolve, f"item-{request.match_info['rid']}")


@routes.post(r"/staff/archive/{id:\d{1,18}}/publish", name="staff-archive-publish")
@allow("staff")
async def staff_publish(request: web.Request) -> web.StreamResponse:
    async def publish(conn: Any, entry: dict[str, Any], body: dict[str, Any]) -> None:
        force = body.get("force") == "yes"
        await entries.publish(conn, entry, force, body.get("reason"), actor(request))

    return await _staff_action(request, publish)


@routes.post(r"/staff/archive/{id:\d{1,18}}/withdraw", name="staff-archive-withdraw")
@allow("staff")
async def staff_withdraw(request: web.Request) -> web.StreamResponse:
    async def withdraw(conn: Any, entry: dict[str, Any], body: dict[str, Any]) -> None:
        await entries.withdraw(conn, entry, actor(request))

    return await _staff_action(request, withdraw)
