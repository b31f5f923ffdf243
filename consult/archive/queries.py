"""SQL of the archive: entries, redactions, votes, and full-text search.

Every user-supplied text arrives as a $n parameter. Search terms reach to_tsquery only after
consult.archive.searchtext.parse_query has reduced them to quoted letters and digits.
"""

from consult import reference

# --- the search vector -------------------------------------------------------------------------------

# $2 and $3 come from searchtext.index_text: normalized for Russian (PostgreSQL stems it), normalized
# and stemmed in Python for Kazakh, normalized for English. Question weight A, answer weight B.
UPDATE_SEARCH_VECTOR = """
UPDATE archive_entries SET search = CASE WHEN language = 'ru'
    THEN setweight(to_tsvector('russian', $2), 'A') || setweight(to_tsvector('russian', $3), 'B')
    ELSE setweight(to_tsvector('simple', $2), 'A') || setweight(to_tsvector('simple', $3), 'B') END
WHERE id = $1
"""

# --- search ------------------------------------------------------------------------------------------

# The query is the union of a Russian-stemmed reading and a Kazakh-stemmed 'simple' reading of what was
# typed: the union finds candidates through the GIN index, and each entry is then held to its own
# language's reading (else "-word" in one reading would let the other reading match). That second test
# runs on the window only: in the scan's WHERE it would halve the planner's estimate of the matches and
# steer a frequent word away from the early-stopping sequential scan. The last
# word may also match as a prefix. $1 websearch, $2 websearch with Kazakh stems, $3 exact last word,
# $4 its Kazakh stem, $5 the last word as a prefix. An entry is ranked by its own language's reading
# only: half the query, half the work for ts_rank_cd.
_QUERY = """
q AS (
    SELECT ru_query || kk_query AS query, ru_query, kk_query
    FROM (SELECT websearch_to_tsquery('russian', $1)
                     && (to_tsquery('russian', $3) || to_tsquery('simple', $5)) AS ru_query,
                 websearch_to_tsquery('simple', $2)
                     && (to_tsquery('simple', $4) || to_tsquery('simple', $5)) AS kk_query) readings
)
"""
# Weights of D, C, B, A; normalization 1 divides by 1 + log(length), so long answers do not win alone.
RANK = "ts_rank_cd('{0.05, 0.1, 0.4, 1.0}', e.search, q.query, 1)"
# Sentinels the text cannot contain (stripped first): ts_headline does not escape HTML and drops what
# looks like a tag, so '<' travels as U+E002 and the marks as U+E000/U+E001 until Python escapes it all.
HEADLINE_TEXT = "translate({0}, E'<\\uE000\\uE001\\uE002ёЁ', E'\\uE002еЕ')"
HEADLINE_CONFIG = "CASE e.language WHEN 'ru' THEN 'russian'::regconfig ELSE 'simple'::regconfig END"
HEADLINE_OPTIONS = (
    "StartSel=\ue000, StopSel=\ue001, MaxWords=32, MinWords=14, ShortWord=2, MaxFragments=2, "
    'FragmentDelimiter=" … "'
)
QUESTION_OPTIONS = "StartSel=\ue000, StopSel=\ue001, HighlightAll=true"
# $6 the highlight words (Russian reading), $7 the same as prefixes (Kazakh text is stored unstemmed).
_HIGHLIGHT = "(to_tsquery('russian', $6) || to_tsquery('simple', $7))"

