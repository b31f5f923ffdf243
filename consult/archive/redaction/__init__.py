"""Find what identifies a person in a consultation text before it goes to the public archive.

Pure functions over strings: no I/O. Rules are regular expressions over Russian, Kazakh and English text,
plus `phonenumbers` for telephone numbers. A Russian NER (natasha) was measured and left out: it found
nothing the rules missed on the dev set, added a false finding in Kazakh text, and costs ~150 MB per process.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import phonenumbers

from consult.archive.redaction import names

__all__ = [
    "KINDS",
    "PLACEHOLDERS",
    "Finding",
    "apply_redactions",
    "find_names",
    "find_pii",
    "find_pii_in_texts",
    "is_valid_iin",
    "placeholder_for",
]

KINDS = (
    "person",
    "iin",
    "bin",
    "phone",
    "email",
    "handle",
    "id_document",
    "number",
    "birth_date",
    "address",
    "organization",
    "location",
)

PLACEHOLDERS: dict[str, dict[str, str]] = {
    "ru": {
        "person": "[ФИО]",
        "iin": "[ИИН]",
        "bin": "[БИН]",
        "handle": "[аккаунт]",
        "number": "[номер]",
        "birth_date": "[дата рождения]",
        "phone": "[телефон]",
        "email": "[email]",
        "id_document": "[документ]",
        "address": "[адрес]",
        "organization": "[организация]",
        "school": "[школа]",
        "location": "[населённый пункт]",
    },
    "kk": {
        "person": "[аты-жөні]",
        "iin": "[ЖСН]",
        "bin": "[БСН]",
        "handle": "[аккаунт]",
        "number": "[нөмір]",
        "birth_date": "[туған күні]",
        "phone": "[телефон]",
        "email": "[email]",
        "id_document": "[құжат]",
        "address": "[мекенжай]",
        "organization": "[ұйым]",
        "school": "[мектеп]",
        "location": "[елді мекен]",
    },
    "en": {
        "person": "[name]",
        "iin": "[IIN]",
        "bin": "[BIN]",
        "handle": "[account]",
        "number": "[number]",
        "birth_date": "[date of birth]",
        "phone": "[phone]",
        "email": "[email]",
        "id_document": "[document]",
        "address": "[address]",
        "organization": "[organisation]",
        "school": "[school]",
        "location": "[settlement]",
    },
}


@dataclass(frozen=True)
class Finding:
    """A span of text that identifies a person, with its kind."""

    kind: str
    start: int
    end: int
    text: str


# --- character classes -------------------------------------------------------------------------------

UP = "А-ЯЁӘҒҚҢӨҰҮҺІ"
LO = "а-яёәғқңөұүһі"
CAP = rf"[{UP}][{LO}]+(?:-[{UP}{LO}][{LO}]+)?"
LCAP = r"[A-Z][a-z]+(?:-[A-Z]?[a-z]+)?"
_B = rf"(?<![\w{UP}{LO}])"  # left word boundary that also holds after digits-free Cyrillic
_E = rf"(?![\w{UP}{LO}])"

# Kazakh case endings that may follow a name ("Ахметоваға", "Маратұлының").
KK_CASE = (
    "(?:ның|нің|дың|дің|тың|тің|ға|ге|қа|ке|на|не|ны|ні|ды|ді|ты|ті|да|де|та|те"
    "|дан|ден|тан|тен|нан|нен|мен|бен|пен)"
)

# --- IIN / BIN ---------------------------------------------------------------------------------------

_WEIGHTS_1 = tuple(range(1, 12))
_WEIGHTS_2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)


def is_valid_iin(value: str) -> bool:
    """Tell whether a 12-digit IIN or BIN has a correct check digit."""
    if len(value) != 12 or not value.isascii() or not value.isdigit():
        return False
    digits = [int(c) for c in value]
    check = sum(d * w for d, w in zip(digits, _WEIGHTS_1, strict=False)) % 11
    if check == 10:
        check = sum(d * w for d, w in zip(digits, _WEIGHTS_2, strict=False)) % 11
        if check == 10:
            # Such numbers are never issued: the registry skips them.
            return False
    return check == digits[11]


# Twelve digits in any grouping: "791122300564", "7911 2230 0564", "870605-300-415", "230214 501 834".
_TWELVE_DIGITS = re.compile(r"(?<![\d+\-])\d(?:[ \-]?\d){11}(?![\d])(?![ \-]\d)")
_IIN_LABEL = re.compile(r"(?:ИИН|ЖСН|IIN)\s*[:№-]?\s*$", re.IGNORECASE)
_BIN_LABEL = re.compile(r"(?:БИН|БСН|BIN)\s*[:№-]?\s*$", re.IGNORECASE)
# A labelled number is PII even with a typo in it, so after the label the checksum is not required.
_IIN_LABELLED = re.compile(
    r"(ИИН|БИН|ЖСН|БСН|IIN|BIN)\s*[:№-]?\s*(\d{12}|\d{4}[ -]\d{4}[ -]\d{4}|\d{6}[ -]\d{6}|\d{6}[ -]\d{3}[ -]\d{3})(?!\d)"
)


def is_bin(value: str) -> bool:
    """A BIN (an organisation's number) has 4, 5 or 6 in fifth place where an IIN has a day of month."""
    return value[4] in "456"


def _find_iin(text: str) -> Iterator[Finding]:
    for m in _TWELVE_DIGITS.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        groups = re.split(r"[ \-]", m.group())
        # Groups of one digit are a list of numbers, not a number written in groups.
        if any(len(g) < 2 for g in groups) or not is_valid_iin(digits):
            continue
        before = text[max(0, m.start() - 12) : m.start()]
        kind = (
            "bin"
            if _BIN_LABEL.search(before) or (is_bin(digits) and not _IIN_LABEL.search(before))
            else "iin"
        )
        yield Finding(kind, m.start(), m.end(), m.group())
    for m in _IIN_LABELLED.finditer(text):
        kind = "bin" if m.group(1).upper() in ("БИН", "БСН", "BIN") else "iin"
        yield Finding(kind, m.start(2), m.end(2), m.group(2))


# --- bank cards, employee and membership numbers, car plates -----------------------------------------


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


_CARD = re.compile(r"(?<![\d])\d{4}(?:[ \-]?\d{4}){3}(?:[ \-]?\d{1,3})?(?![\d])")
_NUMBER_LABELLED = re.compile(
    r"(?:табельн\w*\s+(?:номер\w*|№)|таб\.\s?№|табель\w*\s+(?:нөмір\w*|№)|"
    r"членск\w*\s+билет\w*|профсоюзн\w*\s+билет\w*|мүшелік\s+билет\w*|кәсіподақ\s+билет\w*|"
    r"номер\w*\s+(?:карт\w*|сч[её]т\w*|договор\w*\s+займа)|карт\w*\s+нөмір\w*|шот\s+нөмір\w*|"
    r"employee\s+(?:number|no\.?|id)|staff\s+(?:number|no\.?|id)|membership\s+(?:card|number)|"
    r"card\s+(?:number|no\.?)|пропуск\w*|бейдж\w*)"
    r"[^\d\n]{0,12}?(?:№|N|No\.?|#)?\s?([A-ZА-Я]{0,3}[ -]?\d[\d \-]{2,22}\d)(?![\d])",
    re.IGNORECASE,
)
# Kazakh plates: 123ABC02 / 123 AB 02 (since 2012), A123BCD (before); the letters are Latin.
_PLATE = re.compile(r"(?<![\w-])(?:\d{3}\s?[A-Z]{2,3}\s?\d{2}|[A-Z]\s?\d{3}\s?[A-Z]{2,3})(?![\w-])")
_PLATE_LABEL = re.compile(
    r"(?:гос\.?\s*номер\w*|госномер\w*|номер\w*\s+(?:машин|автомоб)\w*|нөмір\w*|plate\w*|машин\w*|автомоб\w*|көлі\w*)",
    re.IGNORECASE,
)


def _find_numbers(text: str) -> Iterator[Finding]:
    for m in _CARD.finditer(text):
        if luhn_ok(re.sub(r"\D", "", m.group())):
            yield Finding("number", m.start(), m.end(), m.group())
    for m in _NUMBER_LABELLED.finditer(text):
        yield _trimmed("number", text, m.start(1), m.end(1))
    for m in _PLATE.finditer(text):
        if _PLATE_LABEL.search(text[max(0, m.start() - 40) : m.start()]) or re.fullmatch(
            r"\d{3}[A-Z]{2,3}\d{2}", m.group()
        ):
            yield Finding("number", m.start(), m.end(), m.group())


# --- handles -----------------------------------------------------------------------------------------

_HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{1,30}[A-Za-z0-9_])?(?![\w@])")
_HANDLE_LABELLED = re.compile(
    r"(?:телеграм\w*|telegram|инстаграм\w*|instagram|инста|тикток\w*|tiktok|t\.me/|instagram\.com/)"
    r"[^\S\n]*(?:[:—–-]|аккаунт\w*|страниц\w*|ник\w*)?[^\S\n]*([A-Za-z0-9_][A-Za-z0-9_.]{3,30}[A-Za-z0-9_])(?![\w@])",
    re.IGNORECASE,
)


