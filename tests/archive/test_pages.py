"""The archive as people see it: staff editing pages, public pages, votes, sitemap, demo data."""

from __future__ import annotations

import json
import re
from typing import Any
from xml.etree import ElementTree

import asyncpg

from consult.archive import demo
from consult.archive.openapi import PATHS
from tests.conftest import Factory


async def test_staff_turn_a_consultation_into_a_published_entry_through_the_pages(
    client: Any, staff_headers: dict[str, str], factory: Factory, db: asyncpg.Connection
) -> None:
    lawyer = await factory.lawyer(topics=("leave",))
    member = await factory.user("member", name="Сапарбай Гүлмира", password=None)
    booking = await factory.booking(
        lawyer,
        member=member,
        topic="leave",
        language="kk",
        status="completed",
        question="Менің атым Гүлмира Сапарбай. Директор демалысымды бөліп берді, бұл заңды ма?",
    )
    await db.execute("UPDATE bookings SET answer = 'Тек сіздің келісіміңізбен.' WHERE id = $1", booking["id"])
    token = staff_headers["X-CSRF-Token"]

    page = await (await client.get("/staff/archive", params={"lang": "en"})).text()
    assert "Start a draft from this consultation" in page and "Менің атым" in page

    response = await client.post(
        "/staff/archive", data={"csrf_token": token, "booking_id": str(booking["id"])}, allow_redirects=False
    )
    assert response.status == 303
    editor_url = response.headers["Location"]
    entry_id = int(editor_url.rsplit("/", 1)[1])

    editor = await (await client.get(editor_url, params={"lang": "en"})).text()
    assert re.search(r'<mark class="finding" id="finding-\d+" title="Name">Гүлмира Сапарбай', editor)
    assert 'value="[аты-жөні]"' in editor  # the placeholder in the entry's language, ready to accept
    rid = await db.fetchval("SELECT id FROM archive_redactions WHERE entry_id = $1", entry_id)

    refused = await client.post(f"/staff/archive/{entry_id}/publish", data={"csrf_token": token})
    assert refused.status == 409
    assert "Resolve every finding first" in await refused.text()

    accepted = await client.post(
        f"/staff/archive/{entry_id}/redactions/{rid}",
        data={"csrf_token": token, "action": "accept", "replacement": "[аты-жөні]"},
        allow_redirects=False,
    )
    assert accepted.status == 303
    published = await client.post(
        f"/staff/archive/{entry_id}/publish", data={"csrf_token": token}, allow_redirects=False
    )
    assert published.status == 303
    row = await db.fetchrow("SELECT status, question, slug FROM archive_entries WHERE id = $1", entry_id)
    assert row["status"] == "published"
    assert row["question"] == "Менің атым [аты-жөні]. Директор демалысымды бөліп берді, бұл заңды ма?"
    assert row["slug"] == f"menin-atym-aty-zhoni-direktor-demalysymdy-bolip-berdi-bul-{entry_id}"

    public = await client.get(f"/faq/{row['slug']}")
    assert public.status == 200
    assert "Гүлмира" not in await public.text()


async def test_a_forced_publication_from_the_editor_needs_a_reason(
    client: Any, staff_headers: dict[str, str], db: asyncpg.Connection
) -> None:
    token = staff_headers["X-CSRF-Token"]
    response = await client.post(
        "/staff/archive",
        data={
            "csrf_token": token,
            "question": "Звоните 87771234567",
            "answer": "",
            "topic": "pay",
            "language": "ru",
        },
        allow_redirects=False,
    )
    entry_id = int(response.headers["Location"].rsplit("/", 1)[1])
    no_reason = await client.post(
        f"/staff/archive/{entry_id}/publish", data={"csrf_token": token, "force": "yes", "reason": " "}
    )
    assert no_reason.status == 400
    forced = await client.post(
        f"/staff/archive/{entry_id}/publish",
        data={"csrf_token": token, "force": "yes", "reason": "Номер горячей линии профсоюза"},
        allow_redirects=False,
    )
    assert forced.status == 303
    assert await db.fetchval("SELECT forced_publish_reason FROM archive_entries WHERE id = $1", entry_id) == (
        "Номер горячей линии профсоюза"
    )


async def test_an_entry_page_carries_canonical_link_description_and_faq_structured_data(
    client: Any, archive: Any
) -> None:
    entry = await archive.publish(
        "Можно ли отозвать учителя из отпуска?",
        "Только с согласия работника. </script><script>alert(1)</script>\nВторой абзац.",
    )
    response = await client.get(f"/faq/{entry['slug']}", params={"lang": "en"})
    assert response.status == 200
    html = await response.text()
    assert f'<link rel="canonical" href="http://127.0.0.1/faq/{entry["slug"]}">' in html
    assert '<meta name="description" content="Только с согласия работника. &lt;/script&gt;' in html
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert block is not None
    assert "<" not in block.group(1)
    data = json.loads(block.group(1))
    assert data["@type"] == "FAQPage"
    assert data["mainEntity"][0]["name"] == "Можно ли отозвать учителя из отпуска?"
    assert data["mainEntity"][0]["acceptedAnswer"]["text"].startswith(
        "Только с согласия работника. </script>"
    )
    assert "<p>Второй абзац.</p>" in html
    assert '<article lang="ru">' in html and "Was this answer helpful?" in html


