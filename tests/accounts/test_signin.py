"""Lawyers and staff sign in with a password, and a code when they turned two-step sign-in on."""

from __future__ import annotations

import time
from typing import Any

import asyncpg
import pyotp
import pytest

from consult.app import create_app
from consult.settings import Settings
from tests.accounts.conftest import cookie, post_form
from tests.conftest import login


async def test_lawyer_signs_in_through_the_api_and_sees_herself(client: Any, factory: Any, db: Any) -> None:
    lawyer = await factory.user("lawyer", email="aigul@example.org", name="Айгуль Серикова")
    response = await client.post(
        "/api/v1/session", json={"email": "Aigul@Example.org ", "password": lawyer["password"]}
    )
    assert response.status == 200
    body = await response.json()
    assert set(body) == {"csrf_token", "user"}
    assert body["user"] == {
        "id": lawyer["id"],
        "name": "Айгуль Серикова",
        "email": "aigul@example.org",
        "role": "lawyer",
        "timezone": "Asia/Almaty",
        "language": "ru",
    }
    set_cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie and "Path=/" in set_cookie
    me = await client.get("/api/v1/me")
    assert await me.json() == body["user"]
    assert me.headers["Cache-Control"] == "no-store"
    row = await db.fetchrow("SELECT actor_id, action, object_id, detail FROM audit_log")
    assert dict(row) == {
        "actor_id": lawyer["id"],
        "action": "sign_in",
        "object_id": str(lawyer["id"]),
        "detail": '{"method": "password"}',
    }


async def test_sign_in_gives_a_new_session_id_and_ends_the_old_one(
    client: Any, factory: Any, db: Any
) -> None:
    staff = await factory.user("staff")
    csrf = await login(client, staff)
    first = cookie(client, "consult_session")
    # Signed in already, the browser must send its CSRF token: nobody else may swap its session.
    body = {"email": staff["email"], "password": staff["password"]}
    assert (await client.post("/api/v1/session", json=body)).status == 403
    response = await client.post("/api/v1/session", json=body, headers={"X-CSRF-Token": csrf})
    assert response.status == 200
    second = cookie(client, "consult_session")
    assert first and second and first != second
    assert await db.fetchval("SELECT count(*) FROM sessions") == 1


async def test_sign_out_ends_the_session_on_the_server(client: Any, factory: Any, db: Any) -> None:
    staff = await factory.user("staff")
    csrf = await login(client, staff)
    old = cookie(client, "consult_session")
    response = await client.delete("/api/v1/session", headers={"X-CSRF-Token": csrf})
    assert await response.json() == {"status": "signed_out"}
    assert await db.fetchval("SELECT count(*) FROM sessions") == 0
    client.session.cookie_jar.update_cookies({"consult_session": old})
    assert (await client.get("/api/v1/me")).status == 401
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'sign_out'") == 1


async def test_sign_out_from_the_page_goes_home(client: Any, factory: Any, db: Any) -> None:
    staff = await factory.user("staff")
    csrf = await login(client, staff)
    response = await post_form(client, "/signout", {}, csrf)
    assert response.status == 303 and response.headers["Location"] == "/"
    assert await db.fetchval("SELECT count(*) FROM sessions") == 0


async def test_the_sixth_wrong_password_in_a_minute_gets_429(client: Any, factory: Any) -> None:
    lawyer = await factory.user("lawyer")
    for _ in range(5):
        response = await client.post(
            "/api/v1/session", json={"email": lawyer["email"], "password": "wrong password"}
        )
        assert response.status == 401
    response = await client.post(
        "/api/v1/session", json={"email": lawyer["email"], "password": "wrong password"}
    )
    assert response.status == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert (await response.json())["error"]["code"] == "rate_limited"
    # Even the right password waits now: the guesser cannot tell.
    response = await client.post(
        "/api/v1/session", json={"email": lawyer["email"], "password": lawyer["password"]}
    )
    assert response.status == 429


