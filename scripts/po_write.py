"""Write or extend one capability's catalogs from a Python table: python scripts/po_write.py TABLE.py NAME

TABLE.py defines T = {"English id": ("русский", "қазақша"), ...}; writes consult/locale/{ru,kk,en}/NAME.po,
keeping entries already there unless the table gives them anew. A third item gives the English text when it
differs from the id. A plural entry has a (singular, plural) id and a tuple of forms per language:
T = {("%(num)d day", "%(num)d days"): (("%(num)d день", "%(num)d дня", "%(num)d дней"), ("%(num)d күн",) * 2)}
(Russian three forms, Kazakh and English two; English defaults to the id).

Every catalog starts with a header naming its language and plural forms (PLURAL_FORMS).
With --fix instead of NAME, the table's ids are changed wherever they stand (every catalog that has them);
None keeps a language's text as it is.
"""

from __future__ import annotations

import io
import runpy
import sys
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

LOCALE = Path(__file__).resolve().parent.parent / "consult" / "locale"
LANGS = ("ru", "kk", "en")
BABEL = {"ru": "ru_RU", "kk": "kk_KZ", "en": "en_GB"}
# gettext plural rules (CLDR): Russian one / few / many, Kazakh and English one / other.
PLURAL_FORMS = {
    "ru": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "kk": "nplurals=2; plural=(n != 1);",
    "en": "nplurals=2; plural=(n != 1);",
}


def header(lang: str) -> str:
    return (
        'msgid ""\nmsgstr ""\n'
        f'"Language: {lang}\\n"\n'
        '"MIME-Version: 1.0\\n"\n'
        '"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Content-Transfer-Encoding: 8bit\\n"\n'
        f'"Plural-Forms: {PLURAL_FORMS[lang]}\\n"\n\n'
    )


def load(path: Path, lang: str) -> Catalog:
    if path.exists() and path.stat().st_size:
        with path.open("rb") as fp:
            return read_po(fp, locale=BABEL[lang])
    return Catalog(locale=BABEL[lang])


def save(path: Path, catalog: Catalog, lang: str) -> None:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, omit_header=True)
    path.write_text(header(lang) + buffer.getvalue().decode("utf-8").lstrip("\n"), encoding="utf-8")


def text_for(msgid: Any, value: tuple[Any, ...], index: int) -> Any:
    """The translation of one language: given, or for English the id itself."""
    if index < len(value) and value[index] is not None:
        return value[index]
    if index == 2:  # English repeats the id
        return msgid
    raise SystemExit(f"no {LANGS[index]} text for {msgid!r}")


def main() -> None:
    table: dict[Any, tuple[Any, ...]] = runpy.run_path(sys.argv[1])["T"]
    name = sys.argv[2]
    for index, lang in enumerate(LANGS):
        paths = sorted((LOCALE / lang).glob("*.po")) if name == "--fix" else [LOCALE / lang / f"{name}.po"]
        for path in paths:
            catalog = load(path, lang)
            for msgid, value in table.items():
                if name == "--fix":  # None keeps what is there
                    old = catalog.get(msgid)
                    if old is None or index >= len(value) or value[index] is None:
                        continue
                    old.string = value[index]
                    continue
                catalog.add(msgid, text_for(msgid, value, index))
            save(path, catalog, lang)


if __name__ == "__main__":
    main()
