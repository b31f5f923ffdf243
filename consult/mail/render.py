"""Emails from templates, in the recipient's language and zone.

Each email is two templates in templates/email/: NAME.txt (blocks `subject` and `body`) and NAME.html
(extends email/_base.html). Both render with the same context inside use_locale(language, timezone).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import jinja2

from consult.i18n import sender_name, use_locale
from consult.mail.message import build_message, make_message_id
from consult.settings import Settings
from consult.templating import email_environment


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@cache
def _environment() -> jinja2.Environment:
    return email_environment()  # the same filters and translations as pages


def render_email(name: str, language: str, timezone: str, context: Mapping[str, Any]) -> RenderedEmail:
    """Render email NAME in a language and zone: subject, plain text and HTML."""
    env = _environment()
    with use_locale(language, timezone):
        ctx = {"lang": language, **context}
        text_template = env.get_template(f"email/{name}.txt")
        tctx = text_template.new_context(dict(ctx))
        subject = " ".join("".join(text_template.blocks["subject"](tctx)).split())
        text = "".join(text_template.blocks["body"](text_template.new_context(dict(ctx)))).strip() + "\n"
        html = env.get_template(f"email/{name}.html").render(ctx)
    return RenderedEmail(subject, text, html)


def compose(
    settings: Settings,
    *,
    name: str,
    language: str,
    timezone: str,
    to_addr: str,
    to_name: str,
    context: Mapping[str, Any],
    invite: bytes | None = None,
    method: str | None = None,
    key: str | None = None,
) -> Any:
    """Render and build one message from the service's own mailbox; key makes the Message-ID stable."""
    rendered = render_email(name, language, timezone, context)
    domain = settings.smtp.mail_from.partition("@")[2] or "localhost"
    return build_message(
        from_addr=settings.smtp.mail_from,
        from_name=sender_name(settings.smtp.mail_from_name, language),
        to_addr=to_addr,
        to_name=to_name,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        message_id=make_message_id(key or f"{name}.{uuid.uuid4().hex}", domain),
        invite=invite,
        method=method,
    )
