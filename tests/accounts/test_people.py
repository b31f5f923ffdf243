"""Staff invite lawyers and staff, deactivate and reactivate them; people reset and change passwords."""

from __future__ import annotations

from typing import Any

from consult.security import verify_password
from tests.accounts.conftest import link_in, outbox, post_form, text_of
from tests.conftest import login


async def invite(client: Any, csrf: str, **fields: str) -> Any:
    data = {
        "name": "Нурлан Юрист",
        "email": "nurlan@example.org",
        "role": "lawyer",
        "language": "kk",
        **fields,
    }
    return await post_form(client, "/staff/invites", data, csrf)


async def test_staff_invites_a_lawyer_who_sets_a_password_and_signs_in(
    client: Any, factory: Any, db: Any
) -> None:
    staff = await factory.user("staff", name="Сауле Кадровик")
    csrf = await login(client, staff)
    response = await invite(client, csrf)
    assert response.status == 303 and response.headers["Location"] == "/staff/users?done=invited"
    page = await client.get(response.headers["Location"], params={"lang": "en", "done": "invited"})
    html = await page.text()
    assert "The invitation has been sent." in html and "nurlan@example.org" in html
    [message] = await outbox(db, "nurlan@example.org")
    assert message["Subject"] == "Кәсіподақтың кеңес беру қызметіне шақыру"
    assert "Сауле Кадровик" in text_of(message)
    path = link_in(message)
    assert path.startswith("/invite/")

    client.session.cookie_jar.clear()  # the invitee, in her own browser
    form = await client.get(path)
    assert form.status == 200 and form.headers["Referrer-Policy"] == "no-referrer"
    short = await post_form(client, path, {"password": "short", "password2": "short"})
    assert short.status == 400
    done = await post_form(
        client, path, {"password": "a long good password", "password2": "a long good password"}
    )
    assert done.status == 303 and done.headers["Location"] == "/signin?done=account-ready"
    user = await db.fetchrow("SELECT id, role, name, language FROM users WHERE email = 'nurlan@example.org'")
    assert (user["role"], user["name"], user["language"]) == ("lawyer", "Нурлан Юрист", "kk")
    assert await db.fetchval("SELECT count(*) FROM lawyers WHERE user_id = $1", user["id"]) == 1
    await login(client, {"email": "nurlan@example.org", "password": "a long good password"})
    assert (
        await post_form(client, path, {"password": "another password!", "password2": "another password!"})
    ).status in (403, 404)
    actions = [r["action"] for r in await db.fetch("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["sign_in", "invite_sent", "invite_accepted", "sign_in"]


async def test_an_invite_to_an_existing_email_leaves_that_account_untouched(
    client: Any, factory: Any, db: Any
) -> None:
    lawyer = await factory.user("lawyer", email="taken@example.org")
    before = await db.fetchrow("SELECT * FROM users WHERE id = $1", lawyer["id"])
    staff = await factory.user("staff")
    csrf = await login(client, staff)
    response = await invite(client, csrf, email="Taken@example.org", role="staff")
    assert response.status == 400
    assert "С этим адресом уже есть учётная запись; ничего не изменено." in await response.text()
    assert await outbox(db, "taken@example.org") == []
    assert await db.fetchrow("SELECT * FROM users WHERE id = $1", lawyer["id"]) == before


async def test_an_invite_accepted_after_the_email_got_an_account_changes_nothing(
    client: Any, factory: Any, db: Any
) -> None:
    staff = await factory.user("staff")
    csrf = await login(client, staff)
    await invite(client, csrf, email="later@example.org", role="staff")
    path = link_in((await outbox(db, "later@example.org"))[0])
    # Meanwhile the address got an account of its own (say, through the command line).
    owner = await factory.user("lawyer", email="later@example.org")
    before = await db.fetchrow("SELECT * FROM users WHERE id = $1", owner["id"])
    client.session.cookie_jar.clear()
    assert (await client.get(path)).status == 404
    response = await post_form(
        client, path, {"password": "attacker password", "password2": "attacker password"}
    )
    assert response.status == 404
    after = await db.fetchrow("SELECT * FROM users WHERE id = $1", owner["id"])
    assert after == before
    assert await verify_password(after["password_hash"], owner["password"])
    assert not await verify_password(after["password_hash"], "attacker password")


async def test_staff_deactivates_a_lawyer_whose_sessions_and_tokens_stop_at_once(
    client: Any, another_browser: Any, factory: Any, db: Any
) -> None:
    lawyer = await factory.user("lawyer")
    staff = await factory.user("staff")
    lawyer_csrf = await login(client, lawyer)
    token = (
        await (
            await client.post(
                "/api/v1/me/tokens", json={"name": "script"}, headers={"X-CSRF-Token": lawyer_csrf}
            )
        ).json()
    )["token"]
    staff_client = another_browser
    csrf = await login(staff_client, staff)
    response = await post_form(staff_client, f"/staff/users/{lawyer['id']}/deactivate", {}, csrf)
    assert response.status == 303 and response.headers["Location"] == "/staff/users?done=deactivated"
    assert (await client.get("/api/v1/me")).status == 401
    assert (await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})).status == 401
    assert await db.fetchval("SELECT count(*) FROM sessions WHERE user_id = $1", lawyer["id"]) == 0
    response = await post_form(staff_client, f"/staff/users/{lawyer['id']}/reactivate", {}, csrf)
    assert response.headers["Location"] == "/staff/users?done=reactivated"
    assert (await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})).status == 200
    rows = await db.fetch(
        "SELECT actor_id, action, object_id FROM audit_log WHERE action LIKE 'account_%' ORDER BY id"
    )
    assert [tuple(r) for r in rows] == [
        (staff["id"], "account_deactivated", str(lawyer["id"])),
        (staff["id"], "account_reactivated", str(lawyer["id"])),
    ]


