"""The cost of the view counter per view, beside the simplest counter (one UPSERT per view).

    .venv/bin/python benchmarks/bench_views.py [--quick] [--views 200000]

On a SQLite archive of 2,000 articles, simulated readers (distinct addresses and user agents,
a few crawlers, a few repeat views) view articles at random:

* ``ours``: ``ViewCounter.record`` — bot check, salted hashes, the per-browser and per-network
  checks, counting in memory — and the batched writes (a flush every 1,000 counted views), in µs
  per view, all included;
* ``beacon_http``: the beacon (``POST /view/{source}/{num}``) under uvicorn with wrk, beside a
  cached article page of the same portal (needs ``wrk``);
* ``per_view_upsert``: what a naive counter costs: one ``INSERT … ON CONFLICT DO UPDATE`` of the
  hourly bucket per view, in its own transaction.

The last line is JSON with ``ratio_vs_per_view_upsert`` (our µs per view ÷ the naive one's).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from nashra.config import Settings, ViewsSettings
from nashra.model import Article
from nashra.sources.registry import Source
from nashra.store import Store
from nashra.store.db import upsert
from nashra.store.schema import article_views
from nashra.views.counter import ViewCounter
from nashra.views.store import ADD_VIEWS

ARTICLES = 2000
AGENTS = [
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 Chrome/124.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
]


def build(data_dir: Path) -> tuple[Store, list[int]]:
    store = Store.open(Settings(data_dir=data_dir).resolved_database_url)
    store.sync_sources([Source(slug="hespress", name_ar="هسبريس")])
    pks = [
        store.save_articles(
            [
                Article(
                    source="hespress",
                    url=f"https://h.test/{i}",
                    title=f"خبر {i}",
                    body_text="نص",
                    num=10_000 + i,
                    published=datetime(2026, 1, 1, tzinfo=UTC),
                )  # fmt: skip
                for i in range(start, min(start + 500, ARTICLES))
            ]
        )
        for start in range(0, ARTICLES, 500)
    ]
    return store, [r.pk for batch in pks for r in batch]


def traffic(pks: list[int], n: int, seed: int = 1) -> list[tuple[int, str, str]]:
    rng = random.Random(seed)
    hot = pks[:50]
    out = []
    for _ in range(n):
        pk = rng.choice(hot) if rng.random() < 0.6 else rng.choice(pks)
        address = f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        out.append((pk, address, rng.choice(AGENTS)))
    return out


def measure_ours(store: Store, views: list[tuple[int, str, str]]) -> dict[str, float]:
    counter = ViewCounter(store, ViewsSettings(views_flush_seconds=3600, views_flush_views=1000))
    start = time.perf_counter()
    for pk, address, agent in views:
        counter.record(pk, address, agent)
    counter.flush()
    elapsed = time.perf_counter() - start
    return {"us_per_view": round(elapsed / len(views) * 1e6, 2), "counted": counter.counted,
            "refused": counter.refused}  # fmt: skip


def measure_upsert(store: Store, views: list[tuple[int, str, str]]) -> dict[str, float]:
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start = time.perf_counter()
    for pk, _address, _agent in views:
        with store.engine.begin() as conn:
            row = {"article_pk": pk, "hour": hour, "views": 1}
            upsert(conn, article_views, row, ["article_pk", "hour"], update=ADD_VIEWS)
    elapsed = time.perf_counter() - start
    return {"us_per_view": round(elapsed / len(views) * 1e6, 2)}


def measure_beacon(data_dir: Path, duration: int) -> dict[str, object]:
    """The beacon over HTTP (uvicorn, one worker, wrk with 16 connections) beside a cached
    article page of the same portal: what a view adds to a page view."""
    if shutil.which("wrk") is None:
        return {"skipped": "wrk is missing (apt-get install wrk)"}
    from bench_web import free_port, wait_up, wrk

    port = free_port()
    env = {**os.environ, "NASHRA_DATA_DIR": str(data_dir)}
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "nashra.web.app:app_from_env", "--factory",
                               "--port", str(port), "--log-level", "warning"], env=env)  # fmt: skip
    script = data_dir / "post.lua"
    script.write_text(
        'wrk.method = "POST"\nwrk.headers["User-Agent"] = "Mozilla/5.0 Firefox/125.0"\n'
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_up(base + "/healthz")
        page = wrk(base + "/hespress/10000", duration, 16)
        out = subprocess.run(["wrk", "-t2", "-c16", f"-d{duration}s", "--latency", "-s", str(script),
                              base + "/view/hespress/10000"], capture_output=True, text=True, check=True).stdout  # fmt: skip
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        return {"beacon_rps": rps, "cached_page_rps": page["rps"],
                "beacon_cost_vs_cached_page": round(page["rps"] / rps, 3)}  # fmt: skip
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--views", type=int, default=200_000)
    parser.add_argument("--quick", action="store_true", help="20,000 views")
    args = parser.parse_args()
    n = 20_000 if args.quick else args.views
    with tempfile.TemporaryDirectory(prefix="nashra-bench-views-") as tmp:
        store, pks = build(Path(tmp) / "ours")
        views = traffic(pks, n)
        ours = measure_ours(store, views)
        store.close()
        naive_store, naive_pks = build(Path(tmp) / "naive")
        naive_n = min(n, 5_000)  # one transaction per view: a sample is enough
        naive = measure_upsert(naive_store, traffic(naive_pks, naive_n))
        naive_store.close()
        beacon_store, _ = build(Path(tmp) / "beacon")
        beacon_store.close()
        beacon = measure_beacon(Path(tmp) / "beacon", 3 if args.quick else 10)
    print(
        json.dumps(
            {
                "views": n,
                "ours": ours,
                "beacon_http": beacon,
                "per_view_upsert": {**naive, "views": naive_n},
                "ratio_vs_per_view_upsert": round(ours["us_per_view"] / naive["us_per_view"], 4),
            }
        )
    )


if __name__ == "__main__":
    main()
