-- The public question-and-answer archive: entries (drafts until staff publish them), the redaction
-- findings staff resolve before publishing, and the cookie-less "was this helpful?" votes.

CREATE TABLE archive_entries (
    id bigserial PRIMARY KEY,
    -- Set once, at the first publication, from the redacted question; never changed afterwards, so links
    -- stay valid. A draft has none: its question may still carry a name.
    slug text UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 120),
    status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'withdrawn')),
    question text NOT NULL CHECK (length(question) BETWEEN 1 AND 5000),
    answer text NOT NULL DEFAULT '' CHECK (length(answer) <= 20000),
    topic_id integer NOT NULL REFERENCES topics(id),
    language text NOT NULL CHECK (language IN ('ru', 'kk', 'en')),
    booking_id bigint REFERENCES bookings(id) ON DELETE SET NULL,
    -- A written question (another capability) the entry came from; no foreign key, that table is theirs.
    source_question_id bigint,
    views bigint NOT NULL DEFAULT 0,
    helpful_yes integer NOT NULL DEFAULT 0,
    helpful_no integer NOT NULL DEFAULT 0,
    created_by bigint REFERENCES users(id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz,
    withdrawn_at timestamptz,
    forced_publish_reason text CHECK (length(forced_publish_reason) <= 1000),
    -- Maintained by consult.archive.entries: PostgreSQL has no Kazakh stemmer, so Kazakh (and English)
    -- text is stemmed in Python and fed to the 'simple' configuration; Russian goes to 'russian'.
    -- The question carries weight A, the answer weight B.
    search tsvector NOT NULL DEFAULT ''::tsvector,
    CHECK (status = 'draft' OR (slug IS NOT NULL AND published_at IS NOT NULL)),
    CHECK (status <> 'withdrawn' OR withdrawn_at IS NOT NULL)
);

-- Only published entries are ever searched; fastupdate off because the archive is read far more often
-- than written, and a pending list would be scanned by every search.
CREATE INDEX archive_entries_search_idx ON archive_entries USING gin (search)
    WITH (fastupdate = off) WHERE status = 'published';
CREATE INDEX archive_entries_published_idx ON archive_entries (published_at DESC, id DESC)
    WHERE status = 'published';
CREATE INDEX archive_entries_topic_idx ON archive_entries (topic_id, published_at DESC)
    WHERE status = 'published';
CREATE INDEX archive_entries_drafts_idx ON archive_entries (updated_at DESC) WHERE status <> 'published';
CREATE INDEX archive_entries_booking_idx ON archive_entries (booking_id) WHERE booking_id IS NOT NULL;

-- What the redactor found in an entry. Offsets are character offsets (Python str indices) into the
-- entry's current field text; accepting one shifts the later findings of that field.
CREATE TABLE archive_redactions (
    id bigserial PRIMARY KEY,
    entry_id bigint NOT NULL REFERENCES archive_entries(id) ON DELETE CASCADE,
    field text NOT NULL CHECK (field IN ('question', 'answer')),
    start_offset integer NOT NULL CHECK (start_offset >= 0),
    end_offset integer NOT NULL CHECK (end_offset >= start_offset),
    kind text NOT NULL CHECK (kind IN
        ('person', 'iin', 'phone', 'email', 'id_document', 'address', 'organization', 'location')),
    -- The text found; wiped from accepted findings at publication (it is the personal data itself).
    text text NOT NULL,
    state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'accepted', 'dismissed')),
    replacement text CHECK (length(replacement) <= 200),
    resolved_by bigint REFERENCES users(id) ON DELETE SET NULL,
    resolved_at timestamptz,
    CHECK (state <> 'accepted' OR replacement IS NOT NULL)
);
CREATE INDEX archive_redactions_entry_idx ON archive_redactions (entry_id, field, start_offset);

-- One "was this helpful?" vote per visitor, entry and day without a cookie: the key is an HMAC of
-- (entry, client address, day) under the service's secret, so the address itself is never stored.
CREATE TABLE archive_votes (
    key bytea PRIMARY KEY,
    entry_id bigint NOT NULL REFERENCES archive_entries(id) ON DELETE CASCADE,
    voted_on date NOT NULL DEFAULT current_date
);
CREATE INDEX archive_votes_day_idx ON archive_votes (voted_on);
