"""Find strings marked for translation and the catalogs that lack them; check plural forms and the glossary.

python -m consult.i18n_check                 # list what is missing or wrong, exit 1 if anything is
python -m consult.i18n_check --add FILE.po   # append the missing ids to one catalog per language

Besides gaps and clashes it checks:
- plural forms: every catalog declares Plural-Forms (ru three forms, kk and en two), every plural entry has
  that many non-empty forms, and a string with a count placeholder (any %(x)d, or %(num)s, %(days)s ...)
  is plural-aware: an ngettext entry, or in every language the "Label: N" construction that needs no
  plural (the number after a colon);
- the glossary (docs/glossary.md): a catalog never uses a wording the glossary rules out for a term.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from consult.i18n import BABEL_LOCALES, LOCALE_DIR
from consult.settings import LANGUAGES, ROOT

KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}
JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true", "silent": "false"}


PLURAL_IDS: set[str] = set()  # singular ids of the ngettext calls extract() saw
NPLURALS = {"ru": 3, "kk": 2, "en": 2}
# A placeholder that holds a count: any %(x)d, or one of these names with %s.
# A position is not a count: "Page 3 of 10" needs no plural form.
COUNT_NAMES = ("num", "count", "n", "m", "days", "minutes", "hours", "months", "weeks", "years")
POSITION_NAMES = ("page", "pages", "id", "year")
_COUNT = re.compile(
    r"%\((?!(?:" + "|".join(POSITION_NAMES) + r")\))(\w+)\)d|%\((" + "|".join(COUNT_NAMES) + r")\)s"
)
GLOSSARY = ROOT / "docs" / "glossary.md"


def extract() -> dict[str, list[str]]:
    """Return every message id marked in consult/ and templates/, with where it stands."""
    found: dict[str, list[str]] = {}

    def collect(items: Iterator[tuple[str, int, object, list[str], object]], base: str) -> None:
        for filename, lineno, message, _comments, _context in items:
            # A plural entry (ngettext) is one message, known by its singular id.
            msgid = message[0] if isinstance(message, tuple) else message
            if isinstance(msgid, str) and msgid:
                found.setdefault(msgid, []).append(f"{base}/{filename}:{lineno}")
                if isinstance(message, tuple) and len(message) > 1 and message[1]:
                    PLURAL_IDS.add(msgid)

    collect(extract_from_dir(str(ROOT / "consult"), [("**.py", "python")], keywords=KEYWORDS), "consult")
    collect(
        extract_from_dir(
            str(ROOT / "templates"),
            [("**.html", "jinja2.ext:babel_extract"), ("**.txt", "jinja2.ext:babel_extract")],
            options_map={"**.html": JINJA_OPTIONS, "**.txt": JINJA_OPTIONS},
            keywords=KEYWORDS,
            # Babel skips folders starting with "_" by default: templates/_partials holds strings too.
            directory_filter=lambda path: not Path(path).name.startswith("."),
        ),
        "templates",
    )
    return found


def catalog(language: str) -> dict[str, object]:
    """Return msgid -> msgstr over all of a language's .po files."""
    merged: dict[str, object] = {}
    for path in sorted((LOCALE_DIR / language).glob("*.po")):
        with path.open("rb") as fp:
            for message in read_po(fp, locale=BABEL_LOCALES[language]):
                key = message.id[0] if isinstance(message.id, tuple) else message.id
                if key:
                    merged[str(key)] = message.string
    return merged


def missing() -> dict[str, list[str]]:
    """Per language, the marked ids without a translation (English may repeat the id; it must be there)."""
    wanted = extract()
    result: dict[str, list[str]] = {}
    for language in LANGUAGES:
        have = catalog(language)
        gaps = []
        for msgid in sorted(wanted):
            value = have.get(msgid)
            if msgid not in have:
                gaps.append(msgid)
            elif language != "en" and (not value or (isinstance(value, tuple) and not all(value))):
                gaps.append(msgid)
        result[language] = gaps
    return result


def conflicts() -> list[str]:
    """Ids translated differently in two catalogs of one language: whichever loads last would win."""
    found = []
    for language in LANGUAGES:
        seen: dict[str, tuple[str, object]] = {}
        for path in sorted((LOCALE_DIR / language).glob("*.po")):
            with path.open("rb") as fp:
                for message in read_po(fp, locale=BABEL_LOCALES[language]):
                    key = message.id[0] if isinstance(message.id, tuple) else message.id
                    if not key:
                        continue
                    first = seen.setdefault(str(key), (path.name, message.string))
                    if first[1] != message.string:
                        found.append(
                            f"{language}: {key!r} is {first[1]!r} in {first[0]} but {message.string!r} in {path.name}"
                        )
    return found


def _texts(value: object) -> list[str]:
    return [str(v) for v in value if v] if isinstance(value, tuple) else [str(value)] if value else []


