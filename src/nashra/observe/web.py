"""``/metrics`` (Prometheus text) and ``/readyz``, the portal's operational routes."""

from __future__ import annotations

import json
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from nashra.observe.gauges import metrics_text
from nashra.store.db import schema_is_current
from nashra.store.store import Store
from nashra.web.context import WebContext

__all__ = ["routes"]


def _db_ok(store: Store) -> tuple[bool, str]:
    try:
        with store.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        return False, f"database unreachable: {type(exc).__name__}"
    try:
        if not schema_is_current(store):
            return False, "database schema is not at the newest migration (run nashra init)"
    except Exception as exc:
        return False, f"cannot read the schema version: {type(exc).__name__}"
    return True, "ok"


def routes(ctx: WebContext) -> list[BaseRoute]:
    """``/metrics`` and ``/readyz`` (200 when the database answers and its schema is current,
    and ``ctx.ready()`` — e.g. the embedded worker started — holds; else 503)."""
    store, ready, replicas = ctx.store, ctx.ready, ctx.replicas

    def metrics(request: Request) -> Response:
        return Response(
            metrics_text(store),
            media_type=CONTENT_TYPE_LATEST,
            headers={"Cache-Control": "no-store"},
        )

    def readyz(request: Request) -> Response:
        ok, why = _db_ok(store)
        if ok and ready is not None and not ready():
            ok, why = False, "starting"
        body: dict[str, Any] = {"status": "ready" if ok else "not ready", "reason": why}
        if replicas is not None:  # which replicas this process reads from, and why not the others
            body.update(replicas.status())
        return Response(
            json.dumps(body),
            status_code=200 if ok else 503,
            media_type="application/json",
            headers={"Cache-Control": "no-store"},
        )

    return [Route("/metrics", metrics), Route("/readyz", readyz)]
