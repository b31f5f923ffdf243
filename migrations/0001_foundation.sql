-- The core data model every capability stands on: reference data, people, sessions, availability,
-- bookings with the no-double-booking constraints, the email outbox and the audit trail.

CREATE TABLE regions (
    id serial PRIMARY KEY,
    code text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9-]+$'),
    kind text NOT NULL CHECK (kind IN ('region', 'city')),
    name_ru text NOT NULL,
    name_kk text NOT NULL,
    name_en text NOT NULL
);

CREATE TABLE topics (
    id serial PRIMARY KEY,
    slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9-]{2,60}$'),
    name_ru text NOT NULL CHECK (length(name_ru) BETWEEN 1 AND 200),
    name_kk text NOT NULL CHECK (length(name_kk) BETWEEN 1 AND 200),
    name_en text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 200),
    position integer NOT NULL DEFAULT 0,
    active boolean NOT NULL DEFAULT true
);

-- Members, lawyers and staff. Members have no password: they manage bookings through secret links
-- and may sign in with a one-time link. Emails are stored lower-cased.
CREATE TABLE users (
    id bigserial PRIMARY KEY,
    role text NOT NULL CHECK (role IN ('member', 'lawyer', 'staff')),
    email text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    password_hash text,
    totp_secret text,
    language text NOT NULL DEFAULT 'ru' CHECK (language IN ('ru', 'kk', 'en')),
    timezone text NOT NULL DEFAULT 'Asia/Almaty',
    active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    password_changed_at timestamptz,
    CONSTRAINT users_email_key UNIQUE (email),
    CONSTRAINT members_have_no_password CHECK (role <> 'member' OR password_hash IS NULL)
);

