-- A booking is written by one call of consult_book(): one round trip and, called on its own, one
-- transaction (the statement's), instead of BEGIN, the member, the booking, COMMIT. On this kind of
-- machine a round trip to PostgreSQL costs more CPU than most statements do (see issue 5's note).
--
-- Why a function and not one statement: the per-member limit must count the member's live bookings
-- after taking the member's row lock, in a snapshot newer than the lock. One statement has one snapshot
-- (taken before it waits for the lock), so a concurrent booking of the same member committed meanwhile
-- would go uncounted. In a volatile PL/pgSQL function every statement takes a fresh snapshot.
--
-- What it does: upsert the member by email (this locks the row; a new row is as good as locked), count
-- their live bookings, insert the booking unless the limit is reached or an exclusion constraint refuses
-- the time (ON CONFLICT DO NOTHING waits for a concurrent insert of the same time, then skips), and with
-- it its first event, its join links and its emails. A refusal raises, so nothing is written, not even
-- a new member: SQLSTATE CB001 "too_many_bookings" (DETAIL: the live count) or CB002 "not_inserted".
CREATE FUNCTION consult_book(
    p_id bigint, p_lawyer_id bigint, p_email text, p_name text, p_language text, p_topic_id integer,
    p_status text, p_starts_at timestamptz, p_ends_at timestamptz, p_phone text, p_membership_no text,
    p_question text, p_timezone text, p_now timestamptz, p_consent_version text, p_link_nonce text,
    p_manage_token_hash bytea, p_ical_uid text, p_hold_expires_at timestamptz, p_max_active integer,
    p_link_hashes bytea[], p_link_roles text[],
    p_mail_kinds text[], p_mail_recipients text[], p_mail_renders text[], p_mail_message_ids text[],
    p_mail_dedupe_keys text[]
) RETURNS SETOF bookings
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    v_member_id bigint;
    v_active bigint;
    v_made bookings;
BEGIN
    INSERT INTO users (role, email, name, language) VALUES ('member', p_email, p_name, p_language)
    ON CONFLICT (email) DO UPDATE SET email = EXCLUDED.email
    RETURNING id INTO v_member_id;

    SELECT count(*) INTO v_active FROM bookings
    WHERE member_id = v_member_id AND blocked_until > p_now
      AND (status = 'confirmed' OR (status = 'pending' AND hold_expires_at > p_now));
    IF v_active >= p_max_active THEN
        RAISE EXCEPTION 'too_many_bookings' USING ERRCODE = 'CB001', DETAIL = v_active::text;
    END IF;

    INSERT INTO bookings (id, lawyer_id, member_id, topic_id, status, starts_at, ends_at, blocked_until,
        member_name, member_email, member_phone, membership_no, question, language, timezone,
        consent_at, consent_version, link_nonce, manage_token_hash, ical_uid, hold_expires_at)
    SELECT p_id, l.user_id, v_member_id, p_topic_id, p_status, p_starts_at, p_ends_at,
        p_ends_at + make_interval(mins => l.buffer_minutes),
        p_name, p_email, p_phone, p_membership_no, p_question, p_language, p_timezone,
        p_now, p_consent_version, p_link_nonce, p_manage_token_hash, p_ical_uid, p_hold_expires_at
    FROM lawyers l WHERE l.user_id = p_lawyer_id
    ON CONFLICT DO NOTHING
    RETURNING * INTO v_made;
    IF v_made.id IS NULL THEN
        RAISE EXCEPTION 'not_inserted' USING ERRCODE = 'CB002';
    END IF;

    INSERT INTO booking_events (booking_id, actor, actor_id, from_status, to_status, detail)
    VALUES (v_made.id, 'member', v_member_id, NULL, v_made.status, '{"action": "create"}');

    INSERT INTO join_links (token_hash, booking_id, role, sequence)
    SELECT j.token_hash, v_made.id, j.role, v_made.ical_sequence
    FROM unnest(p_link_hashes, p_link_roles) AS j(token_hash, role);

    INSERT INTO outbox (kind, recipient, render, message_id, dedupe_key, booking_id)
    SELECT m.kind, m.recipient, m.render::jsonb, m.message_id, m.dedupe_key, v_made.id
    FROM unnest(p_mail_kinds, p_mail_recipients, p_mail_renders, p_mail_message_ids, p_mail_dedupe_keys)
        AS m(kind, recipient, render, message_id, dedupe_key)
    ON CONFLICT (dedupe_key) DO NOTHING;

    RETURN NEXT v_made;
END
$$;

-- Rate limits: one row per bucket, holding its current window's hits and the previous window's, so that
-- counting a hit is one upsert that also says what the sliding estimate needs (no second lookup, and a
-- table as small as the number of live buckets). The counts are advisory: starting afresh is harmless.
DROP TABLE rate_limits;
CREATE TABLE rate_limits (
    bucket text PRIMARY KEY,
    window_seconds integer NOT NULL DEFAULT 0,
    window_start timestamptz NOT NULL,
    hits integer NOT NULL DEFAULT 0,
    previous_hits integer NOT NULL DEFAULT 0
);
