import pytest

from consult.archive.searchtext import index_text, kazakh_stem, normalize, query_terms


def test_normalize_lowercases_and_folds_yo() -> None:
    assert normalize("Ёлка и ЕЖИК, Отпуск") == "елка и ежик, отпуск"


def test_latin_look_alikes_inside_cyrillic_words_become_cyrillic() -> None:
    # "мектeп" with a Latin e, "MEKTEП" with Latin M, E, K, T, "Cаулe" with Latin C and e.
    assert normalize("мектeп MEKTEП Cаулe учитeль") == "мектеп мектеп сауле учитель"
    assert normalize("мұғалiм") == "мұғалім"  # Latin i typed for Kazakh і
    assert normalize("Xopoшo") == "хорошо"


def test_latin_words_stay_latin() -> None:
    assert normalize("School No. 5, email TEACHER@mail.kz") == "school no. 5, email teacher@mail.kz"


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("мұғалім", "мұғалім"),
        ("мұғалімнің", "мұғалім"),
        ("мұғалімге", "мұғалім"),
        ("мұғалімдер", "мұғалім"),
        ("мұғалімдердің", "мұғалім"),
        ("мұғалімі", "мұғалім"),
        ("демалыс", "демалыс"),
        ("демалысын", "демалыс"),
        ("демалысы", "демалыс"),
        ("демалысқа", "демалыс"),
        ("демалыстың", "демалыс"),
        ("демалысым", "демалыс"),
        ("жалақы", "жалақы"),
        ("жалақымды", "жалақы"),
        ("жалақысы", "жалақы"),
        ("жалақыны", "жалақы"),
        ("жалақыма", "жалақы"),
        ("мектептерде", "мектеп"),
        ("мектебіне", "мектеп"),
        ("оқушылар", "оқушы"),
        ("басшысы", "басшы"),
        ("баласының", "бала"),
        ("баласымен", "бала"),
        ("жұмыстан", "жұмыс"),
        ("жұмысымды", "жұмыс"),
        ("құқығы", "құқық"),
        ("құқықтары", "құқық"),
        ("шешімі", "шешім"),
        ("алматыда", "алматы"),
        ("кітапханаға", "кітапхана"),
        # Case endings agree with the sound before them: -ты after a vowel is not an accusative.
        ("санаты", "санат"),
        ("шарты", "шарт"),
        ("жүктеме", "жүктеме"),
        ("жүктемесін", "жүктеме"),
        ("аттестаттаудан", "аттестаттау"),
        ("үстемеақысы", "үстемеақы"),
    ],
)
def test_kazakh_stem_strips_inflection(word: str, stem: str) -> None:
    assert kazakh_stem(word) == stem


@pytest.mark.parametrize("word", ["үйге", "ана", "бала", "ақы", "мен", "және", "school", "2024"])
def test_short_words_and_non_kazakh_tokens_stay_intact(word: str) -> None:
    assert kazakh_stem(word) == word


def test_stemming_a_stem_changes_nothing() -> None:
    for word in ["мұғалімдерге", "демалысын", "жалақымды", "мектептерде", "құқықтары"]:
        stem = kazakh_stem(word)
        assert kazakh_stem(stem) == stem


def test_kazakh_entry_is_indexed_as_stems_of_normalized_words() -> None:
    text = "Мұғалімнің демалысын қысқартуға бола ма? Жалақымды кешіктіреді."
    # Verbs are not analysed: the 3rd person -ді reads as an accusative, the same way in queries.
    assert index_text(text, "kk") == "мұғалім демалыс қысқарту бола ма жалақы кешіктіре"


def test_russian_and_english_entries_are_only_normalized_for_postgres_to_stem() -> None:
    assert index_text("Учитeль ушёл в Отпуск.", "ru") == "учитель ушел в отпуск."
    assert index_text("Paid Leave", "en") == "paid leave"


def test_a_kazakh_query_finds_an_entry_written_in_other_forms() -> None:
    indexed = set(index_text("Мұғалімдердің жыл сайынғы демалысы туралы", "kk").split())
    terms = query_terms("мұғалімге демалыс", "kk")
    assert terms == ["мұғалім", "демалыс"]
    assert set(terms) <= indexed


def test_query_terms_are_normalized_distinct_and_free_of_punctuation() -> None:
    assert query_terms("  Отпуск, отпуск! Учитeля?", "ru") == ["отпуск", "учителя"]
    assert query_terms("Ёлка", "ru") == ["елка"]
    assert query_terms("!!!", "kk") == []
