"""What video calls (the join page, the providers) brings to the app (consult/capability.py)."""

from __future__ import annotations

from consult.capability import Capability
from consult.video import jobs, openapi, views
from consult.workers import Job

CAPABILITY = Capability(
    name="video",
    routes=[views.routes],
    jobs=[Job(jobs.JOB_NAME, jobs.end_meetings_job, 30.0)],
    paths=openapi.PATHS,
    schemas=openapi.SCHEMAS,
    setup=views.setup,
)
