"""Find strings marked for translation and the catalogs that lack them.

python -m consult.i18n_check                 # list what is missing, exit 1 if anything is
python -m consult.i18n_check --add FILE.po   # append the missing ids to one catalog per language
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from consult.i18n import BABEL_LOCALES, LOCALE_DIR
from consult.settings import LANGUAGES, ROOT

KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}
JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true", "silent": "false"}


def extract() -> dict[str, list[str]]:
    """Return every message id marked in consult/ and templates/, with where it stands."""
    found: dict[str, list[str]] = {}

    def collect(items: Iterator[tuple[str, int, object, list[str], object]], base: str) -> None:
        for filename, lineno, message, _comments, _context in items:
            ids = message if isinstance(message, tuple) else (message,)
            for msgid in ids:
                if isinstance(msgid, str) and msgid:
                    found.setdefault(msgid, []).append(f"{base}/{filename}:{lineno}")

    collect(extract_from_dir(str(ROOT / "consult"), [("**.py", "python")], keywords=KEYWORDS), "consult")
    collect(
        extract_from_dir(
            str(ROOT / "templates"),
            [("**.html", "jinja2.ext:babel_extract"), ("**.txt", "jinja2.ext:babel_extract")],
            options_map={"**.html": JINJA_OPTIONS, "**.txt": JINJA_OPTIONS},
            keywords=KEYWORDS,
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
    return 1 if any(gaps.values()) or clashes else 0


if __name__ == "__main__":
    sys.exit(main())
