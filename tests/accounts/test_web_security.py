"""The web's security basics: CSRF, safe GETs, headers, session lifetimes, client addresses, rate limits."""

from __future__ import annotations

import re
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from consult import keys, ratelimit
from consult.app import create_app
from consult.errors import ApiError
from consult.settings import Settings
from consult.web import client_address
from tests.conftest import login, make_settings


async def test_a_post_without_the_csrf_token_gets_403_and_changes_nothing(
    client: Any, factory: Any, db: Any
) -> None:
    staff = await factory.user("staff")
    await login(client, staff)
    data = {"name": "Злой", "email": "evil@example.org", "role": "staff", "language": "ru"}
    response = await client.post("/staff/invites", data=data, allow_redirects=False)
    assert response.status == 403
    assert await db.fetchval("SELECT count(*) FROM one_time_links") == 0
    api = await client.post("/api/v1/me/tokens", json={"name": "x"})
    assert api.status == 403
    assert (await api.json())["error"]["code"] == "csrf"


async def test_a_cross_site_post_gets_403_even_with_the_right_token(
    client: Any, factory: Any, db: Any
) -> None:
    staff = await factory.user("staff")
    csrf = await login(client, staff)
    data = {
        "name": "Злой",
        "email": "evil@example.org",
        "role": "staff",
        "language": "ru",
        "csrf_token": csrf,
    }
    for headers in (
        {"Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ):
        response = await client.post("/staff/invites", data=data, headers=headers, allow_redirects=False)
        assert response.status == 403, headers
    assert await db.fetchval("SELECT count(*) FROM one_time_links") == 0
    ok = await client.post(
        "/staff/invites",
        data=data,
        headers={"Origin": str(client.make_url("")).rstrip("/"), "Sec-Fetch-Site": "same-origin"},
        allow_redirects=False,
    )
    assert ok.status == 303


async def test_a_visitors_form_without_the_csrf_cookie_gets_403(client: Any, db: Any) -> None:
    response = await client.post(
        "/signin/member", data={"email": "a@example.org", "csrf_token": "made-up"}, allow_redirects=False
    )
    assert response.status == 403
    assert await db.fetchval("SELECT count(*) FROM outbox") == 0


def fill(canonical: str) -> str:
    """Put a harmless value into each {part} of a route's path."""
    return re.sub(r"\{[^}]+\}", lambda m: "1" if "id" in m.group(0) else "x" * 43, canonical)


SNAPSHOT = """
SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY c.relname
"""


async def snapshot(db: asyncpg.Connection) -> dict[str, tuple[int, str]]:
    """Count and fingerprint every row of every table."""
    result = {}
    for row in await db.fetch(SNAPSHOT):
        name = row["name"]
        count, digest = await db.fetchrow(
            f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM \"{name}\" t"
        )
        result[name] = (count, digest)
    return result


READ_RECORDS = {"report.view", "report.csv", "report.api"}


async def test_a_get_never_changes_state(client: Any, factory: Any, db: Any) -> None:
    lawyer = await factory.lawyer()
    await factory.booking(lawyer)
    staff = await factory.user("staff")
    csrf = await login(client, staff)
    await client.post("/api/v1/me/tokens", json={"name": "x"}, headers={"X-CSRF-Token": csrf})
    before = await snapshot(db)
    visited = []
    for route in client.server.app.router.routes():
        if route.method != "GET" or route.resource is None or route.resource.name == "static":
            continue
        path = fill(route.resource.canonical)
        response = await client.get(path, allow_redirects=False)
        assert response.status < 500, path
        visited.append(path)
    assert "/staff/audit" in visited and "/signin/link/" + "x" * 43 in visited
    after = await snapshot(db)
    # Reading personal data is itself recorded (who read which report, issue 11): the audit trail may
    # grow by read records, and nothing else may change.
    new_actions = await db.fetch(
        "SELECT DISTINCT action FROM audit_log WHERE action LIKE '%.view' OR action LIKE '%.api'"
    )
    assert {r["action"] for r in new_actions} <= READ_RECORDS
    assert {k: v for k, v in after.items() if k != "audit_log"} == {
        k: v for k, v in before.items() if k != "audit_log"
    }
    assert (
        await db.fetchval(
            "SELECT count(*) FROM audit_log WHERE action NOT IN (SELECT unnest($1::text[]))",
            sorted(READ_RECORDS),
        )
        == before["audit_log"][0]
    )


async def test_headers_protect_every_page(client: Any, factory: Any) -> None:
    home = await client.get("/")
    assert "frame-ancestors 'none'" in home.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in home.headers["Content-Security-Policy"]
    assert home.headers["X-Content-Type-Options"] == "nosniff"
    assert home.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in home.headers  # plain http in tests
    assert "no-store" not in home.headers.get("Cache-Control", "")
    for secret_path in ("/signin/link/abc", "/reset/abc", "/invite/abc"):
        response = await client.get(secret_path)
        assert response.headers["Referrer-Policy"] == "no-referrer", secret_path
        assert response.headers["Cache-Control"] == "no-store", secret_path
    staff = await factory.user("staff")
    await login(client, staff)
    for private in ("/account", "/staff/users", "/staff/audit", "/staff/register", "/api/v1/me", "/"):
        response = await client.get(private)
        assert response.status == 200, private
        assert response.headers["Cache-Control"] == "no-store", private


async def test_under_https_cookies_are_secure_host_only_and_hsts_is_sent(
    aiohttp_client: Any, settings: Settings, db_url: str, factory: Any
) -> None:
    https = settings.with_changes("server", base_url="https://consult.example.kz")
    client = await aiohttp_client(create_app(https, db_url))
    staff = await factory.user("staff")
    response = await client.post(
        "/api/v1/session", json={"email": staff["email"], "password": staff["password"]}
    )
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-consult_session=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Domain" not in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.parametrize(
    ("column", "shift"), [("last_seen_at", "31 minutes"), ("expires_at", "12 hours 1 minute")]
)
async def test_a_lawyer_session_ends_after_idle_time_and_after_twelve_hours(
    client: Any, factory: Any, db: Any, column: str, shift: str
) -> None:
    lawyer = await factory.user("lawyer")
    await login(client, lawyer)
    assert (await client.get("/api/v1/me")).status == 200
    if column == "last_seen_at":
        await db.execute(f"UPDATE sessions SET last_seen_at = now() - interval '{shift}'")
    else:
        await db.execute(
            f"UPDATE sessions SET expires_at = created_at + interval '12 hours' - interval '{shift}'"
        )
    assert (await client.get("/api/v1/me")).status == 401
    assert await db.fetchval("SELECT count(*) FROM sessions") == 0


async def test_an_active_session_is_kept_alive_within_the_idle_limit(
    client: Any, factory: Any, db: Any
) -> None:
    lawyer = await factory.user("lawyer")
    await login(client, lawyer)
    await db.execute("UPDATE sessions SET last_seen_at = now() - interval '29 minutes'")
    assert (await client.get("/api/v1/me")).status == 200
    assert await db.fetchval("SELECT now() - last_seen_at < interval '1 minute' FROM sessions") is True


def request_from(peer: str, forwarded: str | None, proxies: tuple[str, ...]) -> web.Request:
    app = web.Application()
    app[keys.SETTINGS] = make_settings(server={"trusted_proxies": proxies})
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    transport_peer = (peer, 5555)

    class Transport:
        def get_extra_info(self, name: str, default: Any = None) -> Any:
            return transport_peer if name == "peername" else default

        def is_closing(self) -> bool:
            return False

    return make_mocked_request("GET", "/", headers=headers, app=app, transport=Transport())


def test_x_forwarded_for_counts_only_from_a_trusted_proxy() -> None:
    # Straight from the internet: the header is whatever the client wrote, so it is ignored.
    assert client_address(request_from("203.0.113.7", "1.2.3.4", ())) == "203.0.113.7"
    assert client_address(request_from("203.0.113.7", "1.2.3.4", ("10.0.0.1",))) == "203.0.113.7"
    # Through our nginx: the hop our proxy saw is the client.
    assert client_address(request_from("10.0.0.1", "198.51.100.9", ("10.0.0.1",))) == "198.51.100.9"
    # A client forging a first hop cannot choose its address: the nearest untrusted hop wins.
    assert client_address(request_from("10.0.0.1", "1.2.3.4, 198.51.100.9", ("10.0.0.1",))) == "198.51.100.9"
    assert (
        client_address(request_from("10.0.0.1", "198.51.100.9, 10.0.0.2", ("10.0.0.1", "10.0.0.2")))
        == "198.51.100.9"
    )


async def test_rate_limit_buckets_count_separately_and_say_when_to_retry(db: asyncpg.Connection) -> None:
    for _ in range(3):
        await ratelimit.hit(db, "booking-email:a", 3, 600)
    with pytest.raises(ApiError) as caught:
        await ratelimit.hit(db, "booking-email:a", 3, 600)
    assert caught.value.status == 429 and caught.value.code == "rate_limited"
    assert 1 <= int(caught.value.headers["Retry-After"]) <= 600
    await ratelimit.hit(db, "booking-email:b", 3, 600)  # another bucket is not affected
    # A burst that straddles a window boundary still counts as one burst: the previous window's
    # hits weigh by how much of it still lies within the last window_seconds.
    await db.execute(
        "INSERT INTO rate_limits (bucket, window_start, hits) "
        "VALUES ('edge', to_timestamp(floor(extract(epoch FROM now()) / 3600) * 3600) - interval '1 hour', 100)"
    )
    elapsed = await db.fetchval("SELECT mod(extract(epoch FROM now()), 3600)::float8")
    if elapsed < 3400:  # true but for the last minutes of each hour
        with pytest.raises(ApiError):
            await ratelimit.hit(db, "edge", 5, 3600)
    assert await ratelimit.sweep(db) == 0
