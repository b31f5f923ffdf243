"""Field rules shared by every form and by the mail builder: one definition of a valid email address.

Pure: no I/O, no HTTP. A booking, a written question, a sign-in link and an account are validated by
the same rules, and an address accepted here is one the mail builder and the invite builder accept.
"""

from __future__ import annotations

import re
import unicodedata
from email.errors import HeaderParseError
from email.headerregistry import Address

ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
DOT_ATOM = rf"{ATEXT}+(?:\.{ATEXT}+)*"
LOCAL_PART_RE = re.compile(rf"^{DOT_ATOM}$")
DOMAIN_RE = re.compile(
    r"^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"
)
# The common case, checked without the email package's parser: an ASCII dot-atom at an ASCII domain.
PLAIN_ADDRESS_RE = re.compile(rf"({DOT_ATOM})@({DOMAIN_RE.pattern[1:-1]})")
# Bidirectional overrides can disguise a name or subject in the reader's client.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
MAX_EMAIL = 254


def is_unsafe_char(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cs") or ch in BIDI_CONTROLS


def is_plain_address(addr: str) -> bool:
    """Tell whether addr is an ASCII dot-atom at an ASCII domain: the bare address almost everyone has."""
    return PLAIN_ADDRESS_RE.fullmatch(addr) is not None


def normalize_address(addr: str) -> str:
    """Return addr as a plain ASCII addr-spec (IDNA domain), or raise ValueError."""
    plain = PLAIN_ADDRESS_RE.fullmatch(addr) if isinstance(addr, str) else None
    if plain is not None:  # what the checks below accept and leave as it is, but for the domain's case
        return f"{plain[1]}@{plain[2].lower()}"
    if not isinstance(addr, str) or addr != addr.strip() or any(is_unsafe_char(ch) for ch in addr):
        raise ValueError(f"invalid email address: {addr!r}")
    try:
        # Address() refuses anything beyond one addr-spec, such as "a@x.org, b@y.org".
        parsed = Address(addr_spec=addr)
    except (ValueError, IndexError, HeaderParseError) as exc:
        raise ValueError(f"invalid email address: {addr!r}") from exc
    local, domain = parsed.username, parsed.domain
    # Quoted local parts and non-ASCII ones need SMTPUTF8 and break mailto: URIs; nobody here has them.
    if not LOCAL_PART_RE.match(local) or parsed.addr_spec != f"{local}@{domain}":
        raise ValueError(f"unsupported email address: {addr!r}")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(f"invalid email domain: {addr!r}") from exc
    if not DOMAIN_RE.match(domain):
        raise ValueError(f"invalid email domain: {addr!r}")
    return f"{local}@{domain.lower()}"


def normalize_email(email: str) -> str | None:
    """What a person typed as their email, as the address we store (lower-cased), or None.

    The address must be one the mail builder can send to (normalize_address) at a domain with a dot: "a@b"
    is a typo, not a mailbox anyone here has.
    """
    if not isinstance(email, str):
        return None
    try:
        address = normalize_address(email.strip()).lower()
    except ValueError:
        return None
    if len(address) > MAX_EMAIL or "." not in address.rpartition("@")[2]:
        return None
    return address
