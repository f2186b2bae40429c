"""A feed farm on loopback: many feeds with different behaviours, for the worker tests and the
crawl benchmark (``benchmarks/bench_crawl.py``).

Why in the package: the tests and the benchmark need the same farm, and the benchmark must run
from an installed tree. It lives with the demo, whose ANT corpus gives its pages their text. Feeds are spread over several loopback addresses (``127.0.0.1`` …
``127.0.0.N``, all on the loopback interface) so that per-host politeness can be exercised
with one host or with many. Every request is recorded: hits per feed, and the most requests
ever in flight at once per feed and per host — what "never polled twice at once" and
"polite per host" are checked against.
"""

from __future__ import annotations

import email.utils
import functools
import random
import socket
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape

from nashra.demo.corpus import load_ant_rows

#: Behaviours, and the share of feeds that get each one in :meth:`FeedFarm.mixed`.
BEHAVIOURS: dict[str, int] = {
    "etag": 50,  # ETag + Last-Modified; 304 when unchanged
    "plain": 10,  # no validators: a full 200 every time
    "max_age": 8,  # Cache-Control: max-age=3600
    "throttled": 6,  # 429 with Retry-After: 900
    "unavailable": 4,  # 503 without Retry-After
    "broken": 6,  # 500
    "slow": 2,  # answers after the client's timeout
    "malformed": 4,  # 200 with something that is not a feed
    "hub": 6,  # like "etag", advertising a WebSub hub
    "gone": 4,  # 410
}
#: Publishing rates (items per day) cycled over the feeds.
RATES = (1.0, 6.0, 48.0, 288.0)


@dataclass
class FarmFeed:
    index: int
    host: str
    behaviour: str
    per_day: float
    items: list[tuple[int, datetime]] = field(default_factory=list)  # (number, published)
    version: int = 0

    @property
    def path(self) -> str:
        return f"/f/{self.index}/feed.xml"

    @property
    def etag(self) -> str:
        return f'"f{self.index}-v{self.version}"'


