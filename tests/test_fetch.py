"""The fetch stage against real loopback HTTP servers (tests/httpserver.py): no mocks."""

from __future__ import annotations

import asyncio
import gzip
import threading
import time
import tracemalloc
import zlib
from collections.abc import Iterator

import brotli
import pytest

from conftest import LOOPBACK_ALLOWED
from httpserver import LoopbackServer, Request, drip, free_port
from nashra.config import Settings
from nashra.http.fetch import Fetcher, FetchResult, fetch_sync

HTML = "<html><body><p>مرحبا بالعالم — bonjour</p></body></html>".encode()
BOMB_SIZE = 100 * 1024 * 1024  # decompressed size of the bombs
CAP = 1024 * 1024


FETCH = {
    "user_agent": "NashraBot/0.1 (+https://example.org/nashra; tests)",
    "connect_timeout": 2.0,
    "read_timeout": 2.0,
    "total_timeout": 4.0,
    "max_body_bytes": CAP,
    "max_redirects": 3,
    "per_host_concurrency": 4,
    "total_concurrency": 16,
    "respect_robots": True,
    "fetch_allow_networks": LOOPBACK_ALLOWED,
}


def make_settings(**overrides: object) -> Settings:
    return Settings().override(**{**FETCH, **overrides})


def fetch(url: str, settings: Settings | None = None, **kw: object) -> FetchResult:
    """One fetch with a fresh Fetcher (its own event loop)."""

    async def run() -> FetchResult:
        async with Fetcher((settings or make_settings()).fetch) as fetcher:
            return await fetcher.fetch(url, **kw)

    return asyncio.run(run())


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:
        yield srv


def zeros(n_chunks: int, chunk: int = 1 << 20) -> Iterator[bytes]:
    for _ in range(n_chunks):
        yield b"\0" * chunk


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    comp = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    data = b"".join(comp.compress(c) for c in zeros(BOMB_SIZE >> 20)) + comp.flush()
    assert len(data) < 200_000
    return data


@pytest.fixture(scope="module")
def brotli_bomb() -> bytes:
    comp = brotli.Compressor(quality=5)
    data = b"".join(comp.process(c) for c in zeros(BOMB_SIZE >> 20)) + comp.finish()
    assert len(data) < 1024
    return data


# --- the ordinary case ---------------------------------------------------------------------


def test_plain_fetch_returns_body_lowercased_headers_and_sends_user_agent(server):
    server.routes["/page"] = (
        200,
        {"Content-Type": "text/html; charset=UTF-8", "X-Outlet": "Hespress"},
        HTML,
    )
    settings = make_settings()
    result = fetch(server.url("/page"), settings)

    assert result.ok, result.error
    assert result.error is None and result.error_kind is None
    assert result.status == 200
    assert result.content == HTML
    assert result.final_url == server.url("/page") == result.url
    assert result.headers["x-outlet"] == "Hespress"
    assert all(name == name.lower() for name in result.headers)
    assert result.content_type == "text/html"
    assert result.elapsed > 0
    assert not result.not_modified
    # robots.txt (a 404 here) and the page were both asked for with our User-Agent.
    assert [r.path for r in server.requests] == ["/robots.txt", "/page"]
    for request in server.requests:
        assert request.headers["user-agent"] == settings.fetch.user_agent
        assert request.headers["accept-encoding"] == "gzip, deflate, br"


def test_accept_header_is_sent(server):
    server.routes["/feed"] = (200, {"Content-Type": "application/rss+xml"}, b"<rss/>")
    result = fetch(server.url("/feed"), accept="application/rss+xml, */*;q=0.5")
    assert result.ok
    assert server.requests_for("/feed")[0].headers["accept"] == "application/rss+xml, */*;q=0.5"


def test_fetch_sync_wraps_the_async_fetcher(server):
    server.routes["/x"] = (200, {"Content-Type": "text/plain"}, b"hello")
    result = fetch_sync(server.url("/x"), make_settings(), check_robots=False)
    assert result.ok and result.content == b"hello"
    assert server.hits("/robots.txt") == 0


# --- compression and size caps -------------------------------------------------------------