# Ranking every match of a frequent word ("отпуск" is in half the archive) would read and rank tens of
# thousands of vectors per keystroke. So the ranked set is a window of at most $10 matches
# (consult.archive.search.RANK_WINDOW), the first ones the index yields (table order, roughly oldest
# first). Rare words fit in the window whole and are ranked exactly; for a frequent word, ranking a
# sample of hundreds of entries that all contain it still puts good answers first, and one more word
# narrows it. Ordering the window by date instead would need every match read, which is the cost saved.
# $8 topic id or NULL, $9 language or NULL, $11 limit, $12 offset, $13/$14 headline options.
SEARCH = f"""
WITH {_QUERY},
candidates AS (
    SELECT e.id, e.search, e.published_at,
           CASE WHEN e.language = 'ru' THEN q.ru_query ELSE q.kk_query END AS query
    FROM archive_entries e, q
    WHERE e.status = 'published' AND e.search @@ q.query
      AND ($8::integer IS NULL OR e.topic_id = $8) AND ($9::text IS NULL OR e.language = $9)
    LIMIT $10
),
hits AS (
    SELECT c.id, c.published_at, {RANK.replace("e.search", "c.search").replace("q.query", "c.query")} AS rank,
           count(*) OVER () AS matched
    FROM candidates c
    WHERE c.search @@ c.query
    ORDER BY rank DESC, c.published_at DESC, c.id DESC
    LIMIT $11 OFFSET $12
)
SELECT e.id, e.slug, e.question, e.language, e.published_at, t.slug AS topic, h.matched,
       t.name_ru AS topic_name_ru, t.name_kk AS topic_name_kk, t.name_en AS topic_name_en,
       ts_headline({HEADLINE_CONFIG}, {HEADLINE_TEXT.format("e.answer")}, {_HIGHLIGHT}, $13) AS snippet,
       ts_headline({HEADLINE_CONFIG}, {HEADLINE_TEXT.format("e.question")}, {_HIGHLIGHT}, $14)
           AS question_marked
FROM hits h JOIN archive_entries e ON e.id = h.id JOIN topics t ON t.id = e.topic_id
ORDER BY h.rank DESC, h.published_at DESC, h.id DESC
"""

# How many match in all when more than the window do: the planner's estimate from the lexeme statistics
# ANALYZE keeps (an exact count would visit every matching row). $6 topic id or NULL, $7 language or NULL.
ESTIMATE_SEARCH = f"""
EXPLAIN (FORMAT JSON)
WITH {_QUERY}
SELECT 1 FROM archive_entries e, q
WHERE e.status = 'published' AND e.search @@ q.query
  AND ($6::integer IS NULL OR e.topic_id = $6) AND ($7::text IS NULL OR e.language = $7)
"""

# The exact count up to the window, for a page past the last result. Same parameters, $8 the window.
COUNT_SEARCH = f"""
WITH {_QUERY}
SELECT count(*) FROM (
    SELECT 1 FROM archive_entries e, q
    WHERE e.status = 'published' AND e.search @@ q.query
      AND e.search @@ CASE WHEN e.language = 'ru' THEN q.ru_query ELSE q.kk_query END
      AND ($6::integer IS NULL OR e.topic_id = $6) AND ($7::text IS NULL OR e.language = $7)
    LIMIT $8
) c
"""

# Without a query: the newest first. $1 topic id or NULL, $2 language or NULL, $3 limit, $4 offset.
LATEST = """
SELECT e.id, e.slug, e.question, e.language, e.published_at, t.slug AS topic,
       t.name_ru AS topic_name_ru, t.name_kk AS topic_name_kk, t.name_en AS topic_name_en,
       left(e.answer, 400) AS answer_start
FROM archive_entries e JOIN topics t ON t.id = e.topic_id
WHERE e.status = 'published'
  AND ($1::integer IS NULL OR e.topic_id = $1) AND ($2::text IS NULL OR e.language = $2)
ORDER BY e.published_at DESC, e.id DESC
LIMIT $3 OFFSET $4
"""

COUNT_LATEST = """
SELECT count(*) FROM archive_entries e
WHERE e.status = 'published'
  AND ($1::integer IS NULL OR e.topic_id = $1) AND ($2::text IS NULL OR e.language = $2)
"""

# Similar questions (the booking form, related entries): any of the terms, best first. $1 a tsquery of
# Russian-stemmed words joined by |, $2 the same words with Kazakh stems, $3 an entry to leave out,
# $4 a topic to prefer, $5 how many. A dozen words of a question joined by "or" match most of the
# archive: ranking every match took a second at 100,000 entries (and an entry page waited for it), so
# only a window of matches is ranked. The tsquery is written out in `hits` rather than taken from q so
# that the planner sees the words and their frequencies: with frequent words it reads rows until the
# window is full, with rare ones it takes the GIN index.
SIMILAR_WINDOW = 100
SIMILAR = f"""
WITH q AS (SELECT to_tsquery('russian', $1) || to_tsquery('simple', $2) AS query),
hits AS MATERIALIZED (
    SELECT e.id FROM archive_entries e
    WHERE e.status = 'published' AND e.search @@ (to_tsquery('russian', $1) || to_tsquery('simple', $2))
      AND e.id <> $3
    LIMIT {SIMILAR_WINDOW}
)
SELECT e.id, e.slug, e.question, e.language, e.published_at, t.slug AS topic
FROM hits JOIN archive_entries e ON e.id = hits.id JOIN topics t ON t.id = e.topic_id, q
ORDER BY (e.topic_id = $4) DESC, {RANK} DESC, e.id DESC
LIMIT $5
"""

