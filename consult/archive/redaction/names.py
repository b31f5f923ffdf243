"""What a word tells about being part of a person's name: dictionaries, morphology and transliteration.

The name lists ship as data (consult/archive/data/*.txt, their source named in each file's header);
Russian morphology comes from pymorphy3, whose dictionary tags first names (Name), surnames (Surn) and
patronymics (Patr) in any case form and also guesses them for unknown words by their endings. The
analyser loads once per process (~60 ms, ~15 MB) and every answer is cached.

Words of two scripts are compared by a lossy Latin key: "Алия", "Aliya" and "Әлия" share one, as do
"Жаксыбеков" and "Zhaksybekov"; a name is matched by the key of its stem, so case endings of Russian
and Kazakh follow it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import pymorphy3

DATA = Path(__file__).resolve().parent.parent / "data"

_CYR_TO_LAT = {
    "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "i", "і": "i", "к": "k", "қ": "k", "л": "l", "м": "m", "н": "n", "ң": "n",
    "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ұ": "u", "ү": "u", "ф": "f",
    "х": "kh", "һ": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip
_LATIN_FOLDS = (
    ("shch", "s"), ("dzh", "j"), ("kh", "h"), ("zh", "j"), ("ts", "c"), ("tz", "c"), ("ch", "c"),
    ("sh", "s"), ("q", "k"), ("w", "v"), ("x", "ks"), ("y", "i"), ("ia", "a"), ("io", "o"), ("iu", "u"),
)  # fmt: skip
_DOUBLE = re.compile(r"(.)\1+")


@functools.lru_cache(maxsize=8192)
def key(word: str) -> str:
    """A lossy Latin spelling of a word that Cyrillic and Latin spellings of one name share."""
    low = word.lower()
    latin = "".join(_CYR_TO_LAT.get(c, c) for c in low)
    latin = "".join(c for c in latin if "a" <= c <= "z")
    for old, new in _LATIN_FOLDS:
        latin = latin.replace(old, new)
    return _DOUBLE.sub(r"\1", latin)


# Case endings of Russian and Kazakh that may follow a name, as keys ("ның" is "nin").
_ENDINGS = (
    "а у ю е ы и ой ою ей ем ом ым им ой ого ому ым ых ую ая ой "
    "ның нің дың дің тың тің ға ге қа ке на не ны ні ды ді ты ті да де та те "
    "дан ден тан тен нан нен мен бен пен ға ның"
).split()
ENDING_KEYS = frozenset({""} | {key(e) for e in _ENDINGS} | {key(a + b) for a in ("на", "ға") for b in ("",)})


def _read(name: str) -> list[str]:
    words: list[str] = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            words += line.split()
    return words


_KK_TO_RU = str.maketrans("әөұүқғңһіё", "аоуукгнхие")


def fold(word: str) -> str:
    """Lower case with Kazakh letters as their Russian look-alikes: "Гүлнар" and "Гулнар" are one name."""
    return word.lower().translate(_KK_TO_RU)


def _forms(words: list[str]) -> tuple[frozenset[str], frozenset[str]]:
    """A list as Cyrillic folds (for Cyrillic words) and as Latin keys (for words in Latin letters)."""
    return frozenset(fold(w) for w in words), frozenset(key(w) for w in words)


FIRST_NAMES, FIRST_NAME_KEYS = _forms(_read("first_names.txt"))
SURNAMES, SURNAME_KEYS = _forms(_read("surnames.txt"))
AMBIGUOUS, AMBIGUOUS_KEYS = _forms(_read("ambiguous_names.txt"))
# People a question may mention without identifying anyone: writers, poets, heroes, schools' patrons.
FAMOUS_WORDS = """
    Абай Абая Құнанбайұлы Кунанбаев Құнанбаев Шакарим Ауэзов Әуезов Алтынсарин Жамбыл Мағжан Байтұрсынов
    Байтұрсынұлы Сәтбаев Сатпаев Назарбаев Тоқаев Токаев Абылай Кенесары Махамбет Момышұлы Момышулы Фараби
    Ясауи Навои Букетов Гумилев Гумилёв Рыскулов Уалиханов Уәлиханов Жансүгіров Сейфуллин Торайгыров
    Пушкин Лермонтов Гоголь Толстой Чехов Достоевский Тургенев Есенин Шевченко Ломоносов Менделеев Ленин
    Гагарин Горький Маяковский Крылов Некрасов Шекспир Шокан Ыбырай
    """.split()
FAMOUS, FAMOUS_KEYS = _forms(FAMOUS_WORDS)

_KK_CASE = "(?:ның|нің|дың|дің|тың|тің|ға|ге|қа|ке|на|не|ны|ні|ды|ді|ты|ті|да|де|та|те|дан|ден|тан|тен|нан|нен|мен|бен|пен)"
_SURNAME_SHAPE = re.compile(
    r"^[а-яё]{2,}(?:(?:ов|ев|ёв|ин|ын)(?:а|у|ым|ом|е|ой|ою|ых|ыми|ы|ую)?|енко|чук|юк|ский|ская|ского|ской"
    rf"|дзе|швили|ян|янц|ұлы|улы|қызы|кызы|ұлына|қызына|ова|ева)(?:-?{_KK_CASE})?$"
)
# Words with Kazakh letters end in -ін/-ын for grammar ("үшін", "жұмысын"), not as surnames.
_KK_LETTERS = re.compile(r"[әғқңөұүһі]")
_SURNAME_SHAPE_KK = re.compile(
    rf"^[а-яёәғқңөұүһі]{{2,}}(?:ов|ев|ова|ева|ұлы|улы|қызы|кызы)(?:ы|а|у|ой)?(?:-?{_KK_CASE})?$"
)
_SURNAME_SHAPE_LATIN = re.compile(
    r"^[a-z]{3,}(?:ov|ev|ova|eva|ovoi|evoi|ovu|evu|enko|cuk|dze|svili|uli|kizi|skii|skaia|bekov|baev|baeva)$"
    r"|^[a-z]{4,}(?:in|ina|yn|yna)$"
)


@functools.lru_cache(maxsize=1)
def morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer(lang="ru")


@dataclass(frozen=True)
class Word:
    """What is known about one word as a possible part of a name."""

    first: bool  # a first name
    surname: bool  # a family name
    patronymic: bool
    common: bool  # also an ordinary word: alone it is not taken for a name
    famous: bool
    guessed: bool = False  # a surname only by the analyser's guess for an unknown word
    listed: bool = False  # a first name of the shipped list, not only the analyser's


_CYRILLIC = re.compile(r"[а-яёәғқңөұүһі]")
_PATRONYMIC = re.compile(
    r"(?:ович|евич|ьич|овн|евн|ичн|ұлы|улы|қызы|кызы|оглы|кизи)(?:а|у|ем|е|ом|ы|ой|ою|ына|ының|ына|ға|на|ны|мен)?$"
)
_PATRONYMIC_LATIN = re.compile(r"(?:ovic|evic|ovna|evna|uli|kizi|ogli)(?:a|u|e|oi|i)?$")


@functools.lru_cache(maxsize=16384)
def word_info(word: str) -> Word:
    low = word.lower().replace("ё", "е")
    cyrillic = bool(_CYRILLIC.search(low))
    if cyrillic:
        f = fold(low)
        forms: tuple[str, frozenset[str], frozenset[str], frozenset[str], frozenset[str]] = (
            f,
            FIRST_NAMES,
            SURNAMES,
            AMBIGUOUS,
            FAMOUS,
        )
    else:
        f = key(low)
        forms = (f, FIRST_NAME_KEYS, SURNAME_KEYS, AMBIGUOUS_KEYS, FAMOUS_KEYS)
    if len(f) < 2:
        return Word(False, False, False, True, False)
    _, first_names, surnames, ambiguous, famous_names = forms
    listed_first = _in_with_ending(f, first_names, cyrillic)
    first = listed_first
    listed_surname = surname = _in_with_ending(f, surnames, cyrillic)
    if cyrillic:
        kazakh = bool(_KK_LETTERS.search(low))
        shape = (_SURNAME_SHAPE_KK if kazakh else _SURNAME_SHAPE).match(low)
        # Kazakh words end in -ын/-ін for grammar ("демалысын"): in lower case that is no surname.
        if shape and not word[:1].isupper() and re.search(r"(?:ин|ын)(?:а|у|ым|ом|е|ой|ою|ых|ы)?$", low):
            shape = None
        surname = surname or bool(shape)
        patronymic = bool(_PATRONYMIC.search(low))
    else:
        kazakh = False
        surname = surname or bool(_SURNAME_SHAPE_LATIN.match(f))
        patronymic = bool(_PATRONYMIC_LATIN.search(f))
    common = _in_with_ending(f, ambiguous, cyrillic)
    if cyrillic and not kazakh:
        tags: set[str] = set()
        guessed_tags: set[str] = set()
        dictionary_common = False
        for parse in morph().parse(low):
            found = parse.tag.grammemes & {"Name", "Surn", "Patr"}
            # A parse the dictionary holds has one method; a guess for an unknown word stacks several.
            from_dictionary = (
                len(parse.methods_stack) == 1
                and type(parse.methods_stack[0][0]).__name__ == "DictionaryAnalyzer"
            )
            if found and from_dictionary and parse.score >= 0.05:
                tags |= found
            elif found and "Surn" in found and parse.score >= 0.3:
                guessed_tags.add("Surn")
            elif not found and from_dictionary and parse.score >= 0.1:
                dictionary_common = True
        first = first or "Name" in tags
        guessed = not surname and "Surn" not in tags and "Surn" in guessed_tags
        surname = surname or "Surn" in tags or guessed
        patronymic = patronymic or "Patr" in tags
        if dictionary_common and not (listed_first or listed_surname or "Surn" in tags or "Patr" in tags):
            common = True
        if dictionary_common and not tags and not listed_first and not listed_surname:
            # An ordinary word of the dictionary ("часов", "столов", "личной") that only looks like a name.
            first = surname = patronymic = False
    else:
        guessed = False
    famous = _in_with_ending(f, famous_names, cyrillic)
    return Word(first, surname, patronymic, common, famous, guessed and surname, listed_first)


_RU_CASE = frozenset("а у ю е ы и ой ою ей ем ом ым им ого ому ых ую ая".split())
_KK_CASE_FOLDED = frozenset(fold(e) for e in _ENDINGS) - _RU_CASE


def _in_with_ending(f: str, names: frozenset[str], cyrillic: bool) -> bool:
    """Whether a word is a listed name with a case ending: Russian endings replace a final vowel
    ("Алии" of "Алия"), Kazakh ones follow the whole name ("Алуаға", never "алуды" of "Алуа")."""
    if f in names:
        return True
    restore = ("а", "я", "й", "ь") if cyrillic else ("a", "i")
    for cut in range(1, min(4, len(f) - 2)):
        stem, tail = f[:-cut], f[-cut:]
        if cyrillic:
            if tail in _KK_CASE_FOLDED and stem in names:
                return True
            if tail in _RU_CASE and (stem in names or any(stem + r in names for r in restore)):
                return True
        elif tail in ENDING_KEYS and (stem in names or any(stem + r in names for r in restore)):
            return True
    return False


def is_name_like(word: str) -> bool:
    info = word_info(word)
    return info.first or info.surname or info.patronymic


@functools.lru_cache(maxsize=1024)
def stem_key(part: str) -> str:
    """The key a known name part is matched by: its key less a final vowel (Ахметов-а, Алия -> ali)."""
    k = key(part)
    if len(k) >= 4 and k[-1] in "aeiou":
        k = k[:-1]
    return k


def matches_known(word: str, stem: str) -> bool:
    """Tell whether a word is a known name part (its stem key) in some case form or spelling."""
    k = key(word)
    if not k.startswith(stem) or len(stem) < 2:
        return False
    tail = k[len(stem) :]
    if len(stem) >= 5:
        return len(tail) <= 5
    return tail in ENDING_KEYS or (tail[:1] in "aeiou" and tail[1:] in ENDING_KEYS)