@pytest.mark.parametrize(
    "coding, encode",
    [
        ("gzip", gzip.compress),
        ("br", brotli.compress),
        ("deflate", zlib.compress),  # zlib-wrapped, as RFC 9110 says
        ("deflate", lambda b: zlib.compress(b)[2:-4]),  # raw deflate, as many servers send
        ("gzip", lambda b: gzip.compress(b[:20]) + gzip.compress(b[20:])),  # two members
    ],
)
def test_compressed_bodies_are_decoded(server, coding, encode):
    body = HTML * 50
    server.routes["/c"] = (
        200,
        {"Content-Encoding": coding, "Content-Type": "text/html"},
        encode(body),
    )
    result = fetch(server.url("/c"))
    assert result.ok, result.error
    assert result.content == body


def test_chained_content_encodings_are_undone_in_reverse(server):
    body = HTML * 20
    server.routes["/c"] = (
        200,
        {"Content-Encoding": "gzip, br"},
        brotli.compress(gzip.compress(body)),
    )
    result = fetch(server.url("/c"))
    assert result.ok, result.error
    assert result.content == body


def test_corrupt_gzip_is_an_http_error(server):
    server.routes["/bad"] = (200, {"Content-Encoding": "gzip"}, b"\x1f\x8b\x08\x00garbage" * 10)
    result = fetch(server.url("/bad"))
    assert not result.ok
    assert result.error_kind == "http"
    assert "corrupt" in result.error
    assert result.content == b""


def test_gzip_bomb_stops_at_the_cap(server, gzip_bomb):
    server.routes["/bomb"] = (200, {"Content-Encoding": "gzip"}, gzip_bomb)
    result = fetch(server.url("/bomb"))
    assert result.error_kind == "too_large"
    assert result.status == 200
    assert result.content == b""
    assert not result.ok


