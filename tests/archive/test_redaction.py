import itertools
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from consult.archive.redaction import (
    KINDS,
    PLACEHOLDERS,
    Finding,
    apply_redactions,
    find_pii,
    is_valid_iin,
    placeholder_for,
)

# The shared data lives beside the repository (in CI too: a copy of shared/ next to the clone).
# A git worktree sits one level deeper than a clone, so look in every folder above the repository.
DEV_FILE = next(
    (
        folder / "shared" / "data" / "redaction_dev.jsonl"
        for folder in Path(__file__).resolve().parents[2:]
        if (folder / "shared" / "data" / "redaction_dev.jsonl").exists()
    ),
    Path(__file__).resolve().parents[3] / "shared" / "data" / "redaction_dev.jsonl",
)

# A must-catch span counts as caught when a finding of one of these kinds covers it.
SENSIBLE_KINDS = {
    "person": {"person"},
    "iin": {"iin", "id_document"},
    "phone": {"phone"},
    "email": {"email"},
    "id_document": {"id_document", "iin"},
    "address": {"address", "location"},
    "organization": {"organization"},
    "location": {"location", "address"},
}

# Our own texts, written for these tests and never used to tune a rule against the dev file.
EXTRA_CASES: list[dict[str, Any]] = [
    {
        "language": "ru",
        "member_name": "Жаксыбекова Алия Муратовна",
        "text": "Директор Жаксыбекова Алия Муратовна отказала мне в отпуске, — пишет учитель.",
        "pii": [["person", "Жаксыбекова Алия Муратовна"]],
    },
    {
        "language": "ru",
        "member_name": "Омаров Даулет",
        "text": "Приказ подписал А.Б. Сулейменов, а согласовала заместитель Кенжебаева.",
        "pii": [["person", "А.Б. Сулейменов"], ["person", "Кенжебаева"]],
    },
    {
        "language": "ru",
        "member_name": "Ли Марина",
        "text": "Я работаю в СОШ №12 имени М. Ауэзова, с. Кызылжар Акмолинской области.",
        "pii": [["organization", "СОШ №12 имени М. Ауэзова"], ["location", "с. Кызылжар"]],
    },
    {
        "language": "ru",
        "member_name": "Ли Марина",
        "text": "Мой адрес: г. Астана, пр. Республики, 15/2, кв. 47. Паспорт N12345678.",
        "pii": [["address", "пр. Республики, 15/2, кв. 47"], ["id_document", "N12345678"]],
        "optional": ["Астана"],
    },
    {
        "language": "ru",
        "member_name": "Ли Марина",
        "text": 'Проживаю: мкр. Аксай-4, дом 12, квартира 33. В ТОО "Болашак Сервис" не платят отпускные.',
        "pii": [["address", "мкр. Аксай-4, дом 12, квартира 33"], ["organization", 'ТОО "Болашак Сервис"']],
    },
    {
        "language": "ru",
        "member_name": "Иванова Татьяна",
        "text": "Удостоверение личности № 045678912 выдано 12.03.2015. Звоните 8 701 555 44 33 "
        "или пишите ivanova-t@list.ru, ИИН 850101300603.",
        "pii": [
            ["id_document", "045678912"],
            ["phone", "8 701 555 44 33"],
            ["email", "ivanova-t@list.ru"],
            ["iin", "850101300603"],
        ],
    },
    {
        "language": "ru",
        "member_name": "Иванова Татьяна",
        "text": "Письмо от Ивановой Татьяны получили? Коллегу Шевченко Наталью Викторовну перевели.",
        "pii": [["person", "Ивановой Татьяны"], ["person", "Шевченко Наталью Викторовну"]],
    },
    {
        "language": "ru",
        "member_name": "Пак Ирина",
        "text": "Я воспитатель в ясли-саду №3 «Ақбота» в посёлке Зеленый Бор. Тел. 53-12-40.",
        "pii": [
            ["organization", "ясли-саду №3 «Ақбота»"],
            ["location", "посёлке Зеленый Бор"],
            ["phone", "53-12-40"],
        ],
    },
    {
        "language": "kk",
        "member_name": "Сапарбай Гүлмира",
        "text": "Менің атым Гүлмира Сапарбай, мен Қарағанды облысы, Ботакөз ауылындағы мектепте жұмыс "
        "істеймін. Жеке куәлік нөмірі 034567891.",
        "pii": [
            ["person", "Гүлмира Сапарбай"],
            ["location", "Ботакөз ауылындағы"],
            ["id_document", "034567891"],
        ],
        "optional": ["Қарағанды облысы"],
    },
    {
        "language": "kk",
        "member_name": "Ахметжанова Сәуле",
        "text": "Абай атындағы №5 мектеп-гимназиясының директоры Ахметов Б.Қ. мені жұмыстан шығарды. "
        "Сәуле Ахметжанованың арызын қабылдамады.",
        "pii": [
            ["organization", "Абай атындағы №5 мектеп-гимназиясының"],
            ["person", "Ахметов Б.Қ."],
            ["person", "Сәуле Ахметжанованың"],
        ],
    },
    {
        "language": "kk",
        "member_name": "Серікова Динара",
        "text": "Мекенжайым: Шымкент қаласы, Тәуке хан даңғылы, 45-үй, 12-пәтер. «Балдырған» балабақшасында "
        "тәрбиеші болып істеймін. Байланыс: +7 747 123 45 67, dinara.s@mail.kz.",
        "pii": [
            ["address", "Тәуке хан даңғылы, 45-үй, 12-пәтер"],
            ["organization", "«Балдырған» балабақшасында"],
            ["phone", "+7 747 123 45 67"],
            ["email", "dinara.s@mail.kz"],
        ],
        "optional": ["Шымкент қаласы"],
    },
    {
        "language": "kk",
        "member_name": "Жұмабеков Ерлан",
        "text": "Әріптесім Серікова Динара Болатқызы да осы мәселеге тап болды. Мен Ерлан Жұмабекұлы, "
        "Қосшы кентінде тұрамын, 17-мектепте істеймін. ЖСН 791102324710.",
        "pii": [
            ["person", "Серікова Динара Болатқызы"],
            ["person", "Ерлан Жұмабекұлы"],
            ["location", "Қосшы кентінде"],
            ["organization", "17-мектепте"],
            ["iin", "791102324710"],
        ],
    },
    {
        "language": "en",
        "member_name": "Bekova Aliya",
        "text": "My name is Aliya Nurlanovna Bekova, I work at school No. 25 in Astana. Call +7 701 111 22 33.",
        "pii": [
            ["person", "Aliya Nurlanovna Bekova"],
            ["organization", "school No. 25"],
            ["phone", "+7 701 111 22 33"],
        ],
        "optional": ["Astana"],
    },
    {
        "language": "ru",
        "member_name": "Абенов Канат",
        "text": "Согласно статье 88 Трудового кодекса Республики Казахстан работнику предоставляется ежегодный "
        "оплачиваемый трудовой отпуск. Основной отпуск педагогов составляет 56 календарных дней. "
        "Приказ № 45-к от 01.09.2023 г., сумма 150 000 тенге. Главная проблема в Павлодарской области.",
        "pii": [],
    },
    {
        "language": "kk",
        "member_name": "Абенов Қанат",
        "text": "Еңбек кодексінің 88-бабына сәйкес жыл сайынғы ақы төленетін еңбек демалысы беріледі. "
        "Педагогтерге 56 күнтізбелік күн демалыс беріледі. Біздің мектепте 3 жыл жұмыс істедім.",
        "pii": [],
    },
    {
        "language": "en",
        "member_name": "Dana Omarova",
        "text": "The Labour Code of the Republic of Kazakhstan gives teachers 56 days of paid leave a year.",
        "pii": [],
    },
]


