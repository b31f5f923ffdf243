"""A teacher searches the archive in Russian or Kazakh and finds answers written in other word forms."""

from __future__ import annotations

from typing import Any

import pytest

from consult.archive.search import marked


async def search(client: Any, q: str, **params: Any) -> dict[str, Any]:
    response = await client.get("/api/v1/faq", params={"q": q, **params})
    assert response.status == 200, await response.text()
    return await response.json()


def questions(body: dict[str, Any]) -> list[str]:
    return [item["question"] for item in body["items"]]


@pytest.fixture
async def entries(archive: Any) -> dict[str, dict[str, Any]]:
    return {
        "kk_teacher": await archive.publish(
            "Мұғалімнің жүктемесін директор өзгерте ала ма?",
            "Оқу жүктемесі тарификация кезінде белгіленеді және тараптардың келісімімен ғана өзгереді.",
            language="kk",
            topic="working-time",
        ),
        "kk_leave": await archive.publish(
            "Жаз айында демалысымды бөліп беруге бола ма?",
            "Жұмыс беруші демалысын қызметкердің келісімімен бөліп бере алады.",
            language="kk",
        ),
        "ru_leave": await archive.publish(
            "Сколько дней ежегодного отпуска положено учителю?",
            "Педагогам предоставляется оплачиваемый отпуск продолжительностью 56 календарных дней.",
        ),
        "ru_yo": await archive.publish(
            "Учёт рабочего времени педагога",
            "Учёт ведётся по табелю; ещё раз проверьте расчётный листок.",
            topic="working-time",
        ),
        "ru_script": await archive.publish(
            "Что делать, если в электронном журнале появился скрипт?",
            "Если в журнале видно <script>alert(1)</script>, сообщите администратору школы & сохраните снимок экрана.",
            topic="safety",
        ),
    }


async def test_a_kazakh_word_finds_its_inflected_forms(client: Any, entries: dict[str, Any]) -> None:
    body = await search(client, "мұғалім")
    assert questions(body) == ["Мұғалімнің жүктемесін директор өзгерте ала ма?"]
    assert body["items"][0]["language"] == "kk" and body["items"][0]["topic"] == "working-time"
    body = await search(client, "демалыс")
    assert questions(body) == ["Жаз айында демалысымды бөліп беруге бола ма?"]
    assert "<mark>демалысын</mark>" in body["items"][0]["snippet"]


async def test_an_inflected_kazakh_query_finds_other_forms_of_the_word(
    client: Any, entries: dict[str, Any]
) -> None:
    assert questions(await search(client, "мұғалімдердің жүктемесі ")) == [
        "Мұғалімнің жүктемесін директор өзгерте ала ма?"
    ]


async def test_a_russian_query_finds_answers_through_russian_stemming(
    client: Any, entries: dict[str, Any]
) -> None:
    body = await search(client, "отпуска учителей ")
    assert questions(body) == ["Сколько дней ежегодного отпуска положено учителю?"]
    assert body["total"] == 1 and body["total_exact"] is True
    assert body["items"][0]["snippet"].count("<mark>") >= 1


async def test_yo_and_ye_are_the_same_letter_on_both_sides(client: Any, entries: dict[str, Any]) -> None:
    expected = ["Учёт рабочего времени педагога"]
    assert questions(await search(client, "учет ")) == expected
    assert questions(await search(client, "учёт ")) == expected
    assert questions(await search(client, "ведется ")) == expected


async def test_latin_look_alike_letters_in_a_query_are_read_as_cyrillic(
    client: Any, entries: dict[str, Any]
) -> None:
    # "отпуск" typed with a Latin o, p and c; "мұғалiм" with a Latin i.
    assert questions(await search(client, "oтпуcк ")) == ["Сколько дней ежегодного отпуска положено учителю?"]
    assert questions(await search(client, "мұғалiм ")) == ["Мұғалімнің жүктемесін директор өзгерте ала ма?"]


async def test_latin_look_alikes_in_an_entry_are_fixed_before_indexing(client: Any, archive: Any) -> None:
    entry = await archive.publish("Кoгда выплачивают oтпускные?", "Не позднее чем за три дня.", topic="pay")
    assert entry["question"] == "Когда выплачивают отпускные?"
    assert questions(await search(client, "отпускные ")) == ["Когда выплачивают отпускные?"]


async def test_the_last_word_matches_as_a_prefix_while_typing(client: Any, entries: dict[str, Any]) -> None:
    assert questions(await search(client, "ежегодн")) == ["Сколько дней ежегодного отпуска положено учителю?"]
    assert questions(await search(client, "тарифика")) == ["Мұғалімнің жүктемесін директор өзгерте ала ма?"]
    # A finished word (followed by a space) is not a prefix.
    assert questions(await search(client, "тарифика ")) == []