@pytest.mark.parametrize("layers", ["br", "gzip, gzip"])
def test_tiny_bomb_stops_at_the_cap_without_inflating(server, brotli_bomb, gzip_bomb, layers):
    # ~1 KB on the wire, 100 MB decoded: the decoded bytes must be capped while streaming, and
    # memory stays near the cap rather than near 100 MB.
    payload = brotli_bomb if layers == "br" else gzip.compress(gzip_bomb)
    assert len(payload) < 1024
    server.routes["/bomb"] = (200, {"Content-Encoding": layers}, payload)
    tracemalloc.start()
    try:
        result = fetch(server.url("/bomb"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.error_kind == "too_large", result.error
    assert peak < 20 * CAP


def test_declared_content_length_over_cap_is_refused_before_reading(server):
    server.routes["/big"] = (200, {"Content-Type": "text/html"}, b"x" * (CAP + 1))
    result = fetch(server.url("/big"))
    assert result.error_kind == "too_large"
    assert "Content-Length" in result.error


def test_streamed_body_over_cap_is_cut_while_reading(server):
    # Chunked, no Content-Length: only counting while streaming can catch it.
    server.routes["/stream"] = lambda req: (
        200,
        {"Content-Type": "text/html"},
        zeros(5, 256 * 1024),
    )
    result = fetch(server.url("/stream"))
    assert result.error_kind == "too_large"
    assert "stopped reading" in result.error


def test_max_bytes_argument_overrides_settings(server):
    server.routes["/p"] = (200, {}, b"y" * 5000)
    assert fetch(server.url("/p"), max_bytes=4999).error_kind == "too_large"
    assert fetch(server.url("/p"), max_bytes=5000).ok


def test_empty_2xx_body_is_not_ok(server):
    server.routes["/empty"] = (200, {"Content-Type": "text/html"}, b"")
    result = fetch(server.url("/empty"))
    assert not result.ok
    assert result.error_kind == "http"
    assert result.status == 200


# --- timeouts ------------------------------------------------------------------------------


def test_dripping_server_hits_the_total_deadline(server):
    # One byte a second never trips a 3 s read timeout; the 1.5 s total deadline must end it.
    server.routes["/drip"] = lambda req: (200, {"Content-Length": "60"}, drip(b"x" * 60, 1.0))
    settings = make_settings(read_timeout=3.0, total_timeout=1.5)
    started = time.monotonic()
    result = fetch(server.url("/drip"), settings, check_robots=False)
    took = time.monotonic() - started
    assert result.error_kind == "timeout"
    assert "1.5" in result.error
    assert result.status == 200  # headers came, the body never finished
    assert result.content == b""
    assert took < 1.5 + 1.0


def test_stalled_server_hits_the_read_timeout(server):
    def stall(req: Request):
        time.sleep(3)
        return 200, {}, b"late"

    server.routes["/stall"] = stall
    settings = make_settings(read_timeout=0.4, total_timeout=10.0)
    started = time.monotonic()
    result = fetch(server.url("/stall"), settings, check_robots=False)
    assert result.error_kind == "timeout"
    assert "read timeout" in result.error
    assert result.status == 0
    assert time.monotonic() - started < 2.5


# --- redirects -----------------------------------------------------------------------------


def test_relative_redirects_are_followed_and_final_url_reported(server):
    server.routes["/old/feed"] = (301, {"Location": "../moved"}, b"")
    server.routes["/moved"] = (302, {"Location": "/new/feed?x=1"}, b"")
    server.routes["/new/feed?x=1"] = (200, {"Content-Type": "text/xml"}, b"<rss/>")
    result = fetch(server.url("/old/feed"))
    assert result.ok, result.error
    assert result.url == server.url("/old/feed")
    assert result.final_url == server.url("/new/feed?x=1")
    assert result.content == b"<rss/>"


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_every_redirect_status_is_followed(server, status):
    server.routes["/a"] = (status, {"Location": "/b"}, b"")
    server.routes["/b"] = (200, {}, b"ok")
    result = fetch(server.url("/a"))
    assert result.ok and result.final_url == server.url("/b")


def test_redirect_loop_ends_in_too_many_redirects(server):
    server.routes["/loop1"] = (302, {"Location": "/loop2"}, b"")
    server.routes["/loop2"] = (302, {"Location": "/loop1"}, b"")
    settings = make_settings(max_redirects=3)
    result = fetch(server.url("/loop1"), settings)
    assert result.error_kind == "too_many_redirects"
    assert not result.ok
    # The first request plus the three redirects allowed, no more.
    assert server.hits("/loop1") + server.hits("/loop2") == 4


def test_redirect_to_non_http_scheme_is_invalid_url(server):
    server.routes["/r"] = (302, {"Location": "ftp://example.org/file"}, b"")
    result = fetch(server.url("/r"))
    assert result.error_kind == "invalid_url"
    assert result.final_url == "ftp://example.org/file"


def test_redirect_without_location_is_an_http_error(server):
    server.routes["/r"] = (302, {}, b"")
    result = fetch(server.url("/r"))
    assert result.error_kind == "http" and result.status == 302


# --- conditional GET -----------------------------------------------------------------------


def conditional_route(etag: str, last_modified: str, send_validators_on_304: bool):
    def route(req: Request):
        if req.headers.get("if-none-match") == etag:
            headers = {"ETag": etag} if send_validators_on_304 else {}
            return 304, headers, b""
        return 200, {"ETag": etag, "Last-Modified": last_modified}, b"<rss>v1</rss>"

    return route


@pytest.mark.parametrize("send_validators_on_304", [True, False])
def test_conditional_get_returns_not_modified(server, send_validators_on_304):
    etag, lm = '"abc123"', "Wed, 21 Oct 2015 07:28:00 GMT"
    server.routes["/feed"] = conditional_route(etag, lm, send_validators_on_304)
    first = fetch(server.url("/feed"))
    assert first.ok and first.content == b"<rss>v1</rss>"
    assert (first.etag, first.last_modified) == (etag, lm)

    second = fetch(server.url("/feed"), etag=first.etag, last_modified=first.last_modified)
    assert second.not_modified
    assert second.ok
    assert second.status == 304
    assert second.content == b""
    assert (second.etag, second.last_modified) == (etag, lm)
    sent = server.requests_for("/feed")[-1].headers
    assert sent["if-none-match"] == etag
    assert sent["if-modified-since"] == lm
    assert "if-none-match" not in server.requests_for("/feed")[0].headers


def test_non_ascii_validator_does_not_break_the_request(server):
    server.routes["/f"] = (200, {}, b"body")
    result = fetch(server.url("/f"), etag='W/"café"')
    assert result.ok
    assert server.requests_for("/f")[0].headers["if-none-match"]


# --- HTTP errors, connection errors, bad URLs ----------------------------------------------


@pytest.mark.parametrize("status", [404, 410, 500, 503])
def test_http_error_statuses(server, status):
    server.routes["/e"] = (status, {"Content-Type": "text/html"}, b"<h1>error</h1>")
    result = fetch(server.url("/e"))
    assert result.error_kind == "http"
    assert result.status == status
    assert str(status) in result.error
    assert result.content == b""
    assert not result.ok


def test_429_keeps_retry_after(server):
    server.routes["/busy"] = (429, {"Retry-After": "120"}, b"slow down")
    result = fetch(server.url("/busy"))
    assert result.error_kind == "http" and result.status == 429
    assert result.headers["retry-after"] == "120"


def test_connection_refused():
    result = fetch(f"http://127.0.0.1:{free_port()}/feed", check_robots=False)
    assert result.error_kind == "connection"
    assert result.status == 0
    assert result.error
    assert not result.ok


def test_connection_refused_with_robots_check_still_reports_connection():
    result = fetch(f"http://127.0.0.1:{free_port()}/feed")
    assert result.error_kind == "connection"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/feed.xml",
        "javascript:alert(1)",
        "mailto:desk@example.org",
        "file:///etc/passwd",
        "not a url",
        "/relative/path",
        "http://",
        "",
        "http://exa mple.org/",
        "http://[::1/",
    ],
)
def test_invalid_urls(url):
    result = fetch(url)
    assert result.error_kind == "invalid_url", result.error
    assert result.status == 0
    assert result.url == url
    assert not result.ok


