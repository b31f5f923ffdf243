"""What video calls (the join page, the providers) brings to the app (consult/capability.py)."""

from __future__ import annotations

from consult.capability import Capability
from consult.video import openapi, views

CAPABILITY = Capability(
    name="video", routes=[views.routes], paths=openapi.PATHS, schemas=openapi.SCHEMAS, setup=views.setup
)
