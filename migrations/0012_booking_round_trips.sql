-- Bookings are written by consult_book_batch(): one call writes one booking or many (the app gathers
-- the bookings that arrive while its previous call is still running: consult/booking/writer.py), so
-- that PostgreSQL's cost per round trip, statement and commit (most of a lone booking's cost on this
-- kind of machine, see issue 5's note) is paid once per batch. Called on its own it is one transaction.
--
-- Why a function and not one statement: the per-member limit must count the member's live bookings
-- after taking the member's row lock, in a snapshot newer than the lock. One statement has one snapshot
-- (taken before it waits for the lock), so a concurrent booking of the same member committed meanwhile
-- would go uncounted. In a volatile PL/pgSQL function every statement takes a fresh snapshot.
--
-- Item by item: upsert the member by email (this locks the row; a new row is as good as locked), count
-- their live bookings (and the batch's earlier items of the same member), insert the booking unless the
-- limit is reached or an exclusion constraint refuses the time (ON CONFLICT DO NOTHING waits for a
-- concurrent insert of the same time, then skips; it skips a clash within the batch too), and with it
-- its first event, its join links and its emails. The answer per item: 'made' (with the booking),
-- 'too_many' (with the member's live count) or 'not_inserted'. A refused item writes nothing: a member
-- row made for it alone is removed again. Members are locked in email order and bookings inserted in
-- (lawyer, start) order, so two batches running at once rarely wait for each other in a cycle; when
-- PostgreSQL still finds a deadlock, or any item fails, the app writes that batch's items one by one.
-- Links and emails come as flat arrays with the (1-based) item each belongs to.
CREATE FUNCTION consult_book_batch(
    p_ids bigint[], p_lawyer_ids bigint[], p_emails text[], p_names text[], p_languages text[],
    p_topic_ids integer[], p_statuses text[], p_starts timestamptz[], p_ends timestamptz[],
    p_phones text[], p_membership_nos text[], p_questions text[], p_timezones text[], p_nows timestamptz[],
    p_consent_version text, p_nonces text[], p_manage_hashes bytea[], p_ical_uids text[],
    p_holds timestamptz[], p_max_active integer,
    p_link_items integer[], p_link_hashes bytea[], p_link_roles text[],
    p_mail_items integer[], p_mail_kinds text[], p_mail_recipients text[], p_mail_renders text[],
    p_mail_message_ids text[], p_mail_dedupe_keys text[]
) RETURNS TABLE (item integer, outcome text, active bigint, booking_id bigint, status text,
    starts_at timestamptz, ends_at timestamptz, lawyer_id bigint)
LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
DECLARE
    v_emails text[];
    v_member_ids bigint[];
    v_new boolean[];
    v_outcomes text[];
    v_live bigint[];
    v_booking_ids bigint[];
    v_statuses text[];
    v_starts timestamptz[];
    v_ends timestamptz[];
    v_lawyer_ids bigint[];
    v_unused bigint[];
BEGIN
    -- Statement 1 takes the members' row locks; statement 2 counts in a snapshot taken after them.
    WITH m AS (
        INSERT INTO users (role, email, name, language)
        SELECT DISTINCT ON (t.e) 'member', t.e, t.n, t.l
        FROM unnest(p_emails, p_names, p_languages) WITH ORDINALITY AS t(e, n, l, i)
        ORDER BY t.e, t.i
        ON CONFLICT (email) DO UPDATE SET email = EXCLUDED.email
        RETURNING users.email, users.id, users.xmax = 0 AS inserted
    )
    SELECT array_agg(m.email), array_agg(m.id), array_agg(m.inserted) INTO v_emails, v_member_ids, v_new
    FROM m;

    WITH src AS (
        SELECT s.*, m.member_id, m.inserted
        FROM unnest(p_ids, p_lawyer_ids, p_emails, p_names, p_languages, p_topic_ids, p_statuses, p_starts,
                    p_ends, p_phones, p_membership_nos, p_questions, p_timezones, p_nows, p_nonces,
                    p_manage_hashes, p_ical_uids, p_holds)
            WITH ORDINALITY AS s(id, lawyer_id, email, name, language, topic_id, status, starts_at, ends_at,
                                 phone, membership_no, question, timezone, now, nonce, manage_hash, ical_uid,
                                 hold, item)
        JOIN unnest(v_emails, v_member_ids, v_new) AS m(email, member_id, inserted) ON m.email = s.email
    ), counted AS (
        SELECT src.*,
            (SELECT count(*) FROM bookings b
             WHERE b.member_id = src.member_id AND b.blocked_until > src.now
               AND (b.status = 'confirmed' OR (b.status = 'pending' AND b.hold_expires_at > src.now))) AS live,
            row_number() OVER (PARTITION BY src.member_id ORDER BY src.item) AS nth
        FROM src
    ), made AS (
        INSERT INTO bookings (id, lawyer_id, member_id, topic_id, status, starts_at, ends_at, blocked_until,
            member_name, member_email, member_phone, membership_no, question, language, timezone,
            consent_at, consent_version, link_nonce, manage_token_hash, ical_uid, hold_expires_at)
        SELECT c.id, l.user_id, c.member_id, c.topic_id, c.status, c.starts_at, c.ends_at,
            c.ends_at + make_interval(mins => l.buffer_minutes),
            c.name, c.email, c.phone, c.membership_no, c.question, c.language, c.timezone,
            c.now, p_consent_version, c.nonce, c.manage_hash, c.ical_uid, c.hold
        FROM counted c JOIN lawyers l ON l.user_id = c.lawyer_id
        WHERE c.live + c.nth <= p_max_active
        ORDER BY c.lawyer_id, c.starts_at, c.item
        ON CONFLICT DO NOTHING
        RETURNING *
    ), events AS (
        INSERT INTO booking_events (booking_id, actor, actor_id, from_status, to_status, detail)
        SELECT made.id, 'member', made.member_id, NULL, made.status, '{"action": "create"}' FROM made
    ), links AS (
        INSERT INTO join_links (token_hash, booking_id, role, sequence)
        SELECT j.token_hash, made.id, j.role, made.ical_sequence
        FROM unnest(p_link_items, p_link_hashes, p_link_roles) AS j(item, token_hash, role)
        JOIN made ON made.id = p_ids[j.item]
    ), mail AS (
        INSERT INTO outbox (kind, recipient, render, message_id, dedupe_key, booking_id)
        SELECT e.kind, e.recipient, e.render::jsonb, e.message_id, e.dedupe_key, made.id
        FROM unnest(p_mail_items, p_mail_kinds, p_mail_recipients, p_mail_renders, p_mail_message_ids,
                    p_mail_dedupe_keys) AS e(item, kind, recipient, render, message_id, dedupe_key)
        JOIN made ON made.id = p_ids[e.item]
        ON CONFLICT (dedupe_key) DO NOTHING
    )
    SELECT
        array_agg(CASE WHEN made.id IS NOT NULL THEN 'made'
                       WHEN c.live + c.nth > p_max_active THEN 'too_many'
                       ELSE 'not_inserted' END ORDER BY c.item),
        array_agg(c.live ORDER BY c.item),
        array_agg(made.id ORDER BY c.item),
        array_agg(made.status ORDER BY c.item),
        array_agg(made.starts_at ORDER BY c.item),
        array_agg(made.ends_at ORDER BY c.item),
        array_agg(made.lawyer_id ORDER BY c.item),
        array_agg(DISTINCT c.member_id) FILTER (WHERE c.inserted AND made.id IS NULL)
    INTO v_outcomes, v_live, v_booking_ids, v_statuses, v_starts, v_ends, v_lawyer_ids, v_unused
    FROM counted c LEFT JOIN made ON made.id = c.id;

    -- A member row made in this call for refused bookings only goes again.
    IF v_unused IS NOT NULL THEN
        DELETE FROM users u
        WHERE u.id = ANY (v_unused) AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.member_id = u.id);
    END IF;

    RETURN QUERY
    SELECT t.n::integer, t.outcome, t.live, t.id, t.status, t.starts_at, t.ends_at, t.lawyer_id
    FROM unnest(v_outcomes, v_live, v_booking_ids, v_statuses, v_starts, v_ends, v_lawyer_ids)
        WITH ORDINALITY AS t(outcome, live, id, status, starts_at, ends_at, lawyer_id, n)
    ORDER BY t.n;
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