async def test_views_are_counted_and_a_visitor_votes_once_a_day(
    client: Any, archive: Any, db: asyncpg.Connection
) -> None:
    entry = await archive.publish("Сколько длится отпуск?", "56 календарных дней.")
    await client.get(f"/faq/{entry['slug']}")
    page = await client.get(f"/faq/{entry['slug']}")
    assert await db.fetchval("SELECT views FROM archive_entries WHERE id = $1", entry["id"]) == 2
    token = re.search(r'name="csrf_token" value="([^"]+)"', await page.text()).group(1)  # type: ignore[union-attr]

    first = await client.post(
        f"/faq/{entry['slug']}/vote", data={"csrf_token": token, "helpful": "yes"}, allow_redirects=False
    )
    assert first.status == 303 and first.headers["Location"].endswith("?voted=1#vote")
    second = await client.post(
        f"/faq/{entry['slug']}/vote", data={"csrf_token": token, "helpful": "no"}, allow_redirects=False
    )
    assert second.headers["Location"].endswith("?voted=again#vote")
    counts = await db.fetchrow(
        "SELECT helpful_yes, helpful_no FROM archive_entries WHERE id = $1", entry["id"]
    )
    assert (counts["helpful_yes"], counts["helpful_no"]) == (1, 0)
    keys = await db.fetch("SELECT key, entry_id FROM archive_votes")
    assert len(keys) == 1 and len(keys[0]["key"]) == 32  # an HMAC; the address is not stored
    thanks = await (await client.get(first.headers["Location"].split("#")[0], params={"lang": "en"})).text()
    assert "Thank you for your vote." in thanks


async def test_a_shortened_link_is_sent_to_the_canonical_address(client: Any, archive: Any) -> None:
    entry = await archive.publish("Сколько длится отпуск?", "56 календарных дней.")
    response = await client.get(f"/faq/otpusk-{entry['id']}", allow_redirects=False)
    assert response.status == 301
    assert response.headers["Location"] == f"/faq/{entry['slug']}"
    assert (await client.get("/faq/no-such-entry-999999")).status == 404


async def test_the_archive_page_speaks_three_languages_and_filters(client: Any, archive: Any) -> None:
    await archive.publish("Сколько длится отпуск?", "56 календарных дней.")
    await archive.publish("Демалыс неше күн?", "56 күнтізбелік күн.", language="kk")
    texts = {}
    for lang in ("ru", "kk", "en"):
        response = await client.get("/faq", params={"lang": lang})
        assert response.status == 200
        texts[lang] = await response.text()
    assert "Ответы на вопросы членов профсоюза" in texts["ru"]
    assert "Answers to members' questions" in texts["en"]
    assert "Кәсіподақ мүшелерінің сұрақтарына жауаптар" in texts["kk"]
    kazakh_only = await (await client.get("/faq", params={"language": "kk", "lang": "en"})).text()
    assert "Демалыс неше күн?" in kazakh_only and "Сколько длится отпуск?" not in kazakh_only
    found = await (await client.get("/faq", params={"q": "демалыс ", "lang": "en"})).text()
    assert "Answers found: 1" in found and "<mark>Демалыс</mark> неше күн?" in found
    too_long = await client.get("/faq", params={"q": "x" * 201})
    assert too_long.status == 400


async def test_the_sitemap_lists_published_entries_only(
    client: Any, archive: Any, staff_headers: Any
) -> None:
    entry = await archive.publish("Сколько длится отпуск?", "56 календарных дней.")
    await client.post(
        "/api/v1/faq", json={"question": "Черновик", "topic": "pay", "language": "ru"}, headers=staff_headers
    )
    response = await client.get("/sitemap.xml")
    assert response.status == 200 and response.content_type == "application/xml"
    root = ElementTree.fromstring(await response.read())  # noqa: S314 - our own response
    locs = [e.text for e in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert locs == ["http://127.0.0.1/", "http://127.0.0.1/faq", f"http://127.0.0.1/faq/{entry['slug']}"]


async def test_the_public_api_answers_one_entry_with_related_questions(client: Any, archive: Any) -> None:
    first = await archive.publish("Сколько длится отпуск педагога?", "56 календарных дней.")
    second = await archive.publish("Можно ли разделить отпуск педагога?", "Да, по соглашению сторон.")
    await archive.publish("Когда платят зарплату?", "Не реже раза в месяц.", topic="pay")
    response = await client.get(f"/api/v1/faq/{first['id']}", params={"tz": "Asia/Almaty"})
    assert response.status == 200
    body = await response.json()
    assert {k: body[k] for k in ("id", "slug", "question", "answer", "topic", "language")} == {
        "id": first["id"],
        "slug": first["slug"],
        "question": "Сколько длится отпуск педагога?",
        "answer": "56 календарных дней.",
        "topic": "leave",
        "language": "ru",
    }
    assert body["published_at"].endswith("+05:00")
    assert [r["id"] for r in body["related"]] == [second["id"]]
    assert (await client.get("/api/v1/faq/999999")).status == 404


async def test_demo_archive_has_sixty_entries_in_two_languages_and_loads_twice(
    db: asyncpg.Connection,
) -> None:
    async with db.transaction():
        await demo.load(db)
    async with db.transaction():
        await demo.load(db)
    counts = dict(
        await db.fetch("SELECT language, count(*) FROM archive_entries WHERE status = 'published' GROUP BY 1")
    )
    assert sum(counts.values()) == len(demo.ENTRIES) >= 60
    assert counts["ru"] >= 25 and counts["kk"] >= 25
    # The demo texts hold no personal data, and the redactor agrees: nothing was flagged.
    assert await db.fetchval("SELECT count(*) FROM archive_redactions") == 0


def test_every_archive_api_route_is_in_the_openapi_document() -> None:
    from consult.archive.views import routes

    documented = {(path, method) for path, item in PATHS.items() for method in item}
    for route in routes:
        path = getattr(route, "path", "")
        if path.startswith("/api/"):
            path = re.sub(r"\{(\w+):.*?\}(?=/|$)", r"{\1}", path)
            assert (path, route.method.lower()) in documented, path  # type: ignore[attr-defined]
