"""Search at archive scale: our index (analysed tokens in FTS5) against raw FTS5 on the same text.

Generates ``--articles`` articles (100,000; ``--quick``: 10,000) by recombining the paragraphs of
the bundled demo corpus (ANT, see src/nashra/demo/data/NOTICE.md) into a throw-away SQLite
archive, then measures:

* indexing: ``nashra.search.reindex`` (analyse + FTS5 insert) in articles/s, beside inserting the
  same raw title/body into a plain ``unicode61`` FTS5 table;
* a fixed mix of 200 queries (one-word, two-word, phrase, prefix, with filters): our end-to-end
  ``search()`` (count, ranked page of 20, rows, highlighted snippets) and the same words as a raw
  FTS5 ``MATCH … ORDER BY rank LIMIT 20`` (joined to ``articles`` for the filters);
* the one-word queries sorted by date (newest first);
* the price and the effect of the ranked window (``search_rank_window``, 5000 newest matches):
  the same queries with every match ranked, and how many of the first 20 results both agree on.

Prints a few lines, then one JSON object on its last line (``ratio_vs_fts5_raw`` = our p95 / raw
p95). Run: .venv/bin/python benchmarks/bench_search.py [--quick] [--articles N]
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from nashra.demo.corpus import load_ant_rows
from nashra.search import SearchRequest, reindex, search
from nashra.search.engine import RANK_WINDOW
from nashra.sections import SECTIONS
from nashra.store import Store
from nashra.store.queries import Filters
from nashra.store.schema import articles
from nashra.text import normalize

SOURCES = ["alarabiya", "bbcarabic", "cnnarabic", "france24ar", "skynewsarabia"]
T0 = datetime(2018, 3, 1, tzinfo=UTC)


def generate(n: int, seed: int = 7) -> list[dict]:
    rows = load_ant_rows()
    paragraphs = [p.strip() for r in rows for p in r["text"].split("\n") if len(p.strip()) > 40]
    titles = [r["title"] for r in rows if r["title"]]
    authors = [r["author"] for r in rows if r.get("author")] or [""]
    rnd = random.Random(seed)
    sections = list(SECTIONS)
    now = datetime.now(UTC)
    out = []
    for i in range(n):
        body = "\n\n".join(rnd.choice(paragraphs) for _ in range(rnd.randint(3, 8)))
        out.append(
            {
                "source": SOURCES[i % len(SOURCES)],
                "num": i // len(SOURCES) + 1,
                "url": f"https://bench.test/{i}",
                "title": rnd.choice(titles),
                "body_text": body,
                "summary": body[:200],
                "author": rnd.choice(authors),
                "lang": "ar",
                "section": rnd.choice(sections),
                "published": T0 + timedelta(minutes=i),
                "fetched_at": now,
            }
        )
    return out, titles


def query_mix(titles: list[str], seed: int = 11) -> list[tuple[str, str, dict]]:
    """200 queries: (kind, text, filters)."""
    rnd = random.Random(seed)
    words = [w for t in titles for w in t.split() if len(normalize(w)) >= 4 and w.isalpha()]
    mix: list[tuple[str, str, dict]] = []
    for _ in range(60):
        mix.append(("one-word", rnd.choice(words), {}))
    for _ in range(50):
        mix.append(("two-word", f"{rnd.choice(words)} {rnd.choice(words)}", {}))
    for _ in range(30):
        t = [w for w in rnd.choice(titles).split() if w.isalpha()]
        while len(t) < 2:
            t = [w for w in rnd.choice(titles).split() if w.isalpha()]
        i = rnd.randrange(len(t) - 1)
        mix.append(("phrase", f'"{t[i]} {t[i + 1]}"', {}))
    for _ in range(30):
        mix.append(("prefix", normalize(rnd.choice(words))[:4] + "*", {}))
    for k in range(30):
        flt: dict = [
            {"source": rnd.choice(SOURCES)},
            {"section": rnd.choice(list(SECTIONS))},
            {"since": T0 + timedelta(days=rnd.randint(0, 20)), "days": 7},
        ][k % 3]
        mix.append(("filtered", rnd.choice(words), flt))
    return mix


def raw_expression(text: str) -> str:
    """The reader's words as raw FTS5 syntax (each quoted), the way a naive search would."""
    if text.startswith('"'):
        return '"' + text.strip('"').replace('"', "") + '"'
    if text.endswith("*"):
        return '"' + text[:-1] + '"*'
    return " AND ".join('"' + w.replace('"', "") + '"' for w in text.split())


def filters_of(flt: dict) -> Filters:
    if "since" in flt:
        return Filters(since=flt["since"], until=flt["since"] + timedelta(days=flt["days"]))
    return Filters(source=flt.get("source"), section=flt.get("section"))


