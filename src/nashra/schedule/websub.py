"""WebSub (W3C): subscribe to a feed's hub, confirm the hub's verification of intent, and take
authenticated pushes under ``/websub/{feed_id}``.

Why pushes make the feed due instead of being stored straight from the body: a pushed document
carries entries, not full pages; sending it through the same worker poll (conditional GET, feed
stage, page fetch and extraction, store) keeps one path for every article. A push whose
``X-Hub-Signature`` is missing or wrong is rejected (403) and counted; only a feed whose pushed
entries are new or changed is brought forward.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
from sqlalchemy import select, update
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from nashra.config import Settings
from nashra.crawl.feeds import parse_feed
from nashra.http.guard import BlockedAddress, guarded_client
from nashra.observe.logs import event
from nashra.observe.metrics import WEBSUB
from nashra.schedule.claims import make_due
from nashra.schedule.clock import Clock, SystemClock
from nashra.store import Store
from nashra.store.schema import feeds
from nashra.text import canonical_url

if TYPE_CHECKING:  # the worker imports this module; the web shell only hands it its context
    from nashra.web.context import WebContext

log = logging.getLogger("nashra.websub")

SIGNATURE_ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256,
                        "sha384": hashlib.sha384, "sha512": hashlib.sha512}  # fmt: skip
_LINK_HEADER_RE = re.compile(r"<([^>]+)>\s*;([^,]*)")
_LINK_TAG_RE = re.compile(rb"<(?:[a-z0-9]+:)?link\b[^>]*>", re.I)
_ATTR_RE = re.compile(rb"""\b(rel|href)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
RENEW_BEFORE = timedelta(days=1)
HUB_ANSWER_MAX = 64 * 1024  # a hub's answer to a subscription is a status and a line or two


def discover_hub(headers: Mapping[str, str], content: bytes) -> tuple[str | None, str | None]:
    """The hub and self (topic) URLs a feed advertises: HTTP ``Link`` headers first, then
    ``<link rel="hub">`` / ``<atom:link rel="self">`` in the first 64 KiB of the document."""
    hub = topic = None
    for url, params in _LINK_HEADER_RE.findall(headers.get("link", "")):
        rels = re.findall(r'rel\s*=\s*"?([^";]+)"?', params)
        rel_words = {w.lower() for r in rels for w in r.split()}
        if "hub" in rel_words and hub is None:
            hub = url.strip()
        if "self" in rel_words and topic is None:
            topic = url.strip()
    for tag in _LINK_TAG_RE.findall(content[:65536]):
        attrs = {m[0].lower(): (m[1] or m[2]) for m in _ATTR_RE.findall(tag)}
        rels = {w.lower() for w in attrs.get(b"rel", b"").split()}
        href = attrs.get(b"href", b"").decode("utf-8", "replace").strip()
        if not href:
            continue
        if b"hub" in rels and hub is None:
            hub = href
        if b"self" in rels and topic is None:
            topic = href
    return hub, topic


def callback_url(settings: Settings, feed_id: int) -> str | None:
    """Where hubs reach us for this feed; None when the instance has no public ``base_url``."""
    if not settings.base_url:
        return None
    return f"{settings.base_url.rstrip('/')}/websub/{feed_id}"


def needs_subscription(row: Any, hub: str | None, topic: str, now: datetime) -> bool:
    """Subscribe when a hub is advertised and we hold no live subscription to it for ``topic``."""
    if not hub:
        return False
    if row.websub_hub != hub or row.websub_topic != topic:
        return True
    if row.websub_state == "active":
        return row.websub_expires_at is None or row.websub_expires_at - now < RENEW_BEFORE
    return row.websub_state is None


async def subscribe(
    settings: Settings,
    store: Store,
    feed_id: int,
    hub: str,
    topic: str,
    *,
    lease_seconds: int,
    client: httpx.AsyncClient | None = None,
) -> bool:
    """Ask ``hub`` to push ``topic`` to our callback, with a fresh secret for HMAC.

    The secret and the pending state are saved *before* the request: hubs often verify intent
    before they even answer it.
    """
    callback = callback_url(settings, feed_id)
    if callback is None:
        return False
    secret = secrets.token_hex(24)
    with store.begin() as conn:
        conn.execute(
            update(feeds)
            .where(feeds.c.id == feed_id)
            .values(websub_hub=hub, websub_topic=topic, websub_secret=secret,
                    websub_state="pending", websub_expires_at=None)
        )  # fmt: skip
    form = {
        "hub.mode": "subscribe",
        "hub.topic": topic,
        "hub.callback": callback,
        "hub.secret": secret,
        "hub.lease_seconds": str(lease_seconds),
    }
    own = client is None
    client = client or guarded_client(
        settings.fetch.fetch_allow_networks,
        timeout=settings.fetch.total_timeout,
        headers={"User-Agent": settings.fetch.user_agent},
    )
    try:
        ok, detail = await _post_subscription(client, hub, form)
    except BlockedAddress as exc:
        ok, detail = False, str(exc)
    except httpx.HTTPError as exc:
        ok, detail = False, f"{type(exc).__name__}: {exc}"
    finally:
        if own:
            await client.aclose()
    WEBSUB.labels("subscribe" if ok else "subscribe_failed").inc()
    event(log, "websub subscribe", feed_id=feed_id, hub=hub, topic=topic, ok=ok, detail=detail)
    if not ok:
        with store.begin() as conn:
            conn.execute(
                update(feeds)
                .where(feeds.c.id == feed_id, feeds.c.websub_secret == secret)
                .values(websub_state="failed")
            )
    return ok


