"""The union's membership register: CSV import by staff, and the check a booking makes against it."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from consult.forms import normalize_email
from consult.i18n import N_

MAX_ROWS = 100_000
MEMBERSHIP_NO = re.compile(r"^[0-9A-ZА-ЯЁӘҒҚҢӨҰҮҺІ/-]{1,32}$")
# Header words we recognise (any case) in the first row; a first row of them is skipped.
HEADER_WORDS = {
    "membership_no",
    "membership number",
    "number",
    "no",
    "номер",
    "номер билета",
    "билет",
    "№",
}


@dataclass(frozen=True)
class Entry:
    membership_no: str
    full_name: str
    region_id: int
    organization: str
    email: str | None


@dataclass
class Report:
    """What an import did: accepted entries and rejected rows with their line numbers and reasons."""

    accepted: list[Entry] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, English reason id)
    created: int = 0
    updated: int = 0
    deactivated: int = 0


def normalize_membership_no(value: str) -> str:
    return "".join(value.split()).upper()


def name_key(value: str) -> str:
    """Compare names without case, accents, ё/е or punctuation differences."""
    text = unicodedata.normalize("NFKC", value).casefold().replace("ё", "е")
    return "".join(ch for ch in text if ch.isalpha() or ch == "-")


def decode(data: bytes) -> str:
    """Read the file as UTF-8 (with or without BOM), else as Windows-1251, as Excel writes it here."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1251", errors="replace")


def parse_rows(text: str) -> Iterable[tuple[int, list[str]]]:
    """Yield (line number, cells); the delimiter is a comma or a semicolon, whichever the header uses."""
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    for row in reader:
        if any(cell.strip() for cell in row):
            yield reader.line_num, [cell.strip() for cell in row]


def check_row(cells: list[str], regions: Mapping[str, int]) -> tuple[Entry | None, str | None]:
    """Turn one row into an entry, or give the reason it is refused."""
    if len(cells) < 4 or len(cells) > 5:
        return None, N_("The row needs 4 or 5 columns.")
    number, name, region, organization = (cells[0], " ".join(cells[1].split()), cells[2], cells[3])
    number = normalize_membership_no(number)
    if not MEMBERSHIP_NO.match(number):
        return None, N_("The membership number is missing or not valid.")
    if not name or len(name) > 200 or not any(ch.isalpha() for ch in name):
        return None, N_("The full name is missing or too long.")
    region_id = regions.get(name_key(region))
    if region_id is None:
        return None, N_("Unknown region.")
    organization = " ".join(organization.split())
    if not organization or len(organization) > 300:
        return None, N_("The organisation is missing or too long.")
    email = None
    if len(cells) == 5 and cells[4]:
        email = normalize_email(cells[4])
        if email is None:
            return None, N_("The email address is not valid.")
    return Entry(number, name, region_id, organization, email), None


def check_file(text: str, regions: Mapping[str, int]) -> Report:
    """Check every row of a register file; a number seen twice keeps its first row."""
    report = Report()
    seen: set[str] = set()
    for index, (line, cells) in enumerate(parse_rows(text)):
        if index == 0 and cells and name_key(cells[0]) in {name_key(w) for w in HEADER_WORDS}:
            continue
        if index >= MAX_ROWS:
            report.rejected.append((line, N_("The file has too many rows.")))
            break
        entry, reason = check_row(cells, regions)
        if entry is None:
            report.rejected.append((line, reason or ""))
        elif entry.membership_no in seen:
            report.rejected.append((line, N_("This membership number appears earlier in the file.")))
        else:
            seen.add(entry.membership_no)
            report.accepted.append(entry)
    return report


REGIONS = "SELECT id, code, name_ru, name_kk, name_en FROM regions"


async def region_lookup(conn: asyncpg.Connection) -> dict[str, int]:
    """Map each region's code and names (in any of the three languages) to its id."""
    lookup: dict[str, int] = {}
    for row in await conn.fetch(REGIONS):
        for value in (row["code"], row["name_ru"], row["name_kk"], row["name_en"]):
            lookup[name_key(value)] = row["id"]
    return lookup


UPSERT = """
INSERT INTO membership_register (membership_no, full_name, region_id, organization, email)
SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[])
ON CONFLICT (membership_no) DO UPDATE SET
    full_name = excluded.full_name, region_id = excluded.region_id, organization = excluded.organization,
    email = excluded.email, active = true, updated_at = now()
RETURNING (xmax = 0) AS created
"""
DEACTIVATE_MISSING = """
UPDATE membership_register SET active = false, updated_at = now()
WHERE active AND NOT (membership_no = ANY($1::text[]))
"""


async def import_register(
    conn: asyncpg.Connection, data: bytes, *, deactivate_missing: bool = False
) -> Report:
    """Check a CSV file and store its good rows (new numbers added, known ones updated)."""
    report = check_file(decode(data), await region_lookup(conn))
    entries = report.accepted
    if entries:
        rows = await conn.fetch(
            UPSERT,
            [e.membership_no for e in entries],
            [e.full_name for e in entries],
            [e.region_id for e in entries],
            [e.organization for e in entries],
            [e.email for e in entries],
        )
        report.created = sum(1 for r in rows if r["created"])
        report.updated = len(rows) - report.created
    if deactivate_missing and entries:
        status = await conn.execute(DEACTIVATE_MISSING, [e.membership_no for e in entries])
        report.deactivated = int(status.split()[-1])
    return report


FIND_MEMBER = "SELECT full_name FROM membership_register WHERE membership_no = $1 AND active"


async def check_membership(conn: asyncpg.Connection, membership_no: str, surname: str) -> bool:
    """True when the number is active in the register and the surname matches that member's name.

    The register lists names as "Surname Name Patronymic"; some regions write "Name Surname", so the
    first or the last word of the full name may match.
    """
    number = normalize_membership_no(membership_no or "")
    # A caller may pass the whole name as the member typed it; any of its words may be the surname.
    given = {w for w in (name_key(part) for part in (surname or "").split()) if len(w) >= 2}
    if not MEMBERSHIP_NO.match(number) or not given:
        return False
    full_name = await conn.fetchval(FIND_MEMBER, number)
    if full_name is None:
        return False
    words = [w for w in (name_key(part) for part in str(full_name).split()) if w]
    return bool(words) and bool(given & {words[0], words[-1]})


REGISTER_SUMMARY = """
SELECT count(*) FILTER (WHERE active) AS active, count(*) FILTER (WHERE NOT active) AS inactive,
       max(updated_at) AS last_import
FROM membership_register
"""


async def summary(conn: asyncpg.Connection) -> dict[str, Any]:
    return dict(await conn.fetchrow(REGISTER_SUMMARY))
