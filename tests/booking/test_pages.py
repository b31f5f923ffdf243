"""The pages: a member books from a phone, manages the booking by its link; a lawyer runs the day."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import icalendar

from consult import keys
from consult.consent.service import version
from tests.booking.conftest import queued, slot
from tests.conftest import Factory, login

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_values(**changes: str) -> dict[str, str]:
    values = {
        "start": slot().isoformat(),
        "lawyer_id": "",
        "timezone": "Asia/Almaty",
        "question": "Меня переводят на другую должность без моего согласия. Законно ли это?",
        "name": "Гульнар Ахметова",
        "email": "gulnar@example.org",
        "phone": "",
        "language": "kk",
        "consent": "yes",
    }
    values.update(changes)
    return values


async def open_form(client: Any, **query: str) -> tuple[str, str]:
    params = {"start": slot().isoformat(), "tz": "Asia/Almaty", **query}
    response = await client.get("/book/dismissal/new", params=params)
    assert response.status == 200
    page = await response.text()
    return page, CSRF.findall(page)[0]


async def test_the_form_shows_the_chosen_time_in_the_members_zone_and_language(
    client: Any, factory: Factory
) -> None:
    await factory.lawyer()
    page, _csrf = await open_form(client, tz="Europe/Moscow", lang="en")
    assert '<html lang="en">' in page
    assert "8:00" in page  # 10:00 in Almaty is 08:00 in Moscow
    assert "Dismissal and redundancy" in page
    assert 'name="timezone" value="Europe/Moscow"' in page
    assert 'name="consent" type="checkbox"' in page
    assert "membership_no" not in page


async def test_a_taken_time_says_so_on_the_form(client: Any, factory: Factory) -> None:
    await factory.lawyer(weekly=[])
    response = await client.get("/book/dismissal/new", params={"start": slot().isoformat(), "lang": "en"})
    assert response.status == 200
    page = await response.text()
    assert "This time is no longer available." in page
    assert "<textarea" not in page


async def test_errors_come_back_next_to_the_fields_with_the_values_kept(
    client: Any, factory: Factory, db: asyncpg.Connection
) -> None:
    await factory.lawyer()
    _page, csrf = await open_form(client)
    values = form_values(name="Гульнар\nАхметова", consent="", csrf_token=csrf)
    response = await client.post("/book/dismissal/new", data=values, params={"lang": "ru"})
    assert response.status == 400
    page = await response.text()
    assert (
        '<p class="field-error" id="name-error">Напишите имя одной строкой, без специальных символов.</p>'
        in page
    )
    assert '<p class="field-error" id="consent-error">Для записи нужно ваше согласие.</p>' in page
    assert "Меня переводят на другую должность без моего согласия. Законно ли это?</textarea>" in page
    assert 'value="gulnar@example.org"' in page
    assert await db.fetchval("SELECT count(*) FROM bookings") == 0


async def test_member_books_from_the_form_and_is_asked_to_check_the_email(
    client: Any, factory: Factory, db: asyncpg.Connection
) -> None:
    await factory.lawyer()
    _page, csrf = await open_form(client)
    response = await client.post(
        "/book/dismissal/new",
        data=form_values(csrf_token=csrf, timezone="Asia/Aqtobe"),
        allow_redirects=False,
    )
    assert response.status == 303
    assert response.headers["Location"] == "/book/dismissal/done?status=pending"
    done = await (await client.get(response.headers["Location"], params={"lang": "en"})).text()
    assert "Check your email" in done
    row = await db.fetchrow("SELECT language, timezone, member_name, consent_version FROM bookings")
    # The consultation is in Kazakh, but the form (and its consent) was read in Russian: that text's version.
    shown = version(client.app[keys.SETTINGS], "booking", "ru")
    assert tuple(row) == ("kk", "Asia/Aqtobe", "Гульнар Ахметова", shown)
    [(_kind, _to, message)] = await queued(db)
    assert message["Subject"] == "Кеңесті растаңыз"


async def test_member_confirms_downloads_the_invite_and_cancels_on_the_booking_page(
    client: Any, factory: Factory, db: asyncpg.Connection
) -> None:
    lawyer = await factory.lawyer(name="Бауыржан Омаров")
    booking = await factory.booking(lawyer, start=slot(), status="pending")
    page = await (await client.get(f"/b/{booking['token']}", params={"lang": "en"})).text()
    assert "Бауыржан Омаров" in page and "Waiting for confirmation" in page
    assert "10:00" in page
    assert "calendar.google.com/calendar/render" in page
    csrf = CSRF.findall(page)[0]
    response = await client.post(
        f"/b/{booking['token']}/confirm", data={"csrf_token": csrf}, allow_redirects=False
    )
    assert response.status == 303
    page = await (await client.get(response.headers["Location"], params={"lang": "en"})).text()
    assert "Thank you, the consultation is confirmed." in page
    assert "The join button opens 10 minutes before the start." in page
    ics = await client.get(f"/b/{booking['token']}/invite.ics")
    assert ics.content_type == "text/calendar"
    [event] = icalendar.Calendar.from_ical(await ics.read()).walk("VEVENT")
    assert str(event["UID"]) == booking["ical_uid"]
    assert booking["question"] not in (await ics.text())
    response = await client.post(
        f"/b/{booking['token']}/cancel",
        data={"csrf_token": csrf, "reason": "Нашла ответ"},
        allow_redirects=False,
    )
    assert response.status == 303
    row = await db.fetchrow("SELECT status, cancel_reason, cancelled_by FROM bookings")
    assert tuple(row) == ("cancelled", "Нашла ответ", "member")


async def test_the_join_button_is_live_ten_minutes_before_the_start(client: Any, factory: Factory) -> None:
    lawyer = await factory.lawyer()
    booking = await factory.booking(lawyer, start=datetime.now(UTC) + timedelta(minutes=8))
    page = await (await client.get(f"/b/{booking['token']}", params={"lang": "en"})).text()
    assert re.search(r'href="http://127\.0\.0\.1/join/[^"]+">Join the call<', page)
    assert "can no longer be changed online" in page


async def test_member_moves_the_booking_from_the_day_and_time_chooser(
    client: Any, factory: Factory, db: asyncpg.Connection
) -> None:
    lawyer = await factory.lawyer(weekly=[(d, "09:00", "11:00") for d in range(1, 8)])
    booking = await factory.booking(lawyer, start=slot())
    page = await (await client.get(f"/b/{booking['token']}/reschedule", params={"lang": "en"})).text()
    new_start = slot(days_ahead=3, hour=9, minute=30)
    assert f'value="{new_start.astimezone(UTC).isoformat()}"' in page
    csrf = CSRF.findall(page)[0]
    response = await client.post(
        f"/b/{booking['token']}/reschedule",
        data={"csrf_token": csrf, "start": new_start.astimezone(UTC).isoformat()},
        allow_redirects=False,
    )
    assert response.status == 303
    row = await db.fetchrow("SELECT id, starts_at, ical_uid, ical_sequence FROM bookings")
    assert tuple(row) == (booking["id"], new_start, booking["ical_uid"], 1)
    assert [k for k, _r, _m in await queued(db)] == ["booking_moved", "booking_moved"]


async def test_lawyer_sees_the_day_with_questions_and_completes_with_an_answer(
    client: Any, factory: Factory, db: asyncpg.Connection
) -> None:
    lawyer = await factory.lawyer()
    today = await factory.booking(lawyer, start=datetime.now(UTC) + timedelta(minutes=30))
    later = await factory.booking(
        lawyer, start=slot(days_ahead=3), question="Как считать педагогический стаж при переводе?"
    )
    await login(client, lawyer)
    page = await (await client.get("/lawyer/day", params={"lang": "en"})).text()
    assert today["question"] in page and later["question"] in page
    csrf = CSRF.findall(page)[0]
    response = await client.post(
        f"/lawyer/bookings/{today['id']}/complete", data={"csrf_token": csrf, "answer": ""}
    )
    assert response.status == 400
    assert "Please write the answer you gave." in await response.text()
    response = await client.post(
        f"/lawyer/bookings/{today['id']}/complete",
        data={"csrf_token": csrf, "answer": "Перевод без согласия незаконен."},
        allow_redirects=False,
    )
    assert response.status == 303
    assert (
        await db.fetchval("SELECT answer FROM bookings WHERE id = $1", today["id"])
        == "Перевод без согласия незаконен."
    )
    response = await client.post(
        f"/lawyer/bookings/{later['id']}/cancel",
        data={"csrf_token": csrf, "reason": "Отпуск"},
        allow_redirects=False,
    )
    assert response.status == 303
    assert await db.fetchval("SELECT cancelled_by FROM bookings WHERE id = $1", later["id"]) == "lawyer"


async def test_lawyer_renews_the_calendar_feed_and_it_lists_bookings_without_questions(
    client: Any, factory: Factory, db: asyncpg.Connection
) -> None:
    lawyer = await factory.lawyer(language="en")
    live = await factory.booking(lawyer, start=slot())
    gone = await factory.booking(lawyer, start=slot(hour=12), status="cancelled")
    await factory.booking(lawyer, start=datetime.now(UTC) + timedelta(days=90))
    await login(client, lawyer)
    page = await (await client.get("/lawyer/day")).text()
    csrf = CSRF.findall(page)[0]
    page = await (await client.post("/lawyer/feed", data={"csrf_token": csrf})).text()
    [feed_url] = re.findall(r'value="(http://127\.0\.0\.1/calendar/[^"]+\.ics)"', page)
    path = feed_url.removeprefix("http://127.0.0.1")
    response = await client.get(path)
    assert response.status == 200 and response.content_type == "text/calendar"
    text = await response.text()
    assert live["question"] not in text and live["member_email"] not in text
    calendar = icalendar.Calendar.from_ical(text)
    assert "METHOD" not in calendar
    events = {str(e["UID"]): str(e["STATUS"]) for e in calendar.walk("VEVENT")}
    assert events == {live["ical_uid"]: "CONFIRMED", gone["ical_uid"]: "CANCELLED"}
    page = await (await client.get("/lawyer/day")).text()
    csrf = CSRF.findall(page)[0]
    await client.post("/lawyer/feed", data={"csrf_token": csrf})
    assert (await client.get(path)).status == 404
    assert await db.fetchval("SELECT feed_token_hash IS NOT NULL FROM lawyers") is True


async def test_a_manage_link_reaches_the_booking_only_with_its_token(
    client: Any, db: asyncpg.Connection
) -> None:
    assert (await client.get("/b/unknown-token")).status == 404
    assert (await client.get("/calendar/unknown.ics")).status == 404
