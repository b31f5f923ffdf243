"""Readable, stable URLs for archive entries: the question in Latin letters plus the entry's id."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["make_slug", "slug_id", "transliterate"]

# Russian after the Kazakhstan passport-office style most people read easily; Kazakh letters after the
# 2021 Latin alphabet, with the diacritics dropped so the URL stays plain ASCII.
_TABLE = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch",
    "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    "ә": "a", "ғ": "g", "қ": "q", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "і": "i",
}  # fmt: skip
MAX_BASE = 60
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_ID_TAIL = re.compile(r"-(\d{1,18})$")


def transliterate(text: str) -> str:
    """Write Cyrillic (Russian and Kazakh) text in ASCII Latin letters; other scripts lose accents."""
    out = []
    for char in text.lower():
        if char in _TABLE:
            out.append(_TABLE[char])
        else:
            out.append(unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode())
    return "".join(out)


def make_slug(question: str, entry_id: int) -> str:
    """Return `words-of-the-question-<id>`: readable, and unique through the id."""
    words = [w for w in _NOT_SLUG.split(transliterate(question)) if w]
    base = ""
    for word in words:
        candidate = f"{base}-{word}" if base else word
        if len(candidate) > MAX_BASE:
            break
        base = candidate
    if not base and words:
        base = words[0][:MAX_BASE]
    return f"{base}-{entry_id}" if base else f"q-{entry_id}"


def slug_id(slug: str) -> int | None:
    """Read the id at the end of a slug (to redirect a mistyped or shortened link), if there is one."""
    match = _ID_TAIL.search(slug)
    return int(match.group(1)) if match else None