def _find_handle(text: str) -> Iterator[Finding]:
    for m in _HANDLE.finditer(text):
        yield Finding("handle", m.start(), m.end(), m.group())
    for m in _HANDLE_LABELLED.finditer(text):
        if any(c.isdigit() or c == "_" for c in m.group(1)) or "/" in m.group():
            yield Finding("handle", m.start(1), m.end(1), m.group(1))


# --- birth dates -------------------------------------------------------------------------------------

_MONTHS = (
    r"(?:январ|феврал|март|апрел|ма[йяе]|июн|июл|август|сентябр|октябр|ноябр|декабр|"
    r"қаңтар|ақпан|наурыз|сәуір|мамыр|маусым|шілде|тамыз|қыркүйек|қазан|қараша|желтоқсан|"
    r"january|february|march|april|may|june|july|august|september|october|november|december)[а-яәғқңөұүһіa-z]*"
)
_DATE = (
    r"(?:\d{1,2}[./-]\d{1,2}[./-](?:19|20)\d{2}"
    rf"|\d{{1,2}}\s+{_MONTHS}\s+(?:19|20)\d{{2}}(?:\s*(?:года|г\.|жыл\w*))?"
    rf"|{_MONTHS}\s+\d{{1,2}},?\s+(?:19|20)\d{{2}}"
    rf"|(?:19|20)\d{{2}}\s*(?:жылғы|ж\.|года|г\.)?\s*\d{{1,2}}\s*{_MONTHS}"
    r"|(?:19|20)\d{2}(?=\s*г\.\s?р\.|\s*года\s+рождения|\s*жылы\s+туған|\s*ж\.\s?т\.))"
)
_BIRTH_WORD = re.compile(
    r"(?:родил\w*|рожден\w*|рождения|г\.\s?р\.|туған\w*|туды|туылған\w*|туылды|ж\.\s?т\.|born|birth\w*|d\.o\.b\.?|dob)",
    re.IGNORECASE,
)
_DATE_RX = re.compile(rf"(?<![\d.])(?:{_DATE})(?![\d])", re.IGNORECASE)


def _find_birth_date(text: str) -> Iterator[Finding]:
    for m in _DATE_RX.finditer(text):
        # The birth word belongs to this date when no other number stands between them.
        before = text[max(0, m.start() - 40) : m.start()]
        words_before = list(_BIRTH_WORD.finditer(before))
        after = text[m.end() : m.end() + 25]
        word_after = _BIRTH_WORD.search(after)
        if (words_before and not re.search(r"\d", before[words_before[-1].end() :])) or (
            word_after and not re.search(r"\d", after[: word_after.start()])
        ):
            yield _trimmed("birth_date", text, m.start(), m.end())


# --- email -------------------------------------------------------------------------------------------

_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w@])")


def _find_email(text: str) -> Iterator[Finding]:
    for m in _EMAIL.finditer(text):
        yield Finding("email", m.start(), m.end(), m.group())


# --- phone -------------------------------------------------------------------------------------------

