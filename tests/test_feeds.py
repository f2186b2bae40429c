"""The feed stage: bytes of a feed → ParsedFeed / FeedEntry.

Fixtures: tests/data/feedparser-tests/ (feedparser's own 2,107 fixtures, BSD-2) and
tests/data/feeds/ (ours: Arabic WordPress RSS, windows-1256 with right and wrong prologs, Atom,
JSON Feed, odd dates, relative links, an HTML page, an empty body, a billion-laughs document).
"""

from __future__ import annotations

import calendar
import csv
import dataclasses
import datetime as dt_module
import io
import logging
import random
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest

from nashra.crawl.feeds import ParsedFeed, parse_feed
from nashra.crawl.feeds.markup import construct_to_text, is_http_url
from nashra.crawl.feeds.parse import parse_feed_with_feedparser
from nashra.model import FeedEntry

DATA = Path(__file__).parent / "data"
FP_DIR = DATA / "feedparser-tests"
FEEDS = DATA / "feeds"
FEED_URL = "https://www.example-news.ma/feeds/feed.xml"

# Fixtures where we knowingly differ from feedparser, with the reason.
KNOWN_DIFFERENCES = {
    # feedparser takes a rel="enclosure" link of type text/html as the entry link; we keep
    # the rel="alternate" one, which is the page of the entry.
    "tests/wellformed/atom/entry_link_no_href_link_priority.xml",
    "tests/wellformed/atom/entry_link_rel_enclosure_no_href.xml",
    "tests/wellformed/atom10/entry_link_no_href_link_priority.xml",
    "tests/wellformed/atom10/entry_link_rel_enclosure_no_href.xml",
}