def plural_problems() -> list[str]:
    """Catalogs without their Plural-Forms, plural entries with the wrong number of forms, and strings
    where a number meets a noun without ngettext."""
    found = []
    for language in LANGUAGES:
        for path in sorted((LOCALE_DIR / language).glob("*.po")):
            text = path.read_text(encoding="utf-8")
            declared = re.search(r'"Plural-Forms: nplurals=(\d+);', text)
            if declared is None:
                found.append(f"{language}/{path.name}: no Plural-Forms header")
            elif int(declared[1]) != NPLURALS[language]:
                found.append(
                    f"{language}/{path.name}: nplurals={declared[1]}, {language} has {NPLURALS[language]}"
                )
            with path.open("rb") as fp:
                for message in read_po(fp, locale=BABEL_LOCALES[language]):
                    if message.pluralizable and message.id:
                        forms = message.string if isinstance(message.string, tuple) else (message.string,)
                        if len(forms) != NPLURALS[language] or (language != "en" and not all(forms)):
                            found.append(
                                f"{language}/{path.name}: {message.id[0]!r} needs {NPLURALS[language]} forms"
                            )
    wanted = extract()
    catalogs = {language: catalog(language) for language in LANGUAGES}
    for msgid, where in sorted(wanted.items()):
        if msgid in PLURAL_IDS:
            continue
        names = {a or b for a, b in _COUNT.findall(msgid)}
        if not names:
            continue
        for language in LANGUAGES:
            for text in _texts(catalogs[language].get(msgid)) or [msgid]:
                for name in names:
                    if not re.search(r":\s*%\(" + name + r"\)[sd]", text):
                        found.append(
                            f"{language}: {msgid!r} ({where[0]}): %({name})… meets a noun; use ngettext or 'Label: N'"
                        )
    return found


def glossary() -> list[tuple[str, dict[str, str], dict[str, list[str]]]]:
    """The glossary's rows: (English term, {language: stem it requires}, {language: wordings to avoid})."""
    rows = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) != 7 or cells[0] == "en" or set(cells[0]) <= {"-"}:
            continue
        en, _ru, _kk, stem_ru, stem_kk, avoid_ru, avoid_kk = cells

        def words(cell: str) -> list[str]:
            return [w.strip() for w in cell.split(";") if w.strip() not in ("", "—")]

        stems = {language: stem for language, stem in (("ru", stem_ru), ("kk", stem_kk)) if stem != "—"}
        rows.append((en, stems, {"ru": words(avoid_ru), "kk": words(avoid_kk)}))
    return rows


def _english_term(en: str) -> re.Pattern[str]:
    """The English term of a row as a word: 'lawyer' matches 'Lawyer' and 'lawyers', not 'lawyerly'."""
    term = re.sub(r"\s*\(.*?\)", "", en).split(",")[0].strip()
    return re.compile(r"\b" + re.escape(term) + r"s?\b", re.IGNORECASE)


def glossary_problems() -> list[str]:
    """Translations that miss the glossary's term for a word of their English id, or use a wording it
    rules out (stems match case-insensitively at the start of a word)."""
    found = []
    catalogs = {language: catalog(language) for language in ("ru", "kk")}
    for en, stems, avoid in glossary():
        english = _english_term(en)
        for language, stem in stems.items():
            pattern = re.compile(r"(?<!\w)(бейне|видео)?" + re.escape(stem.lower()))
            for msgid, value in catalogs[language].items():
                if not english.search(msgid):
                    continue
                for text in _texts(value):
                    # A term left in English in the translation is a code (an API value), not a word.
                    if not pattern.search(text.lower()) and not english.search(text):
                        found.append(
                            f"{language}: {msgid!r} is {text!r}: the glossary's term for '{en}' is «{stem}…»"
                        )
        for language, wordings in avoid.items():
            for wording in wordings:
                pattern = re.compile(r"(?<!\w)" + re.escape(wording.lower()))
                for msgid, value in catalogs[language].items():
                    for text in _texts(value):
                        if pattern.search(text.lower()):
                            found.append(
                                f"{language}: {msgid!r} says «{wording}»; the glossary rules it out for '{en}'"
                            )
    return found


def _po_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--add", metavar="NAME.po", help="append missing ids to consult/locale/<lang>/NAME.po"
    )
    args = parser.parse_args(argv)
    gaps = missing()
    wanted = extract()
    for language, ids in gaps.items():
        for msgid in ids:
            print(f"{language}: {msgid!r}  ({wanted[msgid][0]})")
        if args.add and ids:
            path = LOCALE_DIR / language / Path(args.add).name
            have = catalog(language)
            with path.open("a", encoding="utf-8") as fp:
                if path.stat().st_size == 0:
                    fp.write('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n')
                for msgid in ids:
                    if msgid in have:
                        continue
                    fp.write(f"\n#: {wanted[msgid][0]}\nmsgid {_po_quote(msgid)}\n")
                    fp.write(f"msgstr {_po_quote(msgid if language == 'en' else '')}\n")
    clashes = conflicts()
    for line in clashes:
        print(line)
    plurals = plural_problems()
    for line in plurals:
        print(line)
    terms = glossary_problems()
    for line in terms:
        print(line)
    return 1 if any(gaps.values()) or clashes or plurals or terms else 0


if __name__ == "__main__":
    sys.exit(main())
