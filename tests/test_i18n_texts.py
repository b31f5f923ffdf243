"""What a member reads in any of the three languages: plural forms, the sender's name, consent versions."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.utils import parseaddr
from typing import Any

import asyncpg

from consult import i18n_check, keys
from consult.booking.emails import booking_changed
from consult.consent.service import FORMS, consent_text, version
from consult.i18n import LOCALE_DIR, ngettext, use_locale
from consult.mail.outbox import message_bytes
from consult.mail.render import render_email
from consult.settings import LANGUAGES
from tests.booking.conftest import book, slot
from tests.booking.test_emails import invite_of, outbox
from tests.conftest import Factory, make_settings


def test_every_catalog_declares_its_plural_forms() -> None:
    expected = {"ru": "nplurals=3;", "kk": "nplurals=2;", "en": "nplurals=2;"}
    catalogs = sorted(LOCALE_DIR.glob("*/*.po"))
    assert len(catalogs) >= 30  # ten capabilities, three languages
    for path in catalogs:
        header = re.search(r'"Plural-Forms: ([^"\\]*)', path.read_text(encoding="utf-8"))
        assert header is not None, path
        assert header[1].startswith(expected[path.parent.name]), path
    # ...and the check finds no plural entry with the wrong forms and no count outside ngettext.
    assert i18n_check.plural_problems() == []
    assert i18n_check.glossary_problems() == []
    assert i18n_check.main([]) == 0


def test_the_plural_check_catches_a_count_that_meets_a_noun(tmp_path: Any, monkeypatch: Any) -> None:
    """A template that says "%(days)s days" with gettext fails the check; the same with ngettext passes."""
    templates = tmp_path / "templates"
    templates.mkdir()
    (tmp_path / "consult").mkdir()
    (templates / "page.html").write_text('{{ _("Come back in %(days)s days.", days=n) }}', encoding="utf-8")
    monkeypatch.setattr(i18n_check, "ROOT", tmp_path)
    problems = i18n_check.plural_problems()
    assert [p for p in problems if "Come back" in p] and all(
        "ngettext" in p for p in problems if "Come back" in p
    )
    (templates / "page.html").write_text(
        '{{ ngettext("Come back in %(num)s day.", "Come back in %(num)s days.", n) }}', encoding="utf-8"
    )
    assert [p for p in i18n_check.plural_problems() if "Come back" in p] == []


def test_a_number_of_days_is_declined_in_russian() -> None:
    context = {"name": "Айгуль", "inviter": "Сотрудник", "role": "lawyer", "link": "http://127.0.0.1/x"}
    said = {
        days: render_email("invitation", "ru", "Asia/Almaty", {**context, "days": days}).text
        for days in (1, 2, 5, 11, 21, 22)
    }
    assert "действует 1 день," in said[1]
    assert "действует 2 дня," in said[2]
    assert "действует 5 дней," in said[5]
    assert "действует 11 дней," in said[11]
    assert "действует 21 день," in said[21]
    assert "действует 22 дня," in said[22]
    english = render_email("invitation", "en", "Asia/Almaty", {**context, "days": 1}).text
    assert "for 1 day:" in english
    with use_locale("ru"):
        minutes = [
            ngettext(
                "It is less than %(num)s minute before the start: the consultation can no longer be changed online.",
                "It is less than %(num)s minutes before the start: the consultation can no longer be changed online.",
                n,
            )
            % {"num": n}
            for n in (1, 3, 120)
        ]
    assert [m.split(":")[0] for m in minutes] == [
        "До начала осталось меньше 1 минуты",
        "До начала осталось меньше 3 минут",
        "До начала осталось меньше 120 минут",
    ]


async def test_the_sender_name_is_in_the_members_language(db: asyncpg.Connection, factory: Factory) -> None:
    settings = make_settings()  # mail_from_name is empty by default: the service's name, translated
    lawyer = await factory.lawyer(language="ru")
    booking = await factory.booking(lawyer, status="confirmed", language="kk")
    await booking_changed(db, settings, booking["id"], "confirmed")
    sent = {recipient: message for _kind, recipient, message in await outbox(db)}
    member_mail, lawyer_mail = sent[booking["member_email"]], sent[lawyer["email"]]
    assert parseaddr(str(member_mail["From"])) == ("Кәсіподақ заңгерлерінің кеңестері", "consult@localhost")
    assert parseaddr(str(lawyer_mail["From"])) == ("Консультации юристов профсоюза", "consult@localhost")
    member_invite = invite_of(member_mail)
    assert member_invite is not None
    [event] = member_invite.walk("VEVENT")
    assert event["ORGANIZER"].params["CN"] == "Кәсіподақ заңгерлерінің кеңестері"
    # The invite's notes give the join link straight after the sentence that names it.
    description = str(event["DESCRIPTION"])
    assert description.startswith(
        "Қосылу сілтемесі (басталуға 10 минут қалғанда ашылады): http://127.0.0.1/join/"
    )
    assert description.index("/join/") < description.index("/b/")
    # A configured name is used as it is, in every language.
    # (booking emails are rendered when they are sent, with the sender's settings).
    named = make_settings(smtp={"mail_from_name": "Кәсіподақ / Профсоюз"})
    rows = await db.fetch("SELECT message, render FROM outbox")
    names = {
        parseaddr(str(message_from_bytes(message_bytes(named, r), policy=policy.default)["From"]))[0]
        for r in rows
    }
    assert names == {"Кәсіподақ / Профсоюз"}


def test_each_consent_text_has_its_own_version() -> None:
    settings = make_settings(server={"union_name": "Kazakhstan teachers' union", "union_bin": "123456789012"})
    texts = {
        (form, language): consent_text(settings, form, language) for form in FORMS for language in LANGUAGES
    }
    assert len({t.version for t in texts.values()}) == 6
    booking_ru = texts[("booking", "ru")]
    assert booking_ru.version.startswith("booking.ru.")
    body = booking_ru.body
    assert "Оператор персональных данных: Kazakhstan teachers' union, БИН 123456789012." in body
    assert "не дольше 24 месяцев" in body  # retention.months
    assert "meet.jit.si" in body and "за пределами Казахстана" in body  # the default video provider, abroad
    assert "номер членского билета" in body and "Обезличенный текст" in body
    assert "http://127.0.0.1/me/data" in body  # how to withdraw
    question_kk = texts[("question", "kk")].body
    assert (
        "тіркейтін құжаттарым" in question_kk and "meet.jit.si" not in question_kk
    )  # no video for a question
    # Any change to what the text says gives another version; the same settings give the same one.
    assert version(settings, "booking", "ru") == booking_ru.version
    shorter = settings.with_changes("retention", months=21)
    assert "не дольше 21 месяца" in consent_text(shorter, "booking", "ru").body
    assert version(shorter, "booking", "ru") != booking_ru.version
    in_kazakhstan = settings.with_changes("video", hosted_abroad=False)
    assert "за пределами" not in consent_text(in_kazakhstan, "booking", "ru").body
    assert version(in_kazakhstan, "booking", "ru") != booking_ru.version


async def test_a_booking_stores_the_version_of_the_text_it_showed_and_anyone_can_read_it(
    client: Any, factory: Factory, db: asyncpg.Connection
) -> None:
    await factory.lawyer(languages=("ru", "kk"))
    page = await (
        await client.get("/book/dismissal/new", params={"lang": "kk", "start": slot().isoformat()})
    ).text()
    shown = consent_text(client.app[keys.SETTINGS], "booking", "kk")
    assert shown.title in page and shown.paragraphs[0] in page and shown.label in page
    response = await book(client, slot(), 1, language="ru")
    assert response.status == 201, await response.text()
    stored = await db.fetchval("SELECT consent_version FROM bookings")
    # The member read the form in Kazakh (the language cookie), so the Kazakh text's version is stored,
    # whatever language the consultation itself is in.
    assert stored == shown.version and stored.startswith("booking.kk.")
    text = await client.get(f"/consent/{stored}", params={"lang": "en"})
    assert text.status == 200
    html = await text.text()
    assert "Дербес деректер операторы" in html and stored in html
    assert (await client.get("/consent/booking.ru.000000000000")).status == 404
    # The texts of the first, unversioned consent are kept and old records point at them.
    old = await client.get("/consent/question.ru.2026-11")
    assert "Я согласен(на), что профсоюз" in await old.text()
