"""What a capability brings to the app, declared once (warehouse's `includeme`, as data).

Each capability package has a module `capability.py` with `CAPABILITY = Capability(...)`: its routes, its
background jobs, its menu items, its part of the OpenAPI document, the outbox renderers of the messages it
sends, its demo data and an optional setup step. consult/app.py lists the capabilities and loops over them;
nothing else discovers or registers anything. (The declaration is not in the package's __init__.py so that
importing one of its pure modules does not import its views.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from aiohttp import web

from consult.mail.outbox import Renderer
from consult.workers import Job


@dataclass(frozen=True)
class NavItem:
    """A menu entry: who sees it, the route it opens, its label (an English message id), its place."""

    role: str
    route: str
    label: str
    position: int  # the menu is sorted by it, across capabilities


@dataclass(frozen=True)
class Capability:
    name: str
    routes: Sequence[web.RouteTableDef] = ()
    jobs: Sequence[Job] = ()
    nav: Sequence[NavItem] = ()
    # OpenAPI 3.1 path items and component schemas (consult/openapi.py merges them).
    paths: Mapping[str, Any] = field(default_factory=dict)
    schemas: Mapping[str, Any] = field(default_factory=dict)
    # Outbox rows with render = {"renderer": NAME, ...} are rendered by renderers[NAME] when sent.
    renderers: Mapping[str, Renderer] = field(default_factory=dict)
    # Demo rows for `consult serve --demo`, loaded after the foundation's demo accounts.
    demo: Callable[[asyncpg.Connection], Awaitable[Any]] | None = None
    # Anything else to do with the app once its routes are added (register a provider, a service).
    setup: Callable[[web.Application], None] | None = None