# Only runs of digits that could be a number go to phonenumbers: scanning a whole text costs ~10 ms.
_PHONE_CANDIDATE = re.compile(r"\+?\(?\d[\d\s().\-–]{5,24}\d")
# Six-digit city numbers without a code ("тел. 53-12-40") are found only after a label.
_PHONE_LOCAL = re.compile(
    r"(?:тел\.?|телефон\w*|моб\.?|сот\.?|whats\s?app|ватсап\w*|вотсап\w*|phone|tel\.?)\s*[:№]?\s*"
    r"(\d{1,3}[\s-]\d{2}[\s-]\d{2}(?:[\s-]\d{2})?)(?![\d-])",
    re.IGNORECASE,
)


def _find_phone(text: str) -> Iterator[Finding]:
    for cand in _PHONE_CANDIDATE.finditer(text):
        chunk = cand.group()
        if sum(c.isdigit() for c in chunk) < 7:
            continue
        matcher = phonenumbers.PhoneNumberMatcher(chunk, "KZ", leniency=phonenumbers.Leniency.VALID)
        for match in matcher:
            start = cand.start() + match.start
            yield Finding("phone", start, start + len(match.raw_string), match.raw_string)
    for m in _PHONE_LOCAL.finditer(text):
        yield Finding("phone", m.start(1), m.end(1), m.group(1))


# --- identity documents ------------------------------------------------------------------------------

_DOC_WORD = (
    r"(?:паспорт\w*|удостоверени\w*|уд\.\s?л\.?|у/л|жеке\s+куәлі\w*|жеке\s+куәлі|куәлі\w*|"
    r"ид\s?карт\w*|ID[\s-]?card|identity\s+card|passport|ID)"
)
_DOC_LABELLED = re.compile(
    _DOC_WORD + r"[^\d\n!?]{0,40}?(?:№|N|No\.?)?\s?([A-ZА-Я]{0,2}\s?\d{7,10})(?!\d)", re.IGNORECASE
)
# Kazakh passports: Latin N and eight digits; identity cards: nine digits, written after "№".
_DOC_BARE = re.compile(r"(?<![\w№])(N\s?\d{8}|№\s?\d{9})(?!\d)")


def _find_id_document(text: str) -> Iterator[Finding]:
    for m in _DOC_LABELLED.finditer(text):
        yield Finding("id_document", m.start(1), m.end(1), m.group(1))
    for m in _DOC_BARE.finditer(text):
        yield Finding("id_document", m.start(), m.end(), m.group())


# --- addresses ---------------------------------------------------------------------------------------

_HOUSE = (
    r"(?:,?\s*(?:д\.|дом|үй)\s*\d+[а-яa-z]?(?:/\d+)?)?"
    r"(?:,?\s*\d+[а-яa-z]?(?:[/-]\d+)?(?:\s?-?\s?(?:үй\w*|ші\s+үй\w*))?)?"
    r"(?:,?\s*(?:корп\.|корпус)\s*\d+)?"
    r"(?:,?\s*(?:кв\.|квартира|пәтер|apartment|apt\.?|flat)\s*\d+|,?\s*\d+\s?-?\s?пәтер\w*)?"
)
_STREET_NAME = (
    rf"(?:(?:{CAP}|\d+(?:-[{LO}]+)?|[{UP}]\.)"
    rf"(?:\s+(?:хан[а-я]*|батыр[а-я]*|би|ата|ана|жолы)(?=[\s,.]))?)"
)
_RU_STREET = (
    r"(?:ул\.?|улиц[аеуыи]|пр\.|пр-т|просп\.|проспект\w*|мкр\.?|мкрн\.?|мкр-н|микрорайон\w*|"
    r"б-р|бул\.|бульвар\w*|пер\.|переул\w*|шоссе|пл\.|площад[ьи]|наб\.|набережн\w*|тупик\w*)"
)
_RU_ADDRESS = re.compile(
    rf"{_B}{_RU_STREET}\s*{_STREET_NAME}(?:[\s-]+{_STREET_NAME}){{0,2}}{_HOUSE}",
)
_KK_STREET = r"(?:көше\w*|даңғыл\w*|шағын\s+аудан\w*|ықшам\s*аудан\w*|мөлтек\s*аудан\w*|тұйық\w*|алаң\w*)"
_KK_ADDRESS = re.compile(
    rf"{_B}{_STREET_NAME}(?:\s+{_STREET_NAME}){{0,2}}\s+{_KK_STREET}{_HOUSE}",
)
_KK_NUMBERED_STREET = re.compile(rf"{_B}\d+(?:-ші|-шы)?[\s-]+{_KK_STREET}{_HOUSE}")
_BARE_HOUSE = re.compile(
    r"(?<!\w)(?:д\.|дом)\s*\d+[а-я]?(?:/\d+)?,?\s*(?:кв\.|квартира)\s*\d+"
    r"|(?<!\w)\d+\s?-\s?үй,?\s*\d+\s?-\s?пәтер"
)


_EN_ADDRESS = re.compile(
    r"(?<![\w-])\d{1,4}[a-z]?,?\s+(?:[A-Z][a-z]+\s+){1,3}(?:Street|St\.|Avenue|Ave\.|Road|Rd\.|Lane|Boulevard|"
    r"Prospect|Avenue)(?:,?\s*(?:apartment|apt\.?|flat)\s*\d+)?"
    r"|(?<!\w)(?:ul\.|ulitsa|ulica|pr\.|prospekt|mkr\.?|mikroraion)\s*[A-Z][a-z]+(?:,?\s*(?:d\.|dom)?\s*\d+[a-z]?(?:,?\s*(?:kv\.|apartment)\s*\d+)?)?"
)


def _find_address(text: str) -> Iterator[Finding]:
    for rx in (_RU_ADDRESS, _KK_ADDRESS, _KK_NUMBERED_STREET, _BARE_HOUSE, _EN_ADDRESS):
        for m in rx.finditer(text):
            yield _trimmed("address", text, m.start(), m.end())


# --- settlements -------------------------------------------------------------------------------------

