"""The join page: the three windows, cancelled and moved bookings, rooms, and each provider."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import asyncpg
import jwt
import pytest
from aiohttp.test_utils import TestClient
from yarl import URL

from consult.links import join_token, register_join_links
from consult.settings import Settings
from consult.video.service import end_meeting
from tests.conftest import Factory, free_port
from tests.video.conftest import BBB_SECRET, FakeBigBlueButton, MakeClient, settings_of


def minutes_from_now(minutes: int) -> datetime:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).replace(second=0, microsecond=0)


async def book(
    factory: Factory,
    db: asyncpg.Connection,
    settings: Settings,
    start: datetime,
    *,
    lawyer: dict[str, Any] | None = None,
    status: str = "confirmed",
) -> dict[str, Any]:
    """A booking with its join links registered, as the booking capability leaves it."""
    lawyer = lawyer or await factory.lawyer(name="Айгүл Сәрсенова")
    booking = await factory.booking(lawyer, start=start, status=status)
    await register_join_links(db, settings, booking)
    return booking


def join_path(settings: Settings, booking: dict[str, Any], role: str) -> str:
    return f"/join/{join_token(settings, booking, role)}"


async def visit(
    client: TestClient, settings: Settings, booking: dict[str, Any], role: str, lang: str = "en"
) -> aiohttp.ClientResponse:
    """Open a participant's join link as a browser would, without following the redirect."""
    return await client.get(join_path(settings, booking, role), params={"lang": lang}, allow_redirects=False)


async def room_of(db: asyncpg.Connection, booking: dict[str, Any]) -> asyncpg.Record | None:
    return await db.fetchrow(
        "SELECT provider, room, ended_at FROM video_rooms WHERE booking_id = $1", booking["id"]
    )


