"""Prepare archive text and search queries for PostgreSQL full-text search.

PostgreSQL ships no Kazakh stemmer and we use core features only, so Kazakh text is stemmed here and fed
to `to_tsvector('simple', ...)`; Russian text is only normalized and left to the `russian` configuration.
The stemmer strips inflection in grammatical order (case, then possessive, then plural) with
phonological conditions on each suffix and a short list of lemmas that merely end like a suffix.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "ParsedQuery",
    "fix_lookalikes",
    "index_text",
    "kazakh_stem",
    "normalize",
    "parse_query",
    "query_terms",
]

_CYRILLIC = re.compile(r"[а-яёәғқңөұүһіА-ЯЁӘҒҚҢӨҰҮҺІ]")
_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
# Latin letters typed in place of Cyrillic ones that look the same; "i" stands in for Kazakh "і".
_LOOKALIKES = str.maketrans("aeopcxykmthbi", "аеорсхукмтнві")


def _fix_word(match: re.Match[str]) -> str:
    word = match.group()
    if _CYRILLIC.search(word):
        return word.translate(_LOOKALIKES)
    return word


# For stored text only letters that look exactly alike, in both cases, and one word part at a time
# ("Apple-Сервис" keeps its Latin half); the mapping is one character for one, so offsets hold.
_EXACT_LOOKALIKES = str.maketrans("aeopcxyiABCEHIKMOPTXY", "аеорсхуіАВСЕНІКМОРТХУ")
_WORD_PART = re.compile(r"[^\W_]+")


def _fix_part(match: re.Match[str]) -> str:
    part = match.group()
    if _CYRILLIC.search(part):
        return part.translate(_EXACT_LOOKALIKES)
    return part


def fix_lookalikes(text: str) -> str:
    """Replace Latin letters typed inside Cyrillic words by the Cyrillic letters they look like.

    Keeps case and length, so it may run on the stored text of an entry without moving any offset.
    """
    return _WORD_PART.sub(_fix_part, text)


def normalize(text: str) -> str:
    """Lowercase, fold ё to е, and map Latin look-alikes inside Cyrillic words to Cyrillic."""
    text = unicodedata.normalize("NFC", text).lower().replace("ё", "е")
    return _WORD.sub(_fix_word, text)


_VOWELS = frozenset("аәеиоөұүуыіэюя")
_VOICELESS = frozenset("пткқсшфхцчщ")
_MIN_STEM = 3

# Lemmas that end like a possessive or case suffix; stripping them would merge unrelated words or split
# a lemma from its own inflected forms ("шешім" → "шеш" but "шешімі" → "шешім").
_LEMMAS = frozenset(
    """
    мұғалім білім бөлім шешім келісім өтінім ұйым құрылым өнім кірім шығым тыйым жиым өлім бағдарлама
    жалақы ақы тәрбие кеңсе басшы оқушы жұмысшы қызметші тәрбиеші жүргізуші қатысушы сатушы
    бала ана әке аға апа іні сіңлі қыз әже ата жеке қала ауыл аудан облыс үкімет министрлік
    мемлекет заңды әкімшілік комиссия сала кесте сабақ мерзім уақыт айлық жылдық қосымша
    демалыс жұмыс кодекс заң бап тармақ шарт бұйрық ереже еңбек зейнетақы жәрдемақы сыйақы
    еңбекақы алматы шымкент қарағанды ақтөбе тараз павлодар өскемен семей атырау ақтау қызылорда талдықорған
    мектеп балабақша колледж гимназия лицей университет кәсіподақ кәсіпорын мекеме
    аттестация санат біліктілік категория педагог директор орынбасар жүктеме үстемеақы
    """.split()
)

# Long lemmas also protect compounds that end in them (орта+мектеп); short ones would catch suffixes
# ("аға" inside "балаға", "аудан" inside "аттестаттаудан").
_LEMMA_TAILS: dict[str, tuple[str, ...]] = {}
for _lemma in sorted(_LEMMAS):
    if len(_lemma) >= 6:
        _LEMMA_TAILS[_lemma[-3:]] = (*_LEMMA_TAILS.get(_lemma[-3:], ()), _lemma)


def _is_lemma(word: str) -> bool:
    if word in _LEMMAS:
        return True
    return any(word.endswith(tail) and len(word) > len(tail) + 1 for tail in _LEMMA_TAILS.get(word[-3:], ()))


def _each(suffixes: str, condition: str) -> tuple[tuple[str, str], ...]:
    return tuple((suffix, condition) for suffix in suffixes.split())


# Suffix tables, longest first; each entry is (suffix, condition on what precedes it). Case endings
# agree with the sound before them: т-/қ-/к- forms follow a voiceless consonant, д-/ғ-/г- forms a vowel
# or a voiced one, н- forms a vowel or a nasal; so "санаты" is санат-ы, not сана-ты.
_CASES = (
    *_each("ның нің", "vowel-or-nasal"),  # genitive
    *_each("дың дің", "voiced"),
    *_each("тың тің", "voiceless"),
    # ablative, locative and dative take -н- after a 3rd person possessive (баласынан, баласында, баласына)
    *_each("нан нен", "nasal-or-poss3"),
    *_each("нда нде", "poss3"),
    *_each("дан ден ға ге", "voiced"),
    *_each("тан тен қа ке", "voiceless"),
    *_each("мен бен пен", "any"),
    *_each("на не", "poss3"),
    *_each("ны ні", "vowel"),
    *_each("ды ді да де", "voiced"),
    *_each("ты ті та те", "voiceless"),
    *_each("а е", "poss12"),  # dative after a 1st or 2nd person possessive (жалақыма)
    *_each("н", "poss3"),  # accusative after a 3rd person possessive (демалысын)
)
# After these a 3rd person possessive takes the -н- forms instead (баласына, not баласыға), so a word
# that ends in one of them has no -ы/-і/-сы/-сі before it (алматыда is Алматы, not Алмат-ы).
_CASES_WITHOUT_POSS3 = frozenset("ға ге қа ке да де та те дан ден тан тен ды ді ты ті ны ні".split())
_POSSESSIVES = (
    *_each("ымыз іміз ыңыз іңіз", "consonant"),
    *_each("мыз міз ңыз ңіз", "vowel"),
    # After ы/і the -с- belongs to the stem more often (демалыс-ы, жұмыс-ы) than to -сы (ақы-сы).
    *_each("сы сі", "vowel-not-ыі"),
    *_each("ым ім ың ің", "consonant"),
    *_each("м ң", "vowel"),
    *_each("ы і", "consonant-not-ш"),
)
_POSSESSIVES_12 = tuple(p for p in _POSSESSIVES if p[0][-1] not in "ыі")
_PLURALS = _each("лар лер дар дер тар тер", "any")
# A stem-final voiceless consonant is voiced before a vowel: мектеп → мектебі, жүрек → жүрегі.
_DEVOICE = {"б": "п", "г": "к", "ғ": "қ"}


def _allowed(rest: str, condition: str) -> bool:
    if len(rest) < _MIN_STEM:
        return False
    last = rest[-1]
    if condition == "any":
        return True
    if condition == "vowel":
        return last in _VOWELS
    if condition == "vowel-not-ыі":
        return last in _VOWELS and last not in "ыі"
    if condition == "consonant":
        return last not in _VOWELS
    if condition == "consonant-not-ш":
        # -шы/-ші makes nouns of agents (оқушы, басшы), it is not a possessive.
        return last not in _VOWELS and last != "ш"
    if condition == "poss3":
        return last in "ыі"
    if condition == "voiceless":
        return last in _VOICELESS
    if condition == "voiced":
        return last not in _VOICELESS
    if condition == "vowel-or-nasal":
        return last in _VOWELS or last in "мнң"
    if condition == "nasal-or-poss3":
        return last in "мнңыі"
    if condition == "poss12":
        return last in "мң"
    raise ValueError(condition)


def _strip(word: str, table: tuple[tuple[str, str], ...]) -> str:
    """Strip the first allowed suffix of a table, or a suffix that leaves a known lemma."""
    first = word
    for suffix, condition in table:
        if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM:
            rest = word[: -len(suffix)]
            if _is_lemma(rest):
                return rest
            if first is word and _allowed(rest, condition):
                first = rest
    return first


@functools.lru_cache(maxsize=65536)
def kazakh_stem(word: str) -> str:
    """Strip Kazakh case, possessive and plural suffixes from one lowercase word."""
    if len(word) <= _MIN_STEM + 1 or not _CYRILLIC.search(word) or _is_lemma(word):
        return word
    stem = _strip(word, _CASES)
    possessives = _POSSESSIVES_12 if word[len(stem) :] in _CASES_WITHOUT_POSS3 else _POSSESSIVES
    if _is_lemma(stem):
        return stem
    before = stem
    stem = _strip(stem, possessives)
    if stem != before and before[len(stem)] in _VOWELS and stem[-1] in _DEVOICE:
        # Only a vowel-initial suffix voices the consonant before it: мектеп, мектебі.
        stem = stem[:-1] + _DEVOICE[stem[-1]]
    if _is_lemma(stem):
        return stem
    return _strip(stem, _PLURALS)


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def index_text(text: str, language: str) -> str:
    """Return the text to feed to `to_tsvector` for an archive entry in the given language."""
    normalized = normalize(text)
    if language != "kk":
        return normalized
    return " ".join(kazakh_stem(word) for word in _words(normalized))


def query_terms(q: str, language: str) -> list[str]:
    """Return the distinct search terms of a query, prepared like `index_text` prepares documents."""
    words = _words(normalize(q))
    if language == "kk":
        words = [kazakh_stem(word) for word in words]
    return list(dict.fromkeys(words))


# --- search queries ----------------------------------------------------------------------------------

# websearch_to_tsquery syntax: "quoted phrases", -negated words, `or`; anything else separates words.
_QUERY_TOKEN = re.compile(r'"[^"]*"?|-?[^\W_]+(?:-[^\W_]+)*')
# The last word is matched as a prefix (search as you type) from this length; shorter prefixes would
# match a large part of the archive and say little.
MIN_PREFIX = 3


@dataclass(frozen=True)
class ParsedQuery:
    """A user's query prepared for PostgreSQL; every text here is passed as a parameter, never spliced.

    `websearch` and `websearch_kk` go to websearch_to_tsquery ('russian' and 'simple'); `prefix_*` are
    to_tsquery texts built from sanitized words only (letters and digits, so no tsquery operator can be
    smuggled in); `highlight_*` are the positive terms, for ts_headline.
    """

    websearch: str
    websearch_kk: str
    exact: str
    exact_kk: str
    prefix: str
    highlight_exact: str
    highlight_prefix: str
    terms: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.terms

    @property
    def exact_args(self) -> tuple[str, ...]:
        """Parameters $1..$7 of queries.SEARCH with the last word matched whole."""
        return (self.websearch, self.websearch_kk, self.exact, self.exact_kk, "", *self._highlight)

    @property
    def prefix_args(self) -> tuple[str, ...]:
        """Parameters $1..$7 of queries.SEARCH with the last word also matched as a prefix."""
        return (self.websearch, self.websearch_kk, self.exact, self.exact_kk, self.prefix, *self._highlight)

    @property
    def _highlight(self) -> tuple[str, str]:
        return (self.highlight_exact, self.highlight_prefix)


def _quoted(word: str) -> str:
    # Words hold only letters, digits and inner hyphens; the quotes keep to_tsquery from reading
    # a hyphen or a digit run as anything but part of the word.
    return "'" + word + "'"


def parse_query(q: str) -> ParsedQuery:
    """Split a typed query into websearch text for Russian and for Kazakh stems plus a last-word prefix."""
    text = normalize(q)
    tokens: list[tuple[str, list[str]]] = []  # (kind, words): kind is word, not, phrase or or
    for match in _QUERY_TOKEN.finditer(text):
        piece = match.group()
        if piece.startswith('"'):
            words = _words(piece)
            if words:
                tokens.append(("phrase", words))
        elif piece == "or":
            tokens.append(("or", []))
        elif piece.startswith("-"):
            tokens.append(("not", [piece[1:]]))
        else:
            tokens.append(("word", [piece]))
    prefix_word = ""
    still_typing = bool(text) and not text[-1].isspace() and text[-1] != '"'
    if (
        still_typing
        and tokens
        and tokens[-1][0] == "word"
        and len(tokens[-1][1][0]) >= MIN_PREFIX
        and "-" not in tokens[-1][1][0]
        and (len(tokens) < 2 or tokens[-2][0] != "or")
    ):
        prefix_word = tokens.pop()[1][0]

    def render(stem: bool) -> str:
        out = []
        for kind, words in tokens:
            words = [kazakh_stem(w) for w in words] if stem else words
            if kind == "phrase":
                out.append('"' + " ".join(words) + '"')
            elif kind == "not":
                out.append("-" + words[0])
            elif kind == "or":
                out.append("or")
            else:
                out.append(words[0])
        return " ".join(out)

    positive = [w for kind, words in tokens if kind in ("word", "phrase") for w in words]
    if prefix_word:
        positive.append(prefix_word)
    positive = list(dict.fromkeys(positive))
    stems = list(dict.fromkeys(kazakh_stem(w) for w in positive))
    # Only the typed word is a prefix: a finished inflected word matches through its stem (exact_kk),
    # and a prefix of a short stem ("пла" from "платы") would pull in half the vocabulary.
    prefix_stem = kazakh_stem(prefix_word) if prefix_word else ""
    highlight_prefixes = list(dict.fromkeys([*positive, *stems]))
    return ParsedQuery(
        websearch=render(stem=False),
        websearch_kk=render(stem=True),
        exact=_quoted(prefix_word) if prefix_word else "",
        exact_kk=_quoted(prefix_stem) if prefix_word else "",
        prefix=_quoted(prefix_word) + ":*" if prefix_word else "",
        highlight_exact=" | ".join(_quoted(w) for w in positive),
        highlight_prefix=" | ".join(
            _quoted(w) + (":*" if len(w) >= MIN_PREFIX else "") for w in highlight_prefixes
        ),
        terms=tuple(positive),
    )
