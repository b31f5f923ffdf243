"""SQL of the reports: PostgreSQL aggregates, Python only labels and lays out."""

from __future__ import annotations

# One query per grouping; the key and label columns come from this fixed table, never from input.
_BY_GROUP = """
SELECT {key} AS key, {names},
       count(*) AS total,
       count(*) FILTER (WHERE b.status = 'pending') AS pending,
       count(*) FILTER (WHERE b.status = 'confirmed') AS confirmed,
       count(*) FILTER (WHERE b.status = 'cancelled') AS cancelled,
       count(*) FILTER (WHERE b.status = 'completed') AS completed,
       count(*) FILTER (WHERE b.status = 'no_show') AS no_show
FROM bookings b {join}
WHERE b.starts_at >= $1 AND b.starts_at < $2
GROUP BY {group_by}
ORDER BY {order}
"""

_NAMES = "{t}.name_ru AS name_ru, {t}.name_kk AS name_kk, {t}.name_en AS name_en"
_SAME = "{v} AS name_ru, {v} AS name_kk, {v} AS name_en"

BY_GROUP = {
    "region": _BY_GROUP.format(
        key="r.code",
        names=_NAMES.format(t="r"),
        join="LEFT JOIN regions r ON r.id = b.region_id",
        group_by="r.code, r.name_ru, r.name_kk, r.name_en",
        order="total DESC, r.code NULLS LAST",
    ),
    "organization": _BY_GROUP.format(
        key="nullif(btrim(b.organization), '')",
        names=_SAME.format(v="nullif(btrim(b.organization), '')"),
        join="",
        group_by="1",
        order="total DESC, 1 NULLS LAST",
    ),
    "topic": _BY_GROUP.format(
        key="t.slug",
        names=_NAMES.format(t="t"),
        join="JOIN topics t ON t.id = b.topic_id",
        group_by="t.slug, t.name_ru, t.name_kk, t.name_en",
        order="total DESC, t.slug",
    ),
    "lawyer": _BY_GROUP.format(
        key="u.id::text",
        names=_SAME.format(v="u.name"),
        join="JOIN users u ON u.id = b.lawyer_id",
        group_by="u.id, u.name",
        order="total DESC, u.name",
    ),
    # Months in the reader's zone ($3), oldest first.
    "month": _BY_GROUP.format(
        key="to_char(b.starts_at AT TIME ZONE $3, 'YYYY-MM')",
        names=_SAME.format(v="NULL::text"),
        join="",
        group_by="1",
        order="1",
    ),
}

SUMMARY = """
SELECT count(*) AS total,
       count(*) FILTER (WHERE status = 'pending') AS pending,
       count(*) FILTER (WHERE status = 'confirmed') AS confirmed,
       count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
       count(*) FILTER (WHERE status = 'completed') AS completed,
       count(*) FILTER (WHERE status = 'no_show') AS no_show,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM starts_at - created_at))
           / 86400 AS median_days
FROM bookings
WHERE starts_at >= $1 AND starts_at < $2
"""

# Busiest hours and weekdays: consultations that held (or hold) a lawyer's time, cancelled ones left out.
BY_HOUR = """
SELECT extract(hour FROM starts_at AT TIME ZONE $3)::int AS key, count(*) AS total
FROM bookings
WHERE starts_at >= $1 AND starts_at < $2 AND status <> 'cancelled'
GROUP BY 1
"""

BY_WEEKDAY = """
SELECT extract(isodow FROM starts_at AT TIME ZONE $3)::int AS key, count(*) AS total
FROM bookings
WHERE starts_at >= $1 AND starts_at < $2 AND status <> 'cancelled'
GROUP BY 1
"""

ARCHIVE_EXISTS = "SELECT to_regclass('archive_entries') IS NOT NULL"

# The archive has no dates we agreed on, so its figures are for all time.
ARCHIVE_BY_TOPIC = """
SELECT t.slug AS key, t.name_ru, t.name_kk, t.name_en,
       count(*) FILTER (WHERE e.status = 'published') AS published,
       coalesce(sum(e.views), 0)::bigint AS views,
       coalesce(sum(e.helpful_yes), 0)::bigint AS helpful_yes,
       coalesce(sum(e.helpful_no), 0)::bigint AS helpful_no
FROM archive_entries e LEFT JOIN topics t ON t.id = e.topic_id
GROUP BY t.slug, t.name_ru, t.name_kk, t.name_en
ORDER BY views DESC, t.slug NULLS LAST
"""