SAME_TOPIC = """
SELECT e.id, e.slug, e.question, e.language, e.published_at, t.slug AS topic
FROM archive_entries e JOIN topics t ON t.id = e.topic_id
WHERE e.status = 'published' AND e.topic_id = $1 AND e.id <> ALL($2::bigint[])
ORDER BY e.helpful_yes - e.helpful_no DESC, e.views DESC, e.id DESC
LIMIT $3
"""

# --- entries -----------------------------------------------------------------------------------------

ENTRY_COLUMNS = """
e.id, e.slug, e.status, e.question, e.answer, e.language, e.booking_id, e.source_question_id,
e.views, e.helpful_yes, e.helpful_no, e.created_by, e.created_at, e.updated_at, e.published_at,
e.withdrawn_at, e.forced_publish_reason, e.topic_id, t.slug AS topic,
t.name_ru AS topic_name_ru, t.name_kk AS topic_name_kk, t.name_en AS topic_name_en
"""

GET_ENTRY = (
    f"SELECT {ENTRY_COLUMNS} FROM archive_entries e JOIN topics t ON t.id = e.topic_id WHERE e.id = $1"
)

GET_ENTRY_FOR_UPDATE = f"""
SELECT {ENTRY_COLUMNS} FROM archive_entries e JOIN topics t ON t.id = e.topic_id WHERE e.id = $1
FOR UPDATE OF e
"""

GET_PUBLISHED = f"""
SELECT {ENTRY_COLUMNS} FROM archive_entries e JOIN topics t ON t.id = e.topic_id
WHERE e.id = $1 AND e.status = 'published'
"""

IS_PUBLISHED = "SELECT 1 FROM archive_entries WHERE id = $1 AND status = 'published'"

GET_PUBLISHED_BY_SLUG = f"""
SELECT {ENTRY_COLUMNS} FROM archive_entries e JOIN topics t ON t.id = e.topic_id
WHERE e.slug = $1 AND e.status = 'published'
"""

INSERT_ENTRY = """
INSERT INTO archive_entries (question, answer, topic_id, language, booking_id, source_question_id, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id
"""

UPDATE_ENTRY = """
UPDATE archive_entries SET question = $2, answer = $3, topic_id = $4, language = $5, updated_at = now()
WHERE id = $1
"""

SET_FIELD = """
UPDATE archive_entries SET question = CASE WHEN $2 = 'question' THEN $3 ELSE question END,
    answer = CASE WHEN $2 = 'answer' THEN $3 ELSE answer END, updated_at = now()
WHERE id = $1
"""

PUBLISH = """
UPDATE archive_entries SET status = 'published', slug = COALESCE(slug, $2),
    published_at = COALESCE(published_at, now()), withdrawn_at = NULL, forced_publish_reason = $3,
    updated_at = now()
WHERE id = $1
"""

WITHDRAW = """
UPDATE archive_entries SET status = 'withdrawn', withdrawn_at = now(), updated_at = now() WHERE id = $1
"""

BACK_TO_DRAFT = "UPDATE archive_entries SET status = 'draft', updated_at = now() WHERE id = $1"

# A view count lost in a crash is harmless: the page's commit need not wait for the disk (~3 ms).
NO_FLUSH = "SET LOCAL synchronous_commit = off"
COUNT_VIEW = "UPDATE archive_entries SET views = views + 1 WHERE id = $1 AND status = 'published'"

DRAFTS = """
SELECT e.id, e.status, e.question, e.language, e.updated_at, e.booking_id, t.slug AS topic,
       t.name_ru AS topic_name_ru, t.name_kk AS topic_name_kk, t.name_en AS topic_name_en,
       (SELECT count(*) FROM archive_redactions r WHERE r.entry_id = e.id AND r.state = 'open') AS open_findings
FROM archive_entries e JOIN topics t ON t.id = e.topic_id
WHERE e.status <> 'published'
ORDER BY e.updated_at DESC, e.id DESC
LIMIT 200
"""

