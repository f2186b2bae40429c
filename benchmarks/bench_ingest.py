"""Articles per second through the whole page stage, beside the libraries underneath it.

On the demo article pages (fetched once from the bundled demo sites, then held in memory):
  ours         decode → extract (lxml + trafilatura + metadata) → sanitise → normalise →
               analyse once → enrich → store (with its side rows: enrichment, search
               document, video); "core" is extraction and the bare article write (the stage
               as the foundation issue defines it)
  trafilatura  trafilatura.extract(html) alone (its defaults), page by page beside ours
  lxml         lxml.html.fromstring(html) alone
Times are CPU seconds of this process (``time.process_time``: the stages and the baselines run
in this one thread), so a busy machine slows both sides alike.
Prints one JSON object on its last line with both ratios (our cost ÷ theirs; lower is better).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import httpx
import lxml.html
import trafilatura

from nashra.crawl.article import build_article
from nashra.crawl.extract import extract_page
from nashra.crawl.feeds import parse_feed
from nashra.demo.sites import DemoServer, DemoSites
from nashra.enrich.classifier import analysed, lead, lead_terms
from nashra.http.encoding import decode_html
from nashra.ingest import prepare, save_prepared
from nashra.search.documents import build_document, document_of
from nashra.store import Store
from nashra.text import analyse, fingerprint_normal, normalize
from nashra.text.article import analyse_article, name_tokens, split_lead

BATCH = 30  # a typical feed's worth of entries


def warm_up(pages) -> None:
    """Pay one-time costs (stop lists, the section model, gazetteers, regex compilation,
    imports) before any timing, on both sides."""
    for source, entry, content, ctype in pages[:10]:
        text = decode_html(content, ctype)[0]
        prepare(build_article(source, entry, extract_page(text, entry.url)), source)
        trafilatura.extract(text, url=entry.url)


def collect_pages(limit: int) -> tuple[list, list[tuple[object, object, bytes, str]]]:
    """(sources, [(source, entry, page bytes, content type)]) from the demo sites over loopback."""
    pages = []
    with DemoServer(DemoSites(limit=limit)) as server, httpx.Client() as client:
        sources = server.sites.sources(server.base_url)
        for source in sources:
            for feed_url in source.feeds:
                feed = client.get(feed_url)
                for entry in parse_feed(feed.content, feed_url).entries:
                    page = client.get(entry.url)
                    if page.status_code == 200:
                        pages.append(
                            (source, entry, page.content, page.headers.get("content-type"))
                        )
    return sources, pages


def run_ours(
    sources, pages, workdir: Path, *, name: str, side_rows: bool = True, baseline: bool = False
) -> dict:
    """The crawl's page stage, timed part by part: extraction (decode, extract, sanitise,
    build), preparation (the one analysis of the text, section, regions, byline, fingerprint:
    ``nashra.ingest.prepare``) and the store (one transaction per feed; with ``side_rows`` the
    enrichment rows, search document and video too). Also times the analysis alone
    (``analyse_article`` of the same articles, warm), to report its share, and with
    ``baseline`` ``trafilatura.extract`` of each page beside ours (before it on even pages,
    after it on odd ones), so that both sides run under the same load (a busy machine's load
    changes over a minute)."""
    store = Store.open(f"sqlite:///{workdir / (name + '.db')}")
    store.sync_sources(sources)
    times = {"extract": 0.0, "prepare": 0.0, "store": 0.0}
    baseline_time = 0.0
    batch: list = []
    built = []

    def flush() -> None:
        t = time.process_time()
        if side_rows:
            save_prepared(store, batch)
        else:
            store.save_articles([item.article for item in batch])
        times["store"] += time.process_time() - t
        batch.clear()

    def trafilatura_alone(content: bytes, ctype: str, url: str) -> float:
        t = time.process_time()
        trafilatura.extract(decode_html(content, ctype)[0], url=url)
        return time.process_time() - t

    for i, (source, entry, content, ctype) in enumerate(pages):
        # The same page through trafilatura alone, under the same load: before ours on even
        # pages, after on odd ones (whichever runs second finds the page in the CPU's caches).
        if baseline and i % 2 == 0:
            baseline_time += trafilatura_alone(content, ctype, entry.url)
        t0 = time.process_time()
        text, _ = decode_html(content, ctype)
        article = build_article(source, entry, extract_page(text, entry.url))
        t1 = time.process_time()
        batch.append(prepare(article, source))
        times["extract"] += t1 - t0
        times["prepare"] += time.process_time() - t1
        built.append(article)
        if baseline and i % 2 == 1:
            baseline_time += trafilatura_alone(content, ctype, entry.url)
        if len(batch) == BATCH:  # the crawler saves one feed's new articles per transaction
            flush()
    flush()
    store.close()
    times["trafilatura"] = baseline_time
    times["analysis_only"] = time_analysis(built, once=True)
    times["analysis_before"] = time_analysis(built, once=False)
    return times


def time_analysis(built: list, *, once: bool) -> float:
    """Seconds the text analysis of ``built`` articles takes (warm caches): ``once`` as the
    ingest unit does it (one ``analyse_article``, its consumers reading it), else as each
    consumer did it before issue 14 (search document, stored normal text and fingerprint,
    section classifier, region tokens and story terms, each analysing the text again)."""
    start = time.process_time()
    for a in built:
        body = a.body_text or a.summary
        if once:
            text = analyse_article(a.title, body, a.lang)
            document_of(text, a.author)
            lead_terms(text, a.summary)
            text.body_terms  # noqa: B018  (what story features read)
            continue
        build_document(a.title, body, a.author, a.lang)
        fingerprint_normal(normalize(a.body_text, a.lang))
        normalize(a.title, a.lang)
        analysed(a.title, lead(a.summary, a.body_text), a.lang)
        lead_text, rest = split_lead(body)
        for part in (a.title, lead_text, rest):
            name_tokens(part)
        analyse(a.title, a.lang), analyse(a.body_text, a.lang)
    return time.process_time() - start


def run_lxml(pages) -> float:
    start = time.process_time()
    for _s, _e, content, ctype in pages:
        lxml.html.fromstring(decode_html(content, ctype)[0])
    return time.process_time() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a run under a minute")
    parser.add_argument("--limit", type=int, default=None, help="demo articles to use")
    args = parser.parse_args(argv)
    limit = args.limit or (300 if args.quick else 2000)
    sources, pages = collect_pages(limit)
    warm_up(pages)
    with tempfile.TemporaryDirectory() as tmp:
        ours = run_ours(sources, pages, Path(tmp), name="full", baseline=True)
        bare = run_ours(sources, pages, Path(tmp), name="bare", side_rows=False)
    traf = ours.pop("trafilatura")
    bare.pop("trafilatura")
    lx = run_lxml(pages)
    n = len(pages)
    analysis = ours.pop("analysis_only")
    analysis_before = ours.pop("analysis_before")
    total = sum(ours.values())
    core = bare["extract"] + bare["store"]  # issue 2's stage: extract → sanitise → store
    result = {
        "benchmark": "ingest_page_stage",
        "pages": n,
        "mean_page_kb": round(sum(len(p[2]) for p in pages) / max(n, 1) / 1024, 1),
        "ms_per_article": {k: round(v / n * 1000, 3) for k, v in ours.items()},
        "ms_per_article_store_without_index": round(bare["store"] / n * 1000, 3),
        "analysis_ms_per_article": round(analysis / n * 1000, 3),
        "analysis_share": round(analysis / total, 3),
        "analysis_ms_per_article_before_issue_14": round(analysis_before / n * 1000, 3),
        "ratio_analysis_vs_before": round(analysis / analysis_before, 3),
        "trafilatura_ms_per_article": round(traf / n * 1000, 3),
        "ours_articles_per_s": round(n / total, 1),
        "core_articles_per_s": round(n / core, 1),
        "trafilatura_articles_per_s": round(n / traf, 1),
        "lxml_parse_per_s": round(n / lx, 1),
        "ratio_vs_trafilatura": round(total / traf, 3),
        "ratio_core_vs_trafilatura": round(core / traf, 3),
        "ratio_vs_lxml": round(total / lx, 3),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
