"""What privacy (a member's data, erasure, retention) brings to the app (consult/capability.py)."""

from __future__ import annotations

from consult.capability import Capability, NavItem
from consult.i18n import N_
from consult.privacy import openapi, retention, views
from consult.workers import Job

CAPABILITY = Capability(
    name="privacy",
    routes=[views.routes],
    jobs=[Job("retention", retention.run_retention, 3600.0)],
    nav=[
        NavItem("staff", "staff-erasure", N_("Erasure requests"), 110),
        NavItem("member", "my-data", N_("My data"), 120),
    ],
    paths=openapi.PATHS,
    schemas=openapi.SCHEMAS,
)
