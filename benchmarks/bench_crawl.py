"""Crawl throughput: worker processes polling a loopback feed farm, on PostgreSQL and SQLite.

A farm of ``--feeds`` feeds (default 2,000) of ``--items`` items each (default 30), spread over
``--hosts`` loopback addresses, is crawled cold (every item is new: page fetch, extraction,
store), then a tenth of every feed's items are replaced by new ones (``--changed``: 3 of 30) and
every feed is made due again for a steady round. Article pages are distinct news texts drawn from
the bundled ANT corpus (``FeedFarm.page``). Each round runs with 1, 2 and 4 ``nashra worker --once``
processes on PostgreSQL and 1 on SQLite (timed from the first worker's start to the last one's
stop, read from their structured logs, so interpreter start-up is left out). A worker stops once
nothing is due and the story backlog (the daily feeds' weeks-old items) is worked, so the figures
include grouping every article into its story.

The feed stage is also timed alone on the farm's own 30-item document against feedparser and
fastfeedparser parsing the same bytes: ratio = our time / theirs (lower is better).

    .venv/bin/python benchmarks/bench_crawl.py [--quick] [--pg URL]

The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import func, select, update  # noqa: E402

from nashra.crawl.feeds import parse_feed  # noqa: E402
from nashra.demo.farm import FeedFarm  # noqa: E402
from nashra.sources.registry import Source  # noqa: E402
from nashra.store import Store  # noqa: E402
from nashra.store.schema import article_signatures, articles, feeds  # noqa: E402
from nashra.store.scratch import throwaway_database  # noqa: E402

_TS = re.compile(r"^ts=(\S+) .*event=\"(worker started|worker stopped)\"")


def parser_ratios(doc: bytes, seconds: float) -> dict[str, float]:
    """ms per parse of ``doc`` for our feed stage, feedparser and fastfeedparser."""
    import feedparser

    def per_call(fn) -> float:
        fn()
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            fn()
            n += 1
        return (time.perf_counter() - start) / n * 1000

    logging.getLogger("nashra.crawl.feeds").setLevel(logging.ERROR)
    ours = per_call(lambda: parse_feed(doc, "http://127.0.0.1/f/0/feed.xml"))
    theirs = per_call(lambda: feedparser.parse(doc))
    out = {"ms_per_feed_ours": ours, "ms_per_feed_feedparser": theirs,
           "ratio_vs_feedparser": ours / theirs}  # fmt: skip
    try:
        import fastfeedparser

        fast = per_call(lambda: fastfeedparser.parse(doc))
        out.update(ms_per_feed_fastfeedparser=fast, ratio_vs_fastfeedparser=ours / fast)
    except ImportError:
        out["fastfeedparser"] = "not installed"
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in out.items()}


@contextmanager
def _fresh_database(kind: str, pg_url: str, tmp: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp / f'bench-{uuid.uuid4().hex[:6]}.db'}"
        return
    slow = os.environ.get("BENCH_LOG_SLOW_MS")  # to find statements that grow with the archive
    settings = {"log_min_duration_statement": str(int(slow))} if slow else None
    with throwaway_database(pg_url, settings=settings) as url:
        yield url


def _round(db_url: str, workers: int, tmp: Path, label: str) -> float:
    """Run ``workers`` worker processes until nothing is due; seconds of actual crawling."""
    env = {**os.environ, "NASHRA_DATA_DIR": str(tmp / "data"), "NASHRA_RESPECT_ROBOTS": "false",
           "NASHRA_WORKER_IDLE_SECONDS": "0.1", "NASHRA_PER_HOST_CONCURRENCY": "4",
           # the farm's loopback addresses (127.0.0.1 ... 127.0.0.16): the guard refuses others
           "NASHRA_FETCH_ALLOW_NETWORKS": "127.0.0.0/27"}  # fmt: skip
    logs = [tmp / f"{label}-{n}.log" for n in range(workers)]
    procs = []
    for log in logs:
        cmd = [sys.executable, "-m", "nashra.schedule", "--database-url", db_url, "worker",
               "--once", "--no-sync", "--concurrency", "32"]  # fmt: skip
        procs.append(subprocess.Popen(cmd, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT))
    for proc in procs:
        if proc.wait() != 0:
            raise SystemExit(f"worker failed: see {logs[0]}")
    starts, stops = [], []
    for log in logs:
        for line in log.read_text().splitlines():
            m = _TS.match(line)
            if m:
                (starts if m.group(2) == "worker started" else stops).append(
                    datetime.fromisoformat(m.group(1))
                )
    return (max(stops) - min(starts)).total_seconds()


def run_config(kind: str, workers: int, args: argparse.Namespace, tmp: Path) -> dict:
    with _fresh_database(kind, args.pg, tmp) as db_url:
        store = Store.open(db_url)
        with FeedFarm(args.feeds, hosts=args.hosts, items=args.items, behaviours=["etag"]) as farm:
            store.sync_sources(
                [Source(slug=f"o{f.index}", feeds=[farm.url(f)]) for f in farm.feeds]
            )
            cold = _round(db_url, workers, tmp, f"{kind}{workers}-cold")
            with store.engine.connect() as conn:
                stored = conn.execute(select(func.count()).select_from(articles)).scalar_one()
                # every article is in a story when the round ends (the backlog was worked)
                grouped = conn.execute(
                    select(func.count()).select_from(article_signatures)
                ).scalar_one()
            fresh = max(1, round(args.items * args.changed))
            for i in range(args.feeds):
                farm.publish(i, fresh)
            with store.engine.begin() as conn:
                conn.execute(update(feeds).values(next_poll_at=None))
            steady = _round(db_url, workers, tmp, f"{kind}{workers}-steady")
            with store.engine.connect() as conn:
                after = conn.execute(select(func.count()).select_from(articles)).scalar_one()
        store.close()
    return {
        "database": kind,
        "workers": workers,
        "cold_seconds": round(cold, 2),
        "cold_feeds_per_s": round(args.feeds / cold, 1),
        "cold_articles_per_s": round(stored / cold, 1),
        "articles_stored": stored,
        "cold_articles_in_stories": grouped,
        "steady_seconds": round(steady, 2),
        "steady_feeds_per_s": round(args.feeds / steady, 1),
        "steady_new_articles": after - stored,
        "steady_articles_per_s": round((after - stored) / steady, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100 feeds of 5 items (< 1 min)")
    parser.add_argument("--feeds", type=int, default=2000)
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--hosts", type=int, default=16, help="loopback addresses to spread over")
    parser.add_argument(
        "--changed",
        type=float,
        default=0.1,
        help="share of each feed's items that are new in the steady round",
    )
    parser.add_argument(
        "--pg",
        default=os.environ.get("NASHRA_TEST_DATABASE_URL",
                               "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    )  # fmt: skip
    parser.add_argument(
        "--only", action="append", metavar="DB:WORKERS",
        help="run only these rounds, e.g. --only postgresql:2 (repeatable; default: all four)",
    )  # fmt: skip
    args = parser.parse_args()
    if args.quick:
        args.feeds, args.items = 100, 5
    configs = [("postgresql", 1), ("postgresql", 2), ("postgresql", 4), ("sqlite", 1)]
    if args.only:
        configs = [(kind, int(n)) for kind, n in (o.split(":") for o in args.only)]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind, workers in configs:
            try:
                result = run_config(kind, workers, args, Path(tmp))
            except Exception as exc:  # e.g. no PostgreSQL here: report and carry on
                result = {"database": kind, "workers": workers, "error": str(exc)[:200]}
            print(json.dumps(result), flush=True)
            results.append(result)
        farm = FeedFarm(1, items=30)
        farm.ports = {farm.feeds[0].host: 80}
        sample = farm.document(farm.feeds[0])
    parsers = parser_ratios(sample, 0.3 if args.quick else 2.0)
    summary = {"feeds": args.feeds, "items": args.items, "hosts": args.hosts,
               "feed_bytes": len(sample), "rounds": results, "feed_stage": parsers}  # fmt: skip
    for key in ("ratio_vs_feedparser", "ratio_vs_fastfeedparser"):
        if key in parsers:
            summary[key] = parsers[key]
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