async def test_member_before_the_window_sees_the_time_in_her_zone_and_a_countdown(
    client: TestClient, factory: Factory, db: asyncpg.Connection, settings: Settings
) -> None:
    start = (datetime.now(UTC) + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    booking = await book(factory, db, settings, start)

    response = await visit(client, settings, booking, "member")

    assert response.status == 200
    page = await response.text()
    assert '<h1 id="join-heading">Your consultation is not open yet</h1>' in page
    assert f"It starts on {start.strftime('%A')}, {start.day} {start.strftime('%B %Y')}, 15:00." in page
    assert "Times are shown in: Kazakhstan" in page
    assert re.search(r"The call opens in \d days, 10 minutes before the start\.", page)
    seconds_left = int(re.search(r'data-seconds-left="(\d+)"', page).group(1))  # type: ignore[union-attr]
    assert abs(seconds_left - (start - timedelta(minutes=10) - datetime.now(UTC)).total_seconds()) < 5
    assert '<script src="/static/video-countdown.js" defer></script>' in page
    assert f'href="{join_path(settings, booking, "member")}">Check again</a>' in page
    assert 'http-equiv="refresh"' not in page  # days away: no reloading without JavaScript
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    assert await room_of(db, booking) is None


async def test_lawyer_sees_the_same_consultation_in_his_own_zone(
    client: TestClient, factory: Factory, db: asyncpg.Connection, settings: Settings
) -> None:
    lawyer = await factory.lawyer(timezone="Europe/Moscow", name="Ерлан Ахметов")
    start = (datetime.now(UTC) + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    booking = await book(factory, db, settings, start, lawyer=lawyer)

    response = await client.get(join_path(settings, booking, "lawyer"), params={"lang": "en"})

    page = await response.text()
    assert response.status == 200
    assert f"{start.day} {start.strftime('%B %Y')}, 13:00." in page
    assert "Times are shown in: Russia (Moscow)" in page or "Moscow" in page


async def test_the_page_speaks_the_members_booking_language_unless_she_chose_another(
    client: TestClient, factory: Factory, db: asyncpg.Connection, settings: Settings
) -> None:
    booking = await book(factory, db, settings, minutes_from_now(3 * 24 * 60))
    path = join_path(settings, booking, "member")

    russian = await (await client.get(path)).text()
    kazakh = await (await client.get(path, params={"lang": "kk"})).text()
    english = await (await client.get(path, params={"lang": "en"})).text()

    assert '<html lang="ru">' in russian and "Подключение к консультации ещё не открыто" in russian
    assert '<html lang="kk">' in kazakh and "Кеңеске қосылу әлі ашылған жоқ" in kazakh
    assert '<html lang="en">' in english and "Your consultation is not open yet" in english


async def test_in_the_last_hour_the_waiting_page_reloads_itself_without_javascript(
    client: TestClient, factory: Factory, db: asyncpg.Connection, settings: Settings
) -> None:
    booking = await book(factory, db, settings, minutes_from_now(45))

    page = await (await client.get(join_path(settings, booking, "member"))).text()

    assert '<meta http-equiv="refresh" content="300">' in page


async def test_during_the_window_both_people_go_straight_into_one_fresh_jitsi_room(
    client: TestClient, factory: Factory, db: asyncpg.Connection, settings: Settings
) -> None:
    member_row = await factory.user("member", name="Марат Жумабаев", password=None)
    booking = await factory.booking(await factory.lawyer(), member=member_row, start=minutes_from_now(5))
    await register_join_links(db, settings, booking)

    member = await client.get(join_path(settings, booking, "member"), allow_redirects=False)
    lawyer = await client.get(join_path(settings, booking, "lawyer"), allow_redirects=False)

    room = await room_of(db, booking)
    assert room is not None and room["provider"] == "jitsi" and room["ended_at"] is None
    assert re.fullmatch(r"[a-z2-7]{32}", room["room"])
    assert member.status == 303 and lawyer.status == 303
    # The display name travels in the fragment only: "Марат Жумабаев" as a JSON string, percent-encoded.
    name = "%22%D0%9C%D0%B0%D1%80%D0%B0%D1%82%20%D0%96%D1%83%D0%BC%D0%B0%D0%B1%D0%B0%D0%B5%D0%B2%22"
    assert member.headers["Location"] == f"https://meet.jit.si/{room['room']}#userInfo.displayName={name}"
    assert lawyer.headers["Location"].startswith(f"https://meet.jit.si/{room['room']}#")
    assert member.headers["Referrer-Policy"] == "no-referrer"


async def test_with_token_authentication_each_person_gets_a_signed_jitsi_link(
    video_client: MakeClient, factory: Factory, db: asyncpg.Connection
) -> None:
    client = await video_client(
        jitsi_base_url="https://meet.union.kz", jitsi_app_id="consult", jitsi_app_secret="j" * 32
    )
    settings = settings_of(client)
    lawyer = await factory.lawyer(name="Айгүл Сәрсенова")
    booking = await book(factory, db, settings, minutes_from_now(5), lawyer=lawyer)

    response = await client.get(join_path(settings, booking, "lawyer"), allow_redirects=False)

    room = await room_of(db, booking)
    assert room is not None
    location = response.headers["Location"]
    assert response.status == 303 and location.startswith(f"https://meet.union.kz/{room['room']}?jwt=")
    claims = jwt.decode(location.partition("?jwt=")[2], "j" * 32, algorithms=["HS256"], audience="jitsi")
    assert claims["iss"] == "consult" and claims["sub"] == "meet.union.kz" and claims["room"] == room["room"]
    assert claims["context"] == {"user": {"name": "Айгүл Сәрсенова", "moderator": True}}
    assert claims["exp"] == int((booking["ends_at"] + timedelta(minutes=30)).timestamp())
    assert claims["nbf"] <= datetime.now(UTC).timestamp() <= claims["exp"]


async def test_after_the_window_the_page_says_the_consultation_has_ended(
    client: TestClient, factory: Factory, db: asyncpg.Connection, settings: Settings
) -> None:
    booking = await book(factory, db, settings, minutes_from_now(-61))  # ended 31 minutes ago

    response = await visit(client, settings, booking, "member")

    assert response.status == 410
    page = await response.text()
    assert '<h1 id="join-heading">This consultation has ended</h1>' in page
    assert '<a class="button primary" href="/book">Book another consultation</a>' in page
    assert "Location" not in response.headers
    assert await room_of(db, booking) is None


async def test_a_completed_consultation_no_longer_opens_even_inside_the_window(
    client: TestClient, factory: Factory, db: asyncpg.Connection, settings: Settings
) -> None:
    booking = await book(factory, db, settings, minutes_from_now(-10), status="completed")

    response = await visit(client, settings, booking, "lawyer")

    assert response.status == 410
    assert "This consultation has ended" in await response.text()


async def test_a_cancelled_bookings_old_join_link_no_longer_redirects(
    client: TestClient, factory: Factory, db: asyncpg.Connection, settings: Settings
) -> None:
    booking = await book(factory, db, settings, minutes_from_now(5))
    path = join_path(settings, booking, "member")
    assert (await client.get(path, allow_redirects=False)).status == 303

    # The booking capability cancels (a new SEQUENCE for the CANCEL invite), then tears the meeting down.
    await db.execute(
        "UPDATE bookings SET status = 'cancelled', cancelled_by = 'member', ical_sequence = ical_sequence + 1 "
        "WHERE id = $1",
        booking["id"],
    )
    assert await end_meeting(db, settings, booking["id"]) is True
    assert await end_meeting(db, settings, booking["id"]) is False  # safe to call twice

    for role in ("member", "lawyer"):
        response = await visit(client, settings, booking, role)
        assert response.status == 410
        assert "Location" not in response.headers
        page = await response.text()
        assert '<h1 id="join-heading">This consultation was cancelled</h1>' in page
        assert '<a class="button primary" href="/book">Book a new consultation</a>' in page
    room = await room_of(db, booking)
    assert room is not None and room["ended_at"] is not None


async def test_a_moved_bookings_old_link_says_moved_and_the_new_link_leads_on(
    client: TestClient, factory: Factory, db: asyncpg.Connection, settings: Settings
) -> None:
    booking = await book(factory, db, settings, minutes_from_now(5))
    old_path = join_path(settings, booking, "member")
    new_start = (datetime.now(UTC) + timedelta(days=3)).replace(hour=6, minute=0, second=0, microsecond=0)
    moved = dict(
        await db.fetchrow(
            "UPDATE bookings SET starts_at = $2, ends_at = $2::timestamptz + interval '30 minutes', "
            "blocked_until = $2::timestamptz + interval '30 minutes', ical_sequence = ical_sequence + 1 "
            "WHERE id = $1 RETURNING *",
            booking["id"],
            new_start,
        )
    )
    await register_join_links(db, settings, moved)

    old = await client.get(old_path, params={"lang": "en"}, allow_redirects=False)
    new = await visit(client, settings, moved, "member")

    assert old.status == 410 and "Location" not in old.headers
    page = await old.text()
    assert '<h1 id="join-heading">This consultation was moved</h1>' in page
    assert (
        f"It now starts on {new_start.strftime('%A')}, {new_start.day} {new_start.strftime('%B %Y')}, 11:00."
        in page
    )
    assert "Please use the join link in the latest email about this consultation." in page
    assert new.status == 200 and "Your consultation is not open yet" in await new.text()


async def test_two_bookings_never_share_a_room(
    client: TestClient, factory: Factory, db: asyncpg.Connection, settings: Settings
) -> None:
    first = await book(factory, db, settings, minutes_from_now(5))
    second = await book(factory, db, settings, minutes_from_now(5))  # another lawyer, the same time

    locations = {}
    for booking in (first, second, first):
        response = await client.get(join_path(settings, booking, "member"), allow_redirects=False)
        locations.setdefault(booking["id"], set()).add(response.headers["Location"].partition("#")[0])

    rooms = {b["id"]: (await room_of(db, b))["room"] for b in (first, second)}  # type: ignore[index]
    assert rooms[first["id"]] != rooms[second["id"]]
    assert locations == {
        first["id"]: {f"https://meet.jit.si/{rooms[first['id']]}"},  # the same room on every visit
        second["id"]: {f"https://meet.jit.si/{rooms[second['id']]}"},
    }
    # PostgreSQL itself refuses a second booking in a room that is taken.
    third = await factory.booking(await factory.lawyer(), start=minutes_from_now(600))
    with pytest.raises(asyncpg.UniqueViolationError):
        await db.execute(
            "INSERT INTO video_rooms (booking_id, provider, room) VALUES ($1, 'jitsi', $2)",
            third["id"],
            rooms[first["id"]],
        )


async def test_an_unknown_join_link_shows_the_not_found_page(client: TestClient) -> None:
    response = await client.get("/join/not-a-real-token", params={"lang": "en"})
    assert response.status == 404
    assert "<h1>Page not found</h1>" in await response.text()
    assert (await client.get("/join/" + "x" * 300)).status == 404


async def test_an_unconfirmed_booking_does_not_open_the_call(
    client: TestClient, factory: Factory, db: asyncpg.Connection, settings: Settings
) -> None:
    booking = await book(factory, db, settings, minutes_from_now(5), status="pending")

    response = await visit(client, settings, booking, "member")

    assert response.status == 200
    page = await response.text()
    assert '<h1 id="join-heading">This booking is not confirmed yet</h1>' in page
    assert "Please confirm it with the link in the email we sent you." in page


async def test_without_video_the_page_says_the_consultation_is_by_phone(
    video_client: MakeClient, factory: Factory, db: asyncpg.Connection
) -> None:
    client = await video_client(provider="none")
    settings = settings_of(client)
    booking = await book(factory, db, settings, minutes_from_now(5))
    await db.execute("UPDATE bookings SET member_phone = '+77011234567' WHERE id = $1", booking["id"])

    member = await visit(client, settings, booking, "member")
    lawyer = await visit(client, settings, booking, "lawyer")

    assert member.status == 200 and lawyer.status == 200
    member_page, lawyer_page = await member.text(), await lawyer.text()
    assert '<h1 id="join-heading">Consultation by phone or in person</h1>' in member_page
    assert "There is no video call: the lawyer will call you at the agreed time." in member_page
    assert "+77011234567" not in member_page
    assert '<a href="tel:+77011234567">+77011234567</a>' in lawyer_page
    assert await room_of(db, booking) is None

    later = await book(factory, db, settings, minutes_from_now(3 * 24 * 60))
    waiting = await (await visit(client, settings, later, "member")).text()
    assert "There is no video call: the lawyer will call you at the agreed time." in waiting
    assert "The call opens" not in waiting and "video-countdown.js" not in waiting


async def test_a_lawyers_personal_room_replaces_the_provider(
    client: TestClient, factory: Factory, db: asyncpg.Connection, settings: Settings
) -> None:
    lawyer = await factory.lawyer()
    await db.execute(
        "UPDATE lawyers SET room_url = 'https://zoom.example/j/123' WHERE user_id = $1", lawyer["id"]
    )
    booking = await book(factory, db, settings, minutes_from_now(5), lawyer=lawyer)

    for role in ("member", "lawyer"):
        response = await client.get(join_path(settings, booking, role), allow_redirects=False)
        assert (response.status, response.headers["Location"]) == (303, "https://zoom.example/j/123")
    assert await room_of(db, booking) is None


async def test_bigbluebutton_creates_the_meeting_on_first_join_and_lets_both_in(
    video_client: MakeClient, factory: Factory, db: asyncpg.Connection, bbb: FakeBigBlueButton
) -> None:
    client = await video_client(provider="bigbluebutton", bbb_url=bbb.url, bbb_secret=BBB_SECRET)
    settings = settings_of(client)
    lawyer = await factory.lawyer(name="Айгүл Сәрсенова")
    booking = await book(factory, db, settings, minutes_from_now(5), lawyer=lawyer)

    lawyer_join = await client.get(join_path(settings, booking, "lawyer"), allow_redirects=False)
    member_join = await client.get(join_path(settings, booking, "member"), allow_redirects=False)

    room = await room_of(db, booking)
    assert room is not None and room["provider"] == "bigbluebutton"
    assert lawyer_join.status == 303 and member_join.status == 303
    assert lawyer_join.headers["Location"].startswith(f"{bbb.url}api/join?fullName=")
    # Following the redirects, as the browsers would: the look-alike checks each checksum and password.
    async with aiohttp.ClientSession() as browser:
        async with browser.get(URL(lawyer_join.headers["Location"], encoded=True)) as entered:
            assert await entered.text() == f"in meeting {room['room']} as MODERATOR: Айгүл Сәрсенова"
        async with browser.get(URL(member_join.headers["Location"], encoded=True)) as entered:
            assert await entered.text() == f"in meeting {room['room']} as VIEWER: {booking['member_name']}"
    assert bbb.rejected == []
    assert [call for call, _params in bbb.calls] == ["create", "create", "join", "join"]
    assert list(bbb.meetings) == [room["room"]]
    created = bbb.meetings[room["room"]]
    assert created["name"] == "Consultation" and created["record"] == "false"
    assert created["attendeePW"] != created["moderatorPW"]

    # Cancelling tears the meeting down at the provider, once.
    await db.execute("UPDATE bookings SET status = 'cancelled' WHERE id = $1", booking["id"])
    assert await end_meeting(db, settings, booking["id"]) is True
    assert await end_meeting(db, settings, booking["id"]) is False
    assert [call for call, _params in bbb.calls].count("end") == 1
    assert bbb.meetings == {}


async def test_when_bigbluebutton_is_down_the_person_gets_a_retry_page_and_the_booking_stands(
    video_client: MakeClient,
    factory: Factory,
    db: asyncpg.Connection,
    bbb: FakeBigBlueButton,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bbb.failing = True
    broken = await video_client(provider="bigbluebutton", bbb_url=bbb.url, bbb_secret=BBB_SECRET)
    unreachable = await video_client(
        provider="bigbluebutton", bbb_url=f"http://127.0.0.1:{free_port()}/bigbluebutton/", bbb_secret="x"
    )
    settings = settings_of(broken)
    booking = await book(factory, db, settings, minutes_from_now(5))
    path = join_path(settings, booking, "member")

    with caplog.at_level(logging.INFO, logger="consult.video"):
        for client in (broken, unreachable):
            response = await client.get(path, params={"lang": "en"}, allow_redirects=False)
            assert response.status == 503
            assert response.headers["Retry-After"] == "15"
            page = await response.text()
            assert "<h1>The video call is not available right now</h1>" in page
            assert "Your consultation is still booked." in page
            assert f'<a class="button primary" href="{path}">Try again</a>' in page

    assert await db.fetchval("SELECT status FROM bookings WHERE id = $1", booking["id"]) == "confirmed"
    failures = [r for r in caplog.records if r.getMessage() == "video provider failed"]
    assert len(failures) == 2 and {r.booking_id for r in failures} == {booking["id"]}  # type: ignore[attr-defined]
    logged = " ".join(str(r.__dict__) for r in caplog.records)
    for secret in (booking["member_name"], booking["member_email"], join_token(settings, booking, "member")):
        assert secret not in logged

    bbb.failing = False  # the service is back: the same link now works
    response = await broken.get(path, allow_redirects=False)
    assert response.status == 303


async def test_a_cancelled_bigbluebutton_booking_ends_its_meeting(
    video_client: MakeClient, factory: Factory, db: asyncpg.Connection, bbb: FakeBigBlueButton
) -> None:
    from consult.video.jobs import end_meetings_job
    from tests.conftest import login

    client = await video_client(provider="bigbluebutton", bbb_url=bbb.url, bbb_secret=BBB_SECRET)
    settings = settings_of(client)
    lawyer = await factory.lawyer(name="Айгүл Сәрсенова")
    booking = await book(factory, db, settings, minutes_from_now(5), lawyer=lawyer)
    joined = await client.get(join_path(settings, booking, "lawyer"), allow_redirects=False)
    assert joined.status == 303
    room = await room_of(db, booking)
    assert room is not None and list(bbb.meetings) == [room["room"]]

    # Nothing to end while the consultation stands.
    assert await end_meetings_job(client.app) == 0
    assert bbb.meetings != {}

    csrf = await login(client, lawyer)
    cancelled = await client.post(
        f"/api/v1/bookings/{booking['id']}/cancel", json={"reason": "ill"}, headers={"X-CSRF-Token": csrf}
    )
    assert cancelled.status == 200, await cancelled.text()

    # The video job (every half minute in the workers) ends it at the provider, once.
    assert await end_meetings_job(client.app) == 1
    assert await end_meetings_job(client.app) == 0
    assert [call for call, _params in bbb.calls].count("end") == 1
    assert bbb.meetings == {}
    ended = await room_of(db, booking)
    assert ended is not None and ended["ended_at"] is not None