async def test_the_sign_in_page_also_stops_the_sixth_try(client: Any, factory: Any) -> None:
    lawyer = await factory.user("lawyer")
    for _ in range(5):
        response = await post_form(
            client, "/signin", {"email": lawyer["email"], "password": "nope nope nope"}
        )
        assert response.status == 401
    response = await post_form(client, "/signin", {"email": lawyer["email"], "password": "nope nope nope"})
    assert response.status == 429
    assert response.headers["Retry-After"]
    assert "text/html" in response.headers["Content-Type"]


async def test_unknown_email_and_wrong_password_get_the_same_answer(client: Any, factory: Any) -> None:
    lawyer = await factory.user("lawyer")
    wrong = await client.post(
        "/api/v1/session", json={"email": lawyer["email"], "password": "wrong password"}
    )
    unknown = await client.post(
        "/api/v1/session", json={"email": "nobody@example.org", "password": "wrong password"}
    )
    assert (wrong.status, await wrong.read()) == (unknown.status, await unknown.read())
    assert wrong.status == 401
    assert (await wrong.json())["error"]["code"] == "invalid_credentials"


async def test_a_deactivated_lawyer_with_the_right_password_gets_the_same_answer(
    client: Any, factory: Any, db: Any
) -> None:
    lawyer = await factory.user("lawyer")
    await db.execute("UPDATE users SET active = false WHERE id = $1", lawyer["id"])
    response = await client.post(
        "/api/v1/session", json={"email": lawyer["email"], "password": lawyer["password"]}
    )
    assert response.status == 401
    assert (await response.json())["error"]["code"] == "invalid_credentials"


async def test_a_member_cannot_sign_in_with_a_password(client: Any, factory: Any) -> None:
    member = await factory.user("member", password=None)
    response = await client.post(
        "/api/v1/session", json={"email": member["email"], "password": "anything at all"}
    )
    assert response.status == 401


