"""What operations (metrics, health, heartbeats) brings to the app (consult/capability.py)."""

from __future__ import annotations

from consult.capability import Capability
from consult.ops import heartbeats, views
from consult.workers import Job

CAPABILITY = Capability(
    name="ops",
    routes=[views.routes],
    jobs=[Job(heartbeats.JOB_NAME, heartbeats.record_heartbeats, 15.0)],
    setup=views.setup,
)
