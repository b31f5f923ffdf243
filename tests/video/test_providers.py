"""Providers and the join window, without a database or a server."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from consult.settings import Video
from consult.video.providers import (
    BigBlueButtonProvider,
    JitsiProvider,
    Meeting,
    Participant,
    bbb_checksum,
    new_room_name,
)
from consult.video.window import JoinState, join_state
from tests.video.conftest import BBB_SECRET

START = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
END = START + timedelta(minutes=30)
MEETING = Meeting(7, "k5qvxw2yb3nzr7mfa4ht6cjdle2ps5ou", START, END)


async def test_jitsi_token_decodes_with_the_secret_and_names_the_room_the_person_and_the_lawyer_as_moderator() -> (
    None
):
    video = Video(jitsi_base_url="https://meet.union.kz/", jitsi_app_id="consult", jitsi_app_secret="s" * 32)
    provider = JitsiProvider(video)
    now = datetime.now(UTC).replace(microsecond=0)
    end = now + timedelta(minutes=35)
    meeting = Meeting(7, MEETING.room, now + timedelta(minutes=5), end)

    lawyer_url = await provider.join_url(meeting, Participant("lawyer", "Айгүл Сәрсенова"), now)
    member_url = await provider.join_url(meeting, Participant("member", "Марат Ж."), now)

    assert lawyer_url.startswith(f"https://meet.union.kz/{MEETING.room}?jwt=")
    lawyer = jwt.decode(
        lawyer_url.partition("?jwt=")[2], "s" * 32, algorithms=["HS256"], audience="jitsi", issuer="consult"
    )
    iat = int(now.timestamp())
    assert lawyer == {
        "aud": "jitsi",
        "iss": "consult",
        "sub": "meet.union.kz",
        "room": MEETING.room,
        "iat": iat,
        "nbf": iat - 60,
        "exp": int((end + timedelta(minutes=30)).timestamp()),
        "context": {"user": {"name": "Айгүл Сәрсенова", "moderator": True}},
    }
    member = jwt.decode(member_url.partition("?jwt=")[2], "s" * 32, algorithms=["HS256"], audience="jitsi")
    assert member["context"] == {"user": {"name": "Марат Ж.", "moderator": False}}
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(member_url.partition("?jwt=")[2], "wrong" * 8, algorithms=["HS256"], audience="jitsi")


async def test_jitsi_without_token_authentication_gives_a_plain_room_link() -> None:
    provider = JitsiProvider(Video())
    url = await provider.join_url(MEETING, Participant("member", "Марат"), START)
    assert (
        url == f"https://meet.jit.si/{MEETING.room}#userInfo.displayName=%22%D0%9C%D0%B0%D1%80%D0%B0%D1%82%22"
    )


def test_bigbluebutton_checksum_follows_the_documented_rule() -> None:
    # The API documentation's example: checksum = hash("create" + query string + shared secret).
    query = "name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444"
    # printf '%s' "create${query}${secret}" | sha256sum
    assert bbb_checksum("create", query, BBB_SECRET) == (
        "da9185f7f333cfdfcd6eeac32dca3777510c4c436020d8b887ba5515bd1d189e"
    )
    # printf '%s' 'joinfullName=Lawyer%20One&meetingID=abc123&role=MODERATOR&password=333444&redirect=true<secret>' | sha256sum
    assert bbb_checksum(
        "join",
        "fullName=Lawyer%20One&meetingID=abc123&role=MODERATOR&password=333444&redirect=true",
        BBB_SECRET,
    ) == ("2358792a0651001a6bb2db75f2a855bffd54fd26770282cd7584f2e5ed0964a3")


def test_bigbluebutton_signs_the_exact_query_string_it_sends() -> None:
    video = Video(bbb_url="https://bbb.union.kz/bigbluebutton/", bbb_secret=BBB_SECRET)
    provider = BigBlueButtonProvider(video, "k" * 40, None, "https://consult.union.kz")  # type: ignore[arg-type]
    url = provider.url(
        "join",
        {
            "fullName": "Lawyer One",
            "meetingID": "abc123",
            "role": "MODERATOR",
            "password": "333444",
            "redirect": "true",
        },
    )
    assert url == (
        "https://bbb.union.kz/bigbluebutton/api/join?"
        "fullName=Lawyer%20One&meetingID=abc123&role=MODERATOR&password=333444&redirect=true"
        "&checksum=2358792a0651001a6bb2db75f2a855bffd54fd26770282cd7584f2e5ed0964a3"
    )


def test_room_names_carry_160_random_bits_in_lower_case_and_never_repeat() -> None:
    names = {new_room_name() for _ in range(2000)}
    assert len(names) == 2000
    assert all(re.fullmatch(r"[a-z2-7]{32}", name) for name in names)  # 32 base32 characters = 160 bits


@pytest.mark.parametrize(
    ("now", "status", "link_sequence", "expected"),
    [
        (START - timedelta(minutes=11), "confirmed", 0, JoinState.EARLY),
        (START - timedelta(minutes=10), "confirmed", 0, JoinState.OPEN),
        (END + timedelta(minutes=29, seconds=59), "confirmed", 0, JoinState.OPEN),
        (END + timedelta(minutes=30), "confirmed", 0, JoinState.OVER),
        (START, "completed", 0, JoinState.OVER),
        (START, "no_show", 0, JoinState.OVER),
        (START, "pending", 0, JoinState.UNCONFIRMED),
        (START, "cancelled", 0, JoinState.CANCELLED),
        (START, "cancelled", 1, JoinState.CANCELLED),
        (START, "confirmed", 0 - 1, JoinState.MOVED),
    ],
)
def test_join_window_opens_ten_minutes_before_and_closes_thirty_after(
    now: datetime, status: str, link_sequence: int, expected: JoinState
) -> None:
    state = join_state(
        now, starts_at=START, ends_at=END, status=status, link_sequence=link_sequence, booking_sequence=0
    )
    assert state is expected