@pytest.mark.parametrize(
    "target", ["//evil.example", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", ""]
)
async def test_next_pointing_elsewhere_lands_on_home_after_sign_in(
    client: Any, factory: Any, target: str
) -> None:
    staff = await factory.user("staff")
    page = await client.get("/signin", params={"next": target})
    assert 'name="next" value="/"' in await page.text()
    response = await post_form(
        client, "/signin", {"email": staff["email"], "password": staff["password"], "next": target}
    )
    assert response.status == 303
    assert response.headers["Location"] == "/"


async def test_next_within_the_site_is_followed_after_sign_in(client: Any, factory: Any) -> None:
    staff = await factory.user("staff")
    response = await post_form(
        client, "/signin", {"email": staff["email"], "password": staff["password"], "next": "/account?x=1"}
    )
    assert response.headers["Location"] == "/account?x=1"
    account = await client.get("/account")
    assert account.status == 200


async def test_a_private_page_sends_a_visitor_to_sign_in_and_back(client: Any) -> None:
    response = await client.get("/account", allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == "/signin?next=%2Faccount"


def next_code(secret: str) -> str:
    """A code of the next time step: still accepted, and not the one enrolment just used."""
    return pyotp.TOTP(secret).at(time.time() + 30)


async def enrol_totp(client: Any, db: Any, csrf: str) -> str:
    """Turn on two-step sign-in from the account page; return the secret the page showed."""
    page = await post_form(client, "/account/totp", {}, csrf)
    assert page.status == 200
    html = await page.text()
    assert "otpauth://totp/" in html
    token_row = await db.fetchrow("SELECT detail FROM one_time_links WHERE purpose = 'totp-enrol'")
    secret = __import__("json").loads(token_row["detail"])["secret"]
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in html
    token = html.split('name="token" value="', 1)[1].split('"', 1)[0]
    wrong = await post_form(client, "/account/totp/confirm", {"token": token, "code": "000000"}, csrf)
    assert wrong.status == 400
    done = await post_form(
        client, "/account/totp/confirm", {"token": token, "code": pyotp.TOTP(secret).now()}, csrf
    )
    assert done.status == 303 and done.headers["Location"] == "/account?done=totp-on"
    return str(secret)


async def test_lawyer_turns_on_two_step_sign_in_and_then_needs_a_code(
    client: Any, factory: Any, db: Any
) -> None:
    lawyer = await factory.user("lawyer")
    csrf = await login(client, lawyer)
    secret = await enrol_totp(client, db, csrf)
    assert await db.fetchval("SELECT totp_secret FROM users WHERE id = $1", lawyer["id"]) == secret
    client.session.cookie_jar.clear()  # another device, signing in
    body = {"email": lawyer["email"], "password": lawyer["password"]}
    response = await client.post("/api/v1/session", json=body)
    assert response.status == 401 and (await response.json())["error"]["code"] == "totp_required"
    response = await client.post("/api/v1/session", json={**body, "totp": "123456"})
    assert response.status == 401 and (await response.json())["error"]["code"] == "invalid_totp"
    code = next_code(secret)
    response = await client.post("/api/v1/session", json={**body, "totp": code})
    assert response.status == 200
    client.session.cookie_jar.clear()
    # The same code a second time is a replay.
    response = await client.post("/api/v1/session", json={**body, "totp": code})
    assert response.status == 401 and (await response.json())["error"]["code"] == "invalid_totp"
    actions = [r["action"] for r in await db.fetch("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["sign_in", "totp_enabled", "sign_in"]


async def test_the_sign_in_page_asks_for_the_code_as_a_second_step(
    client: Any, factory: Any, db: Any
) -> None:
    lawyer = await factory.user("lawyer")
    secret = pyotp.random_base32()
    await db.execute("UPDATE users SET totp_secret = $2 WHERE id = $1", lawyer["id"], secret)
    step1 = await post_form(
        client, "/signin", {"email": lawyer["email"], "password": lawyer["password"], "next": "/account"}
    )
    assert step1.status == 200
    html = await step1.text()
    assert 'name="code"' in html and cookie(client, "consult_session") is None
    token = html.split('name="token" value="', 1)[1].split('"', 1)[0]
    wrong = await post_form(client, "/signin/code", {"token": token, "code": "111111"})
    assert wrong.status == 400
    step2 = await post_form(client, "/signin/code", {"token": token, "code": pyotp.TOTP(secret).now()})
    assert step2.status == 303 and step2.headers["Location"] == "/account"
    assert (await client.get("/api/v1/me")).status == 200
    client.session.cookie_jar.clear()
    again = await post_form(client, "/signin/code", {"token": token, "code": next_code(secret)})
    assert again.status == 400  # the step token was used


async def test_staff_must_set_up_two_step_sign_in_when_the_setting_says_so(
    aiohttp_client: Any, settings: Settings, db_url: str, factory: Any, db: asyncpg.Connection
) -> None:
    client = await aiohttp_client(
        create_app(settings.with_changes("security", require_totp_for_staff=True), db_url)
    )
    staff = await factory.user("staff")
    lawyer = await factory.user("lawyer")
    response = await client.post(
        "/api/v1/session", json={"email": staff["email"], "password": staff["password"]}
    )
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "totp_setup_required"
    # Lawyers are not bound by the staff setting.
    assert (
        await client.post("/api/v1/session", json={"email": lawyer["email"], "password": lawyer["password"]})
    ).status == 200
    client.session.cookie_jar.clear()
    step1 = await post_form(client, "/signin", {"email": staff["email"], "password": staff["password"]})
    html = await step1.text()
    assert step1.status == 200 and "otpauth://totp/" in html
    token = html.split('name="token" value="', 1)[1].split('"', 1)[0]
    detail = await db.fetchval("SELECT detail FROM one_time_links WHERE purpose = 'second-factor'")
    secret = __import__("json").loads(detail)["secret"]
    step2 = await post_form(client, "/signin/code", {"token": token, "code": pyotp.TOTP(secret).now()})
    assert step2.status == 303
    assert await db.fetchval("SELECT totp_secret FROM users WHERE id = $1", staff["id"]) == secret
    page = await client.get("/account")
    assert (
        "account-totp-disable" not in await page.text() and "/account/totp/disable" not in await page.text()
    )
