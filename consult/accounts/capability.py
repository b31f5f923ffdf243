"""What accounts (sign-in, people, the member register) brings to the app (consult/capability.py)."""

from __future__ import annotations

from consult.accounts import jobs, openapi, staff_views, views
from consult.capability import Capability, NavItem
from consult.i18n import N_
from consult.workers import Job

CAPABILITY = Capability(
    name="accounts",
    routes=[views.routes, staff_views.routes],
    jobs=[Job("accounts-sweep", jobs.sweep, 3600.0)],
    nav=[
        NavItem("member", "my-bookings", N_("My consultations"), 30),
        NavItem("member", "my-settings", N_("Settings"), 40),
        NavItem("staff", "staff-users", N_("People"), 130),
        NavItem("staff", "staff-register", N_("Member register"), 140),
        NavItem("staff", "staff-audit", N_("Audit trail"), 150),
        NavItem("lawyer", "account", N_("Account"), 170),
        NavItem("staff", "account", N_("Account"), 180),
    ],
    paths=openapi.PATHS,
    schemas=openapi.SCHEMAS,
)
