"""The redactor finds every name, place and employer however it is written (issue 22)."""

import statistics
import time
from pathlib import Path
from typing import Any

import pytest

from bench.redaction import STRUCTURED, Score, default_files, load
from consult.archive.redaction import Finding, find_pii, find_pii_in_texts


def found(text: str, language: str = "ru", names: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    return [(f.kind, f.text) for f in find_pii(text, language, list(names))]


def covered(findings: list[Finding], text: str, piece: str, kinds: set[str]) -> bool:
    start = text.index(piece)
    return any(f.start <= start and f.end >= start + len(piece) and f.kind in kinds for f in findings)


# --- Must show ---------------------------------------------------------------------------------------


def test_a_lower_case_name_and_a_first_name_alone_are_found() -> None:
    assert found("заведующая кенжебаева алия опять не подписала заявление") == [("person", "кенжебаева алия")]
    assert found("пишет вам айжан серикбаева из второй школы") == [("person", "айжан серикбаева")]
    assert found("здравствуйте, меня зовут Айгерім, я учитель") == [("person", "Айгерім")]
    assert found("Сәлеметсіз бе! Тегім Жақсыбаева, атым Гүлнар.", "kk") == [
        ("person", "Жақсыбаева"),
        ("person", "Гүлнар"),
    ]
    # Initials, Korean and German surnames, Latin spellings.
    assert found("заведующая пак л.н. и завуч Хегай Н. против") == [
        ("person", "пак л.н."),
        ("person", "Хегай Н."),
    ]
    assert found("Председатель профкома Вебер промолчал, а методист Цой ушла.") == [
        ("person", "Вебер"),
        ("person", "Цой"),
    ]
    assert found("ya rabotayu v shkole, garifullin ildar, pomogite", "ru") == [("person", "garifullin ildar")]


def test_a_name_that_is_also_a_word_is_left_alone_in_lower_case_and_at_a_sentence_start() -> None:
    text = "Надежда умирает последней. Вера в справедливость пропала, а роза у школы завяла."
    assert found(text, "ru", ("Роза Ахметова",)) == []
    assert found("Жеңіс күні мектеп бізді шараға шақырды.", "kk", ("Төлеуова Жеңіс",)) == []
    assert found("Законно ли это? Тен лет назад было иначе.", "ru", ("Ли Марина",)) == []


def test_a_name_found_in_the_question_is_found_in_the_answer() -> None:
    question = "Меня зовут Кенжебаева Алия Серикбаевна, директор не даёт мне отпуск."
    answer = (
        "Уважаемая Алия! Вам, Алия Серикбаевна, отпуск положен. Кенжебаевой А. следует написать заявление."
    )
    in_question, in_answer = find_pii_in_texts([question, answer], "ru")
    assert [f.text for f in in_question] == ["Кенжебаева Алия Серикбаевна"]
    assert [f.text for f in in_answer] == ["Алия", "Алия Серикбаевна", "Кенжебаевой А."]
    assert {f.kind for f in in_answer} == {"person"}
    # The answer names only "Айгерім", which alone at a sentence start would not count as a name.
    question = "Мен Сейтжанова Айгерім Нұрланқызы, мектептен шығарды."
    answer = "Айгерім, сізді шығару заңсыз."
    assert [f.text for f in find_pii_in_texts([question, answer], "kk")[1]] == ["Айгерім"]


def test_the_members_name_is_found_in_latin_letters_and_in_lower_case() -> None:
    text = "Hello, this is dana akhmetova again. Dana Akhmetova, teacher."
    assert found(text, "en", ("Ахметова Дана Сериковна",)) == [
        ("person", "dana akhmetova"),
        ("person", "Dana Akhmetova"),
    ]
    assert found("ответьте на почту, алиева", "ru", ("Алиева Севиль",)) == [("person", "алиева")]


def test_a_split_iin_is_found_and_a_wrong_checksum_is_not() -> None:
    for written in ("791102324710", "7911 0232 4710", "7911-0232-4710", "791102 324 710", "791102-324-710"):
        assert found(f"Мой номер {written}, прошу помочь.") == [("iin", written)]
    # The same digits with the check digit changed are a contract number, not an IIN.
    assert found("Номер договора 7911 0232 4711, от 2020 года.") == []
    assert found("Номер договора 791102324711.") == []
    # A BIN is told by its fifth digit; a label says it too.
    assert found("ТОО платит налоги, БИН 090540001233.") == [("bin", "090540001233")]


def test_a_village_in_the_locative_is_found() -> None:
    assert found("Мен Жібек жолы ауылындағы мектепте істеймін.", "kk") == [
        ("location", "Жібек жолы ауылындағы")
    ]
    assert found("мен көктал ауылында тұрамын", "kk") == [("location", "көктал ауылында")]
    assert found("Работаю учителем в селе Карабулак, а живу в посёлке Первомайский.") == [
        ("location", "селе Карабулак"),
        ("location", "посёлке Первомайский"),
    ]
    assert found("I live in the village of Kyzylzhar.", "en") == [("location", "village of Kyzylzhar")]
    # "Our village" names none.
    assert found("Біздің ауылда мектеп жалғыз, біздің ауылымыз шағын.", "kk") == []


# --- numbers, handles and birth dates ----------------------------------------------------------------


def test_cards_employee_numbers_plates_handles_and_birth_dates_are_found() -> None:
    text = (
        "Табельный номер 004512, членский билет № 0456123, карта 5169 4931 2012 3453, "
        "гос. номер 123 ABC 05. Пишите в телеграм @ainur_teacher."
    )
    assert found(text) == [
        ("number", "004512"),
        ("number", "0456123"),
        ("number", "5169 4931 2012 3453"),
        ("number", "123 ABC 05"),
        ("handle", "@ainur_teacher"),
    ]
    # A card number that fails the Luhn check is not one.
    assert found("Оплата 5169 4931 2012 3456 прошла.") == []
    assert found("Я родилась 03.07.1985, а приказ от 01.09.2023 вышел без меня.") == [
        ("birth_date", "03.07.1985")
    ]
    assert found("Мен 1990 жылғы 5 мамырда туғанмын.", "kk") == [("birth_date", "1990 жылғы 5 мамырда")]
    assert found("I was born on 12 April 1990 in Almaty.", "en") == [("birth_date", "12 April 1990")]


def test_organisations_in_latin_english_and_kazakh_forms_are_found() -> None:
    cases = [
        ("en", "I teach at Nazarbayev Intellectual School in Kokshetau.", "Nazarbayev Intellectual School"),
        ("ru", "rabotayu v yasli-sad №7 «Baldyrgan» uzhe god", "yasli-sad №7 «Baldyrgan»"),
        ("kk", "Мен Әл-Фараби атындағы ҚазҰУ-да оқытамын.", "Әл-Фараби атындағы ҚазҰУ-да"),
        ("kk", "Павлодар педагогикалық колледжінде істеймін.", "Павлодар педагогикалық колледжінде"),
        ("ru", "Работаю в Кокшетауском высшем колледже с 2010 года.", "Кокшетауском высшем колледже"),
        ("kk", "Бізді «Таза Қала» ЖШС-на ауыстырды.", "«Таза Қала» ЖШС-на"),
        ("ru", "Муж работает в ТОО Павлодар Энерго.", "ТОО Павлодар Энерго"),
    ]
    for language, text, organisation in cases:
        assert found(text, language) == [("organization", organisation)], text


# --- the development sets and the time budget -------------------------------------------------------


def dev_files() -> list[Path]:
    files = default_files()
    if not files:
        pytest.skip("shared/data/redaction_dev*.jsonl are not beside the repository")
    return files


@pytest.mark.parametrize("name", ["redaction_dev.jsonl", "redaction_dev2.jsonl"])
def test_the_dev_sets_are_redacted_to_the_issues_bar(name: str) -> None:
    paths = [p for p in dev_files() if p.name == name]
    if not paths:
        pytest.skip(f"{name} is not there")
    score = Score()
    for case in load(paths[0]):
        score.add(case, find_pii(case["text"], case["language"], [case["member_name"]]))
    score.print(name, verbose=True)
    caught, expected = score.group(STRUCTURED)
    assert caught == expected
    others = tuple(k for k in score.expected if k not in STRUCTURED)
    caught, expected = score.group(others)
    assert caught / expected >= 0.95
    for kind in score.expected:
        assert score.caught[kind] / score.expected[kind] >= 0.90, kind
    assert score.false_findings <= 0.05 * score.findings


def test_redacting_a_draft_of_two_thousand_characters_takes_under_fifty_ms_at_p95() -> None:
    cases: list[dict[str, Any]] = [case for path in dev_files() for case in load(path)]
    texts = []
    for i in range(40):
        text, j = "", i
        while len(text) < 2000:
            text += cases[j % len(cases)]["text"] + "\n"
            j += 11
        texts.append(text[:2000])
    find_pii(texts[0], "ru", ["Ахметова Гульнара Сериковна"])  # loads the analyser once per process
    times = []
    for i, text in enumerate(texts):
        started = time.perf_counter()
        find_pii_in_texts([text, text[::-1][:500]], "ru", [cases[i]["member_name"]])
        times.append(time.perf_counter() - started)
    assert statistics.quantiles(times, n=20)[-1] < 0.050


def test_published_style_answers_without_personal_data_get_no_findings() -> None:
    # The search development set: questions and lawyers' answers in ru and kk with nobody named in them.
    path = next((p.parent / "search_dev" / "entries.jsonl" for p in dev_files()), None)
    if path is None or not path.exists():
        pytest.skip("shared/data/search_dev/entries.jsonl is not there")
    flagged = []
    for case in load(path):
        texts = [case.get("question", ""), case.get("answer", "")]
        for text, found_in in zip(texts, find_pii_in_texts(texts, case.get("language", "ru")), strict=True):
            flagged += [(case["id"], f.kind, f.text) for f in found_in]
            assert all(text[f.start : f.end] == f.text for f in found_in)
    assert flagged == []
