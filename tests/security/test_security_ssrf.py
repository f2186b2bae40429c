"""Server-side request forgery (issue 13 §1): a hostile outlet cannot make Nashra fetch from, or
publish, anything on a private network.

A "secret" intranet server listens on 127.0.0.1 and on [::1]; the hostile outlet on 127.0.0.2,
the only address the crawl is allowed to reach. Every way a stranger controls an address —
entry links in every numeric spelling, redirects, robots.txt, lead images, autodiscovery, WebSub
hubs, ``nashra extract`` — must leave zero requests on the secret servers and nothing of them in
the archive.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterator
from html import escape

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from httpserver import LoopbackServer
from nashra.cli import main
from nashra.config import Settings
from nashra.crawl.pipeline import crawl
from nashra.http.fetch import Fetcher
from nashra.http.guard import AddressGuard, BlockedAddress, GuardedTransport, parse_networks
from nashra.observe.metrics import METRICS
from nashra.schedule.websub import subscribe
from nashra.sources.registry import Source
from nashra.store import Store
from nashra.store.schema import articles, feeds, images

SECRET = "SECRET-INTRANET-7f3a"
HOSTILE = "127.0.0.2"
# Ways of writing 127.0.0.1 that resolvers and browsers accept.
SPELLINGS_V4 = [
    "127.0.0.1",
    "localhost",
    "0.0.0.0",
    "2130706433",
    "0x7f.1",
    "0x7f000001",
    "0177.0.0.1",
    "127.1",
    "127.000.000.001",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[0:0:0:0:0:ffff:127.0.0.1]",
]
SPELLINGS_V6 = ["[::1]", "[0:0:0:0:0:0:0:1]", "[::]"]


def _secret_routes() -> dict:
    page = f"<html><head><title>{SECRET}</title></head><body><p>{SECRET}</p></body></html>"
    feed = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{SECRET}</title>'
        f"<item><title>{SECRET}</title><link>http://127.0.0.1/secret</link>"
        f"<description>{SECRET}</description></item></channel></rss>"
    )
    return {
        path: (200, {"Content-Type": kind}, body.encode())
        for path, kind, body in [
            ("/secret", "text/html", page),
            ("/robots.txt", "text/plain", f"# {SECRET}\nUser-agent: *\nAllow: /\n"),
            ("/feed.xml", "application/rss+xml", feed),
            ("/hub", "text/plain", SECRET),
            ("/img.png", "image/png", SECRET),
        ]
    }


@pytest.fixture
def secret() -> Iterator[LoopbackServer]:
    with LoopbackServer(_secret_routes(), host="127.0.0.1") as server:
        yield server


@pytest.fixture
def secret6() -> Iterator[LoopbackServer]:
    with LoopbackServer(_secret_routes(), host="::1") as server:
        yield server


def _targets(secret: LoopbackServer, secret6: LoopbackServer, path: str) -> list[str]:
    return [f"http://{h}:{secret.port}{path}" for h in SPELLINGS_V4] + [
        f"http://{h}:{secret6.port}{path}" for h in SPELLINGS_V6
    ] + [f"http://user:pass@127.0.0.1:{secret.port}{path}"]  # fmt: skip


def _item(title: str, link: str, extra: str = "") -> str:
    return (
        f"<item><title>{escape(title)}</title><link>{escape(link)}</link>"
        f"<guid>{escape(link)}</guid><description>summary of {escape(title)}</description>"
        f"{extra}</item>"
    )


def _hostile_site(secret: LoopbackServer, secret6: LoopbackServer) -> LoopbackServer:
    site = LoopbackServer(host=HOSTILE).start()
    base = site.base_url
    targets = _targets(secret, secret6, "/secret")
    items = [_item(f"direct {n}", url) for n, url in enumerate(targets)]
    for n, url in enumerate(targets):
        site.routes[f"/redirect/{n}"] = (302, {"Location": url}, b"")
        items.append(_item(f"redirected {n}", f"{base}/redirect/{n}"))
    image = f"http://2130706433:{secret.port}/img.png"
    items.append(
        _item(
            "a real article with an internal picture",
            f"{base}/article",
            f'<enclosure url="{image}" type="image/png" length="10"/>',
        )
    )
    feed = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
        f"<title>Hostile</title><link>{base}/</link>"
        f'<atom:link rel="hub" href="http://127.0.0.1:{secret.port}/hub"/>'
        + "".join(items)
        + "</channel></rss>"
    )
    article = (
        "<html><head><title>Real article</title>"
        f'<meta property="og:image" content="http://0x7f.1:{secret.port}/img.png"></head>'
        "<body><article><h1>Real article</h1>"
        + "<p>هذا نص مقال حقيقي من الموقع المسموح به، وفيه ما يكفي من الكلمات ليعد مقالا كاملا.</p>"
        * 8
        + "</article></body></html>"
    )
    home = (
        "<html><head><title>Hostile home</title>"
        f'<link rel="alternate" type="application/rss+xml" '
        f'href="http://127.0.0.1:{secret.port}/feed.xml"></head><body>home</body></html>'
    )
    site.routes.update(
        {
            "/feed.xml": (200, {"Content-Type": "application/rss+xml"}, feed.encode()),
            "/article": (200, {"Content-Type": "text/html; charset=utf-8"}, article.encode()),
            "/": (200, {"Content-Type": "text/html; charset=utf-8"}, home.encode()),
            "/robots.txt": (302, {"Location": f"http://127.0.0.1:{secret.port}/robots.txt"}, b""),
        }
    )
    return site


@pytest.fixture
def hostile(secret: LoopbackServer, secret6: LoopbackServer) -> Iterator[LoopbackServer]:
    site = _hostile_site(secret, secret6)
    try:
        yield site
    finally:
        site.stop()


@pytest.fixture
def guarded(settings: Settings) -> Settings:
    """Only the hostile outlet's address may be reached, as an operator would allow an intranet
    outlet; 127.0.0.1 and [::1], where the secret servers listen, stay refused."""
    return settings.override(fetch_allow_networks=f"{HOSTILE}/32", respect_robots=True)


def _blocked_count() -> float:
    return sum(
        sample.value
        for metric in METRICS.collect()
        if metric.name == "nashra_fetch_blocked"
        for sample in metric.samples
        if sample.name.endswith("_total")
    )


def test_crawl_of_a_hostile_outlet_reaches_nothing_private(
    guarded: Settings,
    sqlite_store: Store,
    hostile: LoopbackServer,
    secret: LoopbackServer,
    secret6: LoopbackServer,
) -> None:
    blocked_before = _blocked_count()
    outlet = Source(slug="hostile", name_ar="معاد", feeds=[hostile.url("/feed.xml")])
    by_home = Source(slug="homeonly", name_ar="بيت", site_url=hostile.url("/"), feeds=[])
    sqlite_store.sync_sources([outlet, by_home])
    report = crawl(guarded, sqlite_store, [outlet, by_home])

    assert secret.requests == [] and secret6.requests == []
    with sqlite_store.engine.connect() as conn:
        stored = conn.execute(select(articles.c.url, articles.c.title, articles.c.body_text)).all()
        feed_urls = [r.url for r in conn.execute(select(feeds.c.url))]
        image_count = len(conn.execute(select(images.c.id)).all())
    # Only the allowed site's own article is in the archive, without the internal picture.
    assert [r.url for r in stored] == [hostile.url("/article")]
    assert all(SECRET not in f"{r.title} {r.body_text}" for r in stored)
    assert image_count == 0
    # Autodiscovery did not adopt the internal feed.
    assert all(str(secret.port) not in url for url in feed_urls)
    assert any("blocked:" in e and "loopback" in e for e in report.errors)
    assert _blocked_count() > blocked_before


@pytest.mark.parametrize("spelling", SPELLINGS_V4)
def test_every_numeric_spelling_is_refused_with_a_reason(
    guarded: Settings, secret: LoopbackServer, spelling: str
) -> None:
    async def run() -> str | None:
        async with Fetcher(guarded.fetch) as fetcher:
            result = await fetcher.fetch(f"http://{spelling}:{secret.port}/secret")
            assert result.error_kind == "blocked", result
            return result.error

    error = asyncio.run(run())
    assert error is not None and error.startswith("blocked: ")
    assert "loopback" in error or "unspecified" in error
    assert secret.requests == []


def test_nashra_extract_refuses_an_internal_address(
    guarded: Settings, secret: LoopbackServer
) -> None:
    result = CliRunner().invoke(
        main, ["extract", f"http://2130706433:{secret.port}/secret"], obj=guarded
    )
    assert result.exit_code != 0
    assert "blocked: 127.0.0.1" in result.output and "loopback" in result.output
    assert secret.requests == []


def test_websub_hub_on_a_private_address_is_never_contacted(
    guarded: Settings, sqlite_store: Store, secret: LoopbackServer
) -> None:
    guarded = guarded.override(base_url="https://portal.example")
    source = Source(slug="hostile", name_ar="معاد", feeds=["http://127.0.0.2:9/feed.xml"])
    sqlite_store.sync_sources([source])
    feed_id = sqlite_store.list_feeds(source="hostile")[0].id
    ok = asyncio.run(
        subscribe(
            guarded, sqlite_store, feed_id, f"http://0x7f000001:{secret.port}/hub",
            "http://127.0.0.2:9/feed.xml", lease_seconds=3600,
        )
    )  # fmt: skip
    assert ok is False
    assert secret.requests == []


def test_websub_reads_at_most_a_capped_answer_from_a_hub(
    guarded: Settings, sqlite_store: Store
) -> None:
    guarded = guarded.override(base_url="https://portal.example")
    endless = (b"x" * 65536 for _ in range(10_000))  # 640 MB if it were all read
    with LoopbackServer({"/hub": lambda req: (202, {}, endless)}, host=HOSTILE) as hub:
        source = Source(slug="hub", name_ar="محور", feeds=[hub.url("/feed.xml")])
        sqlite_store.sync_sources([source])
        feed_id = sqlite_store.list_feeds(source="hub")[0].id
        ok = asyncio.run(
            subscribe(guarded, sqlite_store, feed_id, hub.url("/hub"), hub.url("/feed.xml"),
                      lease_seconds=3600)
        )  # fmt: skip
    assert ok is False


def test_credentials_in_links_are_never_sent_or_stored(
    guarded: Settings, sqlite_store: Store
) -> None:
    page = (
        "<html><body><article>"
        + "<p>نص مقال طويل بما يكفي ليعد مقالا كاملا في هذا الاختبار عن بيانات الدخول.</p>" * 6
        + "</article></body></html>"
    ).encode()
    with LoopbackServer(host=HOSTILE) as site:
        link = f"http://admin:hunter2@{HOSTILE}:{site.port}/a/1"
        feed = f'<rss version="2.0"><channel><title>t</title>{_item("one", link)}</channel></rss>'
        site.routes.update(
            {
                "/feed.xml": (200, {"Content-Type": "application/rss+xml"}, feed.encode()),
                "/a/1": (200, {"Content-Type": "text/html; charset=utf-8"}, page),
            }
        )
        outlet = Source(slug="creds", name_ar="اعتماد", feeds=[site.url("/feed.xml")])
        sqlite_store.sync_sources([outlet])
        crawl(guarded, sqlite_store, [outlet])
        sent = site.requests_for("/a/1")
        clean = f"http://{HOSTILE}:{site.port}/a/1"
    assert sent and all("authorization" not in r.headers for r in sent)
    with sqlite_store.engine.connect() as conn:
        urls = [r.url for r in conn.execute(select(articles.c.url))]
    assert urls == [clean]


# -- the guard's rules, address by address ------------------------------------------------------

REFUSED = {
    "127.0.0.1": "loopback",
    "127.255.0.9": "loopback",
    "0.0.0.0": "unspecified",
    "10.0.0.5": "private",
    "172.16.3.4": "private",
    "192.168.1.1": "private",
    "100.64.0.1": "shared (CGNAT)",
    "169.254.169.254": "link-local",
    "224.0.0.1": "multicast",
    "240.0.0.1": "reserved",
    "255.255.255.255": "reserved",
    "192.0.2.7": "documentation",
    "198.51.100.7": "documentation",
    "203.0.113.7": "documentation",
    "198.18.0.1": "benchmarking",
    "::1": "loopback",
    "::": "unspecified",
    "fd00::1": "private",
    "fc00::1": "private",
    "fe80::1": "link-local",
    "ff02::1": "multicast",
    "2001:db8::1": "documentation",
    "::ffff:127.0.0.1": "loopback",
    "::ffff:10.0.0.1": "private",
    "::ffff:169.254.169.254": "link-local",
    "2002:7f00:1::": "loopback",  # 6to4 of 127.0.0.1
    "2002:a00:1::": "private",  # 6to4 of 10.0.0.1
    "64:ff9b::7f00:1": "loopback",  # NAT64 of 127.0.0.1
    "64:ff9b::a9fe:a9fe": "link-local",  # NAT64 of 169.254.169.254
    "2001:0:4136:e378:8000:63bf:80ff:fffe": "loopback",  # Teredo, client 127.0.0.1
    "::127.0.0.1": "reserved",  # IPv4-compatible (deprecated)
}
ALLOWED = [
    "8.8.8.8",
    "1.1.1.1",
    "41.248.0.1",
    "2606:4700::1111",
    "::ffff:8.8.8.8",
    "2002:808:808::",
]


@pytest.mark.parametrize(("address", "why"), sorted(REFUSED.items()))
def test_guard_refuses_every_non_public_range(address: str, why: str) -> None:
    assert AddressGuard().refusal(ipaddress.ip_address(address)) == why


@pytest.mark.parametrize("address", ALLOWED)
def test_guard_lets_public_addresses_through(address: str) -> None:
    assert AddressGuard().refusal(ipaddress.ip_address(address)) is None


def test_operator_allowlist_opens_only_its_networks() -> None:
    guard = AddressGuard("10.1.0.0/16, 127.0.0.2")
    assert guard.refusal(ipaddress.ip_address("10.1.2.3")) is None
    assert guard.refusal(ipaddress.ip_address("::ffff:10.1.2.3")) is None
    assert guard.refusal(ipaddress.ip_address("127.0.0.2")) is None
    assert guard.refusal(ipaddress.ip_address("10.2.0.1")) == "private"
    assert guard.refusal(ipaddress.ip_address("127.0.0.1")) == "loopback"
    with pytest.raises(ValueError, match="fetch_allow_networks: 'intranet'"):
        parse_networks("10.0.0.0/8, intranet")


def test_a_name_resolving_anywhere_private_is_refused() -> None:
    guard = AddressGuard()
    with pytest.raises(BlockedAddress, match=r"blocked: 127\.0\.0\.1 \(localhost\) is a loopback"):
        asyncio.run(guard.resolve("localhost", 80))


class _PinnedGuard(AddressGuard):
    """A resolver that answers one address for every name (a DNS server the test controls)."""

    def __init__(self, address: str, allow: str) -> None:
        super().__init__(allow)
        self.address = address
        self.lookups = 0

    async def resolve(self, host: str, port: int) -> list[str]:
        self.lookups += 1
        self.check(host, self.address)
        return [self.address]


def test_the_connection_goes_to_the_checked_address_without_a_second_lookup() -> None:
    """DNS rebinding: the name is resolved once, checked, and the socket opened to that address
    (a name that does not exist anywhere still reaches the server the check approved)."""
    with LoopbackServer({"/": (200, {}, b"pinned")}, host=HOSTILE) as site:
        guard = _PinnedGuard(HOSTILE, f"{HOSTILE}/32")
        transport = GuardedTransport(guard)

        async def run() -> httpx.Response:
            async with httpx.AsyncClient(transport=transport) as client:
                return await client.get(f"http://rebind.invalid:{site.port}/")

        response = asyncio.run(run())
        assert site.requests[0].headers["host"] == f"rebind.invalid:{site.port}"
    assert response.text == "pinned" and guard.lookups == 1