def load_dev_cases() -> list[dict[str, Any]]:
    if not DEV_FILE.exists():
        pytest.skip(f"{DEV_FILE} is not there; the shared data set sits beside the repository")
    with DEV_FILE.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def covers(finding: Finding, start: int, end: int) -> bool:
    return finding.start <= start and finding.end >= end


def overlaps(finding: Finding, start: int, end: int) -> bool:
    return finding.start < end and start < finding.end


def spans_of(text: str, piece: str) -> list[tuple[int, int]]:
    spans, at = [], text.find(piece)
    assert at >= 0, f"{piece!r} is not in the text"
    while at >= 0:
        spans.append((at, at + len(piece)))
        at = text.find(piece, at + 1)
    return spans


def score(
    cases: list[dict[str, Any]],
) -> tuple[Counter[str], Counter[str], int, int]:
    """Return caught and expected counts per kind, false findings and all findings."""
    caught: Counter[str] = Counter()
    expected: Counter[str] = Counter()
    false_findings = total_findings = 0
    for case in cases:
        text = case["text"]
        findings = find_pii(text, case["language"], [case["member_name"]])
        wanted = [(kind, span) for kind, piece in case["pii"] for span in spans_of(text, piece)]
        optional = [span for piece in case.get("optional", []) for span in spans_of(text, piece)]
        for kind, (start, end) in wanted:
            expected[kind] += 1
            if any(covers(f, start, end) and f.kind in SENSIBLE_KINDS[kind] for f in findings):
                caught[kind] += 1
        for f in findings:
            total_findings += 1
            if not any(overlaps(f, s, e) for _, (s, e) in wanted) and not any(
                overlaps(f, s, e) for s, e in optional
            ):
                false_findings += 1
                print(f"false finding in {case.get('id', 'extra')}: {f}")
    return caught, expected, false_findings, total_findings


