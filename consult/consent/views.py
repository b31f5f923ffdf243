"""Pages of the consent texts: any version by its id, and a member's own consents with the text of each."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from consult import keys
from consult.consent.service import ConsentText, consent_text, consents_of, text_of
from consult.errors import not_found
from consult.web import allow, current_user, render

routes = web.RouteTableDef()


@jinja2.pass_context
def consent_for_page(context: Any, form: str) -> ConsentText:
    """A form's consent text as the page shows it (the reader's language): for templates."""
    return consent_text(context["request"].app[keys.SETTINGS], form)


def setup(app: web.Application) -> None:
    """Give the pages' templates `consent_text(form)` (the booking and question forms show it)."""
    aiohttp_jinja2.get_env(app).globals["consent_text"] = consent_for_page


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
        rows = await consents_of(conn, user.id)
    return render(request, "consent/mine.html", {"consents": rows})