def _manifest() -> list[dict[str, str]]:
    with (FP_DIR / "manifest.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _headers(row: dict[str, str]) -> dict[str, str]:
    if not row["http_headers"]:
        return {}
    name, _, value = row["http_headers"].partition(":")
    return {name.strip(): value.strip()}


def _read(name: str) -> bytes:
    return (FEEDS / name).read_bytes()


MANIFEST = _manifest()


@pytest.fixture(scope="module")
def parsed_manifest() -> dict[str, ParsedFeed]:
    """Every manifest fixture through parse_feed once (shared by the manifest tests)."""
    logging.disable(logging.WARNING)
    try:
        out = {}
        for row in MANIFEST:
            data = (FP_DIR / row["path"]).read_bytes()
            out[row["path"]] = parse_feed(data, "http://example.com/feed.xml", _headers(row))
        return out
    finally:
        logging.disable(logging.NOTSET)


def _check_entry(entry: FeedEntry) -> str | None:
    if not isinstance(entry, FeedEntry) or not entry.url:
        return "entry without url"
    for d in (entry.published, entry.updated):
        if d is not None and d.utcoffset() != dt_module.timedelta(0):
            return f"date not in UTC: {d!r}"
    if entry.title != " ".join(entry.title.split()):
        return "title whitespace not collapsed"
    return None


def test_every_manifest_fixture_parses_without_crashing(parsed_manifest):
    failures = []
    for row in MANIFEST:
        feed = parsed_manifest[row["path"]]
        if not isinstance(feed, ParsedFeed):
            failures.append((row["path"], "not a ParsedFeed"))
            continue
        if feed.bozo_reason and feed.bozo_reason.startswith("internal error"):
            failures.append((row["path"], feed.bozo_reason))
        if feed.kind not in ("rss", "atom", "rdf", "json", "unknown"):
            failures.append((row["path"], f"kind {feed.kind}"))
        for entry in feed.entries:
            problem = _check_entry(entry)
            if problem:
                failures.append((row["path"], problem))
                break
    assert len(parsed_manifest) == len(MANIFEST) == 2107
    assert failures == []


def test_malformed_manifest_fixtures_are_bozo_with_a_reason(parsed_manifest):
    expected = [row["path"] for row in MANIFEST if row["bozo_expected"] == "True"]
    assert len(expected) == 20
    missed = [p for p in expected if not parsed_manifest[p].bozo]
    no_reason = [p for p in expected if not parsed_manifest[p].bozo_reason]
    assert missed == []
    assert no_reason == []


def _same(a: ParsedFeed, b: ParsedFeed) -> list[str]:
    diffs = [
        f"feed.{name}"
        for name in ("kind", "title", "link", "hub", "self_url")
        if getattr(a, name) != getattr(b, name)
    ]
    if len(a.entries) != len(b.entries):
        return [*diffs, f"{len(a.entries)} vs {len(b.entries)} entries"]
    for i, (x, y) in enumerate(zip(a.entries, b.entries, strict=True)):
        for f in dataclasses.fields(FeedEntry):
            if getattr(x, f.name) != getattr(y, f.name):
                diffs.append(
                    f"entries[{i}].{f.name}: {getattr(x, f.name)!r} != {getattr(y, f.name)!r}"
                )
    return diffs


def test_fast_path_and_feedparser_path_give_the_same_entries(parsed_manifest):
    """The lxml path and the feedparser path agree on every feed the fast path accepts."""
    failures = {}
    compared = 0
    logging.disable(logging.WARNING)
    try:
        for row in MANIFEST:
            fast = parsed_manifest[row["path"]]
            if fast.parser != "lxml":
                continue
            data = (FP_DIR / row["path"]).read_bytes()
            slow = parse_feed_with_feedparser(data, "http://example.com/feed.xml", _headers(row))
            compared += 1
            diffs = _same(fast, slow)
            if diffs:
                failures[row["path"]] = diffs[:3]
        for name in (
            "arabic_wordpress_rss2.xml",
            "arabic_windows1256.xml",
            "atom10.xml",
            "rss_odd_rfc822_dates.xml",
            "rss_arabic_month_dates.xml",
            "rss_relative_links.xml",
        ):
            fast = parse_feed(_read(name), FEED_URL)
            assert fast.parser == "lxml", name
            slow = parse_feed_with_feedparser(_read(name), FEED_URL)
            compared += 1
            diffs = _same(fast, slow)
            if diffs:
                failures[name] = diffs[:3]
    finally:
        logging.disable(logging.NOTSET)
    assert compared > 800  # most well-formed RSS 2.0 / Atom 1.0 fixtures take the fast path
    assert failures == {}


def _eval_expect(expect: str, d: feedparser.FeedParserDict) -> bool:
    namespace = dict(d)
    namespace.update(feedparser=feedparser, datetime=dt_module, time=time)
    try:
        return bool(eval(expect, {"__builtins__": __builtins__}, namespace))  # noqa: S307
    except Exception:
        return False


def test_entries_agree_with_feedparser_where_its_expectation_holds():
    """For fixtures whose `Expect:` is about entries and holds for feedparser, our entry
    links, titles and dates agree with feedparser's."""
    selected = 0
    failures = []
    logging.disable(logging.WARNING)
    try:
        for row in MANIFEST:
            if row["bozo_expected"] == "True" or "entries" not in row["expect"]:
                continue
            if row["path"] in KNOWN_DIFFERENCES:
                continue
            data = (FP_DIR / row["path"]).read_bytes()
            d = feedparser.parse(io.BytesIO(data), response_headers=_headers(row) or None)
            if d.bozo or not _eval_expect(row["expect"], d):
                continue
            selected += 1
            ours = parse_feed(data, "", _headers(row))
            theirs = [
                e
                for e in d.entries
                if any(ln.get("rel") == "alternate" and ln.get("href") for ln in e.get("links", []))
                or is_http_url(e.get("id", ""))
            ]
            if len(theirs) != len(ours.entries):
                failures.append((row["path"], "count", len(theirs), len(ours.entries)))
                continue
            for mine, e in zip(ours.entries, theirs, strict=True):
                link = e.get("link") or e.get("id")
                if mine.url != link:
                    failures.append((row["path"], "url", mine.url, link))
                detail = e.get("title_detail") or {}
                atom_text = d.version.startswith("atom") and detail.get("type") == "text/plain"
                title = construct_to_text(e.get("title", ""), "text" if atom_text else "html")
                if mine.title != title:
                    failures.append((row["path"], "title", mine.title, title))
                parsed = e.get("published_parsed") or e.get("updated_parsed")
                if parsed:
                    when = datetime.fromtimestamp(calendar.timegm(parsed), UTC)
                    if mine.published != when:
                        failures.append((row["path"], "date", mine.published, when))
    finally:
        logging.disable(logging.NOTSET)
    assert selected > 400
    assert failures == []


# --- our own fixtures -------------------------------------------------------------------


def test_arabic_wordpress_rss2_feed():
    feed = parse_feed(_read("arabic_wordpress_rss2.xml"), "https://www.example-news.ma/feed")
    assert (feed.kind, feed.parser, feed.bozo) == ("rss", "lxml", False)
    assert feed.title == "جريدة النشرة – أخبار المغرب"  # &#8211; decoded
    assert feed.link == "https://www.example-news.ma"
    assert feed.hub == "https://pubsubhubbub.appspot.com/"
    assert feed.self_url == "https://www.example-news.ma/feed"
    assert len(feed.entries) == 5
    first = feed.entries[0]
    assert first.url == "https://www.example-news.ma/385470.html"
    assert first.guid == "https://www.example-news.ma/?p=385470"
    assert first.title == "الحكومة تصادق على مشروع قانون المالية لسنة 2024"
    assert first.author == "محمد العلوي"
    assert first.categories == ["سياسة", "الرئيسية"]
    assert first.lang == "ar"
    assert first.published == datetime(2023, 12, 14, 10, 15, tzinfo=UTC)
    assert "<h2>تفاصيل</h2>" in first.content_html
    assert "<" not in first.summary and "[…]" in first.summary
    # media:content wins over the first <img> of the content
    assert (
        first.image_url == "https://www.example-news.ma/wp-content/uploads/2023/12/photo-385470.jpg"
    )
    # +0100 converted to UTC
    assert feed.entries[1].published == datetime(2023, 12, 13, 20, 40, tzinfo=UTC)


def test_windows_1256_feed_with_correct_prolog():
    feed = parse_feed(_read("arabic_windows1256.xml"), "https://akhbar.example.ma/rss")
    assert (feed.parser, feed.bozo) == ("lxml", False)
    assert feed.title == "أخبار اليوم"
    assert [e.title for e in feed.entries][:1] == [
        "الحكومة تصادق على مشروع قانون المالية لسنة 2024"
    ]
    assert feed.entries[0].lang == "ar"  # "ar-MA" → "ar"


def test_windows_1256_bytes_behind_a_utf8_prolog_are_repaired_and_flagged(caplog):
    right = parse_feed(_read("arabic_windows1256.xml"), "https://akhbar.example.ma/rss")
    with caplog.at_level(logging.WARNING, logger="nashra.crawl.feeds"):
        wrong = parse_feed(
            _read("arabic_windows1256_wrong_prolog.xml"), "https://akhbar.example.ma/rss"
        )
    assert wrong.bozo and "windows-1256" in (wrong.bozo_reason or "")
    assert wrong.parser == "feedparser"
    assert [e.title for e in wrong.entries] == [e.title for e in right.entries]
    assert [e.summary for e in wrong.entries] == [e.summary for e in right.entries]
    warnings = [r for r in caplog.records if r.name == "nashra.crawl.feeds"]
    assert len(warnings) == 1 and "https://akhbar.example.ma/rss" in warnings[0].getMessage()


def test_http_charset_overrides_a_wrong_prolog():
    data = _read("arabic_windows1256_wrong_prolog.xml")
    feed = parse_feed(data, "", {"Content-Type": "application/rss+xml; charset=windows-1256"})
    assert feed.entries[0].title == "الحكومة تصادق على مشروع قانون المالية لسنة 2024"


def test_atom_feed():
    feed = parse_feed(_read("atom10.xml"), "https://actu.example.fr/feed.atom")
    assert (feed.kind, feed.parser, feed.bozo) == ("atom", "lxml", False)
    assert feed.title == "Actualités & analyses"
    assert feed.link == "https://actu.example.fr/"  # "/" against xml:base
    assert feed.hub == "https://websub.example.net/"
    assert feed.self_url == "https://actu.example.fr/feed.atom"
    first, second, third = feed.entries
    assert first.url == "https://actu.example.fr/blog/2023/12/budget-2024"  # xml:base
    assert first.title == "Le budget 2024 adopté"  # type="html": markup stripped
    assert (
        first.summary == "Le Parlement a adopté le budget <2024> après un long débat."
    )  # type="text"
    assert first.author == "Claire Martin"  # e-mail dropped
    assert first.categories == ["politique", "économie"]
    assert first.image_url == "https://actu.example.fr/img/budget.jpg"  # image enclosure
    assert first.published == datetime(2023, 12, 14, 8, 30, tzinfo=UTC)
    assert first.updated == datetime(2023, 12, 14, 10, 0, tzinfo=UTC)
    assert (first.lang, second.lang) == ("fr", "ar")
    assert second.summary == "صادق البرلمان على الميزانية."
    assert second.published == second.updated  # no <published>: falls back to <updated>
    assert third.url == third.guid == "https://actu.example.fr/blog/2023/12/sans-lien"
    assert feed.dropped_entries == 1  # the entry with neither link nor URL id


def test_json_feed():
    feed = parse_feed(_read("jsonfeed11.json"), "https://json.example.ma/feed.json")
    assert (feed.kind, feed.bozo) == ("json", False)
    assert feed.title == "النشرة — JSON"
    assert feed.hub == "https://websub.example.net/"
    assert feed.self_url == "https://json.example.ma/feed.json"
    first, second, third = feed.entries
    assert first.title == "افتتاح خط السكك الحديدية الجديد"
    assert first.content_html == "<p>افتتح <strong>الخط الجديد</strong> اليوم.</p>"
    assert first.image_url == "https://json.example.ma/img/1001.jpg"
    assert first.author == "سعاد بنعلي"
    assert first.categories == ["نقل", "اقتصاد"]
    assert first.published == datetime(2023, 12, 14, 9, 15, tzinfo=UTC)
    assert second.url == "https://json.example.ma/posts/1002"
    assert second.lang == "fr"
    assert second.content_html == "<p>Texte brut, avec &lt;des chevrons&gt;.</p>"
    assert third.url == "https://json.example.ma/posts/1003"
    assert feed.dropped_entries == 1


def test_feedparser_json_fixture():
    row = next(r for r in MANIFEST if r["group"] == "json")
    feed = parse_feed((FP_DIR / row["path"]).read_bytes())
    assert feed.kind == "json" and feed.title == "My Example Feed" and len(feed.entries) == 2


def test_invalid_json_is_bozo():
    feed = parse_feed(b'{"version": "https://jsonfeed.org/version/1.1", "items": [')
    assert feed.bozo and feed.kind == "unknown" and "JSON" in (feed.bozo_reason or "")


def test_odd_rfc822_dates():
    feed = parse_feed(_read("rss_odd_rfc822_dates.xml"))
    by_title = {e.title: e.published for e in feed.entries}
    assert by_title.pop("garbage date") is None
    assert set(by_title.values()) == {datetime(2023, 12, 14, 10, 15, tzinfo=UTC)}
    assert len(by_title) == 9


def test_arabic_month_names_never_break_the_feed():
    feed = parse_feed(_read("rss_arabic_month_dates.xml"))
    assert [e.url for e in feed.entries] == [
        "https://akhbar.example.ma/news/101",
        "https://akhbar.example.ma/news/102",
        "https://akhbar.example.ma/news/103",
    ]


def test_arabic_month_names_are_parsed_by_the_project_date_parser():
    pytest.importorskip("nashra.text.dates")
    feed = parse_feed(_read("rss_arabic_month_dates.xml"))
    first = feed.entries[0].published  # «الجمعة 20 نونبر 2020 - 09:00» (Moroccan month name)
    assert first is not None and (first.year, first.month, first.day) == (2020, 11, 20)
    for entry, (year, month) in zip(feed.entries[1:], [(2023, 12), (2024, 1)], strict=True):
        if entry.published is not None:  # other forms: right when understood at all
            assert (entry.published.year, entry.published.month) == (year, month)


def test_relative_links_resolve_against_the_feed_url():
    feed = parse_feed(_read("rss_relative_links.xml"), "https://rel.example.org/feeds/main.xml")
    assert feed.link == "https://rel.example.org/"
    urls = [e.url for e in feed.entries]
    assert urls == [
        "https://rel.example.org/2023/12/14/story-one",
        "https://rel.example.org/feeds/story-two.html",
        "https://cdn.example.org/story-three",
        "https://rel.example.org/news/story-four",  # permalink guid used as the URL
    ]
    assert feed.entries[0].image_url == "https://rel.example.org/thumbs/one.jpg"
    assert feed.entries[1].image_url == "https://rel.example.org/img/two.png"
    assert feed.dropped_entries == 1  # guid "12345" is not a URL


def test_relative_links_stay_relative_without_a_feed_url():
    feed = parse_feed(_read("rss_relative_links.xml"))
    assert feed.entries[0].url == "/2023/12/14/story-one"


def test_html_page_instead_of_a_feed():
    feed = parse_feed(_read("html_page.html"), "https://www.example-news.ma/")
    assert (feed.kind, feed.bozo, feed.entries) == ("unknown", True, [])
    assert "HTML" in (feed.bozo_reason or "")


@pytest.mark.parametrize("body", [b"", b"   \n\t ", _read("empty.xml")])
def test_empty_body(body):
    feed = parse_feed(body)
    assert (feed.kind, feed.bozo, feed.bozo_reason, feed.entries) == (
        "unknown",
        True,
        "empty document",
        [],
    )


def _peak_mb(fn):
    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def test_billion_laughs_does_not_expand():
    feed, peak = _peak_mb(lambda: parse_feed(_read("billion_laughs.xml")))
    assert feed.bozo
    assert peak < 20
    assert len(feed.title) < 100 and all(len(e.title) < 100 for e in feed.entries)


def test_quadratic_entity_blowup_does_not_expand():
    data = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "'
        + b"x" * 60000
        + b'">]><rss version="2.0"><channel><item><title>'
        + b"&a;" * 30000
        + b"</title><link>https://x.example/1</link></item></channel></rss>"
    )
    feed, peak = _peak_mb(lambda: parse_feed(data))
    assert feed.bozo and "entity" in (feed.bozo_reason or "")
    assert peak < 50  # expanded, it would be 1.8 GB