# Villages identify a school (often the only one there); cities do not, so "г. Павлодар" is left alone.
_RU_VILLAGE = re.compile(
    rf"{_B}(?:с\.|сел[оауе]|селом|пос\.|п\.|пгт\.?|посёл\w*|посел\w*|аул[аеу]?|аулом|станци[яи]|ст-ца|"
    rf"станиц\w*|деревн\w*|хутор\w*)\s*(?:{CAP})(?:[\s-]{CAP})?"
)
_KK_VILLAGE = re.compile(
    rf"{_B}(?:{CAP})(?:\s{CAP}|\s+жолы)?\s+(?:ауыл\w*|селос\w*|кент\w*|ауылдық\s+округ\w*|а/о|с/о)"
)


_LAT_VILLAGE = re.compile(
    r"(?<![\w-])(?:(?:[Ss]el[oaeu]|[Ss]elom|[Pp]os[eyo]?l[eo]?k\w*|[Aa]ul[aeu]?|[Vv]illage\s+of|"
    r"[Ss]ettlement\s+of)\s+[A-Z][a-z]+(?:[\s-][A-Z][a-z]+)?"
    r"|[A-Z][a-z]+(?:\s[A-Z][a-z]+)?\s+(?:auyl\w*|village|aul))(?![\w])"
)
# "Көктал ауылындағы": the possessive ending of "ауыл" says that the word before it is the village's name.
_KK_VILLAGE_LOWER = re.compile(
    rf"(?<![\w{UP}{LO}])([{LO}]{{3,}})\s+ауыл(?:ы|ында|ындағы|ынан|ына|ының|ында|ындa)(?![{LO}])"
)
_NOT_VILLAGE_NAMES = frozenset(
    """
    біздің сіздің менің оның олардың сол осы бұл мына туған шағын үлкен кіші кішкентай көрші әр бір басқа қай
    қандай барлық әкемнің анамның өз өзінің жақын алыс шекаралас аудан аудандағы облыс облысы ауданы қала
    қаласы ескі жаңа жақтағы туып өскен өскен кейін соң дейін бастап арқылы және мен
    """.split()
)


def _find_location(text: str) -> Iterator[Finding]:
    for rx in (_RU_VILLAGE, _KK_VILLAGE, _LAT_VILLAGE):
        for m in rx.finditer(text):
            if m.group().split()[0].lower() not in _NOT_VILLAGE_NAMES:
                yield _trimmed("location", text, m.start(), m.end())
    for m in _KK_VILLAGE_LOWER.finditer(text):
        words = m.group(1).split()
        while words and words[0] in _NOT_VILLAGE_NAMES:
            words = words[1:]
        if words and not any(w in _NOT_VILLAGE_NAMES for w in words):
            start = m.end(1) - len(" ".join(words))
            yield _trimmed("location", text, start, m.end())


# --- organisations -----------------------------------------------------------------------------------

