"""Benchmark of story assignment: stream recombined demo articles through the engine.

Articles are recombined from the demo corpus (ANT, 4,770 Arabic articles) so that a known share
are copies and paraphrases of a recent article:

* originals (60 %): a corpus headline over sentences drawn from three corpus articles — new text;
* copies (20 %): a recent article again, half of them under another headline, half with an
  added paragraph (a wire story re-posted);
* paraphrases (20 %): a recent article's headline reordered and trimmed over a subset of its
  sentences (another outlet's version).

Articles arrive one every ``SPACING`` seconds of publication time, so the 48-hour window holds
about the same number of articles from the 10,000th article to the last: the time per article
must stay flat. Each article is analysed once as the ingest does (``analyse_article``, shared
with search, sections and regions; its cost is reported apart, ``ms_per_article_shared_analysis``),
and the assignment reads that analysis as the ingest has it do. Reported side by side: the cost
of the fingerprints given the analysis (MinHash, entities: ``features_of(analysed=)``) and of
the whole assignment (fingerprints + ``StoryIndex.assign``).
The last line is JSON.

    .venv/bin/python benchmarks/bench_stories.py            # 200,000 articles
    .venv/bin/python benchmarks/bench_stories.py --quick    # 20,000 articles
    .venv/bin/python benchmarks/bench_stories.py --quick \
        --database postgresql+psycopg://postgres@127.0.0.1:5432/postgres   # + the store's cost
    .venv/bin/python benchmarks/bench_stories.py --quick --database sqlite  # the same on SQLite

With ``--database`` (a server URL, a throw-away database is created on it and dropped after; or
``sqlite`` for a SQLite file in a temporary folder), the first ``--db-articles`` articles of the
stream are also saved and assigned through the store twice, each time on a fresh database: one
by one (``StoryStore.assign``, one transaction each, as the crawl does) and through the backlog
sweep (all queued, then ``StoryStore.assign_late``, as a bulk import does). The JSON then has the
milliseconds and the SQL statements (round trips) per assignment of both, and whether both
built the same stories.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from nashra.demo.corpus import load_ant_rows
from nashra.ingest import prepare, save_prepared
from nashra.stories.features import features_of
from nashra.stories.index import StoryIndex
from nashra.stories.ledger import StoryLedger
from nashra.text.article import analyse_article

SPACING = timedelta(seconds=30)  # ~5,760 articles in a 48-hour window
OUTLETS = [f"outlet{i:02d}" for i in range(40)]
RECENT = 400  # copies and paraphrases pick their source among the last RECENT articles


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!؟?])\s+|\n", text) if len(s.strip()) > 20]


def stream(n: int, seed: int = 5):
    """(pk, kind, source_pk, fields) for ``n`` recombined articles."""
    rng = random.Random(seed)
    rows = load_ant_rows()
    sentences = [_sentences(r["text"]) or [r["text"]] for r in rows]
    start = datetime(2018, 3, 1, tzinfo=UTC)
    recent: list[tuple[int, str, list[str]]] = []
    for pk in range(1, n + 1):
        published = start + SPACING * pk
        roll = rng.random()
        if roll < 0.6 or len(recent) < 10:
            i = rng.randrange(len(rows))
            parts = []
            for j in (i, rng.randrange(len(rows)), rng.randrange(len(rows))):
                pool = sentences[j]
                k = rng.randrange(len(pool))
                parts.extend(pool[k : k + 3])
            title, body, kind, source = rows[i]["title"], parts, "original", None
        else:
            source, title0, body0 = recent[rng.randrange(len(recent))]
            if roll < 0.8:
                kind = "copy"
                if rng.random() < 0.5:
                    title, body = f"{title0.split()[0]} .. خبر منقول", list(body0)
                else:
                    title, body = title0, [*body0, sentences[rng.randrange(len(rows))][0]]
            else:
                kind = "paraphrase"
                words = title0.split()
                cut = max(3, len(words) - 2)
                title = " ".join(words[1:cut] + words[:1])
                body = [s for s in body0 if rng.random() < 0.7] or body0[:1]
        recent.append((pk, title, body))
        if len(recent) > RECENT:
            recent.pop(0)
        fields = {
            "pk": pk,
            "source": OUTLETS[rng.randrange(len(OUTLETS))],
            "published": published,
            "title": title,
            "body": "\n".join(body),
        }
        yield pk, kind, source, fields


@contextmanager
def _scratch(url: str) -> Iterator[str]:
    """A fresh empty database: a throw-away one on a PostgreSQL server, or a SQLite file in a
    temporary folder for ``sqlite`` (any SQLite URL)."""
    if url.startswith("sqlite"):
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.db"
        return
    from nashra.store.scratch import throwaway_database

    with throwaway_database(url) as db_url:
        yield db_url


def _save_stream(store, n: int):
    """Save the first ``n`` articles of the stream; yields (pk, analysis) as each is saved."""
    from nashra.model import Article

    for _pk, _kind, _source, fields in stream(n):
        store.ensure_source(fields["source"], fields["source"], "ar")
        body = fields["body"]
        # As the ingest does: one analysis (prepare), shared by the save and the assignment.
        item = prepare(
            Article(
                source=fields["source"],
                url=f"https://{fields['source']}.example/{fields['pk']}",
                title=fields["title"],
                body_html="".join(f"<p>{p}</p>" for p in body.split("\n")),
                body_text=body,
                published=fields["published"],
                lang="ar",
            ),
        )
        yield save_prepared(store, [item])[0].pk, item.analysed


class _Statements:
    """Counts the SQL statements (round trips: an executemany is one) sent through ``engine``
    while it is on."""

    def __init__(self, engine) -> None:
        self.engine, self.count = engine, 0

    def _one(self, *_args: object) -> None:
        self.count += 1

    def __enter__(self) -> _Statements:
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._one)
        return self

    def __exit__(self, *_exc: object) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._one)


def _partition(store) -> list[list[str]]:
    """The stories as sets of article URLs (story ids differ between two databases)."""
    from sqlalchemy import select

    from nashra.store.schema import article_signatures as sigs
    from nashra.store.schema import articles

    groups: dict[int, list[str]] = {}
    with store.connect() as conn:
        rows = conn.execute(
            select(articles.c.url, sigs.c.story_id).join(sigs, sigs.c.article_pk == articles.c.pk)
        )
        for url, story in rows:
            groups.setdefault(story, []).append(url)
    return sorted(sorted(g) for g in groups.values())


def store_cost(url: str, n: int) -> dict[str, float]:
    """Milliseconds and SQL statements per assignment through the store, on fresh databases:
    one by one as the crawl does (``StoryStore.assign``, one transaction each), and through the
    backlog sweep as a bulk import does (every article queued, then ``assign_late``)."""
    from nashra.store import Store
    from nashra.stories import backlog
    from nashra.stories.store import StoryStore

    with _scratch(url) as db_url:
        store = Store.open(db_url)
        assigner = StoryStore(store)
        spent = 0.0
        counter = _Statements(store.engine)
        for pk, analysed in _save_stream(store, n):
            with counter:
                t0 = time.perf_counter()
                assigner.assign(pk, analysed=analysed)
                spent += time.perf_counter() - t0
        one_by_one = _partition(store)
        store.close()
    with _scratch(url) as db_url:
        store = Store.open(db_url)
        pks = [pk for pk, _analysed in _save_stream(store, n)]
        with store.begin() as conn:
            backlog.queue_articles(conn, pks)
        assigner = StoryStore(store)
        swept = 0
        with _Statements(store.engine) as sweep_counter:
            t0 = time.perf_counter()
            while not (sweep := assigner.assign_late()).complete:
                swept += len(sweep.assigned)
            swept += len(sweep.assigned)
            sweep_spent = time.perf_counter() - t0
        same = _partition(store) == one_by_one
        store.close()
    return {
        "db_articles": n,
        "db_ms_per_assignment": round(1000 * spent / n, 3),
        "db_statements_per_assignment": round(counter.count / n, 2),
        # The backlog sweep (bulk import, cold crawl): lease, batches read and written together.
        "db_sweep_assigned": swept,
        "db_sweep_ms_per_assignment": round(1000 * sweep_spent / n, 3),
        "db_sweep_statements_per_assignment": round(sweep_counter.count / n, 2),
        "db_sweep_same_stories_as_one_by_one": same,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="20,000 articles instead of 200,000")
    parser.add_argument("-n", type=int, default=None, help="number of articles")
    parser.add_argument("--database", help="also measure the store on this server (see above)")
    parser.add_argument("--db-articles", type=int, default=2000)
    args = parser.parse_args(argv)
    n = args.n or (20_000 if args.quick else 200_000)
    edge = max(1, min(10_000, n // 10))  # the first and last slices compared for growth

    index = StoryIndex()
    ledger = StoryLedger()
    fp_time = assign_time = analysis_time = 0.0
    first_total = last_total = 0.0
    first_fp = last_fp = 0.0
    steady_total = 0.0
    fill = int(index.config.window / SPACING)  # articles until the window is full
    kinds: dict[str, int] = {}
    grouped: dict[str, int] = {}
    origin: dict[int, int] = {}
    peak_window = 0
    wall = time.perf_counter()
    for pk, kind, source, fields in stream(n):
        # The ingest analyses an article once (``prepare``) for search, sections and stories:
        # that analysis is timed apart, and the fingerprints read it as the ingest has them do.
        ta = time.perf_counter()
        analysed = analyse_article(fields["title"], fields["body"], "ar")
        t0 = time.perf_counter()
        analysis_time += t0 - ta
        f = features_of(**fields, analysed=analysed)
        t1 = time.perf_counter()
        decision = index.assign(f)
        t2 = time.perf_counter()
        ledger.apply(decision)
        fp_time += t1 - t0
        assign_time += t2 - t1
        if pk <= edge:
            first_total += t2 - t0
            first_fp += t1 - t0
        elif pk > n - edge:
            last_total += t2 - t0
            last_fp += t1 - t0
        if fill < pk <= fill + edge:
            steady_total += t2 - t0
        kinds[kind] = kinds.get(kind, 0) + 1
        if source is not None:
            origin[pk] = source
        peak_window = max(peak_window, len(index.members))
        if pk % 20_000 == 0:
            print(f"{pk:>7} articles  {pk / (time.perf_counter() - wall):8.0f}/s  "
                  f"window {len(index.members)}", file=sys.stderr)  # fmt: skip
    for pk, source in origin.items():
        kind = "copy" if ledger.copy_of.get(pk) is not None else "story"
        if ledger.story_of(pk) == ledger.story_of(source):
            grouped[kind] = grouped.get(kind, 0) + 1
    ledger.check()
    total = fp_time + assign_time
    result = {
        "articles": n,
        "kinds": kinds,
        "window_hours": index.config.window.total_seconds() / 3600,
        "peak_window_articles": peak_window,
        "stories": len(ledger.members),
        "copies_and_paraphrases_grouped_with_their_source": round(
            sum(grouped.values()) / max(1, len(origin)), 4
        ),
        "articles_per_s": round(n / total, 1),
        "fingerprints_per_s": round(n / fp_time, 1),
        "ms_per_article": round(1000 * total / n, 4),
        "ms_per_article_fingerprints": round(1000 * fp_time / n, 4),
        # The shared analysis (``analyse_article``), paid once per article by the ingest for
        # search, sections, regions and stories alike: not part of the assignment above.
        "ms_per_article_shared_analysis": round(1000 * analysis_time / n, 4),
        "articles_per_s_with_analysis": round(n / (total + analysis_time), 1),
        "ms_per_article_first": round(1000 * first_total / edge, 4),
        "ms_per_article_last": round(1000 * last_total / edge, 4),
        "growth_last_vs_first": round(last_total / first_total, 3),
        # The first slice includes the window filling up; after that the cost must stay flat.
        "ms_per_article_once_window_full": round(1000 * steady_total / edge, 4)
        if n >= fill + 2 * edge
        else None,
        "growth_last_vs_window_full": round(last_total / steady_total, 3)
        if n >= fill + 2 * edge and steady_total
        else None,
        "fingerprint_growth_last_vs_first": round(last_fp / first_fp, 3),
        "edge_articles": edge,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "ratio_vs_fingerprints": round(total / fp_time, 3),
    }
    if args.database:
        result.update(store_cost(args.database, min(args.db_articles, n)))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