async def _post_subscription(
    client: httpx.AsyncClient, hub: str, form: dict[str, str]
) -> tuple[bool, str]:
    """POST the request to the hub; its answer is read to at most ``HUB_ANSWER_MAX`` bytes.

    Redirects are not followed: a hub that moved is a hub to look up again, not one to trust.
    """
    async with client.stream("POST", hub, data=form) as response:
        read = 0
        async for chunk in response.aiter_raw():
            read += len(chunk)
            if read > HUB_ANSWER_MAX:
                return False, f"HTTP {response.status_code}, answer over {HUB_ANSWER_MAX} bytes"
        ok = response.status_code in (202, 204, 200)
        return ok, f"HTTP {response.status_code}"


def signature_ok(secret: str | None, body: bytes, header: str | None) -> bool:
    """Check ``X-Hub-Signature: method=hexdigest`` against the subscription's secret."""
    if not secret or not header or "=" not in header:
        return False
    method, _, given = header.strip().partition("=")
    algorithm = SIGNATURE_ALGORITHMS.get(method.strip().lower())
    if algorithm is None:
        return False
    expected = hmac.new(secret.encode(), body, algorithm).hexdigest()
    return hmac.compare_digest(expected, given.strip().lower())


def _feed(store: Store, feed_id: int) -> Any:
    with store.connect() as conn:
        return conn.execute(select(feeds).where(feeds.c.id == feed_id)).first()


def routes(ctx: WebContext) -> list[BaseRoute]:
    """The WebSub callback: GET answers hubs' verification of intent, POST takes pushes."""
    settings, store = ctx.settings, ctx.store
    clock: Clock = ctx.clock or SystemClock()

    async def verify(request: Request, row: Any) -> Response:
        q = request.query_params
        mode, topic = q.get("hub.mode", ""), q.get("hub.topic", "")
        if mode == "denied" and topic == row.websub_topic:
            with store.begin() as conn:
                conn.execute(
                    update(feeds).where(feeds.c.id == row.id).values(websub_state="denied")
                )
            WEBSUB.labels("denied").inc()
            event(log, "websub denied", feed_id=row.id, reason=q.get("hub.reason", ""))
            return PlainTextResponse("ok")
        challenge = q.get("hub.challenge", "")
        if (
            mode != "subscribe"
            or not challenge
            or topic != row.websub_topic
            or row.websub_state not in ("pending", "active")
        ):
            WEBSUB.labels("verify_refused").inc()
            return PlainTextResponse("no such subscription", status_code=404)
        try:
            lease = int(q.get("hub.lease_seconds", "0") or 0)
        except ValueError:
            return PlainTextResponse("bad hub.lease_seconds", status_code=400)
        expires = clock.now() + timedelta(seconds=lease) if lease > 0 else None
        with store.begin() as conn:
            conn.execute(
                update(feeds)
                .where(feeds.c.id == row.id)
                .values(websub_state="active", websub_expires_at=expires)
            )
        WEBSUB.labels("verified").inc()
        event(log, "websub verified", feed_id=row.id, lease_seconds=lease)
        return PlainTextResponse(challenge)

    async def push(request: Request, row: Any) -> Response:
        body = await request.body()
        if len(body) > settings.fetch.max_body_bytes:
            WEBSUB.labels("push_too_large").inc()
            return PlainTextResponse("too large", status_code=413)
        header = request.headers.get("x-hub-signature")
        if row.websub_state != "active" or not signature_ok(row.websub_secret, body, header):
            WEBSUB.labels("push_bad_signature").inc()
            event(log, "websub push rejected", logging.WARNING, feed_id=row.id,
                  reason="bad or missing signature")  # fmt: skip
            return PlainTextResponse("bad signature", status_code=403)
        parsed = parse_feed(body, row.websub_topic or row.url, dict(request.headers))
        if not parsed.entries and parsed.bozo:
            WEBSUB.labels("push_unreadable").inc()
            return PlainTextResponse(f"not a feed: {parsed.bozo_reason}", status_code=400)
        urls = []
        for entry in parsed.entries:
            try:
                urls.append(canonical_url(entry.url))
            except ValueError:
                urls.append(entry.url)
        known = store.known_entries(row.source, urls, [e.guid for e in parsed.entries if e.guid])
        fresh = 0
        for entry, url in zip(parsed.entries, urls, strict=True):
            title = known.get(url) or (known.get(entry.guid) if entry.guid else None)
            if title is None or title != entry.title.strip():
                fresh += 1
        if fresh:
            make_due(store, row.id, clock.now())
        WEBSUB.labels("push_ok").inc()
        event(log, "websub push", feed_id=row.id, entries=len(parsed.entries), fresh=fresh)
        return JSONResponse({"entries": len(parsed.entries), "new": fresh}, status_code=202)

    async def endpoint(request: Request) -> Response:
        row = _feed(store, request.path_params["feed_id"])
        if row is None or not row.websub_topic:
            return PlainTextResponse("no such subscription", status_code=404)
        if request.method == "GET":
            return await verify(request, row)
        return await push(request, row)

    return [Route("/websub/{feed_id:int}", endpoint, methods=["GET", "POST"])]