_QUOTED = r"(?:«(?:[^«»\n]|«[^«»\n]*»){1,150}»|\"[^\"\n]{1,150}\"|“[^”\n]{1,150}”|„[^“\n]{1,150}“)"
_LEGAL_FORM = (
    r"(?:КГУ|ГККП|ГКП|КГКП|РГУ|РГКП|РГП|ГУ|ТОО|АО|НАО|ЧУ|ИП|ОО|ОФ|ОЮЛ|КММ|ММ|РММ|МКҚК|КМҚК|ШЖҚ|ЖШС|АҚ|"
    r"КЕАҚ|ҚБ|LLP|JSC|LLC)"
)
_LEGAL = re.compile(rf"(?<![\w{UP}{LO}]){_LEGAL_FORM}\s*{_QUOTED}")
_RU_INST = (
    r"(?:[Шш]кол[а-я]*(?:-(?:гимнази|лице|интернат|сад)[а-я]*)?|[Гг]имнази[а-я]*|[Лл]ице[йяюе][а-я]*|"
    r"[Кк]олледж[а-я]*|[Уу]ниверситет[а-я]*|[Ии]нститут[а-я]*|[Аа]кадеми[а-я]*|[Ии]нтернат[а-я]*|"
    r"(?:[Дд]етск[а-я]+\s+)?сад[а-я]*|[Дд]етсад[а-я]*|[Яя]сл[и]-сад[а-я]*|[Мм]ини-центр[а-я]*|"
    r"[Дд]ом[а-я]*\s+(?:детского\s+)?творчества|СОШ|ОСШ|СШ|НСШ|ООШ|НШ|НИШ|ДДТ|ДМШ|ДЮСШ|КШЛ|КШГ|ШГ|ШЛ)"
)
_KK_INST = (
    r"(?:[Мм]ектеп[а-яәғқңөұүһі]*(?:-(?:гимназия|лицей|интернат|балабақша)[а-яәғқңөұүһі]*)?|"
    r"[Мм]ектебі[а-яәғқңөұүһі]*|[Гг]имназия[а-яәғқңөұүһі]*|[Лл]ицей[а-яәғқңөұүһі]*|"
    r"[Кк]олледж[а-яәғқңөұүһі]*|[Кк]олледжі[а-яәғқңөұүһі]*|[Бб]алабақша[а-яәғқңөұүһі]*|"
    r"[Бб]өбекжай(?:-балабақша)?[а-яәғқңөұүһі]*|[Уу]ниверситет[а-яәғқңөұүһі]*|[Ии]нтернат[а-яәғқңөұүһі]*)"
)
# Adjectives before an institution ("Общеобразовательная школа"), not "нашей" or "этой": they name nothing.
_ADJ = (
    rf"(?:(?![Нн]аш|[Вв]аш|[Мм]о[еийюя]|[Тт]во|[Сс]во|[Ээ]т|[Тт]о[мтй]|[Кк]ажд|[Дд]руг|[Кк]отор|[Вв]с[ея])[{UP}{LO}][{LO}]+"
    rf"(?:ая|яя|ый|ий|ой|ое|ее|ей|ого|его|ому|ему|ым|им|ом|ем|ую|юю|ых|их|ыми|ими))"
)
_NUMBER_MARK = r"(?:№|N|No\.?)\s?\d{1,4}(?:\s?[«\"]?[А-Яа-яA-Za-z][»\"]?(?![\w]))?"
_TITLE = r"(?:академика|профессора|героя|поэта|писателя|акына|батыра|генерала|космонавта)"
_NAMED_AFTER = rf"(?:имени|им\.)\s*(?:{_TITLE}\s+)?(?:[{UP}]\.\s?){{0,2}}{CAP}(?:\s+{CAP})?"
_PURPOSE = rf"(?:\s+(?:для|с|по|при)(?:\s+[{LO}]+){{1,5}}?)"
_RU_ORG = re.compile(
    rf"{_B}(?:{_ADJ}\s+){{0,3}}{_RU_INST}(?:\s+{_ADJ}){{0,2}}"
    rf"(?:{_PURPOSE}?\s*(?:{_NUMBER_MARK}(?:\s*{_QUOTED})?(?:\s*{_NAMED_AFTER})?|{_QUOTED}(?:\s*{_NAMED_AFTER})?|{_NAMED_AFTER}))"
)
# "Костанайского гуманитарного колледжа": a capitalised adjective (of a place) names a college.
_RU_ORG_PLACE_ADJ = re.compile(
    rf"{_B}(?=[{UP}]){_ADJ}(?:\s+{_ADJ}){{0,3}}\s+(?:университет|колледж|институт|академи|консерватори)[{LO}]*"
    rf"(?:\s*{_NAMED_AFTER})?"
)
_KK_ORG_PLACE_ADJ = re.compile(
    rf"{_B}{CAP}(?:\s+[{LO}]+(?:лық|лік|тық|тік|дық|дік|ғы|гі|қы|кі)){{1,3}}\s+"
    rf"(?:колледж|университет|институт|академия|жоғары\s+колледж)[{LO}]*"
)
# "Абай атындағы ҚазҰПУ-да": a university by its acronym after the name it bears.
_KK_ORG_ACRONYM = re.compile(
    rf"{_B}(?:{CAP}\s+){{1,3}}атындағы\s+(?=[{UP}{LO}]*[{UP}][{LO}]*[{UP}])[{UP}][{UP}{LO}]{{1,10}}(?:-[{LO}]+)?"
)
_NIS = re.compile(rf"{_B}(?:НИШ|NIS)\s+[{UP}A-Z]{{2,4}}(?![\w])")
_LEGAL_AFTER = re.compile(rf"{_QUOTED}\s*{_LEGAL_FORM}(?:-[{LO}]+)?(?![\w])")
_LEGAL_UNQUOTED = re.compile(
    rf"(?<![\w{UP}{LO}])(?:ТОО|ЖШС|LLP|TOO)\s+(?:{CAP}|{LCAP})(?:\s+(?:{CAP}|{LCAP}|[A-Z]{{2,4}}|[{UP}]{{2,4}})){{0,3}}"
)
_LAT_INST = (
    r"(?:shkol\w*|gimnazi\w*|gimnaziy\w*|litse[iy]\w*|litse\w*|kolledzh\w*|yasli-sad\w*|yasli\w*|"
    r"detsk\w*\s+sad\w*|mektep\w*|mektebi\w*|balabaksha\w*|balabaqsha\w*|bobekzhai\w*)"
    r"(?:-(?:gimnazi|litse|internat|sad|balabaksha|balabaqsha)\w*)?"
)
_LAT_ORG = re.compile(
    rf"(?<![\w-]){_LAT_INST}\s*(?:№|No\.?|N|#)\s?\d{{1,4}}(?:\s*{_QUOTED})?"
    rf"|(?:№|No\.?|#)\s?\d{{1,4}}\s*-?\s*{_LAT_INST}"
    rf"|{_QUOTED}\s+{_LAT_INST}",
    re.IGNORECASE,
)
_EN_NAMED_ORG = re.compile(
    r"(?<![\w.])(?:(?:[A-Z]\.\s?){1,3}\s?)?(?:[A-Z][a-z]+(?:-[A-Z]?[a-z]+)?\s+){1,4}"
    r"(?:School|Lyceum|Gymnasium|College|University|Kindergarten|Institute|Academy|Center|Centre)(?![\w])"
)
_EN_STOP = frozenset(
    "The A An Our My Your This That Their His Her At In Of To For Public Secondary High".split()
)
_KK_WORD = rf"[{LO}]+"
_KK_ORG_NUMBER = re.compile(
    rf"(?<![\w{UP}{LO}])(?:(?:{CAP}\s+){{1,3}}атындағы\s+)?"
    rf"(?:(?:№\s?\d{{1,4}}|\d{{1,4}}\s?-\s?(?:ші|шы|і|ы)?)\s*(?:{_QUOTED}\s*)?(?:{_KK_WORD}\s+){{0,5}}?|\d{{1,4}}\s)"
    rf"{_KK_INST}"
)
_EN_ORG = re.compile(
    r"(?<!\w)(?:(?:[A-Z][a-z]+\s+){0,3}(?:[Ss]chool|[Gg]ymnasium|[Ll]yceum|[Kk]indergarten|[Cc]ollege|[Uu]niversity)"
    r"(?:-(?:[Gg]ymnasium|[Ll]yceum))?\s*(?:(?:No\.?|№|#)\s?\d{1,4}|\s*(?:«[^»\n]{1,100}»|\"[^\"\n]{1,100}\"|“[^”\n]{1,100}”))"
    r"(?:\s+named\s+after\s+(?:[A-Z]\.\s?)*[A-Z][a-z]+)?)"
)
_KK_ORG_NAMED = re.compile(
    rf"(?<![\w{UP}{LO}])(?:(?:{CAP}\s+){{1,3}}атындағы|{_QUOTED})\s+(?:№\s?\d{{1,4}}\s+)?(?:{_KK_WORD}\s+){{0,5}}?{_KK_INST}"
)


def _find_organization(text: str) -> Iterator[Finding]:
    for rx in (
        _LEGAL,
        _RU_ORG,
        _KK_ORG_NUMBER,
        _KK_ORG_NAMED,
        _EN_ORG,
        _RU_ORG_PLACE_ADJ,
        _KK_ORG_PLACE_ADJ,
        _KK_ORG_ACRONYM,
        _NIS,
        _LEGAL_AFTER,
        _LEGAL_UNQUOTED,
        _LAT_ORG,
    ):
        for m in rx.finditer(text):
            start = m.start()
            # "Мен Әл-Фараби атындағы ...": a sentence's first word is not the organisation's.
            first = re.match(r"\S+\s+", m.group())
            if first and first.group().strip().lower() in _NOT_NAMES:
                start += first.end()
            yield _trimmed("organization", text, start, m.end())
    for m in _EN_NAMED_ORG.finditer(text):
        start = m.start()
        words = m.group().split()
        while words and words[0] in _EN_STOP:
            start = text.index(words[1], start + len(words[0])) if len(words) > 1 else m.end()
            words = words[1:]
        if len(words) >= 2:
            yield _trimmed("organization", text, start, m.end())


