-- Written questions: a member asks without a call, a lawyer of that topic takes it, may ask back
-- through a private thread, and answers by a promised date counted in Kazakh working days.

CREATE TABLE questions (
    id bigserial PRIMARY KEY,
    member_id bigint NOT NULL REFERENCES users(id),
    topic_id integer NOT NULL REFERENCES topics(id),
    status text NOT NULL DEFAULT 'new'
        CHECK (status IN ('new', 'assigned', 'waiting_member', 'answered', 'closed')),
    -- Set once by a single conditional UPDATE (WHERE assigned_lawyer_id IS NULL), so two lawyers
    -- never hold the same question; staff may move it to another lawyer later.
    assigned_lawyer_id bigint REFERENCES lawyers(user_id),
    member_name text NOT NULL CHECK (length(member_name) BETWEEN 1 AND 200),
    member_email text NOT NULL CHECK (member_email = lower(member_email)),
    membership_no text CHECK (length(membership_no) <= 40),
    question text NOT NULL CHECK (length(question) BETWEEN 20 AND 4000),
    answer text CHECK (length(answer) BETWEEN 1 AND 20000),
    language text NOT NULL CHECK (language IN ('ru', 'kk', 'en')),
    timezone text NOT NULL DEFAULT 'Asia/Almaty',
    consent_at timestamptz NOT NULL,
    consent_version text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    -- The promised answer time, computed at creation in working days (weekends, public holidays
    -- and union closures excluded), in Asia/Almaty.
    due_at timestamptz NOT NULL,
    assigned_at timestamptz,
    answered_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (status <> 'new' OR assigned_lawyer_id IS NULL),
    CHECK (status NOT IN ('assigned', 'waiting_member', 'answered') OR assigned_lawyer_id IS NOT NULL),
    CHECK (status <> 'answered' OR answer IS NOT NULL),
    CHECK (due_at > created_at)
);
CREATE INDEX questions_queue_idx ON questions (topic_id, due_at) WHERE status = 'new';
CREATE INDEX questions_member_idx ON questions (member_id) WHERE status IN ('new', 'assigned', 'waiting_member');
CREATE INDEX questions_lawyer_idx ON questions (assigned_lawyer_id, status);
CREATE INDEX questions_due_idx ON questions (due_at) WHERE status IN ('new', 'assigned');

-- Secret links to a question for its member. Every email to the member carries a fresh random token
-- (only its hash is kept), so later emails can link too while the database holds no usable secret.
CREATE TABLE question_links (
    token_hash bytea PRIMARY KEY,
    question_id bigint NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX question_links_question_idx ON question_links (question_id);

-- The private thread: the lawyer's follow-up questions and the member's replies.
CREATE TABLE question_messages (
    id bigserial PRIMARY KEY,
    question_id bigint NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
    author text NOT NULL CHECK (author IN ('member', 'lawyer')),
    author_id bigint REFERENCES users(id) ON DELETE SET NULL,
    body text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX question_messages_question_idx ON question_messages (question_id, id);

-- Files sent with a question, stored outside the web root under random names.
CREATE TABLE question_attachments (
    id bigserial PRIMARY KEY,
    question_id bigint NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
    filename text NOT NULL CHECK (length(filename) BETWEEN 1 AND 200),
    content_type text NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    size_bytes integer NOT NULL CHECK (size_bytes BETWEEN 1 AND 5242880),
    storage_name text NOT NULL UNIQUE CHECK (storage_name ~ '^[0-9a-f]{32}$'),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX question_attachments_question_idx ON question_attachments (question_id);
