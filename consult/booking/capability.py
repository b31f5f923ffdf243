"""What bookings (the booking form, the member's and the lawyer's pages, emails, reminders) brings to the app (consult/capability.py)."""

from __future__ import annotations

from consult.booking import emails, jobs, openapi, views
from consult.capability import Capability, NavItem
from consult.i18n import N_
from consult.workers import Job

CAPABILITY = Capability(
    name="booking",
    routes=[views.routes],
    jobs=[
        Job("booking-expiry", jobs.expiry_job, 30.0),
        Job("reminders", jobs.reminders_job, 60.0),
    ],
    nav=[NavItem("lawyer", "lawyer-day", N_("My day"), 50)],
    paths=openapi.PATHS,
    schemas=openapi.SCHEMAS,
    renderers={emails.RENDERER: emails.render_booking_email},
)