# --- persons -----------------------------------------------------------------------------------------

_INITIAL = re.compile(rf"^(?:[{UP}A-Z](?:h)?\.|[{LO}a-z]\.)$")

# Words that start a sentence or name a role next to a name; never part of the name itself.
_NOT_NAMES = frozenset(
    """
    меня мен менің мой моя моё мои наш наша наше наши его её их я мы вы он она они это этот эта
    здравствуйте добрый уважаемый уважаемая уважаемые сәлеметсіз сәлем құрметті
    директор директора директору директором директоры директордың директорға
    завуч завуча завучем заведующая заведующей заведующий заведующего заместитель замдиректора
    коллега коллеги коллегу учитель учительница учителя педагог воспитатель воспитательница
    муж жена супруг супруга сын дочь мать отец председатель бухгалтер методист юрист кадровик
    начальник руководитель инспектор аким әкім мектеп мектептің мұғалім мұғалімі әріптесім әріптес
    жұбайым күйеуім әйелім меңгеруші меңгерушісі орынбасары басшы басшысы төраға
    приказ приказом заявление статья согласно также однако но и а или если когда после
    школа гимназия лицей колледж университет
    тегім атым аты есімім фамилия имя зовут
    hello dear my i i'm we the mr mrs ms dr director teacher principal colleague prof
    """.split()
)
# What comes right before a name when a text introduces or cites a person.
_INTRO = re.compile(
    r"(?<![\w-])(?:меня\s+зовут|зовут|я|я\s*[—–-]|мен|атым|аты|есімім|есімі|тегім|тегі|аты-жөнім|аты-жөні|фамилия|"
    r"фамилия\s+моя|моя\s+фамилия|имя|my\s+name\s+is|name\s+is|i\s+am|i'm|this\s+is|ya|men|menya\s+zovut)"
    r"[\s,:]*$",
    re.IGNORECASE,
)
_ROLE_WORD = re.compile(
    r"(?:директор\w*|завуч\w*|заведующ\w*|заместител\w*|руководител\w*|начальник\w*|коллег\w*|"
    r"муж\w*|жена|жены|супруг\w*|председател\w*|бухгалтер\w*|методист\w*|инспектор\w*|подписал\w*|"
    r"меңгеруші\w*|орынбасар\w*|әріптес\w*|күйеу\w*|жұбай\w*|басшы\w*|гражданин\w*|гражданк\w*|"
    r"учител\w*|сын|сына|дочь|дочери|родител\w*|мұғалім\w*|ученик\w*|ученица|оқушы\w*|"
    r"г-н|г-жа|mr\.?|mrs\.?|ms\.?|dr\.?|prof\.?|director|teacher|colleague|dean|head)"
)


def _introduces_person(before: str) -> bool:
    """Tell whether the text just before a word introduces a person or names one's role."""
    words = before.split()[-3:]
    if not words:
        return False
    if _INTRO.search(" ".join(words)) and not before.rstrip().endswith((".", "!", "?")):
        tail = before.rstrip()
        # "я" and "мен" only introduce a name right before it, not across a full stop.
        return bool(_INTRO.search(tail[-30:]))
    return bool(_ROLE_WORD.fullmatch(words[-1].lower().rstrip(":,")))


def _starts_sentence(before: str) -> bool:
    stripped = before.rstrip(' \t«"(')
    return not stripped or stripped[-1] in ".!?…\n" or before.endswith("\n")


# A capitalised word before these is a place ("Қарағанды облысы", "Зерендинского района").
_GEO_AFTER = re.compile(
    r"^\s+(?:облыс\w*|қала\w*|аудан\w*|област\w*|район\w*|город\w*|ауыл\w*|кент\w*|көше\w*|даңғыл\w*|"
    r"region|city|district|street|village)",
    re.IGNORECASE,
)
_WORD_CHARS = rf"{UP}{LO}A-Za-z"
_TOKEN = re.compile(rf"[{LO}a-z]\.\s?[{LO}a-z]\.|[{UP}A-Z]h?\.|[{_WORD_CHARS}]+(?:['’-][{_WORD_CHARS}]+)*")


def _is_cap(word: str) -> bool:
    return word[:1].isupper()


def _is_first_name(word: str) -> bool:
    info = names.word_info(word)
    return info.first and not info.famous


def _is_surname(word: str) -> bool:
    info = names.word_info(word)
    return info.surname and not info.famous


def _is_patronymic(word: str) -> bool:
    return names.word_info(word).patronymic


def _is_initial(word: str) -> bool:
    return bool(_INITIAL.match(word)) or bool(re.fullmatch(rf"[{LO}a-z]\.\s?[{LO}a-z]\.", word))


def _chains(text: str) -> Iterator[list[re.Match[str]]]:
    """Yield runs of words and initials separated by at most two spaces."""
    chain: list[re.Match[str]] = []
    for m in _TOKEN.finditer(text):
        if chain:
            gap = text[chain[-1].end() : m.start()]
            if gap.strip() or len(gap) > 2 or "\n" in gap:
                yield chain
                chain = []
        chain.append(m)
    if chain:
        yield chain


def _capitalised_runs(chain: list[re.Match[str]]) -> Iterator[list[re.Match[str]]]:
    run: list[re.Match[str]] = []
    for m in chain:
        word = m.group()
        if _is_cap(word) and (not word.isupper() or len(word) > 3 or _INITIAL.match(word)):
            run.append(m)
        else:
            if run:
                yield run
            run = []
    if run:
        yield run


def _find_person_by_shape(text: str) -> Iterator[Finding]:
    for chain in _chains(text):
        for run in _capitalised_runs(chain):
            # Drop leading role words ("Завуч Мамыров ...") and sentence openers ("Мен Нұрланов ...").
            while run and run[0].group().lower() in _NOT_NAMES:
                run = run[1:]
            while run and run[-1].group().lower() in _NOT_NAMES:
                run = run[:-1]
            if run:
                yield from _persons_in_chain(text, run)
        yield from _lowercase_persons(text, chain)


