"""SQL read at scrape time and written by the heartbeat job."""

from __future__ import annotations

BOOKINGS_BY_STATUS = "SELECT status, count(*) AS n FROM bookings GROUP BY status"

OUTBOX = """
SELECT count(*) FILTER (WHERE status = 'pending') AS pending,
       count(*) FILTER (WHERE status = 'pending' AND attempts > 0) AS retrying,
       count(*) FILTER (WHERE status = 'failed') AS failed,
       coalesce(extract(epoch FROM now() - min(created_at) FILTER (WHERE status = 'pending')), 0)::float8
           AS oldest_pending_seconds
FROM outbox
"""

HEARTBEATS = """
SELECT instance, job, extract(epoch FROM now() - at)::float8 AS age FROM worker_heartbeats
ORDER BY instance, job
"""

RECORD_HEARTBEAT = """
INSERT INTO worker_heartbeats (instance, job, at) VALUES ($1, $2, to_timestamp($3))
ON CONFLICT (instance, job) DO UPDATE SET at = excluded.at
"""

# Processes that stopped a week ago are gone for good; their rows would only confuse the alerts.
FORGET_OLD_HEARTBEATS = "DELETE FROM worker_heartbeats WHERE at < now() - interval '7 days'"
