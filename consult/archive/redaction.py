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

__all__ = [
    "KINDS",
    "PLACEHOLDERS",
    "Finding",
    "apply_redactions",
    "find_pii",
    "is_valid_iin",
    "placeholder_for",
]

KINDS = ("person", "iin", "phone", "email", "id_document", "address", "organization", "location")

PLACEHOLDERS: dict[str, dict[str, str]] = {
    "ru": {
        "person": "[ФИО]",
        "iin": "[ИИН]",
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
        "phone": "[phone]",
        "email": "[email]",
        "id_document": "[document]",
        "address": "[address]",
        "organization": "[organization]",
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


_TWELVE_DIGITS = re.compile(r"(?<![\d+])\d{12}(?!\d)")
# A labelled number is PII even with a typo in it, so after the label the checksum is not required.
_IIN_LABELLED = re.compile(
    r"(?:ИИН|БИН|ЖСН|БСН|IIN|BIN)\s*[:№-]?\s*(\d{12}|\d{4}[ -]\d{4}[ -]\d{4}|\d{6} \d{6})(?!\d)"
)


def _find_iin(text: str) -> Iterator[Finding]:
    for m in _TWELVE_DIGITS.finditer(text):
        if is_valid_iin(m.group()):
            yield Finding("iin", m.start(), m.end(), m.group())
    for m in _IIN_LABELLED.finditer(text):
        yield Finding("iin", m.start(1), m.end(1), m.group(1))


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
    r"(?:,?\s*\d+[а-яa-z]?(?:/\d+)?(?:\s?-\s?(?:үй|ші\s+үй))?)?"
    r"(?:,?\s*(?:корп\.|корпус)\s*\d+)?"
    r"(?:,?\s*(?:кв\.|квартира|пәтер)\s*\d+|,?\s*\d+\s?-?\s?пәтер)?"
)
_STREET_NAME = (
    rf"(?:(?:{CAP}|\d+(?:-[{LO}]+)?|[{UP}]\.)"
    rf"(?:\s+(?:хан[а-я]*|батыр[а-я]*|би|ата|ана)(?=[\s,.]))?)"
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


def _find_address(text: str) -> Iterator[Finding]:
    for rx in (_RU_ADDRESS, _KK_ADDRESS, _KK_NUMBERED_STREET, _BARE_HOUSE):
        for m in rx.finditer(text):
            yield _trimmed("address", text, m.start(), m.end())


# --- settlements -------------------------------------------------------------------------------------

# Villages identify a school (often the only one there); cities do not, so "г. Павлодар" is left alone.
_RU_VILLAGE = re.compile(
    rf"{_B}(?:с\.|сел[оауе]|селом|пос\.|п\.|пгт\.?|посёл\w*|посел\w*|аул\w*|ауыл\w*|станци[яи]|ст-ца|"
    rf"станиц\w*|кент\w*)\s*(?:{CAP})(?:[\s-]{CAP})?"
)
_KK_VILLAGE = re.compile(
    rf"{_B}(?:{CAP})(?:\s{CAP})?\s+(?:ауыл\w*|селос\w*|кент\w*|ауылдық\s+округ\w*|а/о|с/о)"
)


def _find_location(text: str) -> Iterator[Finding]:
    for rx in (_RU_VILLAGE, _KK_VILLAGE):
        for m in rx.finditer(text):
            yield _trimmed("location", text, m.start(), m.end())


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
    r"[Бб]өбекжай[а-яәғқңөұүһі]*|[Уу]ниверситет[а-яәғқңөұүһі]*|[Ии]нтернат[а-яәғқңөұүһі]*)"
)
# Adjectives before an institution ("Общеобразовательная школа"), not "нашей" or "этой": they name nothing.
_ADJ = (
    rf"(?:(?![Нн]аш|[Вв]аш|[Мм]о[еийюя]|[Тт]во|[Сс]во|[Ээ]т|[Тт]о[мтй]|[Кк]ажд|[Дд]руг|[Кк]отор|[Вв]с[ея])[{UP}{LO}][{LO}]+"
    rf"(?:ая|яя|ый|ий|ой|ое|ее|ей|ого|его|ому|ему|ым|им|ом|ем|ую|юю|ых|их|ыми|ими))"
)
_NUMBER_MARK = r"(?:№|N|No\.?)\s?\d{1,4}(?:\s?[«\"]?[А-Яа-яA-Za-z][»\"]?(?![\w]))?"
_NAMED_AFTER = rf"(?:имени|им\.)\s*(?:[{UP}]\.\s?){{0,2}}{CAP}(?:\s+{CAP})?"
_RU_ORG = re.compile(
    rf"{_B}(?:{_ADJ}\s+){{0,3}}{_RU_INST}(?:\s+{_ADJ}){{0,2}}"
    rf"(?:\s*(?:{_NUMBER_MARK}(?:\s*{_QUOTED})?(?:\s*{_NAMED_AFTER})?|{_QUOTED}(?:\s*{_NAMED_AFTER})?|{_NAMED_AFTER}))"
)
_KK_WORD = rf"[{LO}]+"
_KK_ORG_NUMBER = re.compile(
    rf"(?<![\w{UP}{LO}])(?:(?:{CAP}\s+){{1,3}}атындағы\s+)?"
    rf"(?:(?:№\s?\d{{1,4}}|\d{{1,4}}\s?-\s?(?:ші|шы|і|ы)?)\s*(?:{_KK_WORD}\s+){{0,5}}?|\d{{1,4}}\s)"
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
    for rx in (_LEGAL, _RU_ORG, _KK_ORG_NUMBER, _KK_ORG_NAMED, _EN_ORG):
        for m in rx.finditer(text):
            yield _trimmed("organization", text, m.start(), m.end())


# --- persons -----------------------------------------------------------------------------------------

# Surname endings of Russian, Kazakh and Ukrainian family names, with Russian case endings after them.
_SURNAME_RU = re.compile(
    rf"^[{UP}][{LO}]+(?:(?:ов|ев|ёв|ин|ын)(?:а|у|ым|ом|е|ой|ою|ых|ыми|ы|ую)?|(?:енко|чук|юк|дзе|швили|ян|янц)"
    rf"|(?:ұлы|улы|қызы|кызы))(?:-?{KK_CASE})?$"
)
_SURNAME_EN = re.compile(r"^[A-Z][a-z]+(?:ov|ev|in|yn|ova|eva|ina|yna|uly|kyzy|enko|chuk|yan)$")
_PATRONYMIC = re.compile(
    rf"^[{UP}][{LO}]+(?:(?:ович|евич|ьич|ич)(?:а|у|ем|е|ом)?|(?:овн|евн|ичн)(?:а|ы|е|у|ой|ою)"
    rf"|(?:ұлы|улы|қызы|кызы))(?:-?{KK_CASE})?$"
)
_INITIAL = re.compile(rf"^[{UP}A-Z]\.$")

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
    hello dear my i we the mr mrs ms dr director teacher principal colleague
    """.split()
)
# What comes right before a name when a text introduces or cites a person.
_INTRO_ENDINGS = (
    "меня зовут",
    "зовут",
    "я —",
    "я -",
    "атым",
    "есімім",
    "аты-жөнім",
    "my name is",
    "i am",
    "i'm",
    "this is",
)
_ROLE_WORD = re.compile(
    r"(?:директор\w*|завуч\w*|заведующ\w*|заместител\w*|руководител\w*|начальник\w*|коллег\w*|"
    r"муж\w*|жена|жены|супруг\w*|председател\w*|бухгалтер\w*|методист\w*|инспектор\w*|подписал\w*|"
    r"меңгеруші\w*|орынбасар\w*|әріптес\w*|күйеу\w*|жұбай\w*|басшы\w*|гражданин\w*|гражданк\w*|"
    r"г-н|г-жа|mr\.?|mrs\.?|ms\.?|dr\.?)"
)


def _introduces_person(before: str) -> bool:
    """Tell whether the text just before a word introduces a person or names one's role."""
    words = before.split()[-3:]
    if not words:
        return False
    tail = " ".join(words).lower().rstrip(":,")
    if tail.endswith(_INTRO_ENDINGS):
        return True
    return bool(_ROLE_WORD.fullmatch(words[-1].lower().rstrip(":,")))


def _starts_sentence(before: str) -> bool:
    stripped = before.rstrip(' \t«"(')
    return not stripped or stripped[-1] in ".!?…\n" or before.endswith("\n")


# A capitalised word before these is a place ("Қарағанды облысы", "Зерендинского района").
_GEO_AFTER = re.compile(
    r"^\s+(?:облыс\w*|қала\w*|аудан\w*|област\w*|район\w*|город\w*|region|city|district)", re.IGNORECASE
)
_TOKEN = re.compile(rf"{CAP}|{LCAP}|[{UP}A-Z]\.")

# Common first names: a pair of capitalised words where one is a known first name is a person.
_FIRST_NAMES = frozenset(
    """
    айгуль айгүл айгерим айжан айнур айнура айсулу алия алма асель әсел асем әсем ботагоз ботагөз гульнара
    гүлнар гульмира гүлмира гульжан дана данара динара жанар жанна жибек зарина зауре зәуре индира камила
    карлыгаш қарлығаш куралай құралай ляззат мадина майра макпал мақпал меруерт назым сауле сәуле сандугаш
    салтанат толкын толқын умут үміт шолпан эльмира айдана аружан балжан гаухар гаухар жазира нургуль нұргүл
    асылбек азамат айбек алибек алмас арман аскар асқар бауыржан бахыт бақыт берик берік болат даурен дәурен
    даулет дәулет данияр ерлан ербол ержан еркин еркін жандос жасулан кайрат қайрат канат қанат куаныш
    қуаныш марат мейрам нурлан нұрлан нуржан нұржан олжас руслан самат серик серік талгат талғат тимур
    улан ұлан ермек бекзат арсен рустам ринат нурсултан нұрсұлтан абай асан мухтар мұхтар габит ғабит
    александр алексей андрей анатолий борис вадим валерий василий виктор виталий владимир вячеслав геннадий
    дмитрий евгений иван игорь константин максим михаил николай олег павел петр пётр роман сергей станислав
    юрий ярослав анна алена алёна валентина галина дарья екатерина елена ирина людмила марина мария надежда
    наталья наталия оксана ольга светлана татьяна юлия любовь лариса нина тамара вера
    """.split()
)
_EQUIV = str.maketrans("әөұүқғңһі", "аоуукгнхи")


def _fold(word: str) -> str:
    return word.lower().replace("ё", "е").translate(_EQUIV)


_FIRST_NAMES_FOLDED = frozenset(_fold(n) for n in _FIRST_NAMES)
_NAME_ENDINGS = ("ой", "ою", "ей", "ем", "ом", "ым", "а", "я", "ы", "и", "е", "у", "ю")


def _is_first_name(word: str) -> bool:
    folded = _fold(word)
    if folded in _FIRST_NAMES_FOLDED:
        return True
    for ending in _NAME_ENDINGS:
        if folded.endswith(ending):
            stem = folded[: -len(ending)]
            if any(stem + restored in _FIRST_NAMES_FOLDED for restored in ("", "а", "й")):
                return True
    return False


def _is_surname(word: str) -> bool:
    return bool(_SURNAME_RU.match(word) or _SURNAME_EN.match(word))


def _chains(text: str) -> Iterator[list[re.Match[str]]]:
    """Yield runs of capitalised words and initials separated by single spaces."""
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


def _find_person_by_shape(text: str) -> Iterator[Finding]:
    for chain in _chains(text):
        # Drop leading role words ("Завуч Мамыров ...") and sentence openers ("Мен Нұрланов ...").
        while chain and chain[0].group().lower() in _NOT_NAMES:
            chain = chain[1:]
        while chain and chain[-1].group().lower() in _NOT_NAMES:
            chain = chain[:-1]
        if not chain:
            continue
        yield from _persons_in_chain(text, chain)


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
        and not _PATRONYMIC.match(words[1])
    ):
        words, chain, initials = words[1:], chain[1:], initials[1:]
    names = [w for w, ini in zip(words, initials, strict=True) if not ini]
    if not names:
        return
    start, end = chain[0].start(), chain[-1].end()
    before = text[max(0, start - 40) : start]
    is_person = False
    if any(initials) and (len(names) >= 1 and (sum(initials) >= 2 or any(_is_surname(n) for n in names))):
        is_person = True
    elif len(names) >= 2 and any(_PATRONYMIC.match(n) for n in names[1:]):
        is_person = True
    elif len(names) >= 2 and any(_is_surname(n) or _is_first_name(n) for n in names):
        is_person = True
    elif _introduces_person(before):
        is_person = True
    elif len(names) == 1 and _is_surname(names[0]) and not _starts_sentence(before):
        # A lone surname in mid-sentence ("приказ подписал Оспанов").
        is_person = True
    if is_person and not _GEO_AFTER.match(text[end : end + 20]):
        if len(names) > 4:
            return
        yield Finding("person", start, end, text[start:end])


_SKIP_NAME_PARTS = frozenset({"улы", "ұлы", "кызы", "қызы", "оглы"})
_CLASS = {
    "а": "аә",
    "ә": "аә",
    "о": "оө",
    "ө": "оө",
    "у": "уұү",
    "ұ": "уұү",
    "ү": "уұү",
    "к": "кқ",
    "қ": "кқ",
    "г": "гғ",
    "ғ": "гғ",
    "н": "нң",
    "ң": "нң",
    "х": "хһ",
    "һ": "хһ",
    "и": "иі",
    "і": "иі",
    "е": "её",
    "ё": "её",
}


@functools.lru_cache(maxsize=256)
def _known_name_pattern(name: str) -> re.Pattern[str] | None:
    """Build a pattern for the parts of a booking's name in any case form and Kazakh-Russian spelling."""
    alternatives = []
    for part in re.findall(rf"[{UP}{LO}A-Za-z]+(?:-[{UP}{LO}A-Za-z]+)*", name):
        low = part.lower()
        if len(low) < 3 or low in _SKIP_NAME_PARTS:
            continue
        latin = low.isascii()
        stem = low
        if len(low) >= 5 and low[-1] in "аяыиеоуюйьaeiouy":
            stem = low[:-1]
        body = "".join(f"[{_CLASS[c]}]" if c in _CLASS else re.escape(c) for c in stem)
        if latin:
            tail = "[a-z]{0,3}"
        elif len(stem) >= 4:
            tail = f"[{LO}]{{0,5}}"
        else:
            tail = f"(?:а|у|ом|ым|е|ой|{KK_CASE})?"
        alternatives.append(body + tail)
    if not alternatives:
        return None
    alternatives.sort(key=len, reverse=True)
    return re.compile(rf"(?<![\w{UP}{LO}])(?:{'|'.join(alternatives)})(?![\w{UP}{LO}])", re.IGNORECASE)


def _find_known_names(text: str, known_names: Sequence[str]) -> Iterator[Finding]:
    for name in known_names:
        pattern = _known_name_pattern(name.strip())
        if pattern is None:
            continue
        for m in pattern.finditer(text):
            # Names are written with a capital; a lowercase match is an ordinary word ("роза", "мадина").
            if m.group()[0].isupper():
                yield Finding("person", m.start(), m.end(), m.group())


# --- assembling --------------------------------------------------------------------------------------

_TRAILING = " \t\n,.;:)("
_PRIORITY = {kind: i for i, kind in enumerate(("iin", "email", "phone", "id_document", *KINDS))}


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


def find_pii(text: str, language: str, known_names: Sequence[str] = ()) -> list[Finding]:
    """Find spans that identify a person, sorted by start and not overlapping."""
    # Rules run for every language: Kazakh texts use Russian abbreviations and the reverse.
    findings: list[Finding] = [
        *_find_iin(text),
        *_find_email(text),
        *_find_phone(text),
        *_find_id_document(text),
        *_find_address(text),
        *_find_location(text),
        *_find_organization(text),
        *_find_known_names(text, known_names),
        *_find_person_by_shape(text),
    ]
    findings = [f for f in findings if f.end > f.start]
    merged = [_with_initials(f, text) for f in _merge_same_kind(findings, text)]
    return _resolve_overlaps(_merge_same_kind(merged, text))


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
