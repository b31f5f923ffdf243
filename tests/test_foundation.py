"""The service foundation: health, languages, errors, settings, migrations, permissions, templates."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import asyncpg
import jinja2
import pytest

from consult.app import CAPABILITIES, create_app
from consult.db import load_migrations, migrate
from consult.i18n import pick_language
from consult.i18n_check import missing
from consult.settings import SettingsError, load_settings
from consult.templating import TEMPLATES, configure_environment
from consult.web import allowed_roles
from tests.conftest import make_settings, url_with_database

ROOT = Path(__file__).resolve().parent.parent


async def test_health_endpoints_answer_json(client: Any) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}
    response = await client.get("/readyz")
    assert response.status == 200
    assert await response.json() == {"status": "ok", "database": "ok"}


async def test_readyz_says_503_when_a_migration_is_missing(client: Any, db: asyncpg.Connection) -> None:
    await db.execute(
        "DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)"
    )
    response = await client.get("/readyz")
    assert response.status == 503
    body = await response.json()
    assert body["status"] == "unavailable"
    assert body["pending_migrations"] == [load_migrations()[-1].name]


async def test_home_page_speaks_three_languages(client: Any) -> None:
    pages = {}
    for lang in ("ru", "kk", "en"):
        response = await client.get("/", params={"lang": lang})
        assert response.status == 200
        text = await response.text()
        assert f'<html lang="{lang}">' in text
        pages[lang] = text
    assert "Юридическая помощь" in pages["ru"]
    assert "Legal help for education workers" in pages["en"]
    assert "заң" in pages["kk"].lower()
    assert len({pages["ru"], pages["kk"], pages["en"]}) == 3


async def test_language_choice_is_remembered_in_a_cookie(client: Any) -> None:
    await client.get("/", params={"lang": "kk"})
    response = await client.get("/")
    assert '<html lang="kk">' in await response.text()


async def test_accept_language_picks_the_language_when_nothing_else_says() -> None:
    assert pick_language(None, None, "en-US,en;q=0.9,ru;q=0.5") == "en"
    assert pick_language(None, None, "de-DE,kk;q=0.3,ru;q=0.8") == "ru"
    assert pick_language(None, "kk", "en") == "kk"
    assert pick_language("en", "kk", "ru") == "en"
    assert pick_language("xx", None, None) == "ru"


async def test_unknown_page_shows_the_404_page(client: Any) -> None:
    response = await client.get("/no-such-page", params={"lang": "en"})
    assert response.status == 404
    assert response.content_type == "text/html"
    assert "Page not found" in await response.text()


async def test_unknown_api_path_answers_the_json_error(client: Any) -> None:
    response = await client.get("/api/v1/no-such-thing", headers={"Accept-Language": "ru"})
    assert response.status == 404
    body = await response.json()
    assert body["error"]["code"] == "not_found"
    assert body["error"]["message"] == "Не найдено."


async def test_security_headers_are_on_every_page(client: Any) -> None:
    response = await client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Request-Id"]


def test_bad_setting_stops_the_service_with_one_line_naming_it(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONSULT_")}
    env["CONSULT_SMTP_PORT"] = "abc"
    result = subprocess.run(
        [sys.executable, "-m", "consult", "serve"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "CONSULT_SMTP_PORT" in lines[0]


def test_settings_errors_name_the_setting() -> None:
    with pytest.raises(SettingsError, match="CONSULT_VIDEO_PROVIDER: must be one of"):
        load_settings(environ={"CONSULT_VIDEO_PROVIDER": "skype"})
    with pytest.raises(SettingsError, match="CONSULT_BOOKING_HORIZON_DAYS: must be between"):
        load_settings(environ={"CONSULT_BOOKING_HORIZON_DAYS": "0"})
    with pytest.raises(SettingsError, match="CONSULT_SECRET_KEY: required in production"):
        load_settings(environ={"CONSULT_MODE": "production", "CONSULT_BASE_URL": "https://c.example.kz"})
    with pytest.raises(SettingsError, match="CONSULT_BASE_URL: required in production"):
        load_settings(environ={"CONSULT_MODE": "production", "CONSULT_SECRET_KEY": "k" * 40})
    with pytest.raises(SettingsError, match="CONSULT_I18N_DEFAULT_TIMEZONE: unknown time zone"):
        load_settings(environ={"CONSULT_I18N_DEFAULT_TIMEZONE": "Mars/Olympus"})


def test_a_config_file_overrides_defaults_and_the_environment_overrides_it(tmp_path: Path) -> None:
    config = tmp_path / "consult.toml"
    config.write_text("[booking]\nhorizon_days = 45\nmin_notice_minutes = 60\n", "utf-8")
    settings = load_settings(
        environ={"CONSULT_CONFIG": str(config), "CONSULT_BOOKING_MIN_NOTICE_MINUTES": "30"}
    )
    assert settings.booking.horizon_days == 45
    assert settings.booking.min_notice_minutes == 30


def test_demo_mode_makes_ephemeral_secrets_and_production_needs_real_ones() -> None:
    demo = load_settings(environ={})
    assert set(demo.generated) == {"secret_key", "base_url"} and len(demo.server.secret_key) >= 32
    prod = load_settings(
        environ={
            "CONSULT_MODE": "production",
            "CONSULT_SECRET_KEY": "k" * 40,
            "CONSULT_BASE_URL": "https://c.kz/",
        }
    )
    assert prod.generated == () and prod.server.base_url == "https://c.kz" and prod.https


async def test_migrate_twice_applies_nothing_the_second_time(db: asyncpg.Connection) -> None:
    assert await migrate(db) == []
    count = await db.fetchval("SELECT count(*) FROM schema_migrations")
    assert count == len(load_migrations())


async def test_two_copies_migrating_at_once_apply_each_file_once(pg_server: str) -> None:
    name = f"consult_race_{os.getpid()}"
    admin = await asyncpg.connect(pg_server)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = url_with_database(pg_server, name)
        first, second = await asyncpg.connect(url), await asyncpg.connect(url)
        try:
            results = await asyncio.gather(migrate(first), migrate(second))
            assert sorted(len(r) for r in results) == [0, len(load_migrations())]
            assert await first.fetchval("SELECT count(*) FROM schema_migrations") == len(load_migrations())
            assert await first.fetchval("SELECT count(*) FROM topics") >= 12
        finally:
            await first.close()
            await second.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_a_changed_migration_is_refused(db: asyncpg.Connection) -> None:
    from consult.db import Migration, MigrationError

    changed = [Migration(m.version, m.name, m.sql + "\n-- edited") for m in load_migrations()]
    with pytest.raises(MigrationError, match="changed after it was applied"):
        await migrate(db, changed)


async def test_every_foreign_key_to_users_has_an_index_so_deleting_a_user_scans_no_table(
    db: asyncpg.Connection,
) -> None:
    # A booking batch deletes the member rows it made for refused bookings (migrations/0012); PostgreSQL
    # then looks up each referring column, which without an index is a scan of the whole table.
    unindexed = await db.fetch(
        """
        SELECT c.conrelid::regclass::text AS tbl, a.attname AS col
        FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        WHERE c.contype = 'f' AND c.confrelid = 'users'::regclass
          AND NOT EXISTS (
              SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1]
          )
        """
    )
    assert [f"{r['tbl']}.{r['col']}" for r in unindexed] == []


async def test_reference_data_has_regions_and_topics_in_three_languages(db: asyncpg.Connection) -> None:
    regions = await db.fetch("SELECT kind, count(*) AS n FROM regions GROUP BY kind ORDER BY kind")
    assert {r["kind"]: r["n"] for r in regions} == {"city": 3, "region": 17}
    topics = await db.fetch("SELECT name_ru, name_kk, name_en FROM topics")
    assert len(topics) >= 12 and all(all(t) for t in topics)


def test_every_route_declares_who_may_use_it() -> None:
    app = create_app(make_settings())
    undeclared = []
    for route in app.router.routes():
        if route.resource is not None and route.resource.name == "static":
            continue
        if route.method != "HEAD" and allowed_roles(route.handler) is None:
            undeclared.append(f"{route.method} {route.resource.canonical if route.resource else route}")
    assert undeclared == []
    assert CAPABILITIES  # the list the app builds its routes from


def test_every_template_compiles() -> None:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)), extensions=["jinja2.ext.i18n"], autoescape=True
    )
    configure_environment(env)
    names = env.list_templates(extensions=["html", "txt", "xml", "ics"])
    assert names
    for name in names:
        env.get_template(name)


def test_every_marked_string_is_translated_in_kazakh_russian_and_english() -> None:
    gaps = missing()
    assert gaps == {"ru": [], "kk": [], "en": []}


def test_no_string_is_translated_two_ways_in_one_language() -> None:
    from consult.i18n_check import conflicts

    assert conflicts() == []


async def test_the_api_is_described_by_an_openapi_document_that_matches_the_routes(client: Any) -> None:
    from tests.openapi_check import check_response, find_operation

    response = await client.get("/api/v1/openapi.json")
    assert response.status == 200
    spec = await response.json()
    assert spec["openapi"].startswith("3.1")
    undocumented = []
    for route in client.app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter")
        if not path or not path.startswith("/api/") or route.method == "HEAD":
            continue
        try:
            find_operation(route.method, path)
        except AssertionError:
            undocumented.append(f"{route.method} {path}")
    assert undocumented == []
    check_response("GET", "/api/v1/openapi.json", 200, spec)
    failed = await client.post("/api/v1/session", json={"email": "nobody@example.org", "password": "x" * 12})
    check_response("POST", "/api/v1/session", failed.status, await failed.json())


def test_zones_are_named_for_people_in_each_language_without_a_false_summer_time() -> None:
    from consult.i18n import use_locale, zone_name

    # Country, then city, with no brackets of their own: pages put the name in one pair "10:30 (…)".
    with use_locale("ru"):
        assert zone_name("Asia/Almaty") == "Казахстан, Алматы"
        assert zone_name("Europe/Moscow") == "Россия, Москва"
        assert zone_name("Asia/Bishkek") == "Кыргызстан, Бишкек"
    with use_locale("kk"):
        assert zone_name("Asia/Aqtobe") == "Қазақстан, Ақтөбе"
    with use_locale("en"):
        assert zone_name("Asia/Almaty") == "Kazakhstan, Almaty"
        assert zone_name("Asia/Aqtobe") == "Kazakhstan, Aktobe"
        assert zone_name("UTC") == "UTC"


async def test_two_consult_migrate_commands_started_together_both_exit_0_and_apply_each_file_once(
    pg_server: str,
) -> None:
    name = f"consult_cli_race_{os.getpid()}"
    admin = await asyncpg.connect(pg_server)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = url_with_database(pg_server, name)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CONSULT_")} | {"DATABASE_URL": url}
        procs = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "consult",
                "migrate",
                env=env,
                cwd=ROOT,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            for _ in range(2)
        ]
        outputs = [await asyncio.wait_for(p.communicate(), 120) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], outputs
        said = sorted(out.decode().strip() for out, _err in outputs)
        assert said[0] == "applied 0 migration(s)"
        assert said[1].startswith(f"applied {len(load_migrations())} migration(s)")
        conn = await asyncpg.connect(url)
        try:
            rows = await conn.fetch("SELECT name FROM schema_migrations ORDER BY version")
            assert [r["name"] for r in rows] == [m.name for m in load_migrations()]
        finally:
            await conn.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_a_nul_character_in_the_path_or_query_is_a_clear_400_never_a_500(client: Any) -> None:
    response = await client.get("/api/v1/lawyers", params={"topic": "\x00"})
    assert response.status == 400
    assert (await response.json())["error"]["fields"] == {
        "topic": "Не должно содержать нулевой символ (NUL)."
    }
    response = await client.get("/faq/a%00b", params={"lang": "en"})
    assert response.status == 400
    assert "The address contains a NUL character." in await response.text()


def test_a_started_process_freezes_what_it_loaded_and_collects_cycles_less_often() -> None:
    import gc
    import weakref

    from consult.cli import GC_THRESHOLDS, settle_garbage_collector

    before = gc.get_threshold()
    try:
        settle_garbage_collector()
        assert gc.get_threshold() == GC_THRESHOLDS
        assert GC_THRESHOLDS[0] > before[0]  # young passes rarer than Python's default
        assert gc.get_freeze_count() > 0

        # Cycles are still collected, only later: one made now is gone after a collection.
        class Node:
            pass

        node = Node()
        node.itself = node  # type: ignore[attr-defined]
        ref = weakref.ref(node)
        del node
        assert ref() is not None
        gc.collect()
        assert ref() is None
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
