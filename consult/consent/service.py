"""The consent texts of the two forms (booking, written question), built from the settings, and their versions.

A text says what Law No. 94-V asks a consent to say: the operator (union_name and union_bin), the data
collected, the purpose, the storage term (retention.months), who else receives the data (the email service
and the video provider, and whether the provider is abroad: video.hosted_abroad), anonymised publication in
the archive, and how to withdraw (the "My data" page). Its version names the form and the language and ends
in a hash of the exact text, so a booking or question that stores the version identifies what was shown;
the texts themselves are kept in consent_texts (recorded at start), so an old version stays readable after a
setting or a catalog changes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import asyncpg

from consult.i18n import N_, current_language, gettext, ngettext, use_locale
from consult.settings import LANGUAGES, Settings

FORMS = ("booking", "question")
# The checkbox label of each form: the consent in one sentence (the text above it gives the details).
LABELS = {
    "booking": N_(
        "I agree that the union processes my personal data to arrange this consultation, as the Law of the "
        "Republic of Kazakhstan on personal data and their protection requires."
    ),
    "question": N_("I agree that the union processes my question and contact details to answer me."),
}
TITLES = {
    "booking": N_("Consent to the processing of personal data: booking a consultation"),
    "question": N_("Consent to the processing of personal data: a written question"),
}


@dataclass(frozen=True)
class ConsentText:
    form: str
    language: str
    title: str
    paragraphs: tuple[str, ...]
    label: str

    @property
    def body(self) -> str:
        return "\n\n".join((*self.paragraphs, self.label))

    @property
    def version(self) -> str:
        digest = hashlib.sha256(f"{self.form}\n{self.language}\n{self.body}".encode()).hexdigest()
        return f"{self.form}.{self.language}.{digest[:12]}"


def operator(settings: Settings) -> str:
    name = settings.server.union_name or gettext("Trade union of education and science workers")
    if settings.server.union_bin:
        return gettext("%(name)s, BIN %(bin)s") % {"name": name, "bin": settings.server.union_bin}
    return name


def _video(settings: Settings) -> str | None:
    """How the text names the video provider: its host, or None without video."""
    video = settings.video
    if video.provider == "none":
        return None
    url = video.bbb_url if video.provider == "bigbluebutton" else video.jitsi_base_url
    return urlsplit(url).hostname or url


def consent_text(settings: Settings, form: str, language: str | None = None) -> ConsentText:
    """The consent of one form in one language (the current one by default), from the settings."""
    if form not in FORMS:
        raise ValueError(f"unknown consent form {form!r}")
    language = language or current_language()
    with use_locale(language):
        months = settings.retention.months
        data = {
            "booking": gettext(
                "The data: my name, email, phone, membership number and the question I write in the form. "
                "The purpose: to arrange this consultation with a union lawyer and to hold it."
            ),
            "question": gettext(
                "The data: my name, email, membership number, the text of my question and the documents I "
                "attach. The purpose: to answer my written question."
            ),
        }[form]
        video = _video(settings) if form == "booking" else None
        if video is None:
            processors = gettext(
                "The data is seen only by the union's lawyers and staff and is passed to no one else, except "
                "the email service that delivers the union's emails."
            )
        elif settings.video.hosted_abroad:
            processors = gettext(
                "The data is seen only by the union's lawyers and staff and is passed to no one else, except "
                "the email service that delivers the union's emails and the video-call service %(video)s, "
                "which receives only my name for the call. Its servers are outside Kazakhstan, so my name "
                "crosses the border."
            ) % {"video": video}
        else:
            processors = gettext(
                "The data is seen only by the union's lawyers and staff and is passed to no one else, except "
                "the email service that delivers the union's emails and the video-call service %(video)s, "
                "which receives only my name for the call."
            ) % {"video": video}
        paragraphs = (
            gettext("Operator of the personal data: %(operator)s.") % {"operator": operator(settings)},
            data,
            processors,
            ngettext(
                "The data is kept for at most %(num)s month after the consultation or the answer, then erased.",
                "The data is kept for at most %(num)s months after the consultation or the answer, then erased.",
                months,
            )
            % {"num": months},
            gettext(
                "An anonymised version of the question and the lawyer's answer, without my name or anything "
                "else that identifies me, may be published in the union's public archive of answers."
            ),
            gettext(
                "I may withdraw this consent and ask for my data to be erased at any time: sign in with the "
                "link sent to my email and open the “My data” page (%(url)s)."
            )
            % {"url": f"{settings.server.base_url}/me/data"},
            gettext(
                "The consent is given under the Law of the Republic of Kazakhstan “On Personal Data and Their "
                "Protection”."
            ),
        )
        return ConsentText(form, language, gettext(TITLES[form]), paragraphs, gettext(LABELS[form]))


def version(settings: Settings, form: str, language: str | None = None) -> str:
    """The version of the text a form shows now in this language (the current one by default)."""
    return consent_text(settings, form, language).version


INSERT_TEXT = """
INSERT INTO consent_texts (version, form, language, title, body)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (version) DO NOTHING
"""

TEXT_OF = "SELECT version, form, language, title, body, first_shown_at FROM consent_texts WHERE version = $1"


async def record_texts(conn: asyncpg.Connection | asyncpg.Pool, settings: Settings) -> None:
    """Keep today's texts of every form and language, so their versions stay readable later."""
    texts = [consent_text(settings, form, language) for form in FORMS for language in LANGUAGES]
    await conn.executemany(INSERT_TEXT, [(t.version, t.form, t.language, t.title, t.body) for t in texts])


async def text_of(conn: asyncpg.Connection, version_id: str) -> Any:
    return await conn.fetchrow(TEXT_OF, version_id)


# What a member agreed to, form by form, with the title of each text.
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


async def consents_of(conn: asyncpg.Connection, member_id: int) -> list[asyncpg.Record]:
    return list(await conn.fetch(MY_CONSENTS, member_id))