def report(caught: Counter[str], expected: Counter[str], false_findings: int, total: int) -> float:
    for kind in KINDS:
        if expected[kind]:
            print(f"{kind:>13}: {caught[kind]}/{expected[kind]} = {caught[kind] / expected[kind]:.0%}")
    share = false_findings / total if total else 0.0
    print(f"false findings: {false_findings}/{total} = {share:.1%}")
    return share


def assert_recall(caught: Counter[str], expected: Counter[str]) -> None:
    for kind in ("iin", "phone", "email"):
        assert caught[kind] == expected[kind], kind
    for kind in ("person", "id_document", "address", "organization", "location"):
        if expected[kind]:
            assert caught[kind] / expected[kind] >= 0.95, kind


def test_staff_sees_every_identifying_detail_of_the_dev_set_flagged() -> None:
    caught, expected, false_findings, total = score(load_dev_cases())
    share = report(caught, expected, false_findings, total)
    assert_recall(caught, expected)
    # Rules run on unseen text will flag some harmless capitalised words; staff dismiss them in a click.
    # On these sets no false finding shows up, so 10% leaves room without hiding a regression.
    assert share < 0.10


def test_staff_sees_identifying_details_flagged_in_texts_the_rules_were_not_written_for() -> None:
    caught, expected, false_findings, total = score(EXTRA_CASES)
    share = report(caught, expected, false_findings, total)
    assert_recall(caught, expected)
    assert share < 0.10