def test_binary_garbage():
    garbage = random.Random(7).randbytes(2_000_000)
    feed = parse_feed(garbage, "https://x.example/feed")
    assert (feed.bozo, feed.entries) == (True, [])
    assert parse_feed(b"\x00\xff\xfe" * 1000).bozo


def test_bytes_that_look_like_a_path_are_not_opened():
    feed = parse_feed(str(FEEDS / "atom10.xml").encode())
    assert feed.entries == [] and feed.bozo


def test_large_feed_is_capped_and_large_garbage_is_bounded():
    item = (
        "<item><title>خبر رقم {i}</title><link>https://x.example/{i}</link>"
        "<description>" + "نص " * 300 + "</description></item>"
    )
    body = "".join(item.format(i=i) for i in range(8500))
    data = (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>{body}</channel></rss>'
    )
    blob = data.encode()
    assert len(blob) > 50_000_000 * 0.2  # ~15 MB well-formed
    feed = parse_feed(blob)
    assert feed.parser == "lxml" and len(feed.entries) == 500 and not feed.bozo
    assert parse_feed(blob, max_entries=7).entries[-1].url == "https://x.example/6"
    # 50 MB that is not well-formed: only the start is read, and it still yields entries
    broken = (blob * 4)[:50_000_000]
    start = time.monotonic()
    feed = parse_feed(broken)
    assert feed.bozo and len(feed.entries) == 500
    assert time.monotonic() - start < 30