def test_content_type_mismatch_with_accept(server):
    server.routes["/img"] = (200, {"Content-Type": "text/html; charset=utf-8"}, HTML)
    result = fetch(server.url("/img"), accept="image/*")
    assert result.error_kind == "content_type"
    assert "text/html" in result.error
    assert result.content == b""
    # A wildcard or a matching range lets it through.
    assert fetch(server.url("/img"), accept="application/rss+xml, */*;q=0.1").ok
    assert fetch(server.url("/img"), accept="text/*").ok
    assert fetch(server.url("/img"), accept="text/html;q=0, image/*").error_kind == "content_type"


# --- robots.txt ----------------------------------------------------------------------------

ROBOTS = b"""User-agent: *
Disallow: /private/

User-agent: NashraBot
Disallow: /no-nashra/
Allow: /private/open
"""


def test_robots_disallowed_url_is_not_requested(server):
    server.routes["/robots.txt"] = (200, {"Content-Type": "text/plain"}, ROBOTS)
    server.routes["/no-nashra/page"] = (200, {}, b"secret")
    server.routes["/public"] = (200, {}, b"news")
    result = fetch(server.url("/no-nashra/page"))
    assert result.error_kind == "robots"
    assert result.status == 0
    assert server.hits("/no-nashra/page") == 0
    assert fetch(server.url("/public")).ok


def test_robots_group_for_our_agent_replaces_the_star_group(server):
    server.routes["/robots.txt"] = (200, {}, ROBOTS)
    server.routes["/private/x"] = (200, {}, b"p")
    # Our own group does not disallow /private/, so the * group does not apply to us.
    assert fetch(server.url("/private/x")).ok
    other = make_settings(user_agent="OtherCrawler/1.0")
    assert fetch(server.url("/private/x"), other).error_kind == "robots"


def test_robots_is_fetched_once_per_host_and_cached(server):
    server.routes["/robots.txt"] = (200, {}, ROBOTS)
    for i in range(10):
        server.routes[f"/a{i}"] = (200, {}, b"a")

    async def run() -> list[FetchResult]:
        async with Fetcher(make_settings().fetch) as fetcher:
            first = await asyncio.gather(*(fetcher.fetch(server.url(f"/a{i}")) for i in range(5)))
            later = [await fetcher.fetch(server.url(f"/a{i}")) for i in range(5, 10)]
            return [*first, *later]

    results = asyncio.run(run())
    assert all(r.ok for r in results)
    assert server.hits("/robots.txt") == 1