def test_redactor_is_fast_enough_for_a_long_answer() -> None:
    text = " ".join(case["text"] for case in EXTRA_CASES)
    text = (text * (4000 // len(text) + 1))[:4000]
    find_pii(text, "ru", ["Ахметова Гульнара Сериковна"])
    started = time.perf_counter()
    for _ in range(10):
        find_pii(text, "ru", ["Ахметова Гульнара Сериковна"])
    per_text = (time.perf_counter() - started) / 10
    # A few ms on a developer machine; the bound is loose so that a slow CI box does not flake.
    assert per_text < 0.05


# --- findings are well formed ------------------------------------------------------------------------


def test_findings_are_sorted_disjoint_and_carry_their_own_text() -> None:
    text = (
        "Меня зовут Ахметова Гульнара Сериковна, КГУ «Школа-гимназия №5 имени Абая», ул. Абая, д. 5, кв. 7, "
        "тел. +7 701 234 56 78, ИИН 791102324710, почта a.g@mail.kz"
    )
    findings = find_pii(text, "ru", ["Ахметова Гульнара Сериковна"])
    assert [f.start for f in findings] == sorted(f.start for f in findings)
    for left, right in itertools.pairwise(findings):
        assert left.end <= right.start
    for f in findings:
        assert f.text == text[f.start : f.end]
        assert f.kind in KINDS
    assert {f.kind for f in findings} == {"person", "organization", "address", "phone", "iin", "email"}


def test_overlapping_candidates_give_the_longer_finding() -> None:
    # "Торайгырова" alone looks like a surname; the address around it is the longer finding.
    findings = find_pii("Живу на ул. Торайгырова, д. 64, кв. 12.", "ru")
    assert [(f.kind, f.text) for f in findings] == [("address", "ул. Торайгырова, д. 64, кв. 12")]


# --- IIN and BIN -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "iin", ["791102324710", "850314453050", "900505411868", "940140000385", "850101300603"]
)
def test_iin_with_a_correct_check_digit_is_accepted(iin: str) -> None:
    assert is_valid_iin(iin)


@pytest.mark.parametrize(
    "value",
    [
        "791102324711",  # check digit changed
        "791102324701",  # two digits swapped
        "850101300604",  # check digit from the second pass changed
        "850101300690",  # both passes give 10: never issued
        "79110232471",  # eleven digits
        "７９１１０２３２４７１０",  # fullwidth digits
    ],
)
def test_iin_with_a_wrong_check_digit_or_shape_is_rejected(value: str) -> None:
    assert not is_valid_iin(value)


def test_bare_twelve_digits_are_an_iin_only_with_a_valid_checksum() -> None:
    findings = find_pii("Номер договора 791102324711, ИИН работника 791102324710.", "ru")
    assert [(f.kind, f.text) for f in findings] == [("iin", "791102324710")]


def test_a_labelled_iin_with_a_typo_is_still_flagged() -> None:
    findings = find_pii("Мой ЖСН: 791102324711", "kk")
    assert [(f.kind, f.text) for f in findings] == [("iin", "791102324711")]


# --- phones ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        "+7 701 234 56 78",
        "8 (7252) 53-12-40",
        "87771234567",
        "8-702-765-43-21",
        "+77051112233",
        "+7 (777) 555-01-02",
        "8 701 555 44 33",
        "8(727)2505050",
        "+7 7172 123456",
        "+998 90 123 45 67",
    ],
)
def test_phone_numbers_in_common_kazakh_formats_are_found(phone: str) -> None:
    text = f"Мой номер {phone}, звоните после обеда."
    findings = find_pii(text, "ru")
    assert [(f.kind, f.text) for f in findings] == [("phone", phone)]


def test_dates_sums_and_article_numbers_are_not_phones() -> None:
    text = "Приказ № 45-к от 01.09.2023, статья 52, сумма 150 000 тенге, стаж 1 234 567 часов? Нет."
    assert [f for f in find_pii(text, "ru") if f.kind == "phone"] == []


