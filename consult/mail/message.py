"""Build RFC 5322 / MIME messages, with an optional iMIP (RFC 6047) calendar invite."""

from __future__ import annotations

import base64
import email.policy
import functools
import hashlib
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from email.message import EmailMessage, MIMEPart
from email.policy import Policy
from email.utils import format_datetime

from consult.forms import ATEXT as _ATEXT
from consult.forms import DOT_ATOM as _DOT_ATOM
from consult.forms import is_plain_address, is_unsafe_char, normalize_address

__all__ = [
    "INVITE_FILENAME",
    "build_message",
    "clean_header_text",
    "is_plain_address",
    "make_message_id",
    "normalize_address",
]

INVITE_FILENAME = "invite.ics"
ITIP_METHODS = frozenset({"REQUEST", "CANCEL"})

# RFC 5322 says lines SHOULD stay within 78 characters; we fold our own headers to that.
MAX_LINE = 78
# "=?utf-8?b?" and "?=" around the base64 text of each encoded word.
EW_OVERHEAD = 12
# 45 bytes become 60 base64 characters: a 72-character word, within RFC 2047's 75 and a folded line.
EW_MAX_BYTES = 45
# A word longer than this cannot be folded nicely, so it is sent as encoded words instead.
MAX_PLAIN_WORD = 70

_MESSAGE_ID_RE = re.compile(rf"^<{_DOT_ATOM}@{_DOT_ATOM}>$")
_ID_KEY_RE = re.compile(r"^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$")
_PLAIN_PHRASE_RE = re.compile(rf"^{_ATEXT}+(?: {_ATEXT}+)*$")
_HEADER_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9-]*$")
_METHOD_LINE_RE = re.compile(rb"^METHOD:(.*?)\r?$", re.MULTILINE)

# Headers this module writes itself or that carry addresses: a caller adding them could change who
# receives the message or break its structure.
_RESERVED_HEADERS = frozenset(
    {
        "from",
        "sender",
        "reply-to",
        "to",
        "cc",
        "bcc",
        "subject",
        "date",
        "message-id",
        "mime-version",
        "auto-submitted",
        "return-path",
        "received",
        "content-type",
        "content-transfer-encoding",
        "content-disposition",
        "content-id",
        "content-description",
    }
)


def clean_header_text(text: str) -> str:
    """Return text as one line: whitespace runs become one space, control characters disappear."""
    # str.split() also splits on CR, LF, VT, FF, NEL and U+2028/U+2029, which end lines somewhere.
    kept = (ch for ch in " ".join(text.split()) if not is_unsafe_char(ch))
    return "".join(kept).strip()


@functools.lru_cache(maxsize=64)
def _id_domain(domain: str) -> str:
    return normalize_address(f"x@{domain}").partition("@")[2]


def make_message_id(key: str, domain: str) -> str:
    """Return a Message-ID that is the same every time for the same key and domain."""
    domain = _id_domain(domain)
    left = key if _ID_KEY_RE.match(key) and len(key) <= 64 else hashlib.sha256(key.encode()).hexdigest()
    return f"<{left}@{domain}>"


class _FoldedHeader(str):
    """Carry a header value we encoded and folded ourselves, so the email package emits it unchanged."""

    # The email policy stores and emits values with a matching `name` attribute as they are, through
    # their fold() method. We rely on that instead of its header registry, because Python 3.11 decodes
    # encoded-word look-alikes in names and subjects into raw CR/LF (CVE-2024-6923 and relatives).
    name: str

    def __new__(cls, name: str, folded: str) -> _FoldedHeader:
        obj = super().__new__(cls, folded)
        obj.name = name
        return obj

    def fold(self, *, policy: Policy) -> str:
        """Return the header line with the policy's line separator."""
        return f"{self.name}: {policy.linesep.join(self.split(chr(13) + chr(10)))}{policy.linesep}"


