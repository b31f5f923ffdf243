-- A booking attempt is counted against its rate limits (consult/booking/views.py: per client address and
-- per email) in the batch that writes it, not in the slot check before it: counting was a write of its
-- own, so the read-only check was a write transaction (a transaction id, a commit) for every booking,
-- about 0.15 ms of PostgreSQL's CPU per booking under load (issue 5's benchmark, CPU per booking). In the
-- batch one upsert per bucket serves every item, inside a transaction the batch commits anyway.
--
-- Every attempt is still counted once, in PostgreSQL, before anything is written for it: an item over a
-- limit writes nothing and answers 'rate_limited' with its retry_after (seconds); an attempt refused
-- before its write (no such topic, the slot taken at the check) is counted by ratelimit.hit_all() then.
-- Buckets are upserted in bucket order, as ratelimit's own statements do, so that a batch and a lone
-- count never wait for each other in a cycle.
--
-- Otherwise the function is 0012's. The old signature goes: the app of this version calls the new one.
DROP FUNCTION consult_book_batch(bigint[], bigint[], text[], text[], text[], integer[], text[],
    timestamptz[], timestamptz[], text[], text[], text[], text[], timestamptz[], text, text[], bytea[],
    text[], timestamptz[], integer, integer[], bytea[], text[], integer[], text[], text[], text[], text[],
    text[]);

CREATE FUNCTION consult_book_batch(
    p_ids bigint[], p_lawyer_ids bigint[], p_emails text[], p_names text[], p_languages text[],
    p_topic_ids integer[], p_statuses text[], p_starts timestamptz[], p_ends timestamptz[],
    p_phones text[], p_membership_nos text[], p_questions text[], p_timezones text[], p_nows timestamptz[],
    p_consent_version text, p_nonces text[], p_manage_hashes bytea[], p_ical_uids text[],
    p_holds timestamptz[], p_max_active integer,
    p_link_items integer[], p_link_hashes bytea[], p_link_roles text[],
    p_mail_items integer[], p_mail_kinds text[], p_mail_recipients text[], p_mail_renders text[],
    p_mail_message_ids text[], p_mail_dedupe_keys text[],
    p_rl_items integer[], p_rl_buckets text[], p_rl_windows integer[], p_rl_limits integer[]
) RETURNS TABLE (item integer, outcome text, active bigint, booking_id bigint, status text,
    starts_at timestamptz, ends_at timestamptz, lawyer_id bigint, retry_after integer)
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
    v_retry integer[];
BEGIN
    -- Rate limits first: each bucket counted once however many items hit it (ordered by bucket, so that
    -- two writers lock them in the same order), and each item judged by the count its own hit made.
    IF cardinality(p_rl_items) > 0 THEN
        WITH h AS (
            SELECT h.item, h.bucket, h.secs, h.lim,
                to_timestamp(floor(extract(epoch FROM now()) / h.secs) * h.secs) AS window_start,
                row_number() OVER (PARTITION BY h.bucket ORDER BY h.item, h.n) AS nth,
                count(*) OVER (PARTITION BY h.bucket) AS total
            FROM unnest(p_rl_items, p_rl_buckets, p_rl_windows, p_rl_limits) WITH ORDINALITY
                AS h(item, bucket, secs, lim, n)
        ), counted AS (
            INSERT INTO rate_limits AS r (bucket, window_seconds, window_start, hits, previous_hits)
            SELECT h.bucket, h.secs, h.window_start, h.total, 0 FROM h WHERE h.nth = 1 ORDER BY h.bucket
            ON CONFLICT (bucket) DO UPDATE SET
                previous_hits = CASE
                    WHEN r.window_start = EXCLUDED.window_start THEN r.previous_hits
                    WHEN r.window_start = EXCLUDED.window_start - make_interval(secs => EXCLUDED.window_seconds)
                        THEN r.hits
                    ELSE 0 END,
                hits = CASE WHEN r.window_start = EXCLUDED.window_start THEN r.hits + EXCLUDED.hits
                            ELSE EXCLUDED.hits END,
                window_start = EXCLUDED.window_start,
                window_seconds = EXCLUDED.window_seconds
            RETURNING r.bucket, r.hits, r.previous_hits, r.window_start
        ), judged AS (
            -- The sliding estimate of ratelimit.judge(): this hit's count in the current window plus the
            -- share of the previous window still inside window_seconds.
            SELECT h.item,
                max(CASE WHEN (c.hits - h.total + h.nth) + c.previous_hits * (1 - e.elapsed / h.secs) > h.lim
                         THEN greatest(1, ceil(h.secs - e.elapsed))::integer END) AS retry
            FROM h JOIN counted c ON c.bucket = h.bucket
            CROSS JOIN LATERAL (
                SELECT least(greatest(extract(epoch FROM now() - c.window_start)::float8, 0), h.secs) AS elapsed
            ) e
            GROUP BY h.item
        )
        SELECT array_agg(j.retry ORDER BY i.i) INTO v_retry
        FROM generate_series(1, cardinality(p_ids)) AS i(i) LEFT JOIN judged j ON j.item = i.i;
    END IF;

    -- Statement 1 takes the members' row locks; statement 2 counts in a snapshot taken after them.
    WITH m AS (
        INSERT INTO users (role, email, name, language)
        SELECT DISTINCT ON (t.e) 'member', t.e, t.n, t.l
        FROM unnest(p_emails, p_names, p_languages) WITH ORDINALITY AS t(e, n, l, i)
        WHERE v_retry[t.i] IS NULL
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
        WHERE v_retry[s.item] IS NULL
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
        array_agg(CASE WHEN v_retry[i.i] IS NOT NULL THEN 'rate_limited'
                       WHEN made.id IS NOT NULL THEN 'made'
                       WHEN c.live + c.nth > p_max_active THEN 'too_many'
                       ELSE 'not_inserted' END ORDER BY i.i),
        array_agg(c.live ORDER BY i.i),
        array_agg(made.id ORDER BY i.i),
        array_agg(made.status ORDER BY i.i),
        array_agg(made.starts_at ORDER BY i.i),
        array_agg(made.ends_at ORDER BY i.i),
        array_agg(made.lawyer_id ORDER BY i.i),
        array_agg(DISTINCT c.member_id) FILTER (WHERE c.inserted AND made.id IS NULL)
    INTO v_outcomes, v_live, v_booking_ids, v_statuses, v_starts, v_ends, v_lawyer_ids, v_unused
    FROM generate_series(1, cardinality(p_ids)) AS i(i)
    LEFT JOIN counted c ON c.item = i.i
    LEFT JOIN made ON made.id = c.id;

    -- A member row made in this call for refused bookings only goes again.
    IF v_unused IS NOT NULL THEN
        DELETE FROM users u
        WHERE u.id = ANY (v_unused) AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.member_id = u.id);
    END IF;

    RETURN QUERY
    SELECT t.n::integer, t.outcome, t.live, t.id, t.status, t.starts_at, t.ends_at, t.lawyer_id, v_retry[t.n]
    FROM unnest(v_outcomes, v_live, v_booking_ids, v_statuses, v_starts, v_ends, v_lawyer_ids)
        WITH ORDINALITY AS t(outcome, live, id, status, starts_at, ends_at, lawyer_id, n)
    ORDER BY t.n;
END
$$;
