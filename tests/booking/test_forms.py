"""What a member types is checked field by field; names and emails stay on one line."""

from __future__ import annotations

from typing import Any

import pytest

from consult.booking.forms import parse_booking, parse_reason
from tests.booking.conftest import booking_body, slot


def check(**changes: Any) -> tuple[Any, dict[str, str]]:
    return parse_booking(
        booking_body(slot(), **changes),
        require_membership=False,
        default_language="ru",
        default_timezone="Asia/Almaty",
    )


def test_a_good_request_comes_back_clean() -> None:
    req, errors = check(name="  Айгерим   Сапарова ", email="Aigerim@Example.ORG", phone="8 701 123 45 67")
    assert errors == {}
    assert req is not None
    assert (req.name, req.email, req.phone) == ("Айгерим Сапарова", "aigerim@example.org", "+77011234567")
    assert req.start == slot()


@pytest.mark.parametrize(
    "name", ["Айгерим\nСапарова", "Aigerim\r\nBcc: x@example.org", "A\x00B", "A\u2028B", "A\u202eB"]
)
def test_a_name_with_a_line_break_or_control_character_is_refused(name: str) -> None:
    req, errors = check(name=name)
    assert req is None
    assert errors == {"name": "Write your name on one line, without special characters."}


@pytest.mark.parametrize(
    "email", ["a@example.org\nBcc: x@example.org", "a@example.org, b@example.org", "not-an-email", "a@b@c"]
)
def test_an_email_that_is_not_one_plain_address_is_refused(email: str) -> None:
    _req, errors = check(email=email)
    assert errors == {"email": "This does not look like an email address."}


def test_the_question_must_hold_20_to_4000_characters() -> None:
    assert check(question="Короткий вопрос")[1] == {
        "question": "Please describe your question in at least 20 characters."
    }
    assert check(question="я" * 4001)[1] == {"question": "Please keep the question within 4000 characters."}
    assert check(question="я" * 4000)[1] == {}
    assert check(question="Строка один\r\nстрока два, и ещё немного")[0].question == (
        "Строка один\nстрока два, и ещё немного"
    )


def test_consent_is_required_and_every_problem_is_named_at_once() -> None:
    req, errors = check(consent=False, email="", start="tomorrow at ten", language="de", phone="12")
    assert req is None
    assert errors == {
        "consent": "Your consent is needed to book.",
        "email": "Please write your email address.",
        "start": "Choose a time.",
        "language": "Choose a language.",
        "phone": "This does not look like a phone number.",
    }


def test_a_start_without_an_offset_is_not_an_instant() -> None:
    assert check(start="2026-12-03T10:00:00")[1] == {"start": "Choose a time."}


def test_the_membership_number_is_asked_only_when_the_register_is_on() -> None:
    body = booking_body(slot())
    _req, errors = parse_booking(
        body, require_membership=True, default_language="ru", default_timezone="Asia/Almaty"
    )
    assert errors == {"membership_no": "Please write your membership card number."}


def test_a_lawyer_must_give_a_reason_and_a_member_may_not() -> None:
    assert parse_reason(None, required=False) == (None, {})
    assert parse_reason("  ", required=True) == (None, {"reason": "Please give a reason."})
    assert parse_reason("Заболела", required=True) == ("Заболела", {})
