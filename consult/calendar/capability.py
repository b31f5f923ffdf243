"""What the lawyer's calendar feed brings to the app (consult/capability.py)."""

from __future__ import annotations

from consult.calendar import views
from consult.capability import Capability

CAPABILITY = Capability(name="calendar", routes=[views.routes])
