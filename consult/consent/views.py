"""Pages of the consent texts: any version by its id, and a member's own consents with the text of each."""

from __future__ import annotations

from typing import Any

import jinja2
from aiohttp import web

from consult import keys
from consult.consent import ConsentText, consent_text, text_of
from consult.middleware import current_user
from consult.web import allow, not_found, render

routes = web.RouteTableDef()

MY_CONSENTS = """
SELECT 'booking' AS form, b.id, b.starts_at AS at, b.consent_at, b.consent_version, t.title
FROM bookings b LEFT JOIN consent_texts t ON t.version = b.consent_version
WHERE b.member_id = $1
UNION ALL
SELECT 'question', q.id, q.created_at, q.consent_at, q.consent_version, t.title
FROM questions q LEFT JOIN consent_texts t ON t.version = q.consent_version
WHERE q.member_id = $1
ORDER BY consent_at DESC
"""


@jinja2.pass_context
def consent_for_page(context: Any, form: str) -> ConsentText:
    """A form's consent text as the page shows it (the reader's language): for templates."""
    return consent_text(context["request"].app[keys.SETTINGS], form)


@routes.get("/consent/{version}", name="consent-text")
@allow("anyone")
async def consent_page(request: web.Request) -> web.Response:
    """The exact text of one consent version: what a member agreed to (texts hold no personal data)."""
    async with request.app[keys.POOL].acquire() as conn:
        row = await text_of(conn, request.match_info["version"])
    if row is None:
        raise not_found()
    return render(request, "consent/text.html", {"text": row, "paragraphs": row["body"].split("\n\n")})


@routes.get("/me/consents", name="my-consents")
@allow("member")
async def my_consents(request: web.Request) -> web.Response:
    user = current_user(request)
    assert user is not None  # @allow guarantees it
    async with request.app[keys.POOL].acquire() as conn:
        rows = await conn.fetch(MY_CONSENTS, user.id)
    return render(request, "consent/mine.html", {"consents": rows})
