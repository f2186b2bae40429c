"""Story grouping on hand-labelled news: BCubed and pair F1, beside two anchors, in one run.

The development set (tests/data/stories/, two days of the ANT corpus labelled by hand into
stories and threads; see its NOTICE.md) is imported the way a user would: the articles are
written to a JSON-lines archive in publication order, ``nashra import`` stores them in a fresh
SQLite archive (with the settings' defaults, i.e. the fitted thresholds), and each article's
``story_id`` is read back as ``/api/v1/articles`` gives it. The same articles are scored with
the two anchors computed here: every article alone, and a TF-IDF centroid clustering at its best
threshold. Each day is also streamed through the engine alone (the check that a fit on one day
holds on the other: see ``scripts/fit_stories.py --train-day``).

    .venv/bin/python benchmarks/eval_stories.py           # import + anchors (~30 s)
    .venv/bin/python benchmarks/eval_stories.py --quick   # the engine in memory, no import

The last line is JSON: ``nashra`` (story and thread level), ``anchors``, ``days``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nashra.demo.outlets import ANT_SOURCE_OUTLET
from nashra.store import Store
from nashra.stories.evaluation import (
    LabelledArticle,
    best_anchor,
    engine_labels,
    read_labelled,
    report,
    singletons,
)
from nashra.stories.queries import story_ids
from nashra.text import canonical_url

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "tests" / "data" / "stories" / "dev_stories_2018-03-20_21.jsonl"


def imported_labels(docs: list[LabelledArticle]) -> dict[str, int]:
    """Import ``docs`` with ``nashra import`` into a fresh archive; docno → story id."""
    with tempfile.TemporaryDirectory(prefix="nashra-eval-") as tmp:
        archive = Path(tmp) / "dev.jsonl"
        with archive.open("w", encoding="utf-8") as out:
            for d in docs:  # already in publication order
                record = {
                    "source": ANT_SOURCE_OUTLET[d.source],
                    "url": d.url,
                    "title": d.title,
                    "text": d.text,
                    "published": d.published.isoformat(),
                    "lang": d.lang,
                }
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("NASHRA_")}
        env["NASHRA_DATA_DIR"] = str(Path(tmp) / "data")
        nashra = Path(sys.executable).with_name("nashra")
        subprocess.run([str(nashra), "init"], env=env, check=True, capture_output=True)
        subprocess.run(
            [str(nashra), "import", str(archive)], env=env, check=True, capture_output=True
        )
        store = Store.open(f"sqlite:///{Path(tmp) / 'data' / 'nashra.db'}")
        try:
            pk_of_url = store_urls(store)
            stories = story_ids(store, list(pk_of_url.values()))
        finally:
            store.close()
    out: dict[str, int] = {}
    for d in docs:
        pk = pk_of_url.get(canonical_url(d.url))
        if pk is not None and pk in stories:
            out[d.docno] = stories[pk]
    return out


def store_urls(store: Store) -> dict[str, int]:
    from sqlalchemy import select

    from nashra.store.schema import articles

    with store.engine.connect() as conn:
        return {url: pk for pk, url in conn.execute(select(articles.c.pk, articles.c.url))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the engine in memory, no import")
    args = parser.parse_args(argv)
    docs = read_labelled(LABELS)

    t0 = time.perf_counter()
    if args.quick:
        labels: dict[str, int] = engine_labels(docs)
        path = "engine in memory"
    else:
        labels = imported_labels(docs)
        path = "nashra import, story_id as the API gives it"
    seconds = time.perf_counter() - t0
    missing = len(docs) - len(labels)
    ours = report(docs, labels)

    threshold, anchor_labels, _ = best_anchor(docs)
    anchors = {
        "singletons": report(docs, singletons(docs)),
        f"tfidf_centroid@{threshold:.2f}": report(docs, anchor_labels),
    }
    days: dict[str, dict[str, object]] = {}
    for day in sorted({d.docno.rsplit("-", 1)[1] for d in docs}):
        part = [d for d in docs if d.docno.endswith(day)]
        days[day] = {k: v.rounded() for k, v in report(part, engine_labels(part)).items()}

    print(f"{len(docs)} labelled articles; {path} ({seconds:.1f} s); {missing} without a story")
    print(f"{'':32} {'B3 P':>6} {'B3 R':>6} {'B3 F1':>6} {'pairF1':>6} | thread B3 F1")
    for name, rep in [("nashra", ours), *anchors.items()]:
        s, t = rep["story"], rep["thread"]
        print(
            f"{name:32} {s.bcubed_p:6.3f} {s.bcubed_r:6.3f} {s.bcubed_f1:6.3f} {s.pair_f1:6.3f}"
            f" | {t.bcubed_f1:.3f}"
        )
    anchor = anchors[f"tfidf_centroid@{threshold:.2f}"]["story"]
    result = {
        "articles": len(docs),
        "path": path,
        "unassigned": missing,
        "nashra": {k: v.rounded() for k, v in ours.items()},
        "anchors": {
            name: {k: v.rounded() for k, v in rep.items()} for name, rep in anchors.items()
        },
        "days": days,
        "bcubed_f1_minus_tfidf": round(ours["story"].bcubed_f1 - anchor.bcubed_f1, 4),
        "pair_f1_minus_tfidf": round(ours["story"].pair_f1 - anchor.pair_f1, 4),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