def _persons_in_chain(text: str, chain: list[re.Match[str]]) -> Iterator[Finding]:
    words = [m.group() for m in chain]
    initials = [bool(_INITIAL.match(w)) for w in words]
    # After initials a capitalised word is the surname only when the initials came first ("А.Б. Иванов");
    # after "Иванов А. Б." it is the next sentence.
    cut = len(words)
    for i in range(1, len(words)):
        if initials[i - 1] and not initials[i] and not all(initials[:i]):
            cut = i
            break
    words, chain, initials = words[:cut], chain[:cut], initials[:cut]
    # A sentence opens with a capital, so "Вчера Наталья Ильинична" or "Арызды Ерлан Маратұлы" glue a common
    # word to a name; drop it when what remains is still a full name of two or more words.
    if (
        len(words) >= 3
        and not initials[1]
        and _starts_sentence(text[max(0, chain[0].start() - 3) : chain[0].start()])
        and not _is_surname(words[0])
        and not _is_first_name(words[0])
        and not _is_patronymic(words[1])
    ):
        words, chain, initials = words[1:], chain[1:], initials[1:]
    names_ = [w for w, ini in zip(words, initials, strict=True) if not ini]
    if not names_ or all(names.word_info(n).famous for n in names_):
        return
    start, end = chain[0].start(), chain[-1].end()
    before = text[max(0, start - 40) : start]
    mid_sentence = not _starts_sentence(before)
    is_person = False
    if any(initials) and (sum(initials) >= 2 or any(_is_surname(n) for n in names_)):
        is_person = True
    elif len(names_) >= 2 and any(_is_patronymic(n) for n in names_[1:]):
        is_person = True
    elif len(names_) >= 2 and any(_is_surname(n) or _is_first_name(n) for n in names_):
        is_person = True
    elif _introduces_person(before):
        is_person = True
    elif len(names_) == 1 and not mid_sentence and len(names_[0]) >= 4:
        # "Aigerim from our school agrees": a first name of the list that is no ordinary word.
        info = names.word_info(names_[0])
        is_person = info.listed and not (info.common or info.famous or info.surname)
    elif len(names_) == 1 and mid_sentence:
        # A lone surname or first name in mid-sentence ("приказ подписал Оспанов", "спросите Айгерим").
        info = names.word_info(names_[0])
        is_person = (info.surname or info.first) and not (info.common or info.famous or info.guessed)
    if is_person and not _GEO_AFTER.match(text[end : end + 20]):
        if len(names_) > 4:
            return
        yield Finding("person", start, end, text[start:end])


def _lowercase_persons(text: str, chain: list[re.Match[str]]) -> Iterator[Finding]:
    """Names written in lower case ("кенжебаева алия", "пак л.н.", "меня зовут севиль")."""
    i = 0
    while i < len(chain):
        if _is_cap(chain[i].group()) or not _lower_nameish(chain[i].group()):
            i += 1
            continue
        j = i
        while j < len(chain) and not _is_cap(chain[j].group()) and _lower_nameish(chain[j].group()):
            j += 1
        run = [m.group() for m in chain[i:j]]
        words = [w for w in run if not _is_initial(w)]
        infos = [names.word_info(w) for w in words]
        strong = sum(1 for f in infos if (f.listed and not f.common) or f.patronymic)
        known = sum(1 for f in infos if f.first or f.surname or f.patronymic)
        initials = len(run) - len(words)
        before = text[max(0, chain[i].start() - 30) : chain[i].start()]
        found = False
        if words and all(f.famous for f in infos):
            found = False
        elif len(words) >= 2 and strong >= 1 and known == len(words):
            found = True
        elif initials and words and any(f.surname for f in infos) and _is_initial(run[-1]):
            found = True
        elif words and _INTRO.search(before) and any(not f.common for f in infos):
            found = True
        if found and len(run) <= 4:
            start, end = chain[i].start(), chain[j - 1].end()
            yield Finding("person", start, end, text[start:end])
        i = j


@functools.lru_cache(maxsize=8192)
def _lower_nameish(word: str) -> bool:
    if word in _NOT_NAMES or len(word) < 2:
        return False
    if _is_initial(word):
        return bool(re.fullmatch(rf"[{LO}a-z]\.\s?[{LO}a-z]\.", word))
    if len(word) < 3:
        return False
    info = names.word_info(word)
    return info.first or info.surname or info.patronymic


# --- names known beforehand or found elsewhere in the entry ------------------------------------------

_SKIP_NAME_PARTS = frozenset({"улы", "ұлы", "кызы", "қызы", "оглы", "uly", "kyzy"})
_NAME_PART = re.compile(rf"[{_WORD_CHARS}]+(?:-[{_WORD_CHARS}]+)*")


def _known_stems(known_names: Sequence[str]) -> dict[str, bool]:
    """Stem keys of the parts of the known names, each with whether it is also an ordinary word."""
    stems: dict[str, bool] = {}
    for name in known_names:
        for part in _NAME_PART.findall(name):
            if len(part) < 2 or part.lower() in _SKIP_NAME_PARTS or part.lower() in _NOT_NAMES:
                continue
            info = names.word_info(part)
            if info.famous:
                continue
            stems[names.stem_key(part)] = info.common
    return stems


def _find_known_names(text: str, known_names: Sequence[str]) -> Iterator[Finding]:
    stems = _known_stems(known_names)
    if not stems:
        return
    for m in _NAME_PART.finditer(text):
        word = m.group()
        for stem, common in stems.items():
            if not names.matches_known(word, stem):
                continue
            before = text[max(0, m.start() - 3) : m.start()]
            if _is_cap(word):
                # "Жеңіс күні" opens a sentence: a name that is also a word counts there only beside a name.
                if common and _starts_sentence(before) and not _next_is_name(text, m.end()):
                    continue
            elif common or len(stem) < 4 or names.word_info(word).common:
                # Names are written with a capital; a lowercase "роза" or "ли" is an ordinary word.
                continue
            yield Finding("person", m.start(), m.end(), word)
            break


