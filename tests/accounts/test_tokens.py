"""Lawyers and staff make personal API tokens, use them as Bearer tokens and revoke them."""

from __future__ import annotations

from typing import Any

from consult.security import hash_token
from tests.accounts.conftest import post_form
from tests.accounts.isolation import assert_hidden
from tests.conftest import login


async def make_token(client: Any, csrf: str, name: str = "Отчёты") -> dict[str, Any]:
    response = await client.post("/api/v1/me/tokens", json={"name": name}, headers={"X-CSRF-Token": csrf})
    assert response.status == 201
    return dict(await response.json())


async def test_lawyer_makes_a_token_sees_it_once_and_uses_it_as_bearer(
    client: Any, factory: Any, db: Any
) -> None:
    lawyer = await factory.user("lawyer")
    csrf = await login(client, lawyer)
    created = await make_token(client, csrf, "  мой   скрипт ")
    assert set(created) == {"id", "name", "token"} and created["name"] == "мой скрипт"
    assert len(created["token"]) >= 43
    stored = await db.fetchrow("SELECT user_id, token_hash FROM api_tokens")
    assert stored["user_id"] == lawyer["id"] and stored["token_hash"] == hash_token(created["token"])
    listing = await (await client.get("/api/v1/me/tokens")).json()
    assert [t["name"] for t in listing["items"]] == ["мой скрипт"]
    assert "token" not in listing["items"][0]
    page = await client.get("/account")
    assert created["token"] not in await page.text()

    client.session.cookie_jar.clear()
    bearer = {"Authorization": f"Bearer {created['token']}"}
    me = await client.get("/api/v1/me", headers=bearer)
    assert (await me.json())["id"] == lawyer["id"]
    # Bearer writes need no CSRF token: a browser cannot send this header across sites.
    second = await client.post("/api/v1/me/tokens", json={"name": "второй"}, headers=bearer)
    assert second.status == 201
    response = await client.delete(f"/api/v1/me/tokens/{created['id']}", headers=bearer)
    assert response.status == 204
    assert (await client.get("/api/v1/me", headers=bearer)).status == 401
    actions = [r["action"] for r in await db.fetch("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["sign_in", "token_created", "token_created", "token_revoked"]


async def test_a_lawyer_cannot_revoke_another_lawyers_token(client: Any, factory: Any, db: Any) -> None:
    first, second = await factory.user("lawyer"), await factory.user("lawyer")
    theirs = await make_token(client, await login(client, second))
    client.session.cookie_jar.clear()
    csrf = await login(client, first)
    await assert_hidden(
        client,
        "DELETE",
        f"/api/v1/me/tokens/{theirs['id']}",
        "/api/v1/me/tokens/987654",
        headers={"X-CSRF-Token": csrf},
    )
    await assert_hidden(
        client,
        "POST",
        f"/account/tokens/{theirs['id']}/revoke",
        "/account/tokens/987654/revoke",
        data={"csrf_token": csrf},
    )
    assert await db.fetchval("SELECT revoked_at FROM api_tokens WHERE id = $1", theirs["id"]) is None
    assert (
        await client.get("/api/v1/me", headers={"Authorization": f"Bearer {theirs['token']}"})
    ).status == 200


async def test_tokens_are_made_and_revoked_on_the_account_page(client: Any, factory: Any, db: Any) -> None:
    staff = await factory.user("staff")
    csrf = await login(client, staff)
    response = await post_form(client, "/account/tokens", {"name": "Power BI"}, csrf)
    assert response.status == 201
    html = await response.text()
    (token_id,) = [r["id"] for r in await db.fetch("SELECT id FROM api_tokens")]
    shown = html.split('<code class="wrap-anywhere">', 1)[1].split("</code>", 1)[0]
    assert hash_token(shown) == await db.fetchval("SELECT token_hash FROM api_tokens")
    assert "Power BI" in html
    response = await post_form(client, f"/account/tokens/{token_id}/revoke", {}, csrf)
    assert response.status == 303 and response.headers["Location"] == "/account?done=token-revoked"
    assert await db.fetchval("SELECT revoked_at IS NOT NULL FROM api_tokens") is True


async def test_a_token_needs_a_name_and_members_get_none(client: Any, factory: Any) -> None:
    lawyer = await factory.user("lawyer")
    csrf = await login(client, lawyer)
    response = await client.post(
        "/api/v1/me/tokens?lang=en", json={"name": " "}, headers={"X-CSRF-Token": csrf}
    )
    assert response.status == 400
    assert (await response.json())["error"]["fields"] == {
        "name": "Give the token a name of 1 to 100 characters."
    }
    assert (
        await client.delete("/api/v1/me/tokens/99999999999999999999", headers={"X-CSRF-Token": csrf})
    ).status == 404
