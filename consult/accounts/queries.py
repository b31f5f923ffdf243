"""SQL of the accounts pages and API (the unit of work belongs to the caller)."""

FIND_STAFF_USER = """
SELECT id, role, name, email, language, timezone, password_hash, totp_secret, active
FROM users WHERE email = $1 AND role IN ('lawyer', 'staff')
"""

FIND_USER_BY_EMAIL = "SELECT id, role, name, language, timezone, active FROM users WHERE email = $1"

USER_BY_ID = """
SELECT id, role, name, email, language, timezone, password_hash, totp_secret, active
FROM users WHERE id = $1
"""

LIST_TOKENS = """
SELECT id, name, created_at, last_used_at FROM api_tokens
WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC, id DESC
"""

COUNT_TOKENS = "SELECT count(*) FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL"

CREATE_TOKEN = """
INSERT INTO api_tokens (user_id, name, token_hash) VALUES ($1, $2, $3) RETURNING id, name, created_at
"""  # noqa: S105 (SQL, not a secret)

# Another person's token and a missing one look the same: no row, so 404.
REVOKE_TOKEN = """
UPDATE api_tokens SET revoked_at = now()
WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL
RETURNING id
"""  # noqa: S105 (SQL, not a secret)

UPDATE_SETTINGS = "UPDATE users SET language = $2, timezone = $3 WHERE id = $1"

SET_TOTP = "UPDATE users SET totp_secret = $2, totp_last_step = $3 WHERE id = $1 AND totp_secret IS NULL"

CLEAR_TOTP = "UPDATE users SET totp_secret = NULL, totp_last_step = NULL WHERE id = $1"

MEMBER_BOOKINGS = """
SELECT b.id, b.status, b.starts_at, b.ends_at, b.link_nonce, b.timezone,
       t.name_ru, t.name_kk, t.name_en, l.name AS lawyer_name
FROM bookings b
JOIN topics t ON t.id = b.topic_id
JOIN users l ON l.id = b.lawyer_id
WHERE b.member_id = $1
ORDER BY b.starts_at DESC
LIMIT 200
"""

STAFF_PEOPLE = """
SELECT u.id, u.role, u.name, u.email, u.active, u.created_at, u.totp_secret IS NOT NULL AS has_totp,
       (SELECT max(a.at) FROM audit_log a WHERE a.actor_id = u.id AND a.action = 'sign_in') AS last_sign_in
FROM users u
WHERE u.role IN ('lawyer', 'staff')
ORDER BY u.active DESC, u.role, u.name, u.id
"""

MEMBER_COUNT = "SELECT count(*) FROM users WHERE role = 'member'"

OPEN_INVITES = """
SELECT id, email, detail, created_at, expires_at FROM one_time_links
WHERE purpose = 'invite' AND used_at IS NULL AND expires_at > now()
ORDER BY created_at DESC
"""

CANCEL_INVITE = """
UPDATE one_time_links SET used_at = now()
WHERE id = $1 AND purpose = 'invite' AND used_at IS NULL
RETURNING id
"""

SET_ACTIVE = """
UPDATE users SET active = $3 WHERE id = $1 AND id <> $2 AND active <> $3 RETURNING id, role
"""

CHANGE_ROLE = """
UPDATE users u SET role = $3
FROM (SELECT id, role FROM users WHERE id = $1 FOR UPDATE) old
WHERE u.id = old.id AND u.id <> $2 AND old.role IN ('lawyer', 'staff') AND old.role <> $3
RETURNING u.id, old.role AS old_role
"""

AUDIT_PAGE = """
SELECT a.id, a.at, a.action, a.object_type, a.object_id, a.detail, u.name AS actor_name, u.email AS actor_email
FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
WHERE ($1::text IS NULL OR a.action = $1)
ORDER BY a.at DESC, a.id DESC
LIMIT $2 OFFSET $3
"""

AUDIT_COUNT = "SELECT count(*) FROM audit_log WHERE ($1::text IS NULL OR action = $1)"

AUDIT_ACTIONS = "SELECT DISTINCT action FROM audit_log ORDER BY action"

LINK_ID_BY_HASH = "SELECT id FROM one_time_links WHERE token_hash = $1"
OTHER_USER = "SELECT id FROM users WHERE id = $1 AND id <> $2"
ENSURE_LAWYER = "INSERT INTO lawyers (user_id) VALUES ($1) ON CONFLICT DO NOTHING"
STORED_PASSWORD_OF = "SELECT password_hash FROM users WHERE id = $1"  # noqa: S105 (a query)
STORED_TOTP_OF = "SELECT totp_secret FROM users WHERE id = $1"
