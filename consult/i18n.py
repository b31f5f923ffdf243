"""Three languages: catalogs, the current locale of a request or an email, and Babel formatting.

Catalogs are gettext .po files, one per capability and language: consult/locale/<lang>/<capability>.po.
Message ids are English. They are read at start (no compile step) and merged per language.
"""

from __future__ import annotations

import contextvars
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.core import get_global
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from consult.settings import LANGUAGES

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGE_NAMES = {"ru": "Русский", "kk": "Қазақша", "en": "English"}
# Babel's locale for each interface language.
BABEL_LOCALES = {"ru": "ru_RU", "kk": "kk_KZ", "en": "en_GB"}

_language: contextvars.ContextVar[str] = contextvars.ContextVar("language", default="ru")
_timezone: contextvars.ContextVar[str] = contextvars.ContextVar("timezone", default="Asia/Almaty")


def N_(message: str) -> str:
    """Mark a string for translation without translating it now."""
    return message


@cache
def translations(language: str) -> NullTranslations:
    """Return the merged catalogs of one language."""
    merged: NullTranslations | None = None
    for path in sorted((LOCALE_DIR / language).glob("*.po")):
        with path.open("rb") as fp:
            catalog = read_po(fp, locale=BABEL_LOCALES.get(language, language))
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        part = Translations(buffer)
        if merged is None:
            merged = part
        else:
            assert isinstance(merged, Translations)
            merged.merge(part)
    return merged or NullTranslations()


def current_language() -> str:
    return _language.get()


def current_timezone() -> str:
    return _timezone.get()


@contextmanager
def use_locale(language: str, timezone: str | None = None) -> Iterator[None]:
    """Translate and format in this language (and zone) inside the block: for emails and workers."""
    token = _language.set(language if language in LANGUAGES else "ru")
    tz_token = _timezone.set(timezone) if timezone else None
    try:
        yield
    finally:
        _language.reset(token)
        if tz_token is not None:
            _timezone.reset(tz_token)


def set_request_locale(language: str, timezone: str) -> None:
    """Set the locale for the rest of the current task (one request)."""
    _language.set(language)
    _timezone.set(timezone)


def gettext(message: str) -> str:
    return translations(_language.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_language.get()).ngettext(singular, plural, n)


_ = gettext


def pick_language(query: str | None, cookie: str | None, accept: str | None, default: str = "ru") -> str:
    """Choose the language: ?lang=, then the cookie, then Accept-Language, then the default."""
    for candidate in (query, cookie):
        if candidate in LANGUAGES:
            return candidate
    if accept:
        weighted = []
        for position, part in enumerate(accept.split(",")):
            tag, _sep, params = part.strip().partition(";")
            quality = 1.0
            if params.strip().startswith("q="):
                try:
                    quality = float(params.strip()[2:])
                except ValueError:
                    quality = 0.0
            primary = tag.strip().lower().split("-")[0]
            if primary in LANGUAGES and quality > 0:
                weighted.append((-quality, position, primary))
        if weighted:
            return min(weighted)[2]
    return default


def babel_locale(language: str | None = None) -> Locale:
    return Locale.parse(BABEL_LOCALES.get(language or _language.get(), "ru_RU"))


def _zone(tz: str | None) -> ZoneInfo:
    return ZoneInfo(tz or _timezone.get())


def format_datetime(value: datetime, format: str = "medium", tz: str | None = None) -> str:
    """Format an instant in the reader's locale and zone: the date in this format, then the time to the minute.

    One style everywhere people read times: never seconds (CLDR's medium and long times have them) and no
    zone inside the text (say it once with zone_name, in brackets or in its own line).
    """
    return f"{format_date(value, format, tz)}, {format_time(value, 'short', tz)}"


# CLDR's Kazakh short date has a two-digit year (03.12.26) where Russian and English show 2026.
_SHORT_DATES = {"kk": "dd.MM.y"}


def format_date(value: date | datetime, format: str = "long", tz: str | None = None) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(_zone(tz)).date()
    if format == "short":
        format = _SHORT_DATES.get(_language.get(), format)
    text = babel_dates.format_date(value, format, locale=babel_locale())
    # A stand-alone month ('LLLL y') heads a calendar or a report row: capitalised («Декабрь 2026»).
    return capitalized(text) if format.startswith("LLLL") else text


def capitalized(text: str) -> str:
    """Start with a capital, as a heading or a list option does (CLDR's Russian months and weekdays do not)."""
    return text[:1].upper() + text[1:]


def format_time(value: datetime | time, format: str = "short", tz: str | None = None) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(_zone(tz))
        return babel_dates.format_time(value, format, tzinfo=value.tzinfo, locale=babel_locale())
    return babel_dates.format_time(value, format, locale=babel_locale())


def format_number(value: float) -> str:
    return babel_numbers.format_decimal(value, locale=babel_locale())


# CLDR names people here would not write: the official Russian «Кыргызстан», «ё» in «Соединённые», and one
# English transliteration of Kazakh cities (CLDR mixes "Aqtobe" with "Aktau").
_TERRITORY_NAMES = {("ru", "KG"): "Кыргызстан", ("ru", "US"): "Соединённые Штаты"}
_CITY_NAMES = {("en", "Asia/Aqtobe"): "Aktobe", ("en", "Asia/Oral"): "Uralsk"}


def zone_name(tz: str | None = None) -> str:
    """Name a time zone for people, country then city, e.g. 'Казахстан, Алматы' / 'Kazakhstan, Almaty'.

    No brackets of its own, so that a page may put the name in one pair: "10:30 (Казахстан, Алматы)".
    """
    zone = _zone(tz)
    locale = babel_locale()
    territory = get_global("zone_territories").get(zone.key)
    if territory is None:  # UTC and Etc/* zones belong to no country: their names say enough
        return zone.key
    language = str(locale.language)
    city = _CITY_NAMES.get((language, zone.key)) or babel_dates.get_timezone_location(
        zone, locale=locale, return_city=True
    )
    country = _TERRITORY_NAMES.get((language, territory)) or locale.territories.get(territory, "")
    return f"{country}, {city}" if country and city and country != city else city or country or zone.key


def sender_name(configured: str, language: str | None = None) -> str:
    """The From name of emails and the organiser of invites: the configured name, or the service's own
    translated name in the recipient's language."""
    if configured:
        return configured
    if language is None:
        return gettext(SENDER_NAME)
    with use_locale(language):
        return gettext(SENDER_NAME)


SENDER_NAME = N_("Union legal consultations")


def localized(row: Any, field: str) -> str:
    """Pick row[field_<lang>] (e.g. a topic's name_kk) with Russian as the fallback."""
    return str(row[f"{field}_{_language.get()}"] or row[f"{field}_ru"])
