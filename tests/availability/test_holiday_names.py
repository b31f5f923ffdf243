"""Staff read Kazakhstan's public holidays on the closures page in their own language."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.availability.conftest import ClientAt
from tests.conftest import Factory, login

# Tuesday 1 December 2026, 08:00 in Almaty: Independence Day (16 December) and New Year are ahead.
NOW = datetime(2026, 12, 1, 3, tzinfo=UTC)


async def test_the_closures_page_names_holidays_in_the_readers_language(
    client_at: ClientAt, factory: Factory
) -> None:
    staff = await factory.user("staff")
    client = await client_at(NOW)
    await login(client, staff)
    pages = {
        language: await (await client.get("/staff/closures", params={"lang": language})).text()
        for language in ("ru", "kk", "en")
    }
    assert "День Независимости" in pages["ru"] and "Новый год" in pages["ru"]
    assert "Тәуелсіздік күні" not in pages["ru"] and "Жаңа жыл" not in pages["ru"]
    assert "Тәуелсіздік күні" in pages["kk"] and "Жаңа жыл" in pages["kk"]
    assert "Independence Day" in pages["en"] and "New Year&#39;s Day" in pages["en"]
    assert "Тәуелсіздік" not in pages["en"]
