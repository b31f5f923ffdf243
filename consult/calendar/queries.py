"""SQL of the lawyer's calendar feed."""

FEED_OWNER = """
SELECT u.id, u.name, u.language, l.timezone FROM lawyers l JOIN users u ON u.id = l.user_id
WHERE l.feed_token_hash = $1 AND u.active
"""

# No question and no member contact: calendars sync to many devices and services.
FEED_BOOKINGS = """
SELECT b.id, b.status, b.starts_at, b.ends_at, b.ical_uid, b.ical_sequence, b.link_nonce, b.updated_at,
       t.name_ru, t.name_kk, t.name_en
FROM bookings b JOIN topics t ON t.id = b.topic_id
WHERE b.lawyer_id = $1 AND b.starts_at >= $2 AND b.starts_at < $3
ORDER BY b.starts_at
"""