def raw_query(db: sqlite3.Connection, text: str, flt: dict) -> list[int]:
    sql = "SELECT raw.rowid FROM raw JOIN articles a ON a.pk = raw.rowid WHERE raw MATCH ?"
    params: list = [raw_expression(text)]
    if "source" in flt:
        sql += " AND a.source = ?"
        params.append(flt["source"])
    if "section" in flt:
        sql += " AND a.section = ?"
        params.append(flt["section"])
    if "since" in flt:
        sql += " AND a.published >= ? AND a.published < ?"
        since = flt["since"].replace(tzinfo=None)
        params += [since.isoformat(" "), (since + timedelta(days=flt["days"])).isoformat(" ")]
    sql += " ORDER BY rank LIMIT 20"
    return [r[0] for r in db.execute(sql, params)]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 articles (under a minute)")
    parser.add_argument("--articles", type=int, default=None)
    args = parser.parse_args()
    n = args.articles or (10_000 if args.quick else 100_000)

    tmp = Path(tempfile.mkdtemp(prefix="nashra-bench-search-"))
    store = Store.open(f"sqlite:///{tmp / 'bench.db'}")
    for slug in SOURCES:
        store.ensure_source(slug)
    t = time.perf_counter()
    docs, titles = generate(n)
    with store.engine.begin() as conn:
        for i in range(0, n, 2000):
            conn.execute(insert(articles), docs[i : i + 2000])
    print(f"generated and stored {n} articles in {time.perf_counter() - t:.1f}s")

    t = time.perf_counter()
    reindex(store)
    ours_index_s = time.perf_counter() - t
    print(f"our index: {n / ours_index_s:,.0f} articles/s ({ours_index_s:.1f}s)")

    db = sqlite3.connect(tmp / "bench.db")
    db.execute("CREATE VIRTUAL TABLE raw USING fts5(title, body, tokenize='unicode61')")
    t = time.perf_counter()
    with db:
        db.executemany(
            "INSERT INTO raw (rowid, title, body) VALUES (?, ?, ?)",
            ((i + 1, d["title"], d["body_text"]) for i, d in enumerate(docs)),
        )
        db.execute("INSERT INTO raw(raw) VALUES ('optimize')")
    raw_index_s = time.perf_counter() - t
    print(f"raw FTS5 index: {n / raw_index_s:,.0f} articles/s ({raw_index_s:.1f}s)")
    assert db.execute("SELECT min(pk) FROM articles").fetchone()[0] == 1

    mix = query_mix(titles)
    for _kind, text, flt in mix:  # warm both (page cache, analyser cache)
        search(store, SearchRequest(q=text, filters=filters_of(flt)))
        raw_query(db, text, flt)
    ours: dict[str, list[float]] = {}
    raw: dict[str, list[float]] = {}
    ranked_all: list[float] = []
    agreement: list[float] = []
    for kind, text, flt in mix:
        t = time.perf_counter()
        windowed = search(store, SearchRequest(q=text, filters=filters_of(flt)))
        ours.setdefault(kind, []).append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        raw_query(db, text, flt)
        raw.setdefault(kind, []).append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        full = search(store, SearchRequest(q=text, filters=filters_of(flt), rank_window=0))
        ranked_all.append((time.perf_counter() - t) * 1000)
        top = {h.row["pk"] for h in full.hits}
        if top:
            agreement.append(len(top & {h.row["pk"] for h in windowed.hits}) / len(top))
    newest_first = []  # the one-word queries again, sorted by date
    for kind, text, flt in mix:
        if kind == "one-word":
            t = time.perf_counter()
            search(store, SearchRequest(q=text, filters=filters_of(flt), sort="date"))
            newest_first.append((time.perf_counter() - t) * 1000)
    all_ours = [v for vs in ours.values() for v in vs]
    all_raw = [v for vs in raw.values() for v in vs]
    for kind in ours:
        print(
            f"{kind:9} ours p50 {statistics.median(ours[kind]):6.2f} ms p95 "
            f"{pct(ours[kind], 95):6.2f} ms | raw FTS5 p50 {statistics.median(raw[kind]):6.2f} ms "
            f"p95 {pct(raw[kind], 95):6.2f} ms"
        )
    result = {
        "articles": n,
        "queries": len(mix),
        "index_articles_per_s": round(n / ours_index_s),
        "raw_fts5_index_articles_per_s": round(n / raw_index_s),
        "p50_ms": round(statistics.median(all_ours), 2),
        "p95_ms": round(pct(all_ours, 95), 2),
        "raw_fts5_p50_ms": round(statistics.median(all_raw), 2),
        "raw_fts5_p95_ms": round(pct(all_raw, 95), 2),
        "ratio_vs_fts5_raw": round(pct(all_ours, 95) / pct(all_raw, 95), 2),
        "ratio_p50_vs_fts5_raw": round(statistics.median(all_ours) / statistics.median(all_raw), 2),
        "date_sort_one_word_p95_ms": round(pct(newest_first, 95), 2),
        "rank_window": RANK_WINDOW,
        "every_match_ranked_p50_ms": round(statistics.median(ranked_all), 2),
        "every_match_ranked_p95_ms": round(pct(ranked_all, 95), 2),
        "top20_shared_with_every_match_ranked": round(statistics.mean(agreement), 3),
        "db_mb": round((tmp / "bench.db").stat().st_size / 1e6, 1),
    }
    store.close()
    db.close()
    print(
        f"every match ranked: p50 {result['every_match_ranked_p50_ms']} ms, p95 "
        f"{result['every_match_ranked_p95_ms']} ms; first 20 shared with the window: "
        f"{result['top20_shared_with_every_match_ranked']:.1%}"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
