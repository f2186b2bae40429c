"""Feed stage speed: parse_feed vs feedparser.parse (and fastfeedparser if installed).

Builds a 30-item Arabic RSS 2.0 feed (~18 KB, WordPress-shaped) from the text of
tests/data/feeds/arabic_wordpress_rss2.xml and parses the same bytes N times with each parser.
The last line printed is one JSON object:
feeds_per_s_ours, feeds_per_s_feedparser, ms_per_feed_ours, ms_per_feed_feedparser,
ratio_vs_feedparser (our cost / feedparser's; lower is better) and, when fastfeedparser is
installed, the same for it (ratio_vs_fastfeedparser).

    .venv/bin/python benchmarks/bench_feeds.py [--quick] [-n N]
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import sys
import time
from pathlib import Path
from xml.sax.saxutils import escape

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import feedparser  # noqa: E402

from nashra.crawl.feeds import parse_feed  # noqa: E402

FIXTURE = ROOT / "tests" / "data" / "feeds" / "arabic_wordpress_rss2.xml"
CONTENT_NS = "{http://purl.org/rss/1.0/modules/content/}encoded"


def build_feed(items: int = 30) -> bytes:
    """A WordPress-shaped Arabic RSS 2.0 feed with ``items`` items (text from the fixture)."""
    root = etree.fromstring(FIXTURE.read_bytes())
    texts = []
    for item in root.iter("item"):
        summary = etree.fromstring("<x>" + item.findtext(CONTENT_NS) + "</x>", etree.HTMLParser())
        paragraph = summary.xpath("string(//p)")
        texts.append((item.findtext("title"), paragraph[:120], item.findtext("category")))
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:atom="http://www.w3.org/2005/Atom">',
        "<channel><title>النشرة</title><link>https://www.example-news.ma</link>",
        '<atom:link href="https://www.example-news.ma/feed" rel="self"/>',
        "<language>ar</language>",
    ]
    for i in range(items):
        title, text, category = texts[i % len(texts)]
        n = 400000 + i
        out.append(
            f"<item><title>{escape(title)} ({i})</title>"
            f"<link>https://www.example-news.ma/{n}.html</link>"
            f'<guid isPermaLink="false">https://www.example-news.ma/?p={n}</guid>'
            f"<dc:creator>هيئة التحرير</dc:creator>"
            f"<pubDate>Thu, {1 + i % 28:02d} Dec 2023 {i % 24:02d}:15:00 +0100</pubDate>"
            f"<category><![CDATA[{category}]]></category>"
            f"<description><![CDATA[<p>{text}</p>]]></description></item>"
        )
    out.append("</channel></rss>")
    return "\n".join(out).encode("utf-8")


def per_feed_seconds(fn, data: bytes, n: int) -> float:
    fn(data)  # warm-up (imports, caches)
    best = float("inf")
    for _ in range(3):  # best of 3 runs of n
        start = time.perf_counter()
        for _ in range(n):
            fn(data)
        best = min(best, (time.perf_counter() - start) / n)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions (< 20 s)")
    ap.add_argument("-n", type=int, default=None, help="parses per run")
    args = ap.parse_args()
    n = args.n or (60 if args.quick else 400)
    logging.disable(logging.WARNING)

    data = build_feed(30)
    ours = parse_feed(data, "https://www.example-news.ma/feed")
    assert len(ours.entries) == 30 and ours.parser == "lxml", ours.bozo_reason
    print(f"feed: {len(data)} bytes, 30 items, parsed by {ours.parser}")

    t_ours = per_feed_seconds(lambda b: parse_feed(b, "https://www.example-news.ma/feed"), data, n)
    t_fp = per_feed_seconds(lambda b: feedparser.parse(io.BytesIO(b)), data, max(10, n // 10))
    result = {
        "feed_bytes": len(data),
        "items": 30,
        "n": n,
        "feeds_per_s_ours": round(1 / t_ours, 1),
        "feeds_per_s_feedparser": round(1 / t_fp, 1),
        "ms_per_feed_ours": round(t_ours * 1000, 3),
        "ms_per_feed_feedparser": round(t_fp * 1000, 3),
        "ratio_vs_feedparser": round(t_ours / t_fp, 4),
    }
    try:
        import fastfeedparser
    except ImportError:
        result["ratio_vs_fastfeedparser"] = None
        result["note"] = "fastfeedparser not installed (pip install fastfeedparser) - skipped"
    else:
        t_ffp = per_feed_seconds(fastfeedparser.parse, data, n)
        result["feeds_per_s_fastfeedparser"] = round(1 / t_ffp, 1)
        result["ms_per_feed_fastfeedparser"] = round(t_ffp * 1000, 3)
        result["ratio_vs_fastfeedparser"] = round(t_ours / t_ffp, 4)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
