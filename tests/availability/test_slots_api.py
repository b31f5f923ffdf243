"""GET /api/v1/slots, /topics and /lawyers: the same instants in every zone, and clear refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import asyncpg

from consult.availability.slots import Rules, ServiceRules, WeeklyRange, available_slots, date_window
from tests.availability.conftest import ClientAt
from tests.conftest import Factory

EVERY_DAY = [(d, "09:00", "11:00") for d in range(1, 8)]


async def get_slots(client: Any, **params: str) -> tuple[int, Any]:
    response = await client.get("/api/v1/slots", params=params)
    return response.status, await response.json()


def starts(body: dict[str, Any]) -> list[str]:
    return [s["start"] for s in body["slots"]]


async def test_member_in_moscow_sees_an_almaty_lawyers_morning_at_the_same_instants_with_plus_three(
    client_at: ClientAt, factory: Factory
) -> None:
    lawyer = await factory.lawyer(timezone="Asia/Almaty", weekly=EVERY_DAY)
    client = await client_at(datetime(2026, 12, 1, 3, tzinfo=UTC))
    status, moscow = await get_slots(
        client, topic="dismissal", tz="Europe/Moscow", **{"from": "2026-12-03", "to": "2026-12-03"}
    )
    assert status == 200
    assert moscow == {
        "slots": [
            {
                "start": f"2026-12-03T{hm}:00+03:00",
                "end": f"2026-12-03T{end}:00+03:00",
                "lawyer_id": lawyer["id"],
            }
            for hm, end in (("07:00", "07:30"), ("07:30", "08:00"), ("08:00", "08:30"), ("08:30", "09:00"))
        ]
    }
    status, almaty = await get_slots(
        client, topic="dismissal", tz="Asia/Almaty", **{"from": "2026-12-03", "to": "2026-12-03"}
    )
    assert starts(almaty) == [
        "2026-12-03T09:00:00+05:00",
        "2026-12-03T09:30:00+05:00",
        "2026-12-03T10:00:00+05:00",
        "2026-12-03T10:30:00+05:00",
    ]
    assert [datetime.fromisoformat(s) for s in starts(moscow)] == [
        datetime.fromisoformat(s) for s in starts(almaty)
    ]


async def test_member_in_berlin_sees_an_aqtobe_lawyer_an_hour_later_after_europe_springs_forward(
    client_at: ClientAt, factory: Factory
) -> None:
    await factory.lawyer(timezone="Asia/Aqtobe", weekly=[(d, "09:00", "10:00") for d in range(1, 8)])
    client = await client_at(datetime(2026, 3, 20, tzinfo=UTC))
    status, body = await get_slots(
        client, topic="dismissal", tz="Europe/Berlin", **{"from": "2026-03-28", "to": "2026-03-30"}
    )
    assert status == 200
    # 09:00 in Aqtobe (UTC+5, no DST) is 04:00 UTC: 05:00 in Berlin in winter, 06:00 from 29 March.
    assert starts(body) == [
        "2026-03-28T05:00:00+01:00",
        "2026-03-28T05:30:00+01:00",
        "2026-03-29T06:00:00+02:00",
        "2026-03-29T06:30:00+02:00",
        "2026-03-30T06:00:00+02:00",
        "2026-03-30T06:30:00+02:00",
    ]


async def test_member_in_berlin_sees_an_aqtobe_lawyers_extra_hours_on_republic_day_as_europe_falls_back(
    client_at: ClientAt, factory: Factory, db: asyncpg.Connection
) -> None:
    lawyer = await factory.lawyer(timezone="Asia/Aqtobe", weekly=[(d, "09:00", "10:00") for d in range(1, 8)])
    # 25 October is Republic Day (and 26 October its observed Monday): days off unless the lawyer adds hours.
    await db.execute(
        "INSERT INTO availability_exceptions (lawyer_id, day, available, starts, ends) VALUES ($1, $2, true, $3, $4)",
        lawyer["id"],
        date(2026, 10, 25),
        time(9),
        time(10),
    )
    client = await client_at(datetime(2026, 10, 20, tzinfo=UTC))
    status, body = await get_slots(
        client, topic="dismissal", tz="Europe/Berlin", **{"from": "2026-10-24", "to": "2026-10-27"}
    )
    assert status == 200
    assert starts(body) == [
        "2026-10-24T06:00:00+02:00",
        "2026-10-24T06:30:00+02:00",
        "2026-10-25T05:00:00+01:00",
        "2026-10-25T05:30:00+01:00",
        "2026-10-27T05:00:00+01:00",
        "2026-10-27T05:30:00+01:00",
    ]


async def test_member_in_aqtobe_sees_a_berlin_lawyers_night_shift_without_the_hour_that_never_exists(
    client_at: ClientAt, factory: Factory
) -> None:
    await factory.lawyer(timezone="Europe/Berlin", weekly=[(7, "01:00", "04:00")])
    client = await client_at(datetime(2026, 3, 20, tzinfo=UTC))
    status, body = await get_slots(
        client, topic="dismissal", tz="Asia/Aqtobe", **{"from": "2026-03-29", "to": "2026-03-29"}
    )
    assert status == 200
    # 01:00-02:00 CET and 03:00-04:00 CEST are back to back in real time; 02:00-03:00 never happens.
    assert starts(body) == [
        "2026-03-29T05:00:00+05:00",
        "2026-03-29T05:30:00+05:00",
        "2026-03-29T06:00:00+05:00",
        "2026-03-29T06:30:00+05:00",
    ]


async def test_almaty_lawyers_nine_oclock_is_an_hour_later_in_utc_from_2024_03_01_through_the_api(
    client_at: ClientAt, factory: Factory
) -> None:
    await factory.lawyer(timezone="Asia/Almaty", weekly=[(d, "09:00", "10:00") for d in range(1, 8)])
    client = await client_at(datetime(2024, 2, 26, tzinfo=UTC))
    status, body = await get_slots(
        client, topic="dismissal", tz="UTC", **{"from": "2024-02-29", "to": "2024-03-01"}
    )
    assert status == 200
    assert starts(body) == [
        "2024-02-29T03:00:00+00:00",
        "2024-02-29T03:30:00+00:00",
        "2024-03-01T04:00:00+00:00",
        "2024-03-01T04:30:00+00:00",
    ]


def test_almaty_lawyer_seen_from_moscow_around_2024_03_01_in_the_pure_engine() -> None:
    rules = Rules("Asia/Almaty", 30, 0, [WeeklyRange(d, time(9), time(10)) for d in range(1, 8)], [])
    start, end = date_window(date(2024, 2, 28), date(2024, 3, 2), "Europe/Moscow")
    now = datetime(2024, 2, 1, tzinfo=UTC)
    slots = available_slots(
        rules, [], set(), start, end, now, ServiceRules(timedelta(hours=2), timedelta(days=60))
    )
    moscow = [s.astimezone(start.tzinfo).isoformat() for s, _e in slots]
    shown = [datetime.fromisoformat(s).astimezone(UTC).strftime("%m-%d %H:%M") for s in moscow]
    # UTC+6 until 29 February, UTC+5 from 1 March: 09:00 is 03:00 UTC, then 04:00 UTC.
    assert shown == [
        "02-28 03:00", "02-28 03:30", "02-29 03:00", "02-29 03:30",
        "03-01 04:00", "03-01 04:30", "03-02 04:00", "03-02 04:30",
    ]  # fmt: skip


async def test_member_is_offered_only_free_times_and_any_lawyer_merges_the_topics_lawyers(
    client_at: ClientAt, factory: Factory
) -> None:
    almaty = await factory.lawyer(timezone="Asia/Almaty", weekly=EVERY_DAY, buffer_minutes=30)
    moscow = await factory.lawyer(
        timezone="Europe/Moscow", weekly=[(d, "09:00", "10:00") for d in range(1, 8)]
    )
    await factory.lawyer(topics=("pay",), weekly=EVERY_DAY)  # another topic: never offered here
    # 09:30-10:00 booked; its 30-minute pause takes 09:00 and 10:00 too.
    await factory.booking(almaty, start=datetime(2026, 12, 3, 4, 30, tzinfo=UTC))
    client = await client_at(datetime(2026, 12, 1, 3, tzinfo=UTC))
    window = {"from": "2026-12-03", "to": "2026-12-03"}
    status, body = await get_slots(client, topic="dismissal", tz="Asia/Almaty", **window)
    assert status == 200
    assert [(s["start"][11:16], s["lawyer_id"]) for s in body["slots"]] == [
        ("10:30", almaty["id"]),
        ("11:00", moscow["id"]),  # 09:00 in Moscow
        ("11:30", moscow["id"]),
    ]
    status, body = await get_slots(
        client, topic="dismissal", tz="Asia/Almaty", lawyer=str(almaty["id"]), **window
    )
    assert [(s["start"][11:16], s["lawyer_id"]) for s in body["slots"]] == [("10:30", almaty["id"])]


async def test_without_dates_the_member_sees_today_up_to_the_booking_horizon(
    client_at: ClientAt, factory: Factory
) -> None:
    await factory.lawyer(weekly=EVERY_DAY)
    now = datetime(2026, 12, 1, 3, tzinfo=UTC)
    client = await client_at(now, horizon_days=10, min_notice_minutes=120)
    status, body = await get_slots(client, topic="dismissal", tz="Asia/Almaty")
    assert status == 200
    instants = [datetime.fromisoformat(s) for s in starts(body)]
    # 1 December 09:00 Almaty is 04:00 UTC, under two hours away: the first is 10:00 (05:00 UTC).
    assert instants[0] == datetime(2026, 12, 1, 5, tzinfo=UTC)
    assert instants[-1] <= now + timedelta(days=10)
    days = {i.astimezone(UTC).date() for i in instants}
    assert max(days) == date(2026, 12, 10)


async def test_a_window_over_62_days_is_refused_and_62_days_is_fine(
    client_at: ClientAt, factory: Factory
) -> None:
    await factory.lawyer(weekly=EVERY_DAY)
    client = await client_at(datetime(2026, 12, 1, 3, tzinfo=UTC), horizon_days=365)
    status, body = await get_slots(
        client, topic="dismissal", lang="en", **{"from": "2026-12-01", "to": "2027-02-02"}
    )
    assert status == 400
    assert body == {
        "error": {
            "code": "invalid",
            "message": "Some fields need attention.",
            "fields": {"to": "Ask for at most 62 days at once."},
        }
    }
    status, body = await get_slots(client, topic="dismissal", **{"from": "2026-12-01", "to": "2027-02-01"})
    assert status == 200 and body["slots"]


async def test_an_unknown_zone_is_refused_in_the_readers_language(client_at: ClientAt) -> None:
    client = await client_at(datetime(2026, 12, 1, 3, tzinfo=UTC))
    status, body = await get_slots(client, topic="dismissal", tz="Mars/Olympus", lang="ru")
    assert status == 400
    assert body["error"]["fields"] == {"tz": "Неизвестный часовой пояс."}
    status, body = await get_slots(client, topic="dismissal", tz="../../etc/passwd", lang="kk")
    assert status == 400
    assert body["error"]["fields"] == {"tz": "Белгісіз сағат белдеуі."}


async def test_an_unknown_topic_is_not_found_and_a_missing_one_is_a_bad_request(client_at: ClientAt) -> None:
    client = await client_at(datetime(2026, 12, 1, 3, tzinfo=UTC))
    status, body = await get_slots(client, topic="astrology", lang="en")
    assert (status, body) == (404, {"error": {"code": "not_found", "message": "There is no such topic."}})
    status, body = await get_slots(client, lang="en")
    assert status == 400
    assert body["error"]["fields"] == {"topic": "Required."}


async def test_bad_dates_a_past_start_and_a_bad_lawyer_id_are_refused(client_at: ClientAt) -> None:
    client = await client_at(datetime(2026, 12, 1, 3, tzinfo=UTC))
    cases = [
        ({"from": "03.12.2026"}, {"from": "Use a date in the form YYYY-MM-DD."}),
        ({"from": "2026-02-30"}, {"from": "Use a date in the form YYYY-MM-DD."}),
        ({"from": "2026-11-30"}, {"from": "The date is in the past."}),
        ({"from": "2026-12-05", "to": "2026-12-04"}, {"to": "The last day comes before the first."}),
        ({"lawyer": "abc"}, {"lawyer": "A lawyer is given by their id, a whole number."}),
        ({"lawyer": "-3"}, {"lawyer": "A lawyer is given by their id, a whole number."}),
    ]
    for params, fields in cases:
        status, body = await get_slots(client, topic="dismissal", lang="en", **params)
        assert (status, body["error"]["fields"]) == (400, fields), params


async def test_topics_and_lawyer_profiles_speak_the_readers_language(
    client: Any, factory: Factory, db: asyncpg.Connection
) -> None:
    lawyer = await factory.lawyer(topics=("pay", "dismissal"), languages=("kk", "ru"), name="Айгүл Сәрсенова")
    await db.execute(
        "UPDATE lawyers SET bio_ru = 'Юрист', bio_kk = 'Заңгер' WHERE user_id = $1", lawyer["id"]
    )
    await factory.lawyer(topics=("leave",))
    response = await client.get("/api/v1/topics", headers={"Accept-Language": "kk"})
    topics = await response.json()
    assert topics[0] == {"slug": "dismissal", "name": "Жұмыстан шығару және қысқарту"}
    assert len(topics) == 12
    response = await client.get("/api/v1/lawyers", params={"topic": "pay", "lang": "kk"})
    assert await response.json() == [
        {
            "id": lawyer["id"],
            "name": "Айгүл Сәрсенова",
            "languages": ["kk", "ru"],
            "topics": ["dismissal", "pay"],
            "bio": "Заңгер",
        }
    ]
    response = await client.get("/api/v1/lawyers", params={"topic": "pay", "lang": "en"})
    assert (await response.json())[0]["bio"] == "Юрист"  # no English bio yet: Russian stands in
    response = await client.get("/api/v1/lawyers")
    assert len(await response.json()) == 2
    response = await client.get("/api/v1/lawyers", params={"topic": "nope"})
    assert response.status == 404
