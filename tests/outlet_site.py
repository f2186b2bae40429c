"""A small real outlet for the issue-19 tests: an RSS feed and article pages whose layout the
generic extractor misreads (``tests/data/outlets/misread.html``), served on loopback.

(No tests here; ``test_outlet_rules.py`` and ``test_outlet_board.py`` use these.)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from httpserver import LoopbackServer
from nashra.config import Settings
from nashra.crawl.pipeline import crawl
from nashra.ingest import save_article
from nashra.model import Article
from nashra.moderation import accounts
from nashra.sources.registry import Registry, Source
from nashra.store import Store

PAGE = (Path(__file__).parent / "data" / "outlets" / "misread.html").read_text(encoding="utf-8")
COUNT = 5
RULES = {
    "body": "div.txt-zone",
    "title": "h2.headline",
    "author": "span.writer",
    "date": "xpath://span[@class='stamp']",
    "date_format": "%d/%m/%Y %H:%M",
}


def article_page(n: int) -> bytes:
    return PAGE.format(
        title=f"البرلمان يصادق على القانون رقم {n}",
        stamp=f"{10 + n:02d}/03/2024 10:30",
        lead=f"صادق مجلس النواب على مشروع القانون رقم {n} بأغلبية أعضائه بعد نقاش طويل.",
    ).encode()


def outlet_feed(base: str, *, full: bool = False) -> bytes:
    items = []
    for n in range(1, COUNT + 1):
        content = (
            f"<content:encoded><![CDATA[<p>النص الكامل للخبر رقم {n} كما ينشره الموقع في "
            "خلاصته، وهو أطول من الملخص بكثير حتى يعتمد عليه.</p>]]></content:encoded>"
            if full else ""
        )  # fmt: skip
        items.append(
            f"<item><title>البرلمان يصادق على القانون رقم {n}</title>"
            f"<link>{base}/akhbar/{n}.html</link><guid>{base}/akhbar/{n}.html</guid>"
            f"<description>ملخص الخبر {n}</description>{content}"
            f"<pubDate>Mon, {10 + n:02d} Mar 2024 09:00:00 GMT</pubDate></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>أخبار</title>'
        f"<link>{base}/</link>{''.join(items)}</channel></rss>"
    ).encode()


def start_outlet() -> LoopbackServer:
    """The outlet's server, started (stop it when done)."""
    server = LoopbackServer().start()
    html = {"Content-Type": "text/html; charset=utf-8"}
    server.routes = {
        "/feed": (200, {"Content-Type": "application/rss+xml"}, outlet_feed(server.base_url)),
        "/full-feed": (
            200,
            {"Content-Type": "application/rss+xml"},
            outlet_feed(server.base_url, full=True),
        ),  # fmt: skip
        **{f"/akhbar/{n}.html": (200, html, article_page(n)) for n in range(1, COUNT + 1)},
    }
    return server


def outlet_source(
    server: LoopbackServer, extract: dict | None = None, feed: str = "/feed"
) -> Source:
    """The outlet's registry entry (with ``extract`` rules if given)."""
    return Registry.loads(
        yaml.safe_dump({"sources": [{
            "slug": "akhbar", "name_ar": "أخبار", "site_url": server.url("/"),
            "feeds": [server.url(feed)], "lang": "ar", **({"extract": extract} if extract else {}),
        }]}, allow_unicode=True)
    )["akhbar"]  # fmt: skip


PASSWORD = "correct horse battery"
# what the board's portal runs with: a fixed secret, the archive checked on every request
BOARD_SETTINGS = {"secret_key": "test-secret", "cache_check_seconds": 0.0}


def build_board(settings: Settings, store: Store, outlet: LoopbackServer) -> Store:
    """akhbar crawled (5 articles, its pages kept), a feed that fails, a lively outlet and a
    silent one (an article every two hours, then nothing for two days); an operator ``omar``
    and a moderator ``amina``."""
    akhbar = outlet_source(outlet)
    broken = Source(slug="broken", name_ar="معطل", site_url=outlet.url("/"),
                    feeds=[outlet.url("/missing-feed")])  # fmt: skip
    lively = Source(slug="lively", name_ar="نشيط")
    quiet = Source(slug="quiet", name_ar="صامت")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    Registry([akhbar, broken, lively, quiet]).save(settings.registry_path)
    store.sync_sources([akhbar, broken, lively, quiet])
    crawl(settings, store, [akhbar, broken])
    now = datetime.now(UTC)
    for slug, end in (("lively", now - timedelta(minutes=30)), ("quiet", now - timedelta(days=2))):
        for i in range(10):
            save_article(store, Article(source=slug, url=f"https://{slug}.example/{i}",
                                       title=f"{slug} {i}", body_text="نص " * 50,
                                       published=end - timedelta(hours=2 * i)))  # fmt: skip
    accounts.create_user(store, "omar", PASSWORD, role="operator")
    accounts.create_user(store, "amina", PASSWORD)
    return store