def test_robots_cache_expires_after_ttl(server):
    server.routes["/robots.txt"] = (200, {}, ROBOTS)
    server.routes["/a"] = (200, {}, b"a")

    async def run() -> None:
        async with Fetcher(make_settings().fetch, robots_ttl=0.3) as fetcher:
            assert (await fetcher.fetch(server.url("/a"))).ok
            assert (await fetcher.fetch(server.url("/a"))).ok
            assert server.hits("/robots.txt") == 1
            await asyncio.sleep(0.35)
            assert (await fetcher.fetch(server.url("/a"))).ok

    asyncio.run(run())
    assert server.hits("/robots.txt") == 2


@pytest.mark.parametrize("status", [401, 403, 404, 410])
def test_robots_4xx_allows_everything(server, status):
    server.routes["/robots.txt"] = (status, {}, b"User-agent: *\nDisallow: /\n")
    server.routes["/page"] = (200, {}, b"ok")
    assert fetch(server.url("/page")).ok
    assert server.hits("/page") == 1


def test_empty_robots_allows_everything_and_is_cached(server):
    server.routes["/robots.txt"] = (200, {"Content-Type": "text/plain"}, b"")
    server.routes["/page"] = (200, {}, b"ok")

    async def run() -> list[FetchResult]:
        async with Fetcher(make_settings().fetch) as fetcher:
            return [await fetcher.fetch(server.url("/page")) for _ in range(2)]

    assert all(r.ok for r in asyncio.run(run()))
    assert server.hits("/robots.txt") == 1


@pytest.mark.parametrize("status", [500, 503, 429])
def test_robots_5xx_allows_but_is_retried_soon(server, status):
    server.routes["/robots.txt"] = (status, {}, b"User-agent: *\nDisallow: /\n")
    server.routes["/page"] = (200, {}, b"ok")

    async def run() -> None:
        async with Fetcher(make_settings().fetch, robots_error_ttl=0.2) as fetcher:
            assert (await fetcher.fetch(server.url("/page"))).ok
            # Now robots.txt is back and forbids everything: honoured once the short TTL ends.
            server.routes["/robots.txt"] = (200, {}, b"User-agent: *\nDisallow: /\n")
            await asyncio.sleep(0.25)
            assert (await fetcher.fetch(server.url("/page"))).error_kind == "robots"

    asyncio.run(run())
    assert server.hits("/robots.txt") == 2
    assert server.hits("/page") == 1


def test_robots_fetch_obeys_the_deadline(server):
    server.routes["/robots.txt"] = lambda req: (
        200,
        {"Content-Length": "100"},
        drip(b"#" * 100, 0.3),
    )
    server.routes["/page"] = (200, {}, b"ok")
    settings = make_settings(read_timeout=2.0, total_timeout=1.0)
    started = time.monotonic()
    result = fetch(server.url("/page"), settings)
    assert result.ok, result.error  # robots unreachable -> allowed
    assert time.monotonic() - started < 1.0 + 1.5


def test_robots_over_the_cap_is_parsed_up_to_the_cap(server):
    # A 2 MB robots.txt (cap here: 1 MB): the rules at its start still apply, the tail is ignored.
    filler = b"# padding line for a robots.txt that is far too long\n" * 40_000
    body = b"User-agent: *\nDisallow: /blocked/\n" + filler + b"Disallow: /tail/\n"
    server.routes["/robots.txt"] = (200, {}, body)
    server.routes["/blocked/x"] = (200, {}, b"x")
    server.routes["/tail/x"] = (200, {}, b"x")

    async def run() -> tuple[FetchResult, FetchResult]:
        async with Fetcher(make_settings().fetch) as fetcher:
            return (
                await fetcher.fetch(server.url("/blocked/x")),
                await fetcher.fetch(server.url("/tail/x")),
            )

    blocked, tail = asyncio.run(run())
    assert blocked.error_kind == "robots"
    assert tail.ok
    assert server.hits("/robots.txt") == 1