def find_names(text: str, known_names: Sequence[str]) -> list[Finding]:
    """Only the known names, in any case form and spelling: what erasing a member takes out of a text."""
    return _assemble(text, list(_find_known_names(text, known_names)))


def _next_is_name(text: str, at: int) -> bool:
    m = _TOKEN.match(text, at + 1) if text[at : at + 1] == " " else None
    return bool(m and _is_cap(m.group()) and names.is_name_like(m.group()))


def names_in(findings: Sequence[Finding]) -> list[str]:
    """The words of the persons found, to look for everywhere else in the entry."""
    found: list[str] = []
    for f in findings:
        if f.kind != "person":
            continue
        for part in _NAME_PART.findall(f.text):
            if len(part) >= 3 and part.lower() not in _NOT_NAMES and names.is_name_like(part):
                found.append(part)
    return found


# --- assembling --------------------------------------------------------------------------------------

_TRAILING = " \t\n,.;:)("
# On a tie in length the more specific kind wins: a school's name holds a person's name ("Miras School").
_PRIORITY = {
    kind: i
    for i, kind in enumerate(
        ("iin", "bin", "email", "handle", "phone", "id_document", "number", "birth_date", "organization",
         "address", "location", "person")
    )
}  # fmt: skip


def _trimmed(kind: str, text: str, start: int, end: int) -> Finding:
    while end > start and text[end - 1] in _TRAILING:
        # Keep the dot of an abbreviation or an initial ("им. Абая", "Б.К.").
        if text[end - 1] == "." and end - 2 >= start and _is_abbrev_end(text, end):
            break
        end -= 1
    return Finding(kind, start, end, text[start:end])


def _is_abbrev_end(text: str, end: int) -> bool:
    word = re.search(r"(\w+)\.$", text[max(0, end - 6) : end])
    return bool(word and len(word.group(1)) <= 2 and word.group(1).isalpha())


def _merge_same_kind(findings: list[Finding], text: str) -> list[Finding]:
    """Join overlapping findings of one kind, and persons separated by a space ("Ахметова" "Гульнара")."""
    merged: list[Finding] = []
    for f in sorted(findings, key=lambda f: (f.kind, f.start, -f.end)):
        if merged and merged[-1].kind == f.kind:
            last = merged[-1]
            gap = text[last.end : f.start]
            touching = f.start <= last.end or (f.kind == "person" and gap.isspace() and len(gap) <= 2)
            if touching:
                end = max(last.end, f.end)
                merged[-1] = Finding(f.kind, last.start, end, text[last.start : end])
                continue
        merged.append(f)
    return merged


_TRAILING_INITIALS = re.compile(rf"\s?[{UP}A-Z]\.(?:\s?[{UP}A-Z]\.)?")


def _with_initials(finding: Finding, text: str) -> Finding:
    """Extend a person finding over initials that follow it ("АХМЕТОВА Г.С.")."""
    m = _TRAILING_INITIALS.match(text, finding.end)
    if finding.kind != "person" or not m:
        return finding
    return Finding("person", finding.start, m.end(), text[finding.start : m.end()])


def _resolve_overlaps(findings: list[Finding]) -> list[Finding]:
    chosen: list[Finding] = []
    for f in sorted(findings, key=lambda f: (-(f.end - f.start), _PRIORITY[f.kind], f.start)):
        if all(f.end <= c.start or f.start >= c.end for c in chosen):
            chosen.append(f)
    return sorted(chosen, key=lambda f: f.start)


def _rule_findings(text: str) -> list[Finding]:
    # Rules run for every language: Kazakh texts use Russian abbreviations and the reverse.
    return [
        *_find_iin(text),
        *_find_email(text),
        *_find_handle(text),
        *_find_phone(text),
        *_find_id_document(text),
        *_find_numbers(text),
        *_find_birth_date(text),
        *_find_address(text),
        *_find_location(text),
        *_find_organization(text),
        *_find_person_by_shape(text),
    ]


def _assemble(text: str, findings: list[Finding]) -> list[Finding]:
    findings = [f for f in findings if f.end > f.start]
    merged = [_with_initials(f, text) for f in _merge_same_kind(findings, text)]
    return _resolve_overlaps(_merge_same_kind(merged, text))


def find_pii(text: str, language: str, known_names: Sequence[str] = ()) -> list[Finding]:
    """Find spans that identify a person, sorted by start and not overlapping.

    Every name found in the text is then looked for again everywhere in it, in any case form and
    spelling, as the known names (the member's name from the booking) are.
    """
    return find_pii_in_texts([text], language, known_names)[0]


def find_pii_in_texts(
    texts: Sequence[str], language: str, known_names: Sequence[str] = ()
) -> list[list[Finding]]:
    """Find what identifies a person in the texts of one entry (question, answer): a name found in one
    is looked for in all of them."""
    found = [_rule_findings(text) for text in texts]
    everyone = [*known_names, *(n for findings in found for n in names_in(findings))]
    return [
        _assemble(text, [*findings, *_find_known_names(text, everyone)])
        for text, findings in zip(texts, found, strict=True)
    ]


_SCHOOL_WORDS = re.compile(r"школ|гимназ|лице|мектеп|мектеб|\bСОШ|\bОСШ|\bСШ|\bНИШ", re.IGNORECASE)


def placeholder_for(finding: Finding, language: str) -> str:
    """Return the placeholder that replaces a finding in a text of the given language."""
    table = PLACEHOLDERS.get(language, PLACEHOLDERS["ru"])
    if finding.kind == "organization" and _SCHOOL_WORDS.search(finding.text):
        return table["school"]
    return table[finding.kind]


def apply_redactions(text: str, replacements: Sequence[tuple[int, int, str]]) -> str:
    """Replace spans given in offsets of the original text, working right to left."""
    ordered = sorted(replacements, key=lambda r: (r[0], r[1]))
    for (_, prev_end, _), (start, _, _) in itertools.pairwise(ordered):
        if start < prev_end:
            raise ValueError("replacement spans overlap")
    for start, end, replacement in reversed(ordered):
        if not 0 <= start <= end <= len(text):
            raise ValueError(f"span {start}:{end} is outside the text")
        text = text[:start] + replacement + text[end:]
    return text
