"""Write or extend one capability's catalogs from a Python table: python scripts/po_write.py TABLE.py NAME

TABLE.py defines T = {"English id": ("русский", "қазақша"), ...}; writes consult/locale/{ru,kk,en}/NAME.po,
keeping entries already there unless the table gives them anew.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

LOCALE = Path(__file__).resolve().parent.parent / "consult" / "locale"


def main() -> None:
    table: dict[str, tuple[str, str]] = runpy.run_path(sys.argv[1])["T"]
    name = sys.argv[2]
    for index, lang in enumerate(("ru", "kk", "en")):
        path = LOCALE / lang / f"{name}.po"
        catalog = Catalog(locale={"ru": "ru_RU", "kk": "kk_KZ", "en": "en_GB"}[lang])
        if path.exists() and path.stat().st_size:
            with path.open("rb") as fp:
                catalog = read_po(fp)
        for msgid, (ru, kk) in table.items():
            catalog.add(msgid, (ru, kk, msgid)[index])
        with path.open("wb") as fp:
            write_po(fp, catalog, width=0, omit_header=True)


if __name__ == "__main__":
    main()
