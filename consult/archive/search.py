"""Full-text search of the published archive: one function for the API, the pages and the benchmark."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from markupsafe import Markup, escape

from consult.archive import queries as sql
from consult.archive.searchtext import kazakh_stem, parse_query, query_terms
from consult.errors import Unavailable, invalid
from consult.i18n import N_

MAX_QUERY = 200
MAX_SIMILAR_TEXT = 2000
MAX_PER_PAGE = 50
# How many of the newest matches are ranked (see queries.SEARCH); pages reach this far and no further.
RANK_WINDOW = 500
# How long several words may run on the planner's free choice before the GIN-only plan takes over.
FREE_PLAN_MS = 60
SEARCH_TIMEOUT_MS = 2000
# The similar-questions query is an OR of terms; more terms rank more rows for little gain.
MAX_SIMILAR_TERMS = 12
START, STOP, LT = "\ue000", "\ue001", "\ue002"
OPTIONS = (sql.HEADLINE_OPTIONS, sql.QUESTION_OPTIONS)


def check_text(value: str | None, name: str, limit: int) -> str:
    """Refuse a NUL byte or an over-long value with 400 instead of passing it to PostgreSQL."""
    value = value or ""
    if "\x00" in value:
        raise invalid({name: N_("Must not contain NUL characters.")})
    if len(value) > limit:
        raise invalid({name: N_("Too long.")})
    # Not stripped: a trailing space says the last word is finished (no prefix matching).
    return value if value.strip() else ""


def marked(headline: str | None) -> Markup:
    """Escape a ts_headline result whole, then turn its sentinels into <mark> and back into '<'."""
    text = str(escape(headline or ""))
    # Safe: the text was escaped whole above; the only markup added is <mark> and an escaped "<".
    return Markup(text.replace(START, "<mark>").replace(STOP, "</mark>").replace(LT, "&lt;"))  # noqa: S704


def plain_snippet(text: str, limit: int = 220) -> Markup:
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + " …"
    return escape(text)


async def limit_time(
    conn: asyncpg.Connection, milliseconds: int = SEARCH_TIMEOUT_MS, *, gin_only: bool = False
) -> None:
    """Bound the rest of the caller's transaction in time (SET LOCAL) and set up text-search plans.

    Custom plans, so the planner sees each query's words and their frequency; no ordered index walk
    (it tests every row for a rare word); with `gin_only`, no sequential scan either (see `_Planned`).
    One round trip for all of it.
    """
    if not conn.is_in_transaction():
        raise RuntimeError("search runs inside the caller's transaction")
    await conn.execute(
        "SELECT set_config('statement_timeout', $1, true), set_config('plan_cache_mode', 'force_custom_plan', true),"
        " set_config('client_min_messages', 'warning', true),"
        " set_config('enable_seqscan', $2, true), set_config('enable_indexscan', 'off', true),"
        # Room for an exact bitmap of a frequent word's matches in a large archive (a lossy one
        # rechecks every row of its pages).
        " set_config('work_mem', '32MB', true)",
        str(milliseconds),
        "off" if gin_only else "on",
    )


class _Planned:
    """Run a search's queries with the plan that suits its words, never much slower than the GIN plan.

    The window needs only the first matches, so for frequent words a sequential scan that stops early
    beats reading whole posting lists into a bitmap, and its cost does not grow with the archive. The
    planner sees that from the word statistics. For several words it guesses their overlap as if they
    were independent; words that are each frequent but (almost) never together, such as a Russian and
    a Kazakh word, would make the scan test every row. So several words get the planner's choice for
    a short while inside a savepoint, then (for the rest of the search) the GIN index only, which
    intersects the posting lists at once.
    """

    def __init__(self, conn: asyncpg.Connection, words: int) -> None:
        self.conn = conn
        self.free = words > 1

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        if not self.free:
            return await self.conn.fetch(query, *args)
        try:
            async with self.conn.transaction():
                await limit_time(self.conn, FREE_PLAN_MS)
                return await self.conn.fetch(query, *args)
        except asyncpg.QueryCanceledError:
            self.free = False
            await limit_time(self.conn, gin_only=True)
            return await self.conn.fetch(query, *args)


@dataclass
class SearchPage:
    total: int
    items: list[dict[str, Any]] = field(default_factory=list)
    # False when more than RANK_WINDOW entries match: total is then the planner's estimate.
    exact: bool = True


def _item(row: asyncpg.Record, snippet: Markup, question_html: Markup) -> dict[str, Any]:
    return {**dict(row), "snippet": snippet, "question_html": question_html}


async def search_archive(
    conn: asyncpg.Connection,
    q: str,
    *,
    topic_id: int | None = None,
    language: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> SearchPage:
    """Find published entries, best match first, with escaped snippets that mark the matches."""
    offset = (page - 1) * per_page
    parsed = parse_query(q)
    await limit_time(conn)
    planned = _Planned(conn, len(parsed.terms))
    try:
        if parsed.empty:
            total = int(await conn.fetchval(sql.COUNT_LATEST, topic_id, language))
            rows = await conn.fetch(sql.LATEST, topic_id, language, per_page, offset)
            return SearchPage(
                total,
                [_item(r, plain_snippet(r["answer_start"]), escape(r["question"])) for r in rows],
            )
        # Search-as-you-type: the last word as a prefix only when its exact form leaves the page short
        # (the word is not finished yet). A prefix of a frequent word reads every matching posting list,
        # which a finished frequent word has no need of.
        args = (*parsed.exact_args, topic_id, language)
        rows = await planned.fetch(sql.SEARCH, *args, RANK_WINDOW, per_page, offset, *OPTIONS)
        if parsed.prefix and len(rows) < per_page and not offset:
            args = (*parsed.prefix_args, topic_id, language)
            rows = await planned.fetch(sql.SEARCH, *args, RANK_WINDOW, per_page, offset, *OPTIONS)
        if rows:
            matched = int(rows[0]["matched"])
        elif offset:
            matched = int(await conn.fetchval(sql.COUNT_SEARCH, *args[:5], topic_id, language, RANK_WINDOW))
        else:
            matched = 0
        exact = matched < RANK_WINDOW
        total = matched if exact else max(matched, await estimate(conn, args[:5], topic_id, language))
    except asyncpg.QueryCanceledError:
        raise Unavailable(
            "search_timeout", N_("The search took too long. Try more specific words.")
        ) from None
    items = [_item(r, marked(r["snippet"]), marked(r["question_marked"])) for r in rows]
    return SearchPage(total, items, exact)


async def estimate(
    conn: asyncpg.Connection, query_args: tuple[Any, ...], topic_id: Any, language: Any
) -> int:
    plan = await conn.fetchval(sql.ESTIMATE_SEARCH, *query_args, topic_id, language)
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def _or_query(words: list[str]) -> str:
    return " | ".join("'" + word + "'" for word in words)


def similar_terms(text: str) -> list[str]:
    """Pick the words of a text worth matching on: the longer ones, which say most about the topic."""
    words = [w for w in query_terms(text, "ru") if len(w) >= 4 and "-" not in w]
    return sorted(words, key=len, reverse=True)[:MAX_SIMILAR_TERMS]


async def similar_entries(
    conn: asyncpg.Connection,
    text: str,
    *,
    limit: int = 3,
    exclude_id: int = 0,
    topic_id: int | None = None,
) -> list[dict[str, Any]]:
    """Published entries sharing words with a text, the same topic first, best match first."""
    words = similar_terms(text)
    if not words:
        return []
    # The planner's choice (see sql.SIMILAR): "or" only widens a match, so its estimate holds.
    await limit_time(conn)
    stems = list(dict.fromkeys(kazakh_stem(w) for w in words))
    try:
        async with conn.transaction():  # a savepoint: a timeout must not spoil the caller's transaction
            rows = await conn.fetch(
                sql.SIMILAR, _or_query(words), _or_query(stems), exclude_id, topic_id or 0, limit
            )
    except asyncpg.QueryCanceledError:
        return []  # a helper list: better none than an error while someone types
    return [dict(r) for r in rows]


async def related_entries(
    conn: asyncpg.Connection, entry: dict[str, Any], limit: int = 5
) -> list[dict[str, Any]]:
    """Entries on the same question: similar words (same topic first), then more of the same topic."""
    found = await similar_entries(
        conn, entry["question"], limit=limit, exclude_id=entry["id"], topic_id=entry["topic_id"]
    )
    if len(found) < limit:
        seen = [entry["id"], *(r["id"] for r in found)]
        rows = await conn.fetch(sql.SAME_TOPIC, entry["topic_id"], seen, limit - len(found))
        found.extend(dict(r) for r in rows)
    return found