async def test_staff_cannot_deactivate_themselves_and_unknown_people_are_404(
    client: Any, factory: Any, db: Any
) -> None:
    staff = await factory.user("staff")
    csrf = await login(client, staff)
    response = await post_form(client, f"/staff/users/{staff['id']}/deactivate", {}, csrf)
    assert response.status == 404
    assert await db.fetchval("SELECT active FROM users WHERE id = $1", staff["id"]) is True
    assert (await post_form(client, "/staff/users/99999/deactivate", {}, csrf)).status == 404
    assert (await post_form(client, "/staff/users/abc/deactivate", {}, csrf)).status == 404


async def test_staff_makes_a_lawyer_staff_and_it_is_recorded(client: Any, factory: Any, db: Any) -> None:
    lawyer = await factory.lawyer()
    staff = await factory.user("staff")
    csrf = await login(client, staff)
    response = await post_form(client, f"/staff/users/{lawyer['id']}/role", {"role": "staff"}, csrf)
    assert response.status == 303
    assert await db.fetchval("SELECT role FROM users WHERE id = $1", lawyer["id"]) == "staff"
    detail = await db.fetchval("SELECT detail FROM audit_log WHERE action = 'role_changed'")
    assert detail == '{"new": "staff", "old": "lawyer"}'


async def test_a_lawyer_cannot_use_the_staff_pages(client: Any, factory: Any) -> None:
    lawyer = await factory.user("lawyer")
    csrf = await login(client, lawyer)
    assert (await client.get("/staff/users")).status == 403
    assert (await invite(client, csrf, role="staff", email="evil@example.org")).status == 403


async def test_a_lawyer_who_forgot_her_password_sets_a_new_one_by_email(
    client: Any, another_browser: Any, factory: Any, db: Any
) -> None:
    lawyer = await factory.user("lawyer", email="forgetful@example.org", language="en")
    other_device = another_browser
    await login(other_device, lawyer)
    response = await post_form(client, "/password/forgot", {"email": "forgetful@example.org"})
    assert response.status == 200
    [message] = await outbox(db, "forgetful@example.org")
    assert message["Subject"] == "Set a new password"
    path = link_in(message)
    assert path.startswith("/reset/")
    assert (await client.get(path)).status == 200
    differ = await post_form(
        client, path, {"password": "brand new password", "password2": "brand new passwort"}
    )
    assert differ.status == 400
    done = await post_form(
        client, path, {"password": "brand new password", "password2": "brand new password"}
    )
    assert done.status == 303 and done.headers["Location"] == "/signin?done=password-set"
    assert (await other_device.get("/api/v1/me")).status == 401  # every session ended
    assert (
        await post_form(client, path, {"password": "third password!!", "password2": "third password!!"})
    ).status == 404
    await login(client, {"email": lawyer["email"], "password": "brand new password"})


async def test_changing_the_password_ends_the_other_sessions_but_not_this_one(
    client: Any, another_browser: Any, factory: Any, db: Any
) -> None:
    staff = await factory.user("staff")
    other_device = another_browser
    await login(other_device, staff)
    csrf = await login(client, staff)
    wrong = await post_form(
        client,
        "/account/password",
        {"current": "not it at all", "password": "a new password 1", "password2": "a new password 1"},
        csrf,
    )
    assert wrong.status == 400
    response = await post_form(
        client,
        "/account/password",
        {"current": staff["password"], "password": "a new password 1", "password2": "a new password 1"},
        csrf,
    )
    assert response.status == 303 and response.headers["Location"] == "/account?done=password"
    assert (await client.get("/api/v1/me")).status == 200
    assert (await other_device.get("/api/v1/me")).status == 401
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'password_changed'") == 1


async def test_staff_read_the_audit_trail_page_by_page_and_by_action(
    client: Any, factory: Any, db: Any
) -> None:
    staff = await factory.user("staff", name="Аудитор Сауле", language="en")
    await db.executemany(
        "INSERT INTO audit_log (actor_id, action, object_type, object_id, at) VALUES ($1, $2, 'user', '7', now() - $3 * interval '1 minute')",
        [(staff["id"], "token_created" if i % 2 else "role_changed", i + 1) for i in range(60)],
    )
    await login(client, staff)
    first = await (await client.get("/staff/audit")).text()
    assert "Entries: 61" in first and "Page 1 / 2" in first
    assert first.count('<span title="sign_in">Signed in</span>') == 1  # the newest entry: this sign-in
    assert 'rel="next" href="/staff/audit?page=2"' in first
    second = await (await client.get("/staff/audit", params={"page": "2"})).text()
    assert second.count("<tr>") - 1 == 11
    only = await (await client.get("/staff/audit", params={"action": "role_changed"})).text()
    assert (
        "Entries: 30" in only
        and '<span title="role_changed">' in only
        and '<span title="token_created">' not in only
        and "Аудитор Сауле" in only
    )
    odd = await client.get("/staff/audit", params={"action": "<script>", "page": "zz"})
    assert odd.status == 200 and "Entries: 61" in await odd.text()
