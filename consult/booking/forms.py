"""Validate what a member sends to book, reschedule or cancel: plain data in, clean values or field errors out."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from consult.forms import normalize_email
from consult.i18n import N_
from consult.settings import LANGUAGES

QUESTION_MIN = 20
QUESTION_MAX = 4000
NAME_MAX = 200
REASON_MAX = 1000
ANSWER_MAX = 20000
MEMBERSHIP_MAX = 40
# Line and paragraph separators and bidirectional overrides end or disguise a line in some readers.
_SPECIAL = frozenset("\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@dataclass(frozen=True)
class BookingRequest:
    topic: str
    start: datetime
    lawyer_id: int | None
    name: str
    email: str
    phone: str | None
    membership_no: str | None
    question: str
    language: str
    timezone: str
    consent: bool


def one_line_problem(text: str) -> bool:
    """Tell whether text holds a line break, a control character or a direction override."""
    if text.isprintable():  # no Other (Cc, Cf, Cs...) and no Separator but " ": _SPECIAL included
        return False
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") or ch in _SPECIAL for ch in text)


def multiline_problem(text: str) -> bool:
    """Like one_line_problem, but line breaks and tabs are welcome (a question, an answer)."""
    return one_line_problem(text.replace("\r\n", "\n").replace("\n", "").replace("\t", ""))


def parse_instant(value: Any) -> datetime | None:
    """Read an RFC 3339 instant with an offset; None when it is not one."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None and moment.utcoffset() is not None else None


def valid_zone(value: Any) -> str | None:
    if not isinstance(value, str) or not value or len(value) > 64 or ".." in value or value.startswith("/"):
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return value


def _text(data: Mapping[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    return value.strip() if isinstance(value, str) else None


def parse_lawyer_id(value: Any) -> tuple[int | None, bool]:
    """Read an optional lawyer id (a number or digits); return (id, ok)."""
    if value is None or value == "":
        return None, True
    if isinstance(value, bool):
        return None, False
    if isinstance(value, int):
        return (value, True) if 0 < value < 2**63 else (None, False)
    if isinstance(value, str) and value.isdigit() and len(value) < 19:
        return int(value), True
    return None, False


def parse_booking(
    data: Mapping[str, Any], *, require_membership: bool, default_language: str, default_timezone: str
) -> tuple[BookingRequest | None, dict[str, str]]:
    """Check a booking request; return it cleaned, or the problems by field."""
    errors: dict[str, str] = {}
    topic = _text(data, "topic") or ""
    if not topic or len(topic) > 60:
        errors["topic"] = N_("Choose a topic.")
    start = parse_instant(data.get("start"))
    if start is None:
        errors["start"] = N_("Choose a time.")
    lawyer_id, ok = parse_lawyer_id(data.get("lawyer_id"))
    if not ok:
        errors["lawyer_id"] = N_("Unknown lawyer.")

    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        errors["name"] = N_("Please write your name.")
    elif one_line_problem(name):
        errors["name"] = N_("Write your name on one line, without special characters.")
    elif len(name.strip()) > NAME_MAX:
        errors["name"] = N_("The name is too long.")
    name = " ".join(name.split()) if isinstance(name, str) else ""

    email_raw = data.get("email")
    email = ""
    if not isinstance(email_raw, str) or not email_raw.strip():
        errors["email"] = N_("Please write your email address.")
    elif one_line_problem(email_raw) or len(email_raw.strip()) > 254:
        errors["email"] = N_("This does not look like an email address.")
    else:
        email = normalize_email(email_raw) or ""
        if not email:
            errors["email"] = N_("This does not look like an email address.")

    phone = _text(data, "phone") or None
    if phone is not None:
        try:
            parsed = phonenumbers.parse(phone, "KZ") if len(phone) <= 30 else None
        except phonenumbers.NumberParseException:
            parsed = None
        if parsed is None or not phonenumbers.is_valid_number(parsed):
            errors["phone"] = N_("This does not look like a phone number.")
        else:
            phone = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)

    membership_no = _text(data, "membership_no") or None
    if membership_no is not None and (
        len(membership_no) > MEMBERSHIP_MAX
        or one_line_problem(membership_no)
        or not all(ch.isalnum() or ch in "-/ " for ch in membership_no)
    ):
        errors["membership_no"] = N_("Check the membership card number.")
    elif membership_no is None and require_membership:
        errors["membership_no"] = N_("Please write your membership card number.")

    question_raw = data.get("question")
    question = question_raw.strip().replace("\r\n", "\n") if isinstance(question_raw, str) else ""
    if not question:
        errors["question"] = N_("Please describe your question.")
    elif multiline_problem(question):
        errors["question"] = N_("The question holds characters we cannot accept.")
    elif len(question) < QUESTION_MIN:
        errors["question"] = N_("Please describe your question in at least 20 characters.")
    elif len(question) > QUESTION_MAX:
        errors["question"] = N_("Please keep the question within 4000 characters.")

    language = data.get("language") or default_language
    if language not in LANGUAGES:
        errors["language"] = N_("Choose a language.")
    timezone = data.get("timezone") or default_timezone
    if valid_zone(timezone) is None:
        errors["timezone"] = N_("Unknown time zone.")
    if data.get("consent") is not True:
        errors["consent"] = N_("Your consent is needed to book.")

    if errors:
        return None, errors
    assert start is not None
    return (
        BookingRequest(
            topic=topic,
            start=start,
            lawyer_id=lawyer_id,
            name=name,
            email=email,
            phone=phone,
            membership_no=membership_no,
            question=question,
            language=str(language),
            timezone=str(timezone),
            consent=True,
        ),
        {},
    )


def parse_reason(value: Any, *, required: bool) -> tuple[str | None, dict[str, str]]:
    """Read a cancellation reason: optional for members, required for lawyers."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, ({"reason": N_("Please give a reason.")} if required else {})
    if not isinstance(value, str) or multiline_problem(value.strip()) or len(value.strip()) > REASON_MAX:
        return None, {"reason": N_("Please keep the reason short and plain.")}
    return value.strip().replace("\r\n", "\n"), {}


def parse_answer(value: Any) -> tuple[str | None, dict[str, str]]:
    """Read the lawyer's written answer when completing a consultation."""
    if not isinstance(value, str) or not value.strip():
        return None, {"answer": N_("Please write the answer you gave.")}
    text = value.strip().replace("\r\n", "\n")
    if multiline_problem(text) or len(text) > ANSWER_MAX:
        return None, {"answer": N_("The answer is too long or holds characters we cannot accept.")}
    return text, {}
