"""What the home page brings to the app (consult/capability.py)."""

from __future__ import annotations

from consult.capability import Capability
from consult.site import views

CAPABILITY = Capability(name="site", routes=[views.routes])