# --- persons -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Мектеп директоры Сәрсенбаев Қайрат Нұрланұлы бұйрық шығарды.", "Сәрсенбаев Қайрат Нұрланұлы"),
        ("Әріптесім Динара Болатқызы маған айтты.", "Динара Болатқызы"),
        ("Мен Ерлан Маратұлы, мұғаліммін.", "Ерлан Маратұлы"),
        ("Арызды Ерлан Маратулы жазды.", "Ерлан Маратулы"),
        ("Бұйрыққа Айгерім Серіккызы қол қойды.", "Айгерім Серіккызы"),
        ("Арызды Нұрланов Ерлан Маратұлына бердім.", "Нұрланов Ерлан Маратұлына"),
    ],
)
def test_kazakh_patronymics_mark_a_person(text: str, name: str) -> None:
    assert [(f.kind, f.text) for f in find_pii(text, "kk")] == [("person", name)]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Завуч Мамыров Талгат Ерболович ставит замены.", "Мамыров Талгат Ерболович"),
        ("Пишу от имени Лыковой Татьяны Андреевны.", "Лыковой Татьяны Андреевны"),
        ("Коллега Ирина Сергеевна Волкова так сказала.", "Ирина Сергеевна Волкова"),
        ("Вчера Наталья Ильинична ушла.", "Наталья Ильинична"),
        ("Приказ подписал Оспанов А. Е. Правомерно ли это?", "Оспанов А. Е."),
        ("Обращаюсь к Б.К. Сейтказиеву.", "Б.К. Сейтказиеву"),
        ("Заведующая Калиева М.Т. говорит иначе.", "Калиева М.Т."),
        ("Мой муж Беков Нурлан тоже здесь.", "Беков Нурлан"),
        ("Директор Ткаченко угрожает увольнением.", "Ткаченко"),
    ],
)
def test_russian_names_with_patronymics_initials_or_surnames_mark_a_person(text: str, name: str) -> None:
    assert [(f.kind, f.text) for f in find_pii(text, "ru")] == [("person", name)]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Мы благодарим Ахметову за помощь.", "Ахметову"),
        ("Заявление Ахметовой рассмотрено.", "Ахметовой"),
        ("Ахметованың өтініші қаралды.", "Ахметованың"),
        ("Гульнаре ответили отказом.", "Гульнаре"),
        ("АХМЕТОВА Г.С. не согласна.", "АХМЕТОВА Г.С."),
        ("Гүлнара Ахметова жазды.", "Гүлнара Ахметова"),
    ],
)
def test_the_members_own_name_is_found_in_other_case_forms_and_spellings(text: str, name: str) -> None:
    findings = find_pii(text, "ru", ["Ахметова Гульнара Сериковна"])
    assert [(f.kind, f.text) for f in findings] == [("person", name)]


def test_a_name_after_a_capitalised_sentence_opener_is_covered() -> None:
    # The opener may be swallowed with the name: more is hidden, nothing is left visible.
    text = "Благодарим Ахметову за помощь."
    findings = find_pii(text, "ru", ["Ахметова Гульнара Сериковна"])
    assert [f.kind for f in findings] == ["person"]
    assert "Ахметову" in findings[0].text
    assert len(findings[0].text.split()) <= 2


def test_a_known_name_written_as_an_ordinary_lowercase_word_is_left_alone() -> None:
    assert find_pii("На клумбе у школы растёт роза.", "ru", ["Роза Ахметова"]) == []


def test_capitalised_words_that_are_not_names_are_left_alone() -> None:
    text = (
        "Трудовой кодекс Республики Казахстан. Основной отпуск педагогов. Главная проблема. "
        "Министерство просвещения. Различные приказы. Астана, Алматы, Шымкент."
    )
    assert find_pii(text, "ru") == []


# --- documents, addresses, organisations, settlements ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Номер моего удостоверения 043512876.", "043512876"),
        ("Удостоверение личности № 045678912 выдано МВД.", "045678912"),
        ("Паспорт N12345678 выдан в 2019 году.", "N12345678"),
        ("Жеке куәлік нөмірі 034567891.", "034567891"),
        ("Passport N 1234567 expired.", "N 1234567"),
    ],
)
def test_identity_document_numbers_are_found(text: str, number: str) -> None:
    findings = find_pii(text, "ru")
    assert len(findings) == 1
    assert findings[0].kind == "id_document"
    assert number in findings[0].text


