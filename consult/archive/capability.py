"""What the public archive of questions and answers brings to the app (consult/capability.py)."""

from __future__ import annotations

from consult.archive import demo, editor_views, jobs, openapi, views
from consult.capability import Capability, NavItem
from consult.i18n import N_
from consult.workers import Job

CAPABILITY = Capability(
    name="archive",
    routes=[views.routes, editor_views.routes],
    jobs=[Job("archive-votes-prune", jobs.prune_votes_job, 3600.0)],
    nav=[
        NavItem("anyone", "faq-list", N_("Answers"), 20),
        NavItem("staff", "staff-archive", N_("Archive drafts"), 80),
    ],
    paths=openapi.PATHS,
    schemas=openapi.SCHEMAS,
    demo=demo.load,
)
