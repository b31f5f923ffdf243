"""What reports brings to the app (consult/capability.py)."""

from __future__ import annotations

from consult.capability import Capability, NavItem
from consult.i18n import N_
from consult.reports import openapi, views

CAPABILITY = Capability(
    name="reports",
    routes=[views.routes],
    nav=[NavItem("staff", "reports", N_("Reports"), 100)],
    paths=openapi.PATHS,
    schemas=openapi.SCHEMAS,
)