def _encoded_words(text: str, header_name: str) -> list[str]:
    """Return RFC 2047 base64 encoded words that together spell text."""
    # The first word shares its line with "Name: "; 3 bytes make 4 base64 characters.
    first = min(EW_MAX_BYTES, (MAX_LINE - len(header_name) - 2 - EW_OVERHEAD) // 4 * 3)
    return [f"=?utf-8?b?{base64.b64encode(c).decode('ascii')}?=" for c in _chunks(text, max(first, 3))]


def _chunks(text: str, first: int) -> Iterator[bytes]:
    # Chunks end after a space where possible: decoders drop the whitespace between encoded words, and
    # some (Python's own parser among them) then show a space where a word was cut in two.
    budget, chunk = first, b""
    for word in re.findall(r"\S+\s*|\s+", text):
        raw = word.encode("utf-8")
        if chunk and len(chunk) + len(raw) > budget:
            yield chunk
            budget, chunk = EW_MAX_BYTES, b""
        if len(raw) <= budget - len(chunk):
            chunk += raw
            continue
        for ch in word:
            # An encoded word must hold whole characters (RFC 2047 section 5).
            raw = ch.encode("utf-8")
            if chunk and len(chunk) + len(raw) > budget:
                yield chunk
                budget, chunk = EW_MAX_BYTES, b""
            chunk += raw
    if chunk:
        yield chunk


def _needs_encoding(text: str) -> bool:
    # "=?" is encoded too: a reader would otherwise decode user text such as "=?UTF-8?Q?=0A?=".
    return not text.isascii() or "=?" in text or any(len(w) > MAX_PLAIN_WORD for w in text.split(" "))


def _fold(name: str, tokens: list[str]) -> _FoldedHeader:
    """Join tokens with spaces, turning a space into a fold wherever a line would grow too long."""
    lines: list[str] = []
    line = ""
    width = len(name) + 2
    for token in tokens:
        if line and width + len(line) + 1 + len(token) > MAX_LINE:
            lines.append(line)
            line, width = token, 1
        else:
            line = f"{line} {token}" if line else token
    lines.append(line)
    return _FoldedHeader(name, "\r\n ".join(lines))


def _unstructured(name: str, text: str) -> _FoldedHeader:
    text = clean_header_text(text)
    tokens = _encoded_words(text, name) if _needs_encoding(text) else text.split(" ")
    return _fold(name, tokens)


def _address_header(name: str, display_name: str, addr: str) -> _FoldedHeader:
    addr_spec = normalize_address(addr)
    phrase = clean_header_text(display_name)
    if not phrase:
        return _fold(name, [addr_spec])
    if _needs_encoding(phrase):
        tokens = _encoded_words(phrase, name)
    elif _PLAIN_PHRASE_RE.match(phrase):
        tokens = phrase.split(" ")
    else:
        # Specials such as "," or "." need a quoted-string; FWS inside it is allowed, so it may fold.
        quoted = phrase.replace("\\", "\\\\").replace('"', '\\"')
        tokens = f'"{quoted}"'.split(" ")
    return _fold(name, [*tokens, f"<{addr_spec}>"])


def _text_cte(text: str) -> str:
    # Quoted-printable keeps non-ASCII bodies 7-bit clean, so no relay needs 8BITMIME.
    if text.isascii() and all(len(line) <= MAX_LINE for line in text.splitlines()):
        return "7bit"
    return "quoted-printable"


def _invite_method(invite: bytes) -> str | None:
    found = _METHOD_LINE_RE.findall(invite)
    return found[0].decode("ascii", "replace").strip() if len(found) == 1 else None


def build_message(
    *,
    from_addr: str,
    from_name: str,
    to_addr: str,
    to_name: str,
    subject: str,
    text: str,
    html: str | None,
    message_id: str,
    invite: bytes | None,
    method: str | None,
    headers: Mapping[str, str] | None = None,
    date: datetime | None = None,
) -> EmailMessage:
    """Build one message to one recipient, with the invite inline for calendars and as invite.ics."""
    if not _MESSAGE_ID_RE.match(message_id) or len(message_id) > 250:
        raise ValueError(f"invalid Message-ID: {message_id!r}")
    if (invite is None) != (method is None):
        raise ValueError("invite and method go together")
    if invite is not None:
        if method not in ITIP_METHODS:
            raise ValueError(f"unsupported iTIP method: {method!r}")
        # RFC 6047 section 2.4: the MIME method parameter must equal the METHOD inside the calendar.
        if _invite_method(invite) != method:
            raise ValueError(f"the invite's METHOD is not {method}")
    date = date or datetime.now(UTC)
    if date.tzinfo is None:
        raise ValueError("date must be timezone-aware")

    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = _address_header("From", from_name, from_addr)
    msg["To"] = _address_header("To", to_name, to_addr)
    msg["Subject"] = _unstructured("Subject", subject)
    msg["Date"] = _FoldedHeader("Date", format_datetime(date))
    msg["Message-ID"] = _FoldedHeader("Message-ID", message_id)
    msg["MIME-Version"] = _FoldedHeader("MIME-Version", "1.0")
    # RFC 3834: tells autoresponders (vacation notices) not to answer.
    msg["Auto-Submitted"] = _FoldedHeader("Auto-Submitted", "auto-generated")
    for name, value in (headers or {}).items():
        if (
            not _HEADER_NAME_RE.match(name)
            or name.lower() in _RESERVED_HEADERS
            or name.lower().startswith(("resent-", "content-"))
        ):
            raise ValueError(f"header not allowed: {name!r}")
        msg[name] = _unstructured(name, value)

    msg.set_content(text, cte=_text_cte(text))
    if html is not None:
        msg.add_alternative(html, subtype="html", cte=_text_cte(html))
    if invite is not None and method is not None:
        # Calendar clients (Outlook, Gmail, Apple Mail) act on the text/calendar alternative; the
        # attachment is for people and programs that only save files. This is the shape Google uses.
        msg.add_alternative(
            invite.decode("utf-8"), subtype="calendar", cte="quoted-printable", params={"method": method}
        )
        msg.add_attachment(
            invite,
            maintype="application",
            subtype="ics",
            filename=INVITE_FILENAME,
            params={"name": INVITE_FILENAME},
        )
    for part in msg.iter_parts() if msg.is_multipart() else ():
        _drop_nested_mime_version(part)
    return msg


def _drop_nested_mime_version(part: MIMEPart) -> None:
    # EmailMessage.set_content stamps MIME-Version on every part it creates; it belongs on the top only.
    del part["MIME-Version"]
    for sub in part.iter_parts() if part.is_multipart() else ():
        _drop_nested_mime_version(sub)