class FeedFarm:
    """``count`` feeds served on ``hosts`` loopback addresses; see the module docstring."""

    def __init__(
        self,
        count: int,
        *,
        hosts: int = 1,
        items: int = 30,
        behaviours: list[str] | None = None,
        now: datetime | None = None,
        slow_seconds: float = 3.0,
        delay: float = 0.0,
        hub_url: str = "",
    ) -> None:
        self.now = now or datetime.now(UTC)
        self.slow_seconds = slow_seconds
        self.delay = delay  # added to every feed response (a slow but healthy server)
        self.hub_url = hub_url
        self.keep = items
        self.gate = threading.Event()  # feed responses wait for it (tests open it when ready)
        self.gate.set()
        self._lock = threading.Lock()
        self._servers: list[ThreadingHTTPServer] = []
        self._threads: list[threading.Thread] = []
        self.hits: dict[str, int] = defaultdict(int)
        self.in_flight: dict[str, int] = defaultdict(int)
        self.max_in_flight: dict[str, int] = defaultdict(int)
        self.host_in_flight: dict[str, int] = defaultdict(int)
        self.host_max_in_flight: dict[str, int] = defaultdict(int)
        self._addresses = _loopback_addresses(hosts)
        self.ports: dict[str, int] = {}
        self.feeds: list[FarmFeed] = []
        for i in range(count):
            behaviour = behaviours[i % len(behaviours)] if behaviours else _mixed(i)
            feed = FarmFeed(i, self._addresses[i % len(self._addresses)], behaviour,
                            RATES[(i // 3) % len(RATES)])  # fmt: skip
            gap = timedelta(days=1) / feed.per_day
            feed.items = [(n, self.now - gap * (items - 1 - n)) for n in range(items)]
            self.feeds.append(feed)

    # lifecycle --------------------------------------------------------------------------------
    def start(self) -> FeedFarm:
        handler = _handler(self)
        for address in self._addresses:
            server = _QuietServer((address, 0), handler)
            server.daemon_threads = True
            server.block_on_close = False
            self.ports[address] = server.server_address[1]
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                      daemon=True)  # fmt: skip
            thread.start()
            self._servers.append(server)
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers.clear()

    def __enter__(self) -> FeedFarm:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # addresses and changes --------------------------------------------------------------------
    def url(self, feed: FarmFeed | int) -> str:
        feed = self.feeds[feed] if isinstance(feed, int) else feed
        return f"http://{feed.host}:{self.ports[feed.host]}{feed.path}"

    def publish(self, index: int, count: int = 1, when: datetime | None = None) -> None:
        """Add ``count`` new items to feed ``index`` (its ETag changes)."""
        with self._lock:
            feed = self.feeds[index]
            last = feed.items[-1][0] if feed.items else -1
            for k in range(count):
                feed.items.append((last + 1 + k, when or self.now))
            feed.items = feed.items[-self.keep :]
            feed.version += 1

    def feed_hits(self, index: int) -> int:
        return self.hits.get(self.feeds[index].path, 0)

    @property
    def hosts(self) -> list[str]:
        return list(self._addresses)

    @property
    def allow_networks(self) -> str:
        """The farm's addresses as ``fetch_allow_networks`` (the guard refuses loopback)."""
        return ",".join(f"{address}/32" for address in self._addresses)

    # documents --------------------------------------------------------------------------------
    def document(self, feed: FarmFeed) -> bytes:
        base = f"http://{feed.host}:{self.ports[feed.host]}/f/{feed.index}"
        hub = ""
        if feed.behaviour == "hub" and self.hub_url:
            hub = (f'<atom:link rel="hub" href="{escape(self.hub_url)}"/>'
                   f'<atom:link rel="self" href="{base}/feed.xml"/>')  # fmt: skip
        items = "".join(
            f"<item><title>{escape(_page_text(feed.index, n)[0])}</title>"
            f'<link>{base}/{n}.html</link><guid isPermaLink="false">f{feed.index}-{n}</guid>'
            f"<pubDate>{email.utils.format_datetime(when)}</pubDate>"
            f"<description>ملخص الخبر رقم {n} في موجز قصير.</description></item>"
            for n, when in reversed(feed.items)
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
            f"<title>مصدر {feed.index}</title><link>{base}/</link>{hub}{items}</channel></rss>"
        ).encode()

    @staticmethod
    def page(index: int, number: int) -> bytes:
        """Article ``number`` of feed ``index``: a headline and 3 to 6 paragraphs of the bundled
        ANT corpus, drawn by the pair (the same page every time), so the archive a crawl builds
        reads like news: distinct articles, not one template the story engine would see as a
        single event copied 60,000 times."""
        title, paragraphs = _page_text(index, number)
        body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
        return (
            f'<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8">'
            f"<title>{escape(title)}</title></head><body><article>"
            f"<h1>{escape(title)}</h1>{body}</article></body></html>"
        ).encode()

    # serving ----------------------------------------------------------------------------------
    def respond(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        parts = path.split("?", 1)[0].strip("/").split("/")
        if path == "/robots.txt":
            return 404, {}, b""
        if len(parts) != 3 or parts[0] != "f" or not parts[1].isdigit():
            return 404, {}, b"not found"
        index = int(parts[1])
        if index >= len(self.feeds):
            return 404, {}, b"not found"
        feed = self.feeds[index]
        if parts[2] != "feed.xml":
            number = parts[2].removesuffix(".html")
            if not number.isdigit():
                return 404, {}, b"not found"
            return 200, {"Content-Type": "text/html; charset=utf-8"}, self.page(index, int(number))
        self.gate.wait(30)
        if self.delay:
            time.sleep(self.delay)
        kind = feed.behaviour
        if kind == "throttled":
            return 429, {"Retry-After": "900"}, b"slow down"
        if kind == "unavailable":
            return 503, {}, b"unavailable"
        if kind == "broken":
            return 500, {}, b"oops"
        if kind == "gone":
            return 410, {}, b"gone"
        if kind == "slow":
            time.sleep(self.slow_seconds)
        if kind == "malformed":
            return 200, {"Content-Type": "application/rss+xml"}, b"<html><body>not a feed"
        with self._lock:
            etag, last = feed.etag, feed.items[-1][1] if feed.items else self.now
            doc = self.document(feed)
        out = {"Content-Type": "application/rss+xml; charset=utf-8"}
        if kind in ("etag", "hub", "max_age"):
            out["ETag"] = etag
            out["Last-Modified"] = email.utils.format_datetime(last, usegmt=True)
            if headers.get("if-none-match") == etag:
                return 304, out, b""
        if kind == "max_age":
            out["Cache-Control"] = "public, max-age=3600"
        return 200, out, doc

    def _enter(self, path: str, host: str) -> None:
        with self._lock:
            self.hits[path] += 1
            self.in_flight[path] += 1
            self.max_in_flight[path] = max(self.max_in_flight[path], self.in_flight[path])
            self.host_in_flight[host] += 1
            self.host_max_in_flight[host] = max(
                self.host_max_in_flight[host], self.host_in_flight[host]
            )

    def _leave(self, path: str, host: str) -> None:
        with self._lock:
            self.in_flight[path] -= 1
            self.host_in_flight[host] -= 1


class _QuietServer(ThreadingHTTPServer):
    # Read by listen() in the constructor (set on an instance afterwards it changed nothing:
    # the backlog stayed at 5, and with many workers connecting at once on a loaded machine a
    # dropped SYN came back after the client's 2 s connect timeout).
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out or hang up are part of what the farm is for.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


@functools.cache
def _corpus() -> tuple[list[str], list[str]]:
    """Headlines and paragraphs (over 40 characters) of the bundled ANT corpus."""
    rows = load_ant_rows()
    titles = [r["title"] for r in rows if r["title"]]
    paragraphs = [p.strip() for r in rows for p in r["text"].split("\n") if len(p.strip()) > 40]
    return titles, paragraphs


def _page_text(index: int, number: int) -> tuple[str, list[str]]:
    titles, paragraphs = _corpus()
    pick = random.Random(index * 1_000_003 + number)
    return pick.choice(titles), [pick.choice(paragraphs) for _ in range(pick.randint(3, 6))]


def _mixed(i: int) -> str:
    total = sum(BEHAVIOURS.values())
    slot = (i * 37) % total  # spread each behaviour over the range, deterministically
    for name, share in BEHAVIOURS.items():
        if slot < share:
            return name
        slot -= share
    return "etag"


def _loopback_addresses(count: int) -> list[str]:
    """``127.0.0.1`` … ``127.0.0.count`` (all loopback); only the ones this system binds."""
    found = ["127.0.0.1"]
    for n in range(2, max(1, count) + 1):
        address = f"127.0.0.{n}"
        try:
            with socket.socket() as probe:
                probe.bind((address, 0))
        except OSError:
            break
        found.append(address)
    return found


def _handler(farm: FeedFarm) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stall

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            host = self.server.server_address[0]
            path = self.path
            farm._enter(path, host)
            try:
                status, headers, body = farm.respond(
                    path, {k.lower(): v for k, v in self.headers.items()}
                )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if status != 304:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if status != 304:
                    self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
            finally:
                farm._leave(path, host)

    return Handler
