"""/metrics, /readyz, request latency by route, crawl counters and structured logs."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from conftest import LOOPBACK_ALLOWED
from nashra.config import ScheduleSettings, load_settings
from nashra.demo.farm import FeedFarm
from nashra.observe import MetricsMiddleware, configure_logging, event
from nashra.observe.web import routes
from nashra.schedule.worker import Worker
from nashra.sources.registry import Source
from nashra.store import Store
from nashra.store.schema import feeds
from nashra.web.context import web_context


def _value(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if not line.startswith(name + ("{" if labels else " ")):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def _app(store: Store, tmp_path: Path, ready=None) -> Starlette:
    settings = load_settings(env={}, data_dir=tmp_path)
    item = Route("/items/{n}", lambda request: PlainTextResponse("item"))
    return Starlette(
        routes=[*routes(web_context(settings, store, ready=ready)), item],
        middleware=[Middleware(MetricsMiddleware)],
    )


def test_metrics_count_polls_304s_errors_articles_and_queue_lag(
    tmp_path: Path, store: Store
) -> None:
    client = TestClient(_app(store, tmp_path))
    before = client.get("/metrics").text
    # The timeouts leave a loaded machine room to answer the other feeds (at 0.5 s the etag
    # feed's 304 timed out under a parallel test run); only the slow feed stalls past them.
    with FeedFarm(3, items=2, behaviours=["etag", "broken", "slow"], slow_seconds=4) as farm:
        store.sync_sources([Source(slug=f"o{f.index}", feeds=[farm.url(f)]) for f in farm.feeds])
        settings = load_settings(env={}, data_dir=tmp_path, respect_robots=False,
                                 fetch_allow_networks=LOOPBACK_ALLOWED,
                                 read_timeout=2.0, total_timeout=2.5)  # fmt: skip
        options = ScheduleSettings(worker_idle_seconds=0.05)
        asyncio.run(Worker(settings, store, options=options).run(asyncio.Event(), until_idle=True))
        with store.engine.begin() as conn:  # make the etag feed due again: it answers 304
            conn.execute(update(feeds).where(feeds.c.url == farm.url(0)).values(next_poll_at=None))
        asyncio.run(Worker(settings, store, options=options).run(asyncio.Event(), until_idle=True))
    after = client.get("/metrics")
    assert after.status_code == 200 and after.headers["content-type"].startswith("text/plain")
    text = after.text
    delta = lambda name, **kw: _value(text, name, **kw) - _value(before, name, **kw)  # noqa: E731
    assert delta("nashra_feeds_polled_total", outcome="ok") == 1
    assert delta("nashra_feeds_polled_total", outcome="not_modified") == 1
    assert delta("nashra_feeds_not_modified_total") == 1
    assert delta("nashra_feed_errors_total", kind="http") == 1
    assert delta("nashra_feed_errors_total", kind="timeout") == 1
    assert delta("nashra_articles_stored_total", status="new") == 2
    assert delta("nashra_feed_poll_seconds_count") == 4
    assert "nashra_extraction_failures_total" in text

    # queue lag: now minus the oldest due feed's next-poll time
    with store.engine.begin() as conn:
        conn.execute(update(feeds).values(next_poll_at=datetime.now(UTC) - timedelta(seconds=120)))
    text = client.get("/metrics").text
    assert 119 <= _value(text, "nashra_queue_lag_seconds") < 180
    assert _value(text, "nashra_feeds", state="due") == 3


def test_request_latency_is_labelled_by_route_template(tmp_path: Path, sqlite_store: Store) -> None:
    client = TestClient(_app(sqlite_store, tmp_path))
    for n in range(3):
        assert client.get(f"/items/{n}").status_code == 200
    client.get("/no/such/page")
    text = client.get("/metrics").text
    count = 'nashra_http_request_seconds_count{method="GET",route="/items/{n}",status="200"}'
    assert re.search(re.escape(count) + r" 3\.0", text)
    assert 'route="unmatched",status="404"' in text
    assert "/items/1" not in text  # raw paths never become labels


def test_readyz_reports_database_schema_and_worker_readiness(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'n.db'}"
    blank = Store.open(url, run_migrations=False)
    answer = TestClient(_app(blank, tmp_path)).get("/readyz")
    assert answer.status_code == 503 and "migration" in answer.json()["reason"]
    store = Store.open(url)
    started = {"ready": False}
    client = TestClient(_app(store, tmp_path, ready=lambda: started["ready"]))
    assert client.get("/readyz").json() == {"status": "not ready", "reason": "starting"}
    started["ready"] = True
    answer = client.get("/readyz")
    assert answer.status_code == 200 and answer.json()["status"] == "ready"
    assert answer.headers["cache-control"] == "no-store"


def test_structured_logs_key_value_and_json() -> None:
    log = logging.getLogger("nashra.test")
    stream = io.StringIO()
    configure_logging("kv", logging.INFO, stream)
    event(log, "feed polled", feed_id=3, url="http://x/feed", why="publishing rate: 2 items")
    log.debug("hidden")
    line = stream.getvalue().strip()
    assert "\n" not in line
    assert 'event="feed polled" feed_id=3 url=http://x/feed why="publishing rate: 2 items"' in line
    assert line.startswith("ts=") and " level=info logger=nashra.test " in line

    stream = io.StringIO()
    configure_logging("json", logging.INFO, stream)
    event(log, "feed disabled", logging.WARNING, feed_id=9, reason="10 consecutive failures")
    data = json.loads(stream.getvalue())
    assert data["event"] == "feed disabled" and data["level"] == "warning"
    assert data["feed_id"] == 9 and data["reason"] == "10 consecutive failures"
    configure_logging("kv", logging.WARNING)


def test_unknown_log_format_is_refused() -> None:
    with pytest.raises(ValueError, match="log format"):
        configure_logging("xml")


def test_the_portal_app_carries_metrics_readyz_and_websub(
    tmp_path: Path, sqlite_store: Store
) -> None:
    from nashra.schedule.commands import build_app

    settings = load_settings(env={}, data_dir=tmp_path)
    client = TestClient(build_app(settings, sqlite_store, ready=lambda: True))
    assert client.get("/readyz").status_code == 200
    assert client.get("/websub/1").status_code == 404  # ours, not the outlet page catch-all
    assert client.get("/healthz").status_code == 200
    text = client.get("/metrics").text
    assert 'route="/readyz"' in text and "nashra_queue_lag_seconds" in text
