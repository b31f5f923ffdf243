-- Accounts: one-time links (member sign-in, invitations, password resets, second-factor steps),
-- TOTP replay protection and the union's membership register.

-- The last TOTP time step accepted for a user: a code seen once is refused the second time.
ALTER TABLE users ADD COLUMN totp_last_step bigint;

-- Secret links and short-lived sign-in steps; the token travels by email (or in a form), only its
-- SHA-256 hash is here. A link is used at most once (used_at), and only before expires_at.
CREATE TABLE one_time_links (
    id bigserial UNIQUE,
    token_hash bytea PRIMARY KEY,
    purpose text NOT NULL CHECK (purpose IN ('signin', 'invite', 'reset', 'second-factor', 'totp-enrol')),
    user_id bigint REFERENCES users(id) ON DELETE CASCADE,
    email text NOT NULL CHECK (email = lower(email)),
    detail jsonb NOT NULL DEFAULT '{}',
    created_by bigint REFERENCES users(id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    CHECK (expires_at > created_at)
);
CREATE INDEX one_time_links_purpose_idx ON one_time_links (purpose, created_at DESC);
CREATE INDEX one_time_links_user_idx ON one_time_links (user_id) WHERE user_id IS NOT NULL;

-- The union's member list, imported by staff from CSV; bookings may require an active entry.
CREATE TABLE membership_register (
    membership_no text PRIMARY KEY CHECK (length(membership_no) BETWEEN 1 AND 32),
    full_name text NOT NULL CHECK (length(full_name) BETWEEN 1 AND 200),
    region_id integer NOT NULL REFERENCES regions(id),
    organization text NOT NULL CHECK (length(organization) BETWEEN 1 AND 300),
    email text CHECK (email = lower(email)),
    active boolean NOT NULL DEFAULT true,
    imported_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX audit_log_action_idx ON audit_log (action, at DESC);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);
