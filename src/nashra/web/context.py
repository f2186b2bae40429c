"""What every feature's ``routes(ctx)`` gets: the one signature of the portal's features.

The shell (:func:`nashra.web.app.create_app`) builds one :class:`WebContext` and hands it to each
module listed in :mod:`nashra.web.features`; the portal's own pages are registered the same way.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection
from starlette.middleware import Middleware

from nashra.config import Settings
from nashra.store.replicas import ReadRouter, reading_store
from nashra.store.store import Store
from nashra.web.portal import Portal

__all__ = ["WebContext", "bind", "web_context"]


@dataclass
class WebContext:
    """The shell's shared parts, as features see them.

    ``reader`` serves pages, feeds, search and the API (the replicas when configured); ``store``
    is the primary, for what writes (reports, moderation, sessions, WebSub, view counts).
    ``portal`` holds the templates, translations, editions' rendering and the page-block hooks
    (``portal.page_hooks``). A feature that must act when the app stops appends to
    ``on_shutdown``; what it exposes on ``app.state`` goes in ``state``; the origins its pages
    may frame (a video player) go in ``frame_sources`` (the Content-Security-Policy's
    ``frame-src``). A feature that must see every answer, cached pages included, adds its
    middleware to ``middleware`` (run inside the security headers, outside the page cache); what
    else the cached pages depend on goes in ``version_parts`` (each reads a few values on a
    connection; a change empties the page cache). Paths whose pages are mostly asked once (a
    search nobody asked before) go in ``quick_gzip_paths``: the page cache compresses them
    at a quicker level.
    """

    settings: Settings
    store: Store
    reader: Store
    portal: Portal
    replicas: ReadRouter | None = None
    ready: Callable[[], bool] | None = None
    clock: Any = None
    on_shutdown: list[Callable[[], None]] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)
    frame_sources: list[str] = field(default_factory=list)
    middleware: list[Middleware] = field(default_factory=list)
    version_parts: list[Callable[[Connection], tuple[Any, ...]]] = field(default_factory=list)
    quick_gzip_paths: set[str] = field(default_factory=set)


def web_context(
    settings: Settings,
    store: Store,
    *,
    ready: Callable[[], bool] | None = None,
    clock: Any = None,
) -> WebContext:
    """The context over ``store`` (the primary) and its readers, with a fresh portal."""
    reader, replicas = reading_store(settings, store)
    return WebContext(
        settings=settings,
        store=store,
        reader=reader,
        portal=Portal(settings, reader),
        replicas=replicas,
        ready=ready,
        clock=clock,
    )


def bind(handler: Callable[..., Any], *shared: Any) -> Callable[..., Any]:
    """A module-level ``handler(*shared, request)`` as a Starlette endpoint, named like the
    handler. Starlette sees through the partial: async handlers are awaited, plain ones run in
    its thread pool."""
    endpoint = functools.partial(handler, *shared)
    endpoint.__name__ = handler.__name__  # type: ignore[attr-defined]
    return endpoint