-- Server-side sessions, shared by every app copy. The cookie carries a random id; only its hash is here.
CREATE TABLE sessions (
    id_hash bytea PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- Personal API tokens for `Authorization: Bearer`, stored hashed.
CREATE TABLE api_tokens (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    token_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at timestamptz
);

CREATE TABLE lawyers (
    user_id bigint PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    bio_ru text NOT NULL DEFAULT '',
    bio_kk text NOT NULL DEFAULT '',
    bio_en text NOT NULL DEFAULT '',
    languages text[] NOT NULL DEFAULT '{ru}' CHECK (languages <@ ARRAY['ru', 'kk', 'en']),
    timezone text NOT NULL DEFAULT 'Asia/Almaty',
    slot_minutes integer NOT NULL DEFAULT 30 CHECK (slot_minutes BETWEEN 15 AND 120),
    buffer_minutes integer NOT NULL DEFAULT 0 CHECK (buffer_minutes BETWEEN 0 AND 240),
    room_url text,
    feed_token_hash bytea UNIQUE
);

CREATE TABLE lawyer_topics (
    lawyer_id bigint NOT NULL REFERENCES lawyers(user_id) ON DELETE CASCADE,
    topic_id integer NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    PRIMARY KEY (topic_id, lawyer_id)
);

-- Weekly hours: wall-clock ranges in the lawyer's zone; ISO weekday 1 (Monday) to 7.
CREATE TABLE availability_weekly (
    id bigserial PRIMARY KEY,
    lawyer_id bigint NOT NULL REFERENCES lawyers(user_id) ON DELETE CASCADE,
    weekday smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    starts time NOT NULL,
    ends time NOT NULL CHECK (ends > starts)
);
CREATE INDEX availability_weekly_lawyer_idx ON availability_weekly (lawyer_id);

-- Exceptions on single dates: a day off (available = false) or extra hours (available = true).
CREATE TABLE availability_exceptions (
    id bigserial PRIMARY KEY,
    lawyer_id bigint NOT NULL REFERENCES lawyers(user_id) ON DELETE CASCADE,
    day date NOT NULL,
    available boolean NOT NULL,
    starts time,
    ends time,
    CHECK ((NOT available AND starts IS NULL AND ends IS NULL) OR (available AND ends > starts))
);
CREATE INDEX availability_exceptions_lawyer_idx ON availability_exceptions (lawyer_id, day);

-- Union-wide closures on top of the public holidays of Kazakhstan.
CREATE TABLE closures (
    day date PRIMARY KEY,
    reason text NOT NULL DEFAULT ''
);

CREATE TABLE bookings (
    id bigserial PRIMARY KEY,
    lawyer_id bigint NOT NULL REFERENCES lawyers(user_id),
    member_id bigint NOT NULL REFERENCES users(id),
    topic_id integer NOT NULL REFERENCES topics(id),
    status text NOT NULL CHECK (status IN ('pending', 'confirmed', 'cancelled', 'completed', 'no_show')),
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    -- ends_at plus the lawyer's buffer: the time this booking keeps the lawyer busy.
    blocked_until timestamptz NOT NULL,
    member_name text NOT NULL,
    member_email text NOT NULL,
    member_phone text,
    membership_no text,
    region_id integer REFERENCES regions(id),
    organization text,
    question text NOT NULL,
    answer text,
    language text NOT NULL CHECK (language IN ('ru', 'kk', 'en')),
    timezone text NOT NULL,
    consent_at timestamptz NOT NULL,
    consent_version text NOT NULL,
    -- Random per booking; the manage and join links are HMACs of it under the secret key, so emails
    -- written later (reminders, moves) can carry them while only their hashes are stored.
    link_nonce text NOT NULL UNIQUE,
    manage_token_hash bytea NOT NULL UNIQUE,
    ical_uid text NOT NULL UNIQUE,
    ical_sequence integer NOT NULL DEFAULT 0,
    hold_expires_at timestamptz,
    cancel_reason text,
    cancelled_by text CHECK (cancelled_by IN ('member', 'lawyer', 'staff', 'system')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    personal_data_erased_at timestamptz,
    CHECK (ends_at > starts_at AND blocked_until >= ends_at),
    CHECK (status <> 'pending' OR hold_expires_at IS NOT NULL),
    -- No two live bookings of one lawyer overlap, buffers included (core PostgreSQL, no btree_gist).
    CONSTRAINT bookings_lawyer_no_overlap EXCLUDE USING gist (
        int8range(lawyer_id, lawyer_id, '[]') WITH =,
        tstzrange(starts_at, blocked_until) WITH &&
    ) WHERE (status IN ('pending', 'confirmed')),
    -- A member cannot hold two overlapping live consultations.
    CONSTRAINT bookings_member_no_overlap EXCLUDE USING gist (
        int8range(member_id, member_id, '[]') WITH =,
        tstzrange(starts_at, ends_at) WITH &&
    ) WHERE (status IN ('pending', 'confirmed'))
);
CREATE INDEX bookings_lawyer_time_idx ON bookings (lawyer_id, starts_at);
CREATE INDEX bookings_member_idx ON bookings (member_id, starts_at);
CREATE INDEX bookings_pending_idx ON bookings (hold_expires_at) WHERE status = 'pending';

-- Every change of a booking: who, when, from, to.
CREATE TABLE booking_events (
    id bigserial PRIMARY KEY,
    booking_id bigint NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
    at timestamptz NOT NULL DEFAULT now(),
    actor text NOT NULL CHECK (actor IN ('member', 'lawyer', 'staff', 'system')),
    actor_id bigint REFERENCES users(id),
    from_status text,
    to_status text NOT NULL,
    detail jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX booking_events_booking_idx ON booking_events (booking_id);

-- Join links, one per participant and per version of the booking (ical_sequence): a moved booking's
-- old links are still known, so the join page can say "moved" instead of "not found".
CREATE TABLE join_links (
    token_hash bytea PRIMARY KEY,
    booking_id bigint NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
    role text NOT NULL CHECK (role IN ('member', 'lawyer')),
    sequence integer NOT NULL,
    UNIQUE (booking_id, role, sequence)
);

-- The transactional outbox: an email is a row written in the same transaction as its cause.
CREATE TABLE outbox (
    id bigserial PRIMARY KEY,
    kind text NOT NULL,
    recipient text NOT NULL,
    message bytea NOT NULL,
    message_id text NOT NULL UNIQUE,
    dedupe_key text UNIQUE,
    booking_id bigint REFERENCES bookings(id) ON DELETE SET NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz
);
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at) WHERE status = 'pending';

-- Staff and lawyer actions: who did what to which object, and when.
CREATE TABLE audit_log (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    actor_id bigint REFERENCES users(id) ON DELETE SET NULL,
    action text NOT NULL,
    object_type text,
    object_id text,
    detail jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC);

-- Counters for rate limits, kept here so they hold across app copies.
CREATE TABLE rate_limits (
    bucket text NOT NULL,
    window_start timestamptz NOT NULL,
    hits integer NOT NULL DEFAULT 0,
    PRIMARY KEY (bucket, window_start)
);

INSERT INTO regions (code, kind, name_ru, name_kk, name_en) VALUES
    ('astana', 'city', 'Астана', 'Астана', 'Astana'),
    ('almaty', 'city', 'Алматы', 'Алматы', 'Almaty'),
    ('shymkent', 'city', 'Шымкент', 'Шымкент', 'Shymkent'),
    ('abai', 'region', 'Абайская область', 'Абай облысы', 'Abai Region'),
    ('akmola', 'region', 'Акмолинская область', 'Ақмола облысы', 'Akmola Region'),
    ('aktobe', 'region', 'Актюбинская область', 'Ақтөбе облысы', 'Aktobe Region'),
    ('almaty-region', 'region', 'Алматинская область', 'Алматы облысы', 'Almaty Region'),
    ('atyrau', 'region', 'Атырауская область', 'Атырау облысы', 'Atyrau Region'),
    ('east-kazakhstan', 'region', 'Восточно-Казахстанская область', 'Шығыс Қазақстан облысы', 'East Kazakhstan Region'),
    ('zhambyl', 'region', 'Жамбылская область', 'Жамбыл облысы', 'Zhambyl Region'),
    ('zhetysu', 'region', 'Область Жетісу', 'Жетісу облысы', 'Zhetysu Region'),
    ('west-kazakhstan', 'region', 'Западно-Казахстанская область', 'Батыс Қазақстан облысы', 'West Kazakhstan Region'),
    ('karaganda', 'region', 'Карагандинская область', 'Қарағанды облысы', 'Karaganda Region'),
    ('kostanay', 'region', 'Костанайская область', 'Қостанай облысы', 'Kostanay Region'),
    ('kyzylorda', 'region', 'Кызылординская область', 'Қызылорда облысы', 'Kyzylorda Region'),
    ('mangystau', 'region', 'Мангистауская область', 'Маңғыстау облысы', 'Mangystau Region'),
    ('pavlodar', 'region', 'Павлодарская область', 'Павлодар облысы', 'Pavlodar Region'),
    ('north-kazakhstan', 'region', 'Северо-Казахстанская область', 'Солтүстік Қазақстан облысы', 'North Kazakhstan Region'),
    ('turkistan', 'region', 'Туркестанская область', 'Түркістан облысы', 'Turkistan Region'),
    ('ulytau', 'region', 'Область Ұлытау', 'Ұлытау облысы', 'Ulytau Region');

INSERT INTO topics (slug, position, name_ru, name_kk, name_en) VALUES
    ('dismissal', 1, 'Увольнение и сокращение', 'Жұмыстан шығару және қысқарту', 'Dismissal and redundancy'),
    ('pay', 2, 'Оплата труда и удержания', 'Еңбекақы және ұстап қалу', 'Pay and deductions'),
    ('leave', 3, 'Ежегодный и педагогический отпуск', 'Жыл сайынғы және педагогикалық демалыс', 'Annual and teachers'' leave'),
    ('working-time', 4, 'Рабочее время и учебная нагрузка', 'Жұмыс уақыты және оқу жүктемесі', 'Working time and teaching load'),
    ('non-teaching-duties', 5, 'Непедагогические обязанности', 'Педагогикалық емес міндеттер', 'Non-teaching duties'),
    ('discipline', 6, 'Дисциплинарные взыскания', 'Тәртіптік жазалар', 'Discipline'),
    ('attestation', 7, 'Аттестация и категории', 'Аттестаттау және санаттар', 'Attestation and categories'),
    ('maternity', 8, 'Отпуск по беременности и уходу за ребёнком', 'Жүктілік және бала күтімі бойынша демалыс', 'Maternity and childcare leave'),
    ('collective-agreement', 9, 'Коллективный договор', 'Ұжымдық шарт', 'Collective agreement'),
    ('labour-disputes', 10, 'Трудовые споры', 'Еңбек даулары', 'Labour disputes'),
    ('social-guarantees', 11, 'Социальные гарантии', 'Әлеуметтік кепілдіктер', 'Social guarantees'),
    ('safety', 12, 'Охрана труда', 'Еңбекті қорғау', 'Occupational safety');
