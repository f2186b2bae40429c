"""Per-outlet extraction rules in the registry (issue 19), on a real outlet served on loopback and
crawled through the real pipeline: a page the generic extractor misreads, `sources test` showing
what a rule changes, the rule written to the registry, `sources reextract` applying it to the kept
pages without refetching; rules validated at load; the feed's own content; a takedown refused by a
later crawl; `sources check --all`."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import select

from conftest import LOOPBACK_ALLOWED
from httpserver import LoopbackServer
from nashra.cli import main
from nashra.config import Settings
from nashra.crawl.pipeline import crawl
from nashra.moderation import takedowns
from nashra.sources.adapters import adapter_for
from nashra.sources.registry import Registry, RegistryError, default_registry
from nashra.store import Store
from nashra.store.schema import articles, fetched_pages
from outlet_site import COUNT, RULES, article_page, outlet_feed, outlet_source, start_outlet


@pytest.fixture
def outlet() -> Iterator[LoopbackServer]:
    server = start_outlet()
    yield server
    server.stop()


_source = outlet_source


def _cli(settings: Settings, *args: str):
    return CliRunner().invoke(
        main, ["--data-dir", str(settings.data_dir), *args], catch_exceptions=False,
        env={"NASHRA_FETCH_ALLOW_NETWORKS": LOOPBACK_ALLOWED},
    )  # fmt: skip


def _stored(store: Store) -> list[dict]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(articles).order_by(articles.c.url)).all()
    return [dict(r._mapping) for r in rows]


def test_a_rule_fixes_a_misread_outlet_and_reextract_applies_it(settings, outlet) -> None:
    settings.data_dir.mkdir(parents=True)
    store = Store.open(settings.resolved_database_url)
    plain = _source(outlet)
    Registry([plain]).save(settings.registry_path)
    store.sync_sources([plain])
    report = crawl(settings, store, [plain])
    assert report.new == COUNT, report.errors
    misread = _stored(store)
    assert all("قارئ آخر" in a["body_text"] for a in misread)  # the readers' comments came along
    assert all(not a["author"] for a in misread)
    with store.engine.connect() as conn:
        kept = conn.execute(select(fetched_pages.c.url)).scalars().all()
    assert len(kept) == COUNT  # the fetched pages are kept for re-extraction

    # `sources test` before the rule: both columns are the generic extraction
    page_url = outlet.url("/akhbar/3.html")
    before = json.loads(_cli(settings, "sources", "test", "akhbar", page_url, "--json").output)
    assert before["changed"] == []
    # the operator writes the rule into the registry and tries it
    registry = Registry.load(settings.registry_path)
    data = yaml.safe_load(registry.dump())
    data["sources"][0]["extract"] = RULES
    settings.registry_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    shown = _cli(settings, "sources", "test", "akhbar", page_url, "--json")
    result = json.loads(shown.output)
    assert {"title", "author", "published", "last_paragraph", "words"} <= set(result["changed"])
    assert result["rules"]["title"] == "البرلمان يصادق على القانون رقم 3"
    assert result["generic"]["title"] == "الموقع الإخباري"  # og:title: the site's name
    assert result["rules"]["author"].endswith("سعيد الإدريسي")
    assert result["rules"]["published"].startswith("2024-03-13T10:30")
    assert "قارئ" in result["generic"]["last_paragraph"]
    assert "المعارضة المشروع" in result["rules"]["last_paragraph"]
    assert result["rules"]["words"] < result["generic"]["words"]
    table = _cli(settings, "sources", "test", "akhbar", page_url)
    assert "changed" in table.output and "yes" in table.output
    # the same from a saved file (no fetch)
    saved = settings.data_dir / "page.html"
    saved.write_bytes(article_page(3))
    assert (
        "author"
        in json.loads(_cli(settings, "sources", "test", "akhbar", str(saved), "--json").output)[
            "changed"
        ]
    )

    page_hits = outlet.hits("/akhbar/1.html")
    done = _cli(settings, "sources", "reextract", "akhbar", "--json")
    assert done.exit_code == 0, done.output
    figures = json.loads(done.output)
    assert (figures["pages"], figures["updated"], figures["errors"]) == (COUNT, COUNT, [])
    assert outlet.hits("/akhbar/1.html") == page_hits  # no refetch
    fixed = _stored(store)
    assert all("قارئ" not in a["body_text"] for a in fixed)
    assert all("المعارضة المشروع" in a["body_text"] for a in fixed)
    assert all("الإدريسي" in (a["author"] or a["byline"]) for a in fixed)
    assert [a["pk"] for a in fixed] == [a["pk"] for a in misread]  # same articles, updated
    again = json.loads(_cli(settings, "sources", "reextract", "akhbar", "--json").output)
    assert (again["updated"], again["unchanged"]) == (0, COUNT)
    later = _cli(settings, "sources", "reextract", "akhbar", "--since", "2999-01-01", "--json")
    assert json.loads(later.output)["pages"] == 0
    store.close()


def test_a_taken_down_article_is_not_stored_by_a_later_crawl(settings, store, outlet) -> None:
    source = _source(outlet)
    store.sync_sources([source])
    crawl(settings, store, [source])
    first = _stored(store)[0]
    takedowns.take_down(
        store, takedowns.Target("article", "akhbar", first["num"]), "publisher asked", "omar"
    )
    # the outlet edits the headline, so the crawl fetches and builds the entry again
    outlet.routes["/feed"] = (200, {"Content-Type": "application/rss+xml"},
                              outlet_feed(outlet.base_url).replace("رقم".encode(), "عدد".encode()))  # fmt: skip
    report = crawl(settings, store, [source])
    assert report.refused == 1
    assert first["url"] not in {a["url"] for a in _stored(store)}


def test_feed_content_rule_skips_the_page(settings, store, outlet) -> None:
    source = _source(outlet, {"feed_content": True}, feed="/full-feed")
    store.sync_sources([source])
    report = crawl(settings, store, [source])
    assert report.new == COUNT
    assert outlet.hits("/akhbar/1.html") == 0
    assert all(a["body_text"].startswith("النص الكامل للخبر") for a in _stored(store))


def test_rules_are_validated_at_load_naming_outlet_and_field() -> None:
    bad = {"sources": [
        {"slug": "good", "extract": {"body": "article .content", "prune": ["xpath://aside"]}},
        {"slug": "broken", "extract": {"body": "div[[", "titel": "h1", "date": "xpath://x[",
                                       "prune": "div..x", "feed_content": "yes",
                                       "date_format": "dd/mm"}},
    ]}  # fmt: skip
    with pytest.raises(RegistryError) as info:
        Registry.loads(yaml.safe_dump(bad))
    message = str(info.value)
    for expected in ("(slug 'broken'): extract.body 'div[['", "unknown field 'titel' (did you mean 'title'?)",
                     "extract.date 'xpath://x[' is not a valid XPath", "extract.prune[0]",
                     "extract.feed_content must be true or false", "extract.date_format 'dd/mm'"):  # fmt: skip
        assert expected in message
    assert "'good'" not in message
    good = Registry.loads(yaml.safe_dump({"sources": bad["sources"][:1]}))["good"]
    adapter = adapter_for(good)
    assert adapter.body_xpath and "content" in adapter.body_xpath
    assert adapter.prune_xpath == ("//aside",)
    # a round trip through the file keeps the rules
    assert Registry.loads(Registry([good]).dump())["good"].extract == good.extract


def test_hespress_rules_live_in_the_default_registry() -> None:
    hespress = default_registry()["hespress"]
    assert hespress.extract is not None and hespress.extract.body == "div.article-content"
    adapter = adapter_for(hespress)
    assert "article-content" in (adapter.body_xpath or "")
    assert len(adapter.prune_xpath) == 2
    html = (
        "<html><body><div class='article-content'><p>الفقرة الأولى من المقال.</p>"
        "<div class='share-box'>شارك</div><div class='related-posts'>اقرأ أيضا</div>"
        "<p>الفقرة الأخيرة.</p></div></body></html>"
    )
    from nashra.crawl.extract import extract_page

    page = extract_page(html, "https://www.hespress.com/x-1.html", adapter)
    assert "الفقرة الأخيرة" in page.body_text
    assert "شارك" not in page.body_text and "اقرأ أيضا" not in page.body_text


def test_sources_check_all_reports_ok_redirected_failed(settings, outlet) -> None:
    outlet.routes["/old-feed"] = (301, {"Location": "/feed"}, b"")
    registry = Registry.loads(yaml.safe_dump({"sources": [
        {"slug": "fine", "feeds": [outlet.url("/feed")]},
        {"slug": "moved", "feeds": [outlet.url("/old-feed")]},
        {"slug": "gone-away", "feeds": [outlet.url("/nothing")]},
        {"slug": "sitely", "site_url": outlet.url("/akhbar/1.html")},
        {"slug": "closed", "feeds": [outlet.url("/nothing")], "enabled": False},
    ]}))  # fmt: skip
    settings.data_dir.mkdir(parents=True)
    registry.save(settings.registry_path)
    result = _cli(settings, "sources", "check", "--all", "--json")
    assert result.exit_code == 1  # something failed
    data = json.loads(result.output)
    assert data["counts"] == {"ok": 2, "redirected": 1, "failed": 1}
    by_slug = {c["source"]: c for c in data["checks"]}
    assert "closed" not in by_slug
    assert by_slug["fine"]["entries"] == COUNT
    assert by_slug["moved"]["final_url"] == outlet.url("/feed")
    assert by_slug["gone-away"]["status"] == 404
    assert by_slug["sitely"]["kind"] == "site"
    text = _cli(settings, "sources", "check", "--all")
    assert "--update" in text.output and "redirected" in text.output
    _cli(settings, "sources", "check", "--all", "--update")
    after = Registry.load(settings.registry_path)
    assert after["moved"].feeds == [outlet.url("/feed")]
    assert after["fine"].verified and after["moved"].verified and after["sitely"].verified
    assert after["gone-away"].verified == ""  # it failed: still not verified


def test_reextract_needs_a_known_outlet(settings) -> None:
    settings.data_dir.mkdir(parents=True)
    result = CliRunner().invoke(
        main, ["--data-dir", str(settings.data_dir), "sources", "reextract", "nosuch"]
    )
    assert result.exit_code != 0 and "no source with slug 'nosuch'" in result.output
    missing = CliRunner().invoke(
        main, ["--data-dir", str(settings.data_dir), "sources", "test", "hespress", "/no/file"]
    )
    assert (
        missing.exit_code != 0
        and "neither an http(s) address nor a readable file" in missing.output
    )