async def test_websearch_syntax_phrases_or_and_minus(client: Any, entries: dict[str, Any]) -> None:
    assert questions(await search(client, '"календарных дней"')) == [
        "Сколько дней ежегодного отпуска положено учителю?"
    ]
    assert sorted(questions(await search(client, "табелю or тарификация "))) == sorted(
        ["Учёт рабочего времени педагога", "Мұғалімнің жүктемесін директор өзгерте ала ма?"]
    )
    assert questions(await search(client, "педагог -табель ")) == [
        "Сколько дней ежегодного отпуска положено учителю?"
    ]


async def test_a_question_match_ranks_above_an_answer_match(client: Any, archive: Any) -> None:
    await archive.publish("Как оформить перевод?", "Перевод оформляется приказом; аттестация не нужна.")
    await archive.publish("Когда проходит аттестация педагога?", "Раз в пять лет.", topic="attestation")
    assert questions(await search(client, "аттестация ")) == [
        "Когда проходит аттестация педагога?",
        "Как оформить перевод?",
    ]


async def test_filters_by_topic_and_language(client: Any, entries: dict[str, Any]) -> None:
    assert questions(await search(client, "", topic="working-time", lang="kk")) == [
        "Мұғалімнің жүктемесін директор өзгерте ала ма?"
    ]
    body = await search(client, "", topic="leave", per_page=1)
    assert body["total"] == 2 and len(body["items"]) == 1


async def test_an_answer_with_a_script_tag_shows_it_as_text(client: Any, entries: dict[str, Any]) -> None:
    body = await search(client, "администратору ")
    snippet = body["items"][0]["snippet"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in snippet
    assert "<mark>администратору</mark>" in snippet
    assert "&amp; сохраните" in snippet
    assert "<script" not in snippet.replace("&lt;script", "")

    page = await client.get(f"/faq/{entries['ru_script']['slug']}")
    html = await page.text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert" not in html
    listing = await (await client.get("/faq", params={"q": "администратору "})).text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listing and "<script>alert" not in listing


def test_marks_are_the_only_markup_a_snippet_can_carry() -> None:
    assert (
        marked('\ue000a\ue001 <b>"x"</b> \ue002i>')
        == "<mark>a</mark> &lt;b&gt;&#34;x&#34;&lt;/b&gt; &lt;i&gt;"
    )


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "x" * 201}, "q"),
        ({"q": "a\x00b"}, "q"),
        ({"page": "0"}, "page"),
        ({"per_page": "500"}, "per_page"),
        ({"topic": "nope"}, "topic"),
        ({"lang": "de"}, "lang"),
        ({"q": "отпуск", "page": "60"}, "page"),
    ],
)
async def test_bad_search_input_is_refused_with_400(client: Any, params: dict[str, str], field: str) -> None:
    response = await client.get("/api/v1/faq", params=params)
    assert response.status == 400
    body = await response.json()
    assert body["error"]["code"] == "invalid" and set(body["error"]["fields"]) == {field}


async def test_queries_that_are_only_punctuation_or_tsquery_syntax_do_no_harm(
    client: Any, entries: dict[str, Any]
) -> None:
    for q in ["!!!", "':* & | !(", "отпуск' | '*", "\\", '"', "-", "or"]:
        response = await client.get("/api/v1/faq", params={"q": q})
        assert response.status == 200, q


async def test_a_search_runs_under_a_statement_timeout(client: Any, db: Any) -> None:
    from consult.archive.search import limit_time

    async with db.transaction():
        await limit_time(db, 1234)
        assert await db.fetchval("SHOW statement_timeout") == "1234ms"
    assert await db.fetchval("SHOW statement_timeout") != "1234ms"


async def test_similar_answers_appear_for_a_question_being_typed(
    client: Any, entries: dict[str, Any]
) -> None:
    response = await client.get(
        "/api/v1/faq/similar",
        params={"q": "Сколько дней отпуска у педагогов в школе, если я работаю полставки"},
    )
    assert response.status == 200
    items = (await response.json())["items"]
    assert items[0]["question"] == "Сколько дней ежегодного отпуска положено учителю?"
    assert items[0]["url"] == f"/faq/{entries['ru_leave']['slug']}"
    assert len(items) <= 3
    assert (await (await client.get("/api/v1/faq/similar", params={"q": "а"})).json()) == {"items": []}
