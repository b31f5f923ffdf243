"""What written questions brings to the app (consult/capability.py)."""

from __future__ import annotations

from consult.capability import Capability, NavItem
from consult.i18n import N_
from consult.questions import openapi, views

CAPABILITY = Capability(
    name="questions",
    routes=[views.routes],
    nav=[
        NavItem("lawyer", "questions-queue", N_("Written questions"), 70),
        NavItem("staff", "staff-questions", N_("Written questions"), 90),
    ],
    paths=openapi.PATHS,
    schemas=openapi.SCHEMAS,
)