RECENTLY_PUBLISHED = """
SELECT e.id, e.slug, e.question, e.language, e.published_at, e.views, e.helpful_yes, e.helpful_no
FROM archive_entries e
WHERE e.status = 'published'
ORDER BY e.published_at DESC, e.id DESC
LIMIT 30
"""

# Completed consultations with an answer that no entry has been made from yet.
COMPLETED_BOOKINGS = """
SELECT b.id, b.starts_at, b.language, left(b.question, 160) AS question_start, t.slug AS topic,
       t.name_ru AS topic_name_ru, t.name_kk AS topic_name_kk, t.name_en AS topic_name_en
FROM bookings b JOIN topics t ON t.id = b.topic_id
WHERE b.status = 'completed' AND b.personal_data_erased_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM archive_entries e WHERE e.booking_id = b.id)
ORDER BY b.starts_at DESC
LIMIT 50
"""

BOOKING_FOR_DRAFT = """
SELECT id, status, question, answer, topic_id, language, member_name FROM bookings WHERE id = $1
"""

BOOKING_MEMBER_NAME = "SELECT member_name FROM bookings WHERE id = $1"

TOPIC_BY_SLUG = "SELECT id FROM topics WHERE slug = $1"

TOPICS = reference.TOPICS


# --- redactions --------------------------------------------------------------------------------------

REDACTIONS = """
SELECT id, field, start_offset, end_offset, kind, text, state, replacement
FROM archive_redactions WHERE entry_id = $1
ORDER BY field DESC, start_offset, id
"""

INSERT_REDACTIONS = """
INSERT INTO archive_redactions (entry_id, field, start_offset, end_offset, kind, text, state)
SELECT $1, f.field, f.start_offset, f.end_offset, f.kind, f.text, f.state
FROM unnest($2::text[], $3::integer[], $4::integer[], $5::text[], $6::text[], $7::text[])
    AS f(field, start_offset, end_offset, kind, text, state)
"""

DELETE_REDACTIONS = "DELETE FROM archive_redactions WHERE entry_id = $1"

GET_REDACTION_FOR_UPDATE = """
SELECT id, field, start_offset, end_offset, kind, text, state, replacement
FROM archive_redactions WHERE id = $1 AND entry_id = $2
FOR UPDATE
"""

RESOLVE_REDACTION = """
UPDATE archive_redactions SET state = $2, replacement = $3, end_offset = start_offset + $4,
    resolved_by = $5, resolved_at = now()
WHERE id = $1
"""

# Findings after an accepted one in the same field move by the difference in length.
SHIFT_REDACTIONS = """
UPDATE archive_redactions SET start_offset = start_offset + $4, end_offset = end_offset + $4
WHERE entry_id = $1 AND field = $2 AND start_offset >= $3 AND id <> $5
"""

COUNT_OPEN = "SELECT count(*) FROM archive_redactions WHERE entry_id = $1 AND state = 'open'"

# Once published, the text an accepted finding replaced is no longer needed anywhere: forget it.
FORGET_REPLACED_TEXT = "UPDATE archive_redactions SET text = '' WHERE entry_id = $1 AND state = 'accepted'"

# --- votes -------------------------------------------------------------------------------------------

INSERT_VOTE = """
INSERT INTO archive_votes (key, entry_id) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING entry_id
"""

COUNT_VOTE = """
UPDATE archive_entries SET helpful_yes = helpful_yes + CASE WHEN $2 THEN 1 ELSE 0 END,
    helpful_no = helpful_no + CASE WHEN $2 THEN 0 ELSE 1 END
WHERE id = $1
"""

PRUNE_VOTES = "DELETE FROM archive_votes WHERE voted_on < current_date - 2"

# --- sitemap -----------------------------------------------------------------------------------------

SITEMAP = """
SELECT slug, greatest(published_at, updated_at) AS modified FROM archive_entries
WHERE status = 'published'
ORDER BY published_at DESC, id DESC
LIMIT $1
"""
