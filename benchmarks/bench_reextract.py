"""Re-extraction throughput (issue 19): `nashra sources reextract` on one outlet of the demo.

The offline demo is built (its outlet sites served on loopback and crawled through the real
pipeline, which keeps every fetched page), a body rule is given to the outlet (``--body``), then
its kept pages are re-extracted with that rule and the changed articles stored (``nashra.crawl.kept.reextract``: read and
decompress the page, decode, extract, build, enrich, save through the one write path). The
baseline is the library underneath run on the same page bytes: ``trafilatura.extract`` alone
(no decoding, metadata, sanitising, enrichment or store). ratio = our seconds per page / theirs.

    .venv/bin/python benchmarks/bench_reextract.py [--quick] [--outlet skynewsarabia]

The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from nashra.config import load_settings  # noqa: E402
from nashra.crawl.kept import kept_pages, reextract  # noqa: E402
from nashra.demo.build import build_demo  # noqa: E402
from nashra.sources.registry import Registry  # noqa: E402
from nashra.sources.rules import parse_rules  # noqa: E402
from nashra.store import Store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smaller demo (limit 150)")
    parser.add_argument("--outlet", default="skynewsarabia")
    parser.add_argument("--port", type=int, default=0, help="demo sites port (0: a free one)")
    parser.add_argument("--body", default="div.article-body",
                        help="the body rule written before re-extracting (the skin's body block)")  # fmt: skip
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    limit = 150 if args.quick else 1000
    with tempfile.TemporaryDirectory() as tmp:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = args.port or sock.getsockname()[1]
        settings = load_settings(env={}, data_dir=Path(tmp) / "data", demo_port=port)
        started = time.perf_counter()
        build_demo(settings, limit=limit, quiet=True)
        build_seconds = time.perf_counter() - started
        store = Store.open(settings.resolved_database_url)
        source = Registry.load(settings.registry_path)[args.outlet]
        # the operator's fix: a body rule (so re-extraction changes and stores the articles)
        source.extract, problems = parse_rules({"body": args.body})
        assert not problems, problems
        report = reextract(store, source)
        pages = [p.content for p in kept_pages(store, args.outlet)]
        store.close()
    import trafilatura

    begin = time.perf_counter()
    for content in pages:
        trafilatura.extract(content)
    theirs = (time.perf_counter() - begin) / max(1, len(pages))
    ours = report.seconds / max(1, report.pages)
    result = {
        "outlet": args.outlet,
        "demo_limit": limit,
        "demo_build_seconds": round(build_seconds, 2),
        "pages": report.pages,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "errors": len(report.errors),
        "reextract_seconds": round(report.seconds, 3),
        "articles_per_second": round(report.pages / report.seconds, 1) if report.seconds else None,
        "ms_per_page_ours": round(ours * 1000, 2),
        "ms_per_page_trafilatura": round(theirs * 1000, 2),
        "ratio_vs_trafilatura": round(ours / theirs, 2) if theirs else None,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
