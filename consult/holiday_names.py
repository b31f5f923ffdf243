"""Kazakhstan's public holidays named in the reader's language, from data shipped with the service.

The `holidays` package knows when the days off are but names KZ holidays only in English, Kazakh and
Ukrainian; the names for all three interface languages are in consult/locale/holidays_kz.toml, keyed by the
package's English name. A name the file does not know (a new holiday) falls back to the package's own name.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import holidays as holiday_calendars

DATA = Path(__file__).resolve().parent / "locale" / "holidays_kz.toml"
_SUFFIX = re.compile(r"^(?P<base>.*?)\s*\((?P<suffix>observed|estimated|substituted from [^)]*)\)$")


@cache
def _data() -> dict[str, Any]:
    with DATA.open("rb") as fp:
        return tomllib.load(fp)


def holiday_name(english: str, language: str) -> str:
    """Name one holiday (the package's en_US name) in ru, kk or en."""
    data = _data()
    match = _SUFFIX.match(english)
    base, suffix = (match["base"], match["suffix"]) if match else (english, None)
    names = data["names"].get(base)
    if names is None:
        return english
    name = str(names.get(language) or names["en"])
    if suffix in data["suffix"]:
        name = f"{name} ({data['suffix'][suffix].get(language) or data['suffix'][suffix]['en']})"
    return name


def holidays_named(years: Iterable[int], language: str) -> list[tuple[date, str]]:
    """Kazakhstan's public days off of these years, by date, named in this language."""
    calendar = holiday_calendars.country_holidays("KZ", years=sorted(set(years)), language="en_US")
    return sorted((day, holiday_name(name, language)) for day, name in calendar.items())
