"""What the outbox (its sender and the staff page) brings to the app (consult/capability.py)."""

from __future__ import annotations

from consult.capability import Capability, NavItem
from consult.i18n import N_
from consult.mail import sender, views
from consult.workers import Job

CAPABILITY = Capability(
    name="mail",
    routes=[views.routes],
    jobs=[Job("outbox", sender.outbox_job, 5.0)],
    nav=[NavItem("staff", "staff-outbox", N_("Outbox"), 160)],
)
