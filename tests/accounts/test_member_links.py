"""Members sign in with a one-time link by email, see all their consultations and set their preferences."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.accounts.conftest import link_in, outbox, post_form, text_of


async def ask_for_link(client: Any, email: str) -> Any:
    return await post_form(client, "/signin/member", {"email": email})


async def test_member_signs_in_with_an_emailed_link_and_sees_all_her_consultations(
    client: Any, factory: Any, db: Any
) -> None:
    member = await factory.user(
        "member", email="gulnar@example.org", name="Гульнар Ахметова", password=None, language="kk"
    )
    lawyer = await factory.lawyer(name="Ерлан Юрист")
    other_lawyer = await factory.lawyer(name="Дана Юрист")
    mine = await factory.booking(lawyer, member=member)
    mine_too = await factory.booking(other_lawyer, member=member, status="cancelled")
    someone_elses = await factory.booking(lawyer, start=mine["starts_at"] + timedelta(hours=1))

    response = await ask_for_link(client, "Gulnar@Example.org")
    assert response.status == 200
    assert "text/html" in response.headers["Content-Type"]
    [message] = await outbox(db, "gulnar@example.org")
    assert message["To"] == "Гульнар Ахметова <gulnar@example.org>"
    assert message["Subject"] == "Кіруге арналған сілтеме"  # in her language, Kazakh
    assert "15" in text_of(message)
    path = link_in(message)
    assert path.startswith("/signin/link/")

    page = await client.get(path)
    assert page.status == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    response = await post_form(client, path, {})
    assert response.status == 303 and response.headers["Location"] == "/my/bookings"

    listing = await client.get("/my/bookings")
    html = await listing.text()
    assert listing.status == 200
    assert f"/b/{mine['token']}" in html and f"/b/{mine_too['token']}" in html
    assert f"/b/{someone_elses['token']}" not in html
    assert "Ерлан Юрист" in html and "Дана Юрист" in html
    assert listing.headers["Cache-Control"] == "no-store"
    audit = await db.fetchrow("SELECT actor_id, action, detail FROM audit_log")
    assert dict(audit) == {
        "actor_id": member["id"],
        "action": "sign_in",
        "detail": '{"method": "email_link"}',
    }


async def test_the_sign_in_link_still_works_after_a_mail_scanner_fetched_it(
    client: Any, factory: Any, db: Any
) -> None:
    await factory.user("member", email="scanned@example.org", password=None)
    await ask_for_link(client, "scanned@example.org")
    path = link_in((await outbox(db, "scanned@example.org"))[0])
    for _ in range(3):  # the scanner, its retry, the preview pane
        assert (await client.get(path)).status == 200
    assert await db.fetchval("SELECT count(*) FROM sessions") == 0
    response = await post_form(client, path, {})
    assert response.status == 303
    assert (await client.get("/api/v1/me")).status == 200


async def test_a_sign_in_link_works_only_once(client: Any, factory: Any, db: Any) -> None:
    await factory.user("member", email="once@example.org", password=None)
    await ask_for_link(client, "once@example.org")
    path = link_in((await outbox(db, "once@example.org"))[0])
    assert (await post_form(client, path, {})).status == 303
    client.session.cookie_jar.clear()
    again = await post_form(client, path, {})
    assert again.status == 404
    assert "no longer valid" in await (await client.get(path, params={"lang": "en"})).text()


async def test_a_sign_in_link_older_than_15_minutes_does_not_work(client: Any, factory: Any, db: Any) -> None:
    await factory.user("member", email="late@example.org", password=None)
    await ask_for_link(client, "late@example.org")
    path = link_in((await outbox(db, "late@example.org"))[0])
    window = await db.fetchval("SELECT expires_at - created_at FROM one_time_links")
    assert window.total_seconds() == 15 * 60
    await db.execute(
        "UPDATE one_time_links SET created_at = created_at - interval '16 minutes', expires_at = expires_at - interval '16 minutes'"
    )
    assert (await client.get(path)).status == 404
    assert (await post_form(client, path, {})).status == 404
    assert await db.fetchval("SELECT count(*) FROM sessions") == 0


async def test_a_first_time_member_gets_an_account_when_she_uses_the_link(client: Any, db: Any) -> None:
    await ask_for_link(client, "new.member@example.org")
    assert await db.fetchval("SELECT count(*) FROM users") == 0
    path = link_in((await outbox(db, "new.member@example.org"))[0])
    assert (await post_form(client, path, {})).status == 303
    row = await db.fetchrow("SELECT role, email, name, password_hash FROM users")
    assert dict(row) == {
        "role": "member",
        "email": "new.member@example.org",
        "name": "new.member",
        "password_hash": None,
    }
    page = await client.get("/my/bookings", params={"lang": "en"})
    assert "You have no consultations yet." in await page.text()


async def test_no_sign_in_link_is_sent_to_a_lawyer_address(client: Any, factory: Any, db: Any) -> None:
    lawyer = await factory.user("lawyer")
    response = await ask_for_link(client, lawyer["email"])
    assert response.status == 200
    assert await outbox(db, lawyer["email"]) == []


async def test_known_and_unknown_emails_get_identical_answers(client: Any, factory: Any, db: Any) -> None:
    member = await factory.user("member", password=None)
    lawyer = await factory.user("lawyer")
    answers = []
    for path, emails in (
        ("/signin/member", (member["email"], "stranger@example.org", lawyer["email"])),
        ("/password/forgot", (lawyer["email"], "stranger@example.org", member["email"])),
    ):
        for email in emails:
            response = await post_form(client, path, {"email": email})
            answers.append((path, response.status, await response.text()))
    for path in ("/signin/member", "/password/forgot"):
        bodies = {(status, text) for p, status, text in answers if p == path}
        assert len(bodies) == 1, path
        assert next(iter(bodies))[0] == 200
    for path in ("/api/v1/signin-links", "/api/v1/password-resets"):
        seen = set()
        for email in (member["email"], lawyer["email"], "stranger@example.org"):
            response = await client.post(path, json={"email": email})
            seen.add((response.status, await response.read()))
        assert seen == {(202, b'{"status":"accepted"}')}
    # What did go out: links to the member and the stranger, a reset link to the lawyer only.
    kinds = {(r["recipient"], r["kind"]) for r in await db.fetch("SELECT recipient, kind FROM outbox")}
    assert kinds == {
        (member["email"], "signin_link"),
        ("stranger@example.org", "signin_link"),
        (lawyer["email"], "password_reset"),
    }


async def test_asking_for_links_again_and_again_gets_429(client: Any, factory: Any, db: Any) -> None:
    for _ in range(3):
        assert (await client.post("/api/v1/signin-links", json={"email": "flood@example.org"})).status == 202
    response = await client.post("/api/v1/signin-links", json={"email": "flood@example.org"})
    assert response.status == 429 and int(response.headers["Retry-After"]) > 0
    assert await db.fetchval("SELECT count(*) FROM outbox") == 3
    # Many addresses from one client are limited too.
    statuses = [
        (await client.post("/api/v1/password-resets", json={"email": f"p{i}@example.org"})).status
        for i in range(11)
    ]
    assert statuses == [202] * 10 + [429]


async def test_a_bad_email_is_a_field_error_not_an_oracle(client: Any) -> None:
    response = await client.post(
        "/api/v1/signin-links", json={"email": "not an email"}, headers={"Accept-Language": "en"}
    )
    assert response.status == 400
    assert await response.json() == {
        "error": {
            "code": "invalid",
            "message": "Some fields need attention.",
            "fields": {"email": "Enter a valid email address."},
        }
    }
    page = await post_form(client, "/signin/member", {"email": "nope"})
    assert page.status == 400 and 'aria-invalid="true"' in await page.text()


async def test_member_sets_her_language_and_time_zone(client: Any, factory: Any, db: Any) -> None:
    member = await factory.user("member", email="settings@example.org", password=None)
    await ask_for_link(client, member["email"])
    await post_form(client, link_in((await outbox(db, member["email"]))[0]), {})
    me = await client.get("/api/v1/me")
    csrf_page = await client.get("/my/settings")
    html = await csrf_page.text()
    csrf = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = await post_form(
        client, "/account/settings", {"language": "en", "timezone": "Asia/Aqtobe"}, csrf
    )
    assert response.status == 303 and response.headers["Location"] == "/my/settings?done=settings"
    row = await db.fetchrow("SELECT language, timezone FROM users WHERE id = $1", member["id"])
    assert dict(row) == {"language": "en", "timezone": "Asia/Aqtobe"}
    assert (await me.json())["language"] == "ru"
    page = await client.get("/my/settings?done=settings")
    assert "Your settings have been saved." in await page.text()
    bad = await post_form(client, "/account/settings", {"language": "en", "timezone": "Mars/Base"}, csrf)
    assert bad.status == 400
