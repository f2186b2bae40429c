"""WebSub: a hub advertised by a feed is subscribed to, the hub's verification of intent is
answered, signed pushes make the feed due, and unsigned or badly signed pushes are rejected."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import httpx
import pytest
import uvicorn
from sqlalchemy import select, update
from starlette.applications import Starlette

from conftest import LOOPBACK_ALLOWED
from httpserver import LoopbackServer, Request
from nashra.config import ScheduleSettings, load_settings
from nashra.demo.farm import FeedFarm
from nashra.schedule.websub import discover_hub, routes, signature_ok
from nashra.schedule.worker import Worker
from nashra.sources.registry import Source
from nashra.store import Store
from nashra.store.schema import feeds
from nashra.web.context import web_context


@pytest.fixture
def callback_server(sqlite_store: Store, tmp_path: Path) -> Iterator[tuple[str, Store]]:
    """Our WebSub routes served by uvicorn on loopback."""
    settings = load_settings(env={}, data_dir=tmp_path)
    app = Starlette(routes=routes(web_context(settings, sqlite_store)))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", sqlite_store
    server.should_exit = True
    thread.join(5)


def _feed(store: Store):
    with store.engine.connect() as conn:
        return conn.execute(select(feeds)).first()


def test_subscribe_verify_push_and_bad_signatures(callback_server, tmp_path: Path) -> None:
    base, store = callback_server
    verified: list[httpx.Response] = []
    subscriptions: list[dict] = []

    def hub(request: Request):
        form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        subscriptions.append(form)

        def verify() -> None:  # the hub checks intent after answering, as hubs do
            query = {"hub.mode": "subscribe", "hub.topic": form["hub.topic"],
                     "hub.challenge": "c-123", "hub.lease_seconds": "86400"}  # fmt: skip
            verified.append(httpx.get(form["hub.callback"] + "?" + urlencode(query)))

        threading.Timer(0.05, verify).start()
        return 202, {}, b""

    with (
        LoopbackServer({"/hub": hub}) as hub_server,
        FeedFarm(1, items=2, behaviours=["hub"], hub_url=hub_server.url("/hub")) as farm,
    ):
        store.sync_sources([Source(slug="o0", name_ar="مصدر", feeds=[farm.url(0)])])
        settings = load_settings(
            env={},
            data_dir=tmp_path,
            base_url=base,
            respect_robots=False,
            fetch_allow_networks=LOOPBACK_ALLOWED,
        )
        worker = Worker(settings, store, options=ScheduleSettings(worker_idle_seconds=0.05))
        asyncio.run(worker.run(asyncio.Event(), until_idle=True))

        (form,) = subscriptions
        row = _feed(store)
        assert form["hub.mode"] == "subscribe" and form["hub.topic"] == farm.url(0)
        assert form["hub.callback"] == f"{base}/websub/{row.id}"
        assert form["hub.secret"] == row.websub_secret and len(row.websub_secret) >= 32
        deadline = time.monotonic() + 5
        while not verified and time.monotonic() < deadline:
            time.sleep(0.02)
        assert verified[0].status_code == 200 and verified[0].text == "c-123"
        row = _feed(store)
        assert row.websub_state == "active" and row.websub_expires_at > datetime.now(UTC)
        polled_next = row.next_poll_at

        # A push of the same entries changes nothing; a push with a new entry makes it due.
        callback = f"{base}/websub/{row.id}"

        def push(body: bytes, signature: str | None) -> httpx.Response:
            headers = {"Content-Type": "application/rss+xml"}
            if signature is not None:
                headers["X-Hub-Signature"] = signature
            return httpx.post(callback, content=body, headers=headers)

        def sign(body: bytes, algorithm: str = "sha256") -> str:
            digest = hmac.new(row.websub_secret.encode(), body, algorithm).hexdigest()
            return f"{algorithm}={digest}"

        same = farm.document(farm.feeds[0])
        answer = push(same, sign(same))
        assert answer.status_code == 202 and answer.json() == {"entries": 2, "new": 0}
        assert _feed(store).next_poll_at == polled_next

        farm.publish(0)
        fresh = farm.document(farm.feeds[0])
        for bad in (None, "sha256=" + "0" * 64, sign(same), "md5=abc", "garbage"):
            assert push(fresh, bad).status_code == 403
        assert _feed(store).next_poll_at == polled_next  # rejected pushes changed nothing

        answer = push(fresh, sign(fresh, "sha1"))
        assert answer.status_code == 202 and answer.json()["new"] == 1
        assert _feed(store).next_poll_at <= datetime.now(UTC)

        junk = b"<html>not a feed"
        assert push(junk, sign(junk)).status_code == 400


def test_verification_for_the_wrong_topic_or_feed_is_refused(callback_server) -> None:
    base, store = callback_server
    store.sync_sources([Source(slug="o0", feeds=["http://127.0.0.1:9/feed.xml"])])
    row = _feed(store)
    assert httpx.get(f"{base}/websub/{row.id}", params={"hub.challenge": "x"}).status_code == 404
    with store.engine.begin() as conn:
        conn.execute(update(feeds).values(websub_topic=row.url, websub_state="pending",
                                          websub_secret="s"))  # fmt: skip
    cases = [
        {"hub.mode": "subscribe", "hub.topic": "http://elsewhere/feed", "hub.challenge": "x"},
        {"hub.mode": "unsubscribe", "hub.topic": row.url, "hub.challenge": "x"},
        {"hub.mode": "subscribe", "hub.topic": row.url},
    ]
    for query in cases:
        assert httpx.get(f"{base}/websub/{row.id}", params=query).status_code == 404, query
    bad_lease = {"hub.mode": "subscribe", "hub.topic": row.url, "hub.challenge": "x",
                 "hub.lease_seconds": "soon"}  # fmt: skip
    assert httpx.get(f"{base}/websub/{row.id}", params=bad_lease).status_code == 400
    assert httpx.get(f"{base}/websub/999", params=cases[0]).status_code == 404
    # Pushes before the subscription is verified are refused, even when signed.
    body = b"<rss/>"
    sig = "sha256=" + hmac.new(b"s", body, hashlib.sha256).hexdigest()
    pushed = httpx.post(f"{base}/websub/{row.id}", content=body, headers={"X-Hub-Signature": sig})
    assert pushed.status_code == 403
    denied = {"hub.mode": "denied", "hub.topic": row.url, "hub.reason": "no"}
    assert httpx.get(f"{base}/websub/{row.id}", params=denied).status_code == 200
    assert _feed(store).websub_state == "denied"


def test_hub_discovery_from_link_headers_and_documents() -> None:
    headers = {"link": '<https://hub.example/>; rel="hub", <https://site.example/feed>; rel="self"'}
    assert discover_hub(headers, b"") == ("https://hub.example/", "https://site.example/feed")
    doc = (b'<feed xmlns="http://www.w3.org/2005/Atom"><link rel="hub" href="https://h.example/"/>'
           b"<link href='https://s.example/atom' rel='self'/></feed>")  # fmt: skip
    assert discover_hub({}, doc) == ("https://h.example/", "https://s.example/atom")
    assert discover_hub({}, b"<rss><channel><link>https://x/</link></channel></rss>") == (
        None,
        None,
    )


@pytest.mark.parametrize(
    "secret,header",
    [(None, "sha1=00"), ("s", None), ("s", "sha1"), ("s", "sha999=00"), ("s", "sha1=zz")],
)
def test_signature_check_refuses_bad_input(secret, header) -> None:
    assert not signature_ok(secret, b"body", header)
