"""What consent brings to the app: the pages where a member reads the texts they agreed to."""

from __future__ import annotations

from consult.capability import Capability
from consult.consent import views

CAPABILITY = Capability(name="consent", routes=[views.routes], setup=views.setup)