@pytest.mark.parametrize(
    "address",
    [
        "ул. Торайгырова, д. 64, кв. 12",
        "улица Абая 23",
        "пр. Назарбаева, 15/2, кв. 47",
        "мкр. Самал-2, дом 5",
        "Абылай хан даңғылы, 23-үй",
        "Қабанбай батыр көшесі, 12-үй, 5-пәтер",
        "д. 5, кв. 17",
    ],
)
def test_street_addresses_are_found(address: str) -> None:
    findings = find_pii(f"Адрес: {address}.", "ru")
    assert [(f.kind, f.text) for f in findings] == [("address", address)]


@pytest.mark.parametrize(
    "organization",
    [
        "КГУ «Общеобразовательная школа №17»",
        "ГККП «Ясли-сад «Балауса»»",
        "ТОО «Білім Сервис»",
        "Школа-гимназия №5 имени Абая",
        "средней школе № 12",
        "детском саду «Балапан»",
        "гимназии им. Абая",
        "№17 мектеп",
        "№42 мектеп-лицейде",
        "17-мектепте",
        "«Айгөлек» балабақшасы",
        "Абай атындағы №5 мектеп-гимназиясы",
    ],
)
def test_schools_kindergartens_and_legal_entities_are_found(organization: str) -> None:
    findings = find_pii(f"Я работаю: {organization}, уже пять лет.", "ru")
    assert [(f.kind, f.text) for f in findings] == [("organization", organization)]


def test_an_unnamed_school_or_college_is_not_an_organisation_finding() -> None:
    assert find_pii("Работаю по совместительству в колледже и в нашей школе.", "ru") == []


@pytest.mark.parametrize(
    "place", ["с. Кызылжар", "село Каменка", "пос. Шахан", "аул Акжар", "Қосшы ауылы", "Ботакөз ауылында"]
)
def test_villages_are_found_but_cities_are_not(place: str) -> None:
    findings = find_pii(f"Живу в г. Костанай, раньше: {place}.", "ru")
    assert [(f.kind, f.text) for f in findings] == [("location", place)]


# --- placeholders and replacing ----------------------------------------------------------------------


def test_every_language_has_a_placeholder_for_every_kind() -> None:
    for language in ("ru", "kk", "en"):
        assert set(KINDS) <= set(PLACEHOLDERS[language])


def test_a_school_gets_the_school_placeholder() -> None:
    school = Finding("organization", 0, 10, "школа №17")
    company = Finding("organization", 0, 10, "ТОО «Рассвет»")
    assert placeholder_for(school, "ru") == "[школа]"
    assert placeholder_for(school, "kk") == "[мектеп]"
    assert placeholder_for(company, "ru") == "[организация]"
    assert placeholder_for(Finding("person", 0, 3, "Ким"), "en") == "[name]"


def test_redactions_use_offsets_of_the_original_text() -> None:
    text = "Ахметова Г.С., тел. 87771234567, ИИН 791102324710."
    findings = find_pii(text, "ru")
    replacements = [(f.start, f.end, placeholder_for(f, "ru")) for f in reversed(findings)]
    assert apply_redactions(text, replacements) == "[ФИО], тел. [телефон], ИИН [ИИН]."


def test_replacements_longer_and_shorter_than_the_span_do_not_shift_each_other() -> None:
    text = "0123456789"
    assert apply_redactions(text, [(8, 9, ""), (0, 1, "AAAA"), (4, 6, "-")]) == "AAAA123-679"
    assert apply_redactions(text, []) == text
    assert apply_redactions(text, [(3, 3, "+")]) == "012+3456789"


def test_overlapping_or_outside_replacements_are_refused() -> None:
    with pytest.raises(ValueError, match="overlap"):
        apply_redactions("0123456789", [(0, 5, "x"), (4, 6, "y")])
    with pytest.raises(ValueError, match="outside"):
        apply_redactions("0123", [(2, 9, "x")])
