"""What availability (lawyers' hours, free times, the slot picker) brings to the app (consult/capability.py)."""

from __future__ import annotations

from consult.availability import openapi, picker, views
from consult.capability import Capability, NavItem
from consult.i18n import N_

CAPABILITY = Capability(
    name="availability",
    routes=[views.routes, picker.routes],
    nav=[
        NavItem("anyone", "book-start", N_("Book a consultation"), 10),
        NavItem("lawyer", "availability", N_("Availability"), 60),
    ],
    paths=openapi.PATHS,
    schemas=openapi.SCHEMAS,
)