def test_redirect_into_a_disallowed_path_is_stopped(server):
    server.routes["/robots.txt"] = (200, {}, ROBOTS)
    server.routes["/go"] = (302, {"Location": "/no-nashra/target"}, b"")
    server.routes["/no-nashra/target"] = (200, {}, b"t")
    result = fetch(server.url("/go"))
    assert result.error_kind == "robots"
    assert result.final_url == server.url("/no-nashra/target")
    assert server.hits("/no-nashra/target") == 0


def test_robots_can_be_switched_off(server):
    server.routes["/robots.txt"] = (200, {}, b"User-agent: *\nDisallow: /\n")
    server.routes["/page"] = (200, {}, b"ok")
    assert fetch(server.url("/page"), check_robots=False).ok
    assert fetch(server.url("/page"), make_settings(respect_robots=False)).ok
    assert server.hits("/robots.txt") == 0


# --- concurrency limits --------------------------------------------------------------------


class Gauge:
    """Counts requests in progress across servers, keeping the maximum seen."""

    def __init__(self) -> None:
        self.now = 0
        self.peak = 0
        self._lock = threading.Lock()

    def route(self, delay: float):
        def handle(req: Request):
            with self._lock:
                self.now += 1
                self.peak = max(self.peak, self.now)
            try:
                time.sleep(delay)
            finally:
                with self._lock:
                    self.now -= 1
            return 200, {}, b"done"

        return handle


def test_per_host_concurrency_limit(server):
    gauge = Gauge()
    server.routes["/slow"] = gauge.route(0.15)
    settings = make_settings(per_host_concurrency=2, total_concurrency=20)

    async def run() -> list[FetchResult]:
        async with Fetcher(settings.fetch) as fetcher:
            urls = [server.url(f"/slow?i={i}") for i in range(8)]
            return await asyncio.gather(*(fetcher.fetch(u, check_robots=False) for u in urls))

    results = asyncio.run(run())
    assert all(r.ok for r in results)
    assert gauge.peak == 2  # reached, never exceeded
    assert server.max_in_flight <= 2


def test_global_concurrency_limit_across_hosts():
    gauge = Gauge()
    route = {"/slow": gauge.route(0.15)}
    settings = make_settings(
        per_host_concurrency=10,
        total_concurrency=3,
        fetch_allow_networks="127.0.0.1/32, 127.0.0.2/32",
    )
    with (
        LoopbackServer(route, host="127.0.0.1") as one,
        LoopbackServer(route, host="127.0.0.2") as two,
    ):

        async def run() -> list[FetchResult]:
            async with Fetcher(settings.fetch) as fetcher:
                urls = [s.url(f"/slow?i={i}") for s in (one, two) for i in range(5)]
                return await asyncio.gather(*(fetcher.fetch(u, check_robots=False) for u in urls))

        results = asyncio.run(run())
    assert all(r.ok for r in results)
    assert gauge.peak == 3


def test_server_hanging_up_mid_body_is_a_connection_error(server):
    # Promises 1000 bytes, sends 10, closes the connection.
    server.routes["/cut"] = lambda req: (200, {"Content-Length": "1000"}, iter([b"0123456789"]))
    result = fetch(server.url("/cut"), check_robots=False)
    assert result.error_kind == "connection"
    assert result.status == 200
    assert result.content == b""


def test_robots_redirect_is_followed(server):
    server.routes["/robots.txt"] = (301, {"Location": "/robots-2024.txt"}, b"")
    server.routes["/robots-2024.txt"] = (200, {}, b"User-agent: *\nDisallow: /hidden\n")
    server.routes["/hidden"] = (200, {}, b"h")
    assert fetch(server.url("/hidden")).error_kind == "robots"
    assert server.hits("/robots-2024.txt") == 1
    assert server.hits("/hidden") == 0


def test_non_ascii_path_is_percent_encoded_on_the_wire(server):
    server.routes["/أخبار/feed"] = (200, {"Content-Type": "application/rss+xml"}, b"<rss/>")
    result = fetch(server.url("/أخبار/feed"))
    assert result.ok, result.error
    assert server.requests_for("/أخبار/feed")[0].target.startswith("/%D8%A3")
