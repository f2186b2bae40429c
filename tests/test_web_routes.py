"""Every route of the portal, in matching order, against a committed list (issue 14).

The web shell and its features may be rearranged, but the routes they answer (method, path,
endpoint name) and their order (the editions' catch-all ``/{source}/…`` patterns come last) stay
as listed in ``tests/data/web_routes.txt``. After a deliberate change, rewrite the list with
``NASHRA_UPDATE_ROUTES=1 pytest tests/test_web_routes.py`` and review the diff.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute

from nashra.config import Settings
from nashra.store import Store
from nashra.web.app import create_app

ROUTES_FILE = Path(__file__).parent / "data" / "web_routes.txt"


def route_lines(routes: Iterable[BaseRoute], prefix: str = "") -> Iterator[str]:
    """One line per route: methods, path and endpoint name; mounts are walked into."""
    for route in routes:
        if isinstance(route, Mount):
            yield f"MOUNT {prefix}{route.path} {route.name}"
            yield from route_lines(route.routes, prefix + route.path)
        elif isinstance(route, Route):
            methods = ",".join(sorted(route.methods or ()))
            yield f"{methods} {prefix}{route.path} {route.name}"
        elif isinstance(route, WebSocketRoute):
            yield f"WS {prefix}{route.path} {route.name}"
        else:
            raise AssertionError(f"unexpected route type {type(route).__name__}")


def test_the_portal_keeps_every_route_in_order(settings: Settings, sqlite_store: Store) -> None:
    app = create_app(settings, sqlite_store)
    listed = "\n".join(route_lines(app.routes)) + "\n"
    if os.environ.get("NASHRA_UPDATE_ROUTES") == "1":
        ROUTES_FILE.write_text(listed, encoding="utf-8")
    expected = ROUTES_FILE.read_text(encoding="utf-8")
    assert listed.count("\n") > 100  # the editions' grammar alone is over a hundred routes
    assert listed == expected
