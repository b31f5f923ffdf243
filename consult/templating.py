"""The jinja environment of pages and emails: one configuration, the same filters and translations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from consult import i18n
from consult.settings import ROOT

TEMPLATES = ROOT / "templates"
STATIC = Path(__file__).resolve().parent / "static"


def configure_environment(env: jinja2.Environment) -> None:
    """Install translations and formatters; shared by pages and emails."""
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        datetime=i18n.format_datetime,
        date=i18n.format_date,
        time=i18n.format_time,
        number=i18n.format_number,
    )
    env.globals.update(
        LANGUAGE_NAMES=i18n.LANGUAGE_NAMES,
        current_language=i18n.current_language,
        current_timezone=i18n.current_timezone,
        zone_name=i18n.zone_name,
        localized=i18n.localized,
    )


def _options() -> dict[str, Any]:
    return {
        "loader": jinja2.FileSystemLoader(str(TEMPLATES)),
        "extensions": ["jinja2.ext.i18n"],
        "undefined": jinja2.StrictUndefined,
        "trim_blocks": True,
        "lstrip_blocks": True,
    }


def setup_templates(app: web.Application) -> jinja2.Environment:
    """The pages' environment, installed on the app (aiohttp_jinja2)."""
    env = aiohttp_jinja2.setup(
        app, autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True), **_options()
    )
    configure_environment(env)
    return env


def email_environment() -> jinja2.Environment:
    """The emails' environment: HTML templates escaped, plain-text ones not."""
    env = jinja2.Environment(
        autoescape=jinja2.select_autoescape(["html"], default_for_string=False, default=False), **_options()
    )
    configure_environment(env)
    return env