def test_feed_served_as_text_html_still_parses_but_is_flagged():
    feed = parse_feed(_read("arabic_wordpress_rss2.xml"), "", {"Content-Type": "text/html"})
    assert feed.bozo and len(feed.entries) == 5


def test_str_input_and_odd_arguments():
    text = _read("atom10.xml").decode("utf-8")
    assert len(parse_feed(text).entries) == 3  # type: ignore[arg-type]
    assert parse_feed(_read("atom10.xml"), max_entries=0).entries == []
    assert parse_feed(None).bozo  # type: ignore[arg-type]


def test_the_common_rfc822_form_reads_as_email_utils_reads_it():
    """The one-match path for "Sun, 29 Nov 2026 15:30:00 +0000" agrees with email.utils on every
    variant it takes, and leaves the rest (and impossible dates) to the full path."""
    from email.utils import parsedate_to_datetime

    from nashra.crawl.feeds.dates import _rfc822, parse_feed_date

    forms = []
    for day, month, zone in [(1, "Jan", "+0000"), (29, "Feb", "+0100"), (31, "dec", "-0530"),
                             (9, "Nov", "GMT"), (15, "Jul", "+01:00"), (2, "Mar", ""),
                             (28, "Aug", "-0000"), (30, "Apr", "UT"), (5, "May", "Z")]:  # fmt: skip
        for head in ("", "Mon, ", "Sun,"):
            for clock in ("23:59:59", "00:00", "12:30:05"):
                forms.append(f"{head}{day} {month} 2024 {clock} {zone}".strip())
    for value in forms:
        slow = parsedate_to_datetime(value.replace("+01:00", "+0100"))
        slow = slow.replace(tzinfo=UTC) if slow.tzinfo is None else slow.astimezone(UTC)
        assert _rfc822(value) == slow, value
        assert parse_feed_date(value) == slow
    assert _rfc822("Fri, 13 Dec 2024 10:15:00 EST") is None  # named zones: the full path
    assert parse_feed_date("Fri, 13 Dec 2024 10:15:00 EST") == datetime(
        2024, 12, 13, 15, 15, tzinfo=UTC
    )
    with pytest.raises(ValueError):  # an impossible date: parse_feed_date catches it
        _rfc822("31 Feb 2024 10:00:00 +0000")
    assert parse_feed_date("31 Feb 2024 10:00:00 +0000") is None
    assert parse_feed_date("13 Foo 2024 10:00:00 +0000") is None
