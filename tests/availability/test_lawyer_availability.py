"""A lawyer sets their hours, days off, vacations, topics and languages, by the API or on the page."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import asyncpg

from tests.availability.conftest import ClientAt
from tests.conftest import Factory, login

NOW = datetime(2026, 12, 1, 3, tzinfo=UTC)

GOOD = {
    "timezone": "Asia/Aqtobe",
    "slot_minutes": 45,
    "buffer_minutes": 15,
    "weekly": [
        {"weekday": 1, "start": "14:00", "end": "18:00"},
        {"weekday": 1, "start": "09:00", "end": "12:00"},
        {"weekday": 3, "start": "10:00", "end": "13:00"},
    ],
    "exceptions": [
        {"date": "2026-12-21", "available": False},
        {"date": "2026-12-19", "start": "10:00", "end": "12:00", "available": True},
    ],
    "vacations": [{"from": "2026-12-29", "to": "2027-01-02"}],
    "topics": ["pay", "dismissal"],
    "languages": ["kk", "ru"],
}


async def put(client: Any, csrf: str, body: Any, lang: str = "en") -> tuple[int, Any]:
    response = await client.put(
        "/api/v1/me/availability", json=body, params={"lang": lang}, headers={"X-CSRF-Token": csrf}
    )
    return response.status, await response.json()


async def test_lawyer_replaces_availability_and_reads_it_back_with_the_vacation_as_days_off(
    client_at: ClientAt, factory: Factory, db: asyncpg.Connection
) -> None:
    lawyer = await factory.lawyer(topics=("leave",), weekly=[(d, "08:00", "20:00") for d in range(1, 8)])
    booked = await factory.booking(lawyer, start=datetime(2026, 12, 5, 3, tzinfo=UTC), topic="leave")
    client = await client_at(NOW)
    csrf = await login(client, lawyer)
    status, saved = await put(client, csrf, GOOD)
    expected = {
        "timezone": "Asia/Aqtobe",
        "slot_minutes": 45,
        "buffer_minutes": 15,
        "weekly": [
            {"weekday": 1, "start": "09:00", "end": "12:00"},
            {"weekday": 1, "start": "14:00", "end": "18:00"},
            {"weekday": 3, "start": "10:00", "end": "13:00"},
        ],
        "exceptions": [
            {"date": "2026-12-19", "start": "10:00", "end": "12:00", "available": True},
            {"date": "2026-12-21", "available": False},
            *({"date": day, "available": False} for day in ("2026-12-29", "2026-12-30", "2026-12-31")),
            {"date": "2027-01-01", "available": False},
            {"date": "2027-01-02", "available": False},
        ],
        "topics": ["dismissal", "pay"],
        "languages": ["kk", "ru"],
    }
    assert (status, saved) == (200, expected)
    response = await client.get("/api/v1/me/availability")
    assert await response.json() == expected
    # The booking made under the old rules stays; the new rules decide what members are offered now.
    assert await db.fetchval("SELECT status FROM bookings WHERE id = $1", booked["id"]) == "confirmed"
    slots = await (
        await client.get(
            "/api/v1/slots",
            params={"topic": "pay", "tz": "Asia/Aqtobe", "from": "2026-12-02", "to": "2026-12-02"},
        )
    ).json()
    # 45-minute consultations back to back; the 15-minute pause only keeps distance from bookings.
    assert [s["start"][11:16] for s in slots["slots"]] == ["10:00", "10:45", "11:30", "12:15"]
    audit = await db.fetchrow("SELECT actor_id, action FROM audit_log WHERE action = 'availability_update'")
    assert dict(audit) == {"actor_id": lawyer["id"], "action": "availability_update"}


async def test_a_new_lawyer_without_a_profile_sees_defaults_and_saving_creates_the_profile(
    client_at: ClientAt, factory: Factory, db: asyncpg.Connection
) -> None:
    user = await factory.user("lawyer")
    client = await client_at(NOW)
    csrf = await login(client, user)
    response = await client.get("/api/v1/me/availability")
    assert await response.json() == {
        "timezone": "Asia/Almaty",
        "slot_minutes": 30,
        "buffer_minutes": 0,
        "weekly": [],
        "exceptions": [],
        "topics": [],
        "languages": ["ru"],
    }
    body = {"timezone": "Asia/Almaty", "slot_minutes": 30, "weekly": [], "topics": ["safety"]}
    status, saved = await put(client, csrf, body)
    assert status == 200 and saved["languages"] == ["ru"] and saved["topics"] == ["safety"]
    assert await db.fetchval("SELECT count(*) FROM lawyer_topics WHERE lawyer_id = $1", user["id"]) == 1


BROKEN = {
    "timezone": "Asia/Astana",
    "slot_minutes": 10,
    "buffer_minutes": 0,
    "weekly": [
        {"weekday": 1, "start": "09:00", "end": "12:00"},
        {"weekday": 1, "start": "11:00", "end": "13:00"},
        {"weekday": 2, "start": "18:00", "end": "09:00"},
        {"weekday": 8, "start": "09:00", "end": "10:00"},
        {"weekday": 4, "start": "9am", "end": "10:00"},
    ],
    "exceptions": [{"date": "2026-13-01", "available": False}],
    "vacations": [{"from": "2027-01-10", "to": "2027-01-03"}],
    "topics": ["dismissal", "astrology"],
}


async def test_lawyer_saving_broken_hours_is_told_what_is_wrong_with_each_field_in_russian_and_kazakh(
    client_at: ClientAt, factory: Factory, db: asyncpg.Connection
) -> None:
    lawyer = await factory.lawyer()
    client = await client_at(NOW)
    csrf = await login(client, lawyer)
    status, body = await put(client, csrf, BROKEN, lang="ru")
    assert status == 400
    assert body == {
        "error": {
            "code": "invalid",
            "message": "Проверьте заполнение полей.",
            "fields": {
                "timezone": "Неизвестный часовой пояс.",
                "slot_minutes": "Консультация длится от 15 до 120 минут.",
                "weekly.1.start": "Эти часы пересекаются с другими часами в тот же день недели.",
                "weekly.2.end": "Конец раньше начала.",
                "weekly.3.weekday": "День недели — число от 1 (понедельник) до 7 (воскресенье).",
                "weekly.4.start": "Укажите время в виде ЧЧ:ММ, например 09:30.",
                "exceptions.0.date": "Укажите дату в виде ГГГГ-ММ-ДД.",
                "vacations.0.to": "Последний день раньше первого.",
                "topics.1": "Неизвестная тема.",
            },
        }
    }
    status, body = await put(client, csrf, BROKEN, lang="kk")
    assert status == 400
    assert body["error"]["fields"]["weekly.2.end"] == "Аяқталуы басталуынан ерте."
    assert body["error"]["fields"]["timezone"] == "Белгісіз сағат белдеуі."
    assert body["error"]["fields"]["topics.1"] == "Белгісіз тақырып."
    assert body["error"]["fields"]["weekly.4.start"] == "Уақытты СС:ММ түрінде көрсетіңіз, мысалы 09:30."
    # Nothing was saved.
    assert await db.fetchval("SELECT slot_minutes FROM lawyers WHERE user_id = $1", lawyer["id"]) == 30
    assert (
        await db.fetchval("SELECT count(*) FROM availability_weekly WHERE lawyer_id = $1", lawyer["id"]) == 7
    )


async def test_odd_bodies_get_field_errors_not_server_errors(client_at: ClientAt, factory: Factory) -> None:
    lawyer = await factory.lawyer()
    client = await client_at(NOW)
    csrf = await login(client, lawyer)
    cases = [
        (
            {"timezone": 5, "slot_minutes": "30"},
            {"timezone": "Required.", "slot_minutes": "Must be a whole number of minutes."},
        ),
        ({**GOOD, "weekly": {"1": "x"}}, {"weekly": "Must be a list."}),
        ({**GOOD, "weekly": ["09:00"]}, {"weekly.0": "Must be an object."}),
        (
            {**GOOD, "exceptions": [{"date": "2026-12-21"}]},
            {"exceptions.0.available": "Must be true or false."},
        ),
        (
            {**GOOD, "exceptions": [{"date": "2026-12-21", "available": False, "start": "09:00"}]},
            {"exceptions.0.start": "A day off has no hours; leave start and end out."},
        ),
        ({**GOOD, "languages": []}, {"languages": "Choose at least one language."}),
        ({**GOOD, "languages": ["de"]}, {"languages.0": "Unknown language."}),
        ({**GOOD, "slot_minutes": True}, {"slot_minutes": "Must be a whole number of minutes."}),
    ]
    for body, fields in cases:
        status, answer = await put(client, csrf, body)
        assert (status, answer["error"]["fields"]) == (400, fields), body


async def test_only_a_lawyer_may_read_or_change_availability(client_at: ClientAt, factory: Factory) -> None:
    staff = await factory.user("staff")
    client = await client_at(NOW)
    response = await client.get("/api/v1/me/availability")
    assert response.status == 401
    csrf = await login(client, staff)
    status, body = await put(client, csrf, GOOD)
    assert (status, body["error"]["code"]) == (403, "forbidden")


# --- The page --------------------------------------------------------------------------------------------


def form_of(csrf: str, **fields: str) -> dict[str, str]:
    base = {
        "csrf_token": csrf,
        "timezone": "Asia/Almaty",
        "slot_minutes": "30",
        "buffer_minutes": "10",
        "weekly_rows": "3",
        "off_rows": "2",
        "extra_rows": "1",
    }
    return {**base, **fields}


async def test_lawyer_sets_hours_and_a_vacation_on_the_page_without_javascript(
    client_at: ClientAt, factory: Factory, db: asyncpg.Connection
) -> None:
    lawyer = await factory.lawyer(weekly=[(1, "09:00", "13:00")])
    client = await client_at(NOW)
    csrf = await login(client, lawyer)
    page = await (await client.get("/availability", params={"lang": "en"})).text()
    assert "<h1>Availability</h1>" in page
    assert 'name="weekly-0-start" type="time" value="09:00"' in page
    assert 'name="weekly-1-start" type="time" value=""' in page  # empty rows to type into
    form = form_of(
        csrf,
        **{"weekly-0-weekday": "1", "weekly-0-start": "09:00", "weekly-0-end": "12:00"},
        **{"weekly-1-weekday": "1", "weekly-1-start": "14:00:00", "weekly-1-end": "17:00:00"},
        **{"weekly-2-weekday": "5", "weekly-2-start": "", "weekly-2-end": ""},
        **{"off-0-from": "2026-12-28", "off-0-to": "2026-12-30", "off-1-from": "2026-12-10", "off-1-to": ""},
        **{"extra-0-date": "2026-12-16", "extra-0-start": "10:00", "extra-0-end": "11:00"},
    )
    response = await client.post(
        "/availability", data={**form, "languages": "kk", "topics": "pay"}, allow_redirects=False
    )
    assert response.status == 303
    assert response.headers["Location"] == "/availability?saved=1"
    weekly = await db.fetch(
        "SELECT weekday, starts, ends FROM availability_weekly WHERE lawyer_id = $1 ORDER BY starts",
        lawyer["id"],
    )
    assert [tuple(r) for r in weekly] == [(1, time(9), time(12)), (1, time(14), time(17))]
    days_off = await db.fetch(
        "SELECT day FROM availability_exceptions WHERE lawyer_id = $1 AND NOT available ORDER BY day",
        lawyer["id"],
    )
    assert [r["day"] for r in days_off] == [
        date(2026, 12, 10),
        date(2026, 12, 28),
        date(2026, 12, 29),
        date(2026, 12, 30),
    ]
    page = await (await client.get("/availability?saved=1", params={"lang": "ru"})).text()
    assert "Расписание сохранено." in page
    # The vacation shows again as one from-to row, the single day off as another.
    assert 'name="off-0-from" type="date" value="2026-12-10"' in page
    assert 'name="off-1-from" type="date" value="2026-12-28"' in page
    assert 'name="off-1-to" type="date" value="2026-12-30"' in page


async def test_lawyer_typing_an_end_before_the_start_sees_the_message_beside_that_row_and_nothing_saved(
    client_at: ClientAt, factory: Factory, db: asyncpg.Connection
) -> None:
    lawyer = await factory.lawyer(weekly=[(1, "09:00", "13:00")])
    client = await client_at(NOW)
    csrf = await login(client, lawyer)
    form = form_of(
        csrf,
        **{"weekly-0-weekday": "1", "weekly-0-start": "", "weekly-0-end": ""},
        **{"weekly-1-weekday": "2", "weekly-1-start": "18:00", "weekly-1-end": "09:00"},
        languages="ru",
    )
    response = await client.post("/availability", data=form, params={"lang": "kk"})
    assert response.status == 400
    page = await response.text()
    # The empty first row is dropped, so the wrong one comes back as row 0 with its message.
    assert '<p class="field-error" id="weekly-0-end-error">Аяқталуы басталуынан ерте.</p>' in page
    assert 'value="18:00" aria-invalid="true"' not in page
    assert (
        await db.fetchval("SELECT count(*) FROM availability_weekly WHERE lawyer_id = $1", lawyer["id"]) == 1
    )


async def test_more_rows_shows_the_form_again_with_room_to_type_and_saves_nothing(
    client_at: ClientAt, factory: Factory, db: asyncpg.Connection
) -> None:
    lawyer = await factory.lawyer(weekly=[(1, "09:00", "13:00")])
    client = await client_at(NOW)
    csrf = await login(client, lawyer)
    form = form_of(
        csrf, more="weekly", **{"weekly-0-weekday": "2", "weekly-0-start": "10:00", "weekly-0-end": "11:00"}
    )
    response = await client.post("/availability", data={**form, "languages": "ru"})
    page = await response.text()
    assert response.status == 200
    assert 'name="weekly-0-start" type="time" value="10:00"' in page
    assert 'name="weekly_rows" value="7"' in page  # the typed row and six empty ones
    assert (
        await db.fetchval("SELECT weekday FROM availability_weekly WHERE lawyer_id = $1", lawyer["id"]) == 1
    )
