"""Attachments: what a file really is (by its bytes), and safe names (pure functions, no I/O)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from consult.i18n import N_

MAX_FILES = 3
MAX_BYTES = 5 * 1024 * 1024
# Where a PDF's last %%EOF may stand: writers append a newline or a few bytes of padding after it.
PDF_TAIL = 1024
EXTENSIONS = {
    "application/pdf": ("pdf",),
    "image/jpeg": ("jpg", "jpeg"),
    "image/png": ("png",),
}
SUFFIX = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
# Types a client may declare for a file it does not know better (no claim to check).
UNKNOWN_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})


class FileProblem(ValueError):
    """A file cannot be accepted; the message is an English msgid for the form."""


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    data: bytes


def sniff(data: bytes) -> str | None:
    """Name the type the bytes really are, or None when they are none of PDF, JPEG, PNG."""
    if data.startswith(b"%PDF-") and b"%%EOF" in data[-PDF_TAIL:]:
        return "application/pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


def safe_filename(name: str, content_type: str) -> str:
    """Keep a readable file name: no path, no control characters, the extension of the real type."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C")
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", base).strip(" .")[:120] or "file"
    return f"{stem}.{SUFFIX[content_type]}"


def check_file(filename: str, declared_type: str, data: bytes) -> CheckedFile:
    """Accept a PDF, JPEG or PNG of at most 5 MB whose bytes match what its name and type claim."""
    if not data:
        raise FileProblem(N_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise FileProblem(N_("Each file may be at most 5 MB."))
    real = sniff(data)
    declared = declared_type.split(";", 1)[0].strip().lower()
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    claimed = {t for t, exts in EXTENSIONS.items() if extension in exts}
    if declared in EXTENSIONS:
        claimed.add(declared)
    elif declared not in UNKNOWN_TYPES:
        raise FileProblem(N_("Only PDF, JPEG and PNG files can be attached."))
    if real is None:
        if "application/pdf" in claimed:
            raise FileProblem(N_("This file is not a valid PDF."))
        if claimed:
            raise FileProblem(N_("This file is not a valid image."))
        raise FileProblem(N_("Only PDF, JPEG and PNG files can be attached."))
    if claimed and claimed != {real}:
        raise FileProblem(N_("The file's type does not match its content."))
    return CheckedFile(safe_filename(filename, real), real, data)
