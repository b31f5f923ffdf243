"""Validation of what a member sends: the question's fields (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from consult.errors import invalid
from consult.forms import normalize_email
from consult.i18n import N_
from consult.settings import LANGUAGES

MIN_QUESTION, MAX_QUESTION = 20, 4000
MAX_MESSAGE = 4000
MAX_ANSWER = 20000
TRUE_WORDS = ("on", "true", "1", "yes")


def _text(data: Mapping[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    return value.strip() if isinstance(value, str) else None


def _one_line(value: str) -> bool:
    return not any(ch in value for ch in "\r\n\v\f\x85\u2028\u2029")


def consent_given(value: Any) -> bool:
    """JSON sends true; a form checkbox sends 'on'."""
    return value is True or (isinstance(value, str) and value.strip().lower() in TRUE_WORDS)


def parse_question(data: Mapping[str, Any], default_language: str) -> dict[str, Any]:
    """Check a new question's fields; raise the contract's 400 naming every field with a problem."""
    problems: dict[str, str] = {}
    topic = _text(data, "topic")
    if not topic:
        problems["topic"] = N_("Choose a topic.")
    question = _text(data, "question")
    if question is None or len(question) < MIN_QUESTION:
        problems["question"] = N_("Describe your question in at least 20 characters.")
    elif len(question) > MAX_QUESTION:
        problems["question"] = N_("The question may have at most 4000 characters.")
    raw_name = data.get("name")
    name = " ".join(raw_name.split()) if isinstance(raw_name, str) else ""
    if isinstance(raw_name, str) and not _one_line(raw_name.strip()):
        problems["name"] = N_("The name must be on one line.")
    elif not name or len(name) > 200:
        problems["name"] = N_("Enter your name.")
    email = normalize_email(data["email"]) if isinstance(data.get("email"), str) else None
    if email is None:
        problems["email"] = N_("Enter a valid email address.")
    membership_no = _text(data, "membership_no") or None
    if (
        "membership_no" in data
        and data["membership_no"] is not None
        and not isinstance(data["membership_no"], str)
    ):
        problems["membership_no"] = N_("Enter the membership number as text.")
    elif membership_no is not None and (len(membership_no) > 40 or not _one_line(membership_no)):
        problems["membership_no"] = N_("The membership number is too long.")
    language = _text(data, "language") or default_language
    if language not in LANGUAGES:
        problems["language"] = N_("Choose Russian, Kazakh or English.")
    if not consent_given(data.get("consent")):
        problems["consent"] = N_("Please agree to the processing of your data.")
    if problems:
        raise invalid(problems)
    return {
        "topic": topic,
        "question": question,
        "name": name,
        "email": email,
        "membership_no": membership_no,
        "language": language,
    }


def parse_text(data: Mapping[str, Any], name: str, limit: int) -> str:
    """A required free text (a thread message, an answer) of at most `limit` characters."""
    value = _text(data, name)
    if not value:
        raise invalid({name: N_("This field is required.")})
    if len(value) > limit:
        raise invalid({name: N_("The text is too long.")})
    return value
