"""The portal on a PostgreSQL archive of millions of articles: page, API and search latencies,
story assignment, disk per article and server memory — at N and at N/10, to show the growth.

    .venv/bin/python benchmarks/bench_archive.py            # N = 5,000,000 (and 500,000)
    .venv/bin/python benchmarks/bench_archive.py --quick    # N = 200,000 (and 20,000)
    .venv/bin/python benchmarks/bench_archive.py --n 1000000 --database-url postgresql+psycopg://…
    .venv/bin/python benchmarks/bench_archive.py --keep           # keep both databases, then
    .venv/bin/python benchmarks/bench_archive.py --reuse          # measure them again (after
                                                                  # migrating them to this code)

The archive is generated, not imported (the import rate is bench_import's business): the demo
corpus (ANT, src/nashra/demo/data/ant.jsonl.gz; see the README's Data notices) is cut into
paragraphs, each analysed once (search tokens, normalised words), and every article is a demo
headline over three random paragraphs, spread over 120 outlets, 8 sections, 5,000 authors and 8
years (one article every ~50 s at 5 M), written with ``COPY`` through psycopg into a database
migrated by ``Store.open``; the search index rows are built by the server from the same token
streams with the expressions of ``nashra.search.index``. The newest 48 hours go through the real
story assignment so that a new article meets a full window.

Each figure is the p50/p95 of requests to the real application (``create_app``) in this process,
**page cache off and portal memos cleared before every request** (the ticker and the footer are
recomputed each time), each request on another outlet, author, day or article where the page
has one. PostgreSQL's own buffers stay warm, as on a running server. The last line is JSON;
``ratio_vs_tenth`` is the worst p95 at N over its p95 at N/10 (aim: <= 1.5).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from nashra.config import load_settings
from nashra.demo.corpus import load_ant_rows
from nashra.enrich.authors import author_key
from nashra.ingest import save_article
from nashra.model import Article
from nashra.sections import SECTIONS
from nashra.sources.registry import Source
from nashra.store import Store
from nashra.store.queries import count_articles
from nashra.stories.store import assign_story
from nashra.text import analyse, normalize
from nashra.trending.web import STRIP_SECONDS, Trending
from nashra.web.editions import EDITIONS

OUTLETS = 120
AUTHORS = 5000
YEARS = 8
PARAGRAPHS_PER_ARTICLE = 3
SAMPLES = 25
PREFETCH_IO = 64  # effective_io_concurrency as docs/deploy.md recommends for SSDs
END = datetime(2026, 11, 30, 12, tzinfo=UTC)
FIRST = ["محمد", "أحمد", "فاطمة", "يوسف", "خديجة", "عمر", "سعيد", "نادية", "كريم", "ليلى"] * 10
LAST = [f"{a}{b}" for a in ("ال", "بن ", "أبو ") for b in (
    "علوي", "إدريسي", "فاسي", "منصوري", "حسني", "تازي", "بناني", "شرقاوي", "سوسي", "ريفي",
    "زياني", "كتاني", "مراكشي", "عثماني", "صديقي", "طاهري", "قادري", "ناصري", "وزاني", "يعقوبي",
)]  # fmt: skip


@dataclass
class Paragraph:
    text: str
    tokens: str  # analysed (search terms)
    words: str  # normalised, unstemmed (prefix search)
    surface: frozenset[str]  # normalised words, for picking the benchmark's query words


def corpus() -> tuple[list[tuple[str, str, str]], list[Paragraph]]:
    """Demo headlines (title, tokens, words) and paragraphs, each analysed once."""
    titles, paragraphs = [], []
    for row in load_ant_rows():
        titles.append((row["title"], " ".join(analyse(row["title"])), normalize(row["title"])))
        for part in row["text"].split("\n"):
            part = part.strip()
            if len(part) < 80:
                continue
            words = normalize(part)
            paragraphs.append(
                Paragraph(part, " ".join(analyse(part)), words, frozenset(words.split()))
            )
    return titles, paragraphs


@dataclass
class Archive:
    n: int
    url: str
    outlets: list[str]
    authors: list[str]
    paragraphs: list[Paragraph]
    titles: list[tuple[str, str, str]]


def outlet_slug(i: int) -> str:
    return f"outlet{i:03d}"


def build(n: int, url: str, titles, paragraphs, seed: int = 17) -> tuple[Archive, dict[str, float]]:
    """A fresh database ``url`` holding ``n`` generated articles; the seconds each step took."""
    timings: dict[str, float] = {}
    admin_url = make_url(url).set(database="postgres")
    name = make_url(url).database
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    store = Store.open(url)
    outlets = [outlet_slug(i) for i in range(OUTLETS)]
    store.sync_sources(
        [Source(slug=s, name_ar=f"جريدة {i}", feeds=[]) for i, s in enumerate(outlets)]
    )
    rng = random.Random(seed)
    authors = [f"{rng.choice(FIRST)} {rng.choice(LAST)} {i}" for i in range(AUTHORS)]
    keys = [author_key(a) for a in authors]
    sections = list(SECTIONS)
    span = timedelta(days=365 * YEARS) / n
    start = END - timedelta(days=365 * YEARS)
    nums = [0] * OUTLETS
    columns = (
        "pk, source, num, url, title, summary, body_html, body_text, body_hash, "
        "published, fetched_at, author, lang, section, categories, partial, section_source, "
        "byline, agency, author_key"
    )
    t0 = time.perf_counter()
    # Two connections: one COPY at a time per connection, and both streams are written at once.
    raw, raw_docs = store.engine.raw_connection(), store.engine.raw_connection()
    try:
        cur, docs_cur = raw.driver_connection.cursor(), raw_docs.driver_connection.cursor()
        docs_cur.execute(
            "CREATE UNLOGGED TABLE bench_docs (pk bigint, title text, body text, author text,"
            " title_words text, body_words text)"
        )
        with (
            cur.copy(f"COPY articles ({columns}) FROM STDIN") as articles_copy,
            docs_cur.copy("COPY bench_docs FROM STDIN") as docs_copy,
        ):
            for pk in range(1, n + 1):
                o = rng.randrange(OUTLETS)
                nums[o] += 1
                a = rng.randrange(AUTHORS)
                title, title_tokens, title_words = titles[rng.randrange(len(titles))]
                paras = [paragraphs[rng.randrange(len(paragraphs))] for _ in range(3)]
                body = "\n\n".join(p.text for p in paras)
                published = start + span * pk + timedelta(seconds=rng.randrange(30))
                articles_copy.write_row((
                    pk, outlets[o], nums[o], f"https://{outlets[o]}.example/{nums[o]}", title,
                    paras[0].text[:240], "".join(f"<p>{p.text}</p>" for p in paras), body,
                    hashlib.sha1(str(pk).encode()).hexdigest(),
                    published, published, authors[a], "ar", sections[pk % len(sections)], "",
                    False, "feed", authors[a], "", keys[a],
                ))  # fmt: skip
                docs_copy.write_row((
                    pk, title_tokens, " ".join(p.tokens for p in paras), " ".join(analyse(authors[a])),
                    title_words, " ".join(p.words for p in paras),
                ))  # fmt: skip
        cur.execute("SELECT setval('articles_pk_seq', %s)", (n,))
        for i, slug in enumerate(outlets):
            cur.execute("UPDATE sources SET next_num = %s WHERE slug = %s", (nums[i] + 1, slug))
        raw.commit()
        raw_docs.commit()
        timings["copy_articles_s"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        timings.update(fill_search_index(store.engine, n))
        docs_cur.execute("DROP TABLE bench_docs")
        raw_docs.commit()
        timings["search_index_s"] = time.perf_counter() - t1
    finally:
        raw.close()
        raw_docs.close()
    t2 = time.perf_counter()
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    timings["vacuum_analyze_s"] = time.perf_counter() - t2
    # The newest 48 hours through the real story assignment: a new article meets a full window.
    t3 = time.perf_counter()
    window = max(1, int(timedelta(hours=48) / span))
    for pk in range(max(1, n - window + 1), n + 1):
        assign_story(store, pk)
    timings["stories_s"] = time.perf_counter() - t3
    timings["stories_articles"] = window
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))  # the stories written since: as autovacuum would
    store.close()
    return Archive(n, url, outlets, authors, paragraphs, titles), timings


# The facets as migration 0017 fills an existing archive's (``nashra_facets``, the same tokens
# as the writers'), from the article rows COPY wrote.
SEARCH_ROWS = (
    "INSERT INTO article_search (article_pk, terms, words, author, facets) SELECT d.pk, "
    "setweight(to_tsvector('simple', d.title), 'A') "
    "|| setweight(to_tsvector('simple', d.body), 'D'), "
    "setweight(to_tsvector('simple', d.title_words), 'A') || "
    "setweight(to_tsvector('simple', d.body_words), 'D'), "
    "to_tsvector('simple', d.author), nashra_facets(a.source, a.section, a.lang, a.published) "
    "FROM bench_docs AS d JOIN articles AS a ON a.pk = d.pk WHERE d.pk > %s AND d.pk <= %s"
)


def in_parallel(engine: Any, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
    """Each statement on a connection of its own, all at once, each committed."""

    def one(statement: tuple[str, tuple[Any, ...]]) -> None:
        raw = engine.raw_connection()
        try:
            with raw.driver_connection.cursor() as cur:
                cur.execute("SET maintenance_work_mem = '1GB'")
                cur.execute(*statement)
            raw.commit()
        finally:
            raw.close()

    with ThreadPoolExecutor(len(statements)) as pool:
        list(pool.map(one, statements))


def fill_search_index(engine: Any, n: int) -> dict[str, float]:
    """bench_docs into article_search, as fast as the server allows: its GIN indexes dropped,
    the rows built by one connection per core over ranges of pk, then each GIN index created
    again from its own definition on a connection of its own (PostgreSQL 15 builds a GIN index
    on one core, so the two are built side by side)."""
    with engine.connect() as conn:
        gin = conn.execute(
            text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'article_search'"
                " AND indexdef LIKE '%USING gin%'"
            )
        ).all()
        for name, _ in gin:
            conn.execute(text(f'DROP INDEX "{name}"'))
        conn.commit()
    t = time.perf_counter()
    parts = os.cpu_count() or 2
    bounds = [n * i // parts for i in range(parts + 1)]
    in_parallel(engine, [(SEARCH_ROWS, (bounds[i], bounds[i + 1])) for i in range(parts)])
    rows_s = time.perf_counter() - t
    t = time.perf_counter()
    in_parallel(engine, [(definition, ()) for _, definition in gin])
    return {"search_rows_s": rows_s, "search_gin_s": time.perf_counter() - t}


def pick_words(paragraphs: list[Paragraph], rng: random.Random) -> dict[str, str]:
    """Query words by their share of paragraphs: a common word (in about 10 % of articles of
    three paragraphs: 3.5 % of paragraphs), a rare one (one paragraph) and a two-word phrase."""
    df: dict[str, int] = {}
    for p in paragraphs:
        for w in p.surface:
            df[w] = df.get(w, 0) + 1
    total = len(paragraphs)
    target = (1 - 0.9 ** (1 / PARAGRAPHS_PER_ARTICLE)) * total
    long_words = [w for w in df if len(w) >= 5 and all("\u0621" <= c <= "\u064a" for c in w)]
    long_words_set = set(long_words)
    common = min(long_words, key=lambda w: abs(df[w] - target))
    rare = sorted(w for w in long_words if df[w] == 1)[rng.randrange(100)]
    while True:  # two adjacent words of a paragraph, neither a short (stop) word
        pair_source = paragraphs[rng.randrange(total)].words.split()
        i = rng.randrange(max(1, len(pair_source) - 2))
        pair = pair_source[i : i + 2]
        if len(pair) == 2 and all(w in long_words_set for w in pair):
            break
    return {"common": common, "rare": rare, "phrase": f'"{pair[0]} {pair[1]}"'}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def figures(times: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
    }


def measure(archive: Archive, words: dict[str, str]) -> dict[str, Any]:
    from starlette.testclient import TestClient

    from nashra.web.app import create_app

    settings = load_settings(
        env={}, database_url=archive.url, page_cache_entries=0, cache_check_seconds=3600
    )
    store = Store.open(archive.url, run_migrations=False)
    app = create_app(settings, store)
    portal = app.state.portal
    rng = random.Random(3)
    results: dict[str, Any] = {}
    engine = store.engine

    def deep_cursor(where: str, params: dict[str, Any]) -> str:
        from nashra.store.queries import encode_cursor

        with engine.connect() as conn:
            row = conn.execute(
                text(
                    f"SELECT published, pk FROM articles WHERE {where} "
                    "ORDER BY published DESC, pk DESC OFFSET :deep LIMIT 1"
                ),
                {**params, "deep": 999 * 20},
            ).first()
        return "" if row is None else encode_cursor(row.published, row.pk)

    def timed(client: Any, label: str, path: str, expect: int = 200) -> float:
        """Milliseconds of one uncached request (the portal's memos cleared first)."""
        portal.clear_memos()
        t = time.perf_counter()
        response = client.get(path)
        took = (time.perf_counter() - t) * 1000
        if response.status_code != expect:
            raise SystemExit(f"{label}: {path} answered {response.status_code}")
        return took

    def sample(label: str, paths: Callable[[int], str], expect: int = 200) -> None:
        with TestClient(app) as client:
            client.get(paths(SAMPLES - 1))  # warm-up (templates, pool): not counted
            times = [timed(client, label, paths(i), expect) for i in range(SAMPLES)]
        results[label] = figures(times)

    def sample_read_ahead(label: str, paths: Callable[[int], str], warm: str) -> None:
        """``label`` with the server's read-ahead and, as ``label_prefetch``, with the one
        docs/deploy.md recommends (``effective_io_concurrency``: a bitmap heap scan then asks
        for the next pages of the matches' rows while it scores), request by request in turn,
        each half on its own outlets and days (``paths(2 i)`` and ``paths(2 i + 1)``), so
        neither reads what the other has just read."""
        depth = {"value": "DEFAULT"}

        def set_depth(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
            with dbapi_conn.cursor() as cur:
                cur.execute(f"SET effective_io_concurrency = {depth['value']}")
            dbapi_conn.commit()

        times: list[list[float]] = [[], []]
        event.listen(engine, "checkout", set_depth)
        try:
            with TestClient(app) as client:
                client.get(warm)  # warm-up (templates, pool): not counted
                for i in range(2 * SAMPLES):
                    depth["value"] = str(PREFETCH_IO) if i % 2 else "DEFAULT"
                    times[i % 2].append(timed(client, label, paths(i)))
        finally:
            event.remove(engine, "checkout", set_depth)
        results[label] = figures(times[0])
        results[f"{label}_prefetch"] = {
            **figures(times[1]),
            "effective_io_concurrency": PREFETCH_IO,
        }

    outlet = lambda i: archive.outlets[(i * 7) % OUTLETS]  # noqa: E731
    with engine.connect() as conn:
        picks = conn.execute(
            text("SELECT source, num, author FROM articles TABLESAMPLE SYSTEM (1) LIMIT :n"),
            {"n": SAMPLES},
        ).all()
        if len(picks) < SAMPLES:  # a small archive: 1 % of its pages is too few
            picks = conn.execute(
                text("SELECT source, num, author FROM articles ORDER BY random() LIMIT :n"),
                {"n": SAMPLES},
            ).all()
    author = lambda i: picks[i % len(picks)].author  # noqa: E731
    author_path = lambda name: "/author/" + quote(name.replace(" ", "+"), safe="+")  # noqa: E731
    sections = list(SECTIONS)
    days = [END.date() - timedelta(days=1 + 97 * i) for i in range(SAMPLES)]
    outlet_cursors = {
        o: deep_cursor("source = :s", {"s": o}) for o in {outlet(i) for i in range(SAMPLES)}
    }
    section_cursors = {s: deep_cursor("section = :s AND lang = 'ar'", {"s": s}) for s in sections}
    author_cursors = {
        a: deep_cursor("author = :a", {"a": a}) for a in {author(i) for i in range(SAMPLES)}
    }
    sample("home", lambda i: "/")
    sample("outlet_first", lambda i: f"/{outlet(i)}")
    sample("outlet_page_1000", lambda i: f"/{outlet(i)}?cursor={outlet_cursors[outlet(i)]}")
    sample("section_first", lambda i: f"/{sections[i % 8]}")
    sample("section_page_1000",
           lambda i: f"/{sections[i % 8]}?cursor={section_cursors[sections[i % 8]]}")  # fmt: skip
    sample("author_first", lambda i: author_path(author(i)))
    author_deep = [a for a, c in author_cursors.items() if c]
    if author_deep:
        sample("author_page_1000",
               lambda i: author_path(author_deep[i % len(author_deep)])
                         + f"?cursor={author_cursors[author_deep[i % len(author_deep)]]}")  # fmt: skip
    else:
        results["author_page_1000"] = {"note": "no author has 1,000 pages at this N"}
    sample("day_archive", lambda i: f"/archive/{days[i].year}/{days[i].month}/{days[i].day}")
    sample("article", lambda i: f"/{picks[i % len(picks)].source}/{picks[i % len(picks)].num}")
    sample("sitemap_index", lambda i: "/sitemap.xml")
    sample("sitemap_day", lambda i: f"/sitemaps/{days[i].year}-{days[i].month}-{days[i].day}.xml")
    sample("api_articles_filtered",
           lambda i: f"/api/v1/articles?source={outlet(i)}&section={sections[i % 8]}"
                     f"&since={days[i].isoformat()}")  # fmt: skip
    sample("api_sources", lambda i: "/api/v1/sources")
    sample("search_rare", lambda i: f"/search?q={quote(words['rare'])}")
    sample("search_common", lambda i: f"/search?q={quote(words['common'])}")
    sample("search_phrase", lambda i: f"/search?q={quote(words['phrase'])}")
    # an outlet's year: even requests on the outlets and days of the samples above, odd ones
    # three outlets and 48 days further
    year_end = lambda i: days[i // 2 % SAMPLES] - timedelta(days=48 * (i % 2))  # noqa: E731
    sample_read_ahead("search_outlet_date",
                      lambda i: f"/search?q={quote(words['common'])}"
                                f"&source={outlet(i // 2 + 3 * (i % 2))}"
                                f"&since={year_end(i) - timedelta(days=365)}"
                                f"&until={year_end(i)}",
                      f"/search?q={quote(words['common'])}&source={outlet(SAMPLES)}")  # fmt: skip
    # the footer's figure alone (maintained per-outlet counters, summed)
    times = []
    for _ in range(SAMPLES):
        t = time.perf_counter()
        footer = count_articles(store)
        times.append((time.perf_counter() - t) * 1000)
    results["footer_count"] = {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 0.95), 2),
        "value": footer,
        "kind": "exact: per-outlet counters kept by triggers",
    }
    # the home's trending strip (a week of headlines): computed once every STRIP_SECONDS per
    # edition on its own clock, so not in the home's per-request figure above
    trending, edition = Trending(portal), EDITIONS["ar"]
    times = []
    for _ in range(SAMPLES):
        t = time.perf_counter()
        trending.compute(edition)
        times.append((time.perf_counter() - t) * 1000)
    results["trending_strip"] = {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        "every_s": STRIP_SECONDS,
    }
    with TestClient(app) as client:
        for key in ("rare", "common", "phrase"):
            got = client.get(f"/api/v1/search?q={quote(words[key])}").json()
            results[f"search_{key}"]["matches"] = got.get("exact_total", got.get("total"))
    # story assignment of a new article, after the newest one
    times = []
    for i in range(SAMPLES):
        paras = [archive.paragraphs[rng.randrange(len(archive.paragraphs))] for _ in range(3)]
        title = archive.titles[rng.randrange(len(archive.titles))][0]
        body = "\n\n".join(p.text for p in paras)
        saved = save_article(store, Article(
            source=outlet(i), url=f"https://{outlet(i)}.example/new/{i}", title=title,
            body_html="".join(f"<p>{p.text}</p>" for p in paras), body_text=body,
            body_hash=hashlib.sha1(body.encode()).hexdigest(),
            published=END + timedelta(minutes=i + 1),
        ))  # fmt: skip
        t = time.perf_counter()
        assign_story(store, saved.pk)
        times.append((time.perf_counter() - t) * 1000)
    results["story_assignment"] = {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
    }
    results["disk"] = disk(engine, archive.n)
    store.close()
    return results


def disk(engine: Any, n: int) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT pg_relation_size('articles') AS heap,"
                " COALESCE((SELECT pg_total_relation_size(reltoastrelid) FROM pg_class"
                "  WHERE oid = 'articles'::regclass AND reltoastrelid <> 0), 0) AS toast,"
                " pg_indexes_size('articles') AS indexes,"
                " pg_total_relation_size('article_search') AS search,"
                " pg_database_size(current_database()) AS database"
            )
        ).one()
        index_sizes = {
            r.name: r.size
            for r in conn.execute(
                text(
                    "SELECT indexrelid::regclass::text AS name, pg_relation_size(indexrelid) AS size"
                    " FROM pg_index WHERE indrelid IN ('articles'::regclass,"
                    " 'article_search'::regclass) ORDER BY 2 DESC"
                )
            )
        }
    per = lambda v: round(v / n, 1)  # noqa: E731
    return {
        "heap_bytes_per_article": per(row.heap),
        "toast_bytes_per_article": per(row.toast),
        "index_bytes_per_article": per(row.indexes),
        "search_index_bytes_per_article": per(row.search),
        "database_bytes_per_article": per(row.database),
        "database_mb": round(row.database / 2**20),
        "index_mb": {k: round(v / 2**20, 1) for k, v in index_sizes.items()},
    }


def server_memory(engine: Any) -> dict[str, Any]:
    """shared_buffers and the resident memory of every postgres process on this machine (the
    server is shared with other users: an upper bound of what the archive needs)."""
    rss = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() != "postgres":
                continue
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("RssAnon:"):
                    rss += int(line.split()[1]) * 1024
        except OSError:
            continue
    with engine.connect() as conn:
        shared = conn.execute(text("SHOW shared_buffers")).scalar()
        work_mem = conn.execute(text("SHOW work_mem")).scalar()
    return {
        "shared_buffers": shared,
        "work_mem": work_mem,
        "postgres_private_rss_mb": round(rss / 2**20),
    }


def reuse(n: int, url: str, titles, paragraphs) -> tuple[Archive, dict[str, float]]:
    """The archive a ``--keep`` run left at ``url``, migrated to this code (the migrations'
    seconds: what an operator's upgrade of such an archive costs), then vacuumed and analysed
    as the build leaves a new one (a migration that rewrote rows leaves their old versions and
    no statistics of a new column: measured before, every read also set hint bits)."""
    t = time.perf_counter()
    store = Store.open(url)
    migrations_s = time.perf_counter() - t
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    store.close()
    outlets = [outlet_slug(i) for i in range(OUTLETS)]
    return Archive(n, url, outlets, [], paragraphs, titles), {
        "migrations_s": migrations_s,
        "vacuum_analyze_s": time.perf_counter() - t - migrations_s,
    }


def run(
    n: int, base_url: str, titles, paragraphs, words, keep: bool, kept: bool = False
) -> dict[str, Any]:
    url = make_url(base_url).set(database=f"nashra_bench_archive_{n}")
    url_s = url.render_as_string(hide_password=False)
    t = time.perf_counter()
    archive, timings = (reuse if kept else build)(n, url_s, titles, paragraphs)
    built = time.perf_counter() - t
    figures = measure(archive, words)
    engine = create_engine(url)
    figures["server_memory"] = server_memory(engine)
    engine.dispose()
    if not keep:
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        admin.dispose()
    return {"n": n, "build_s": round(built, 1), "build": timings, **figures}


AIMS_MS = {"search_common": 150.0}
PAGE_AIM_MS = 50.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="N = 200,000 instead of 5,000,000")
    parser.add_argument("--n", type=int, default=0)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "NASHRA_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
        help="a PostgreSQL server where nashra_bench_archive_<N> databases may be created",
    )
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the databases a --keep run left (migrated first) instead of building them",
    )
    args = parser.parse_args()
    n = args.n or (200_000 if args.quick else 5_000_000)
    t = time.perf_counter()
    titles, paragraphs = corpus()
    words = pick_words(paragraphs, random.Random(11))
    print(f"corpus: {len(titles)} headlines, {len(paragraphs)} paragraphs analysed in "
          f"{time.perf_counter() - t:.1f} s; words {words}", file=sys.stderr)  # fmt: skip
    keep = args.keep or args.reuse
    tenth = run(n // 10, args.database_url, titles, paragraphs, words, keep, args.reuse)
    print(json.dumps(tenth, ensure_ascii=False), file=sys.stderr)
    full = run(n, args.database_url, titles, paragraphs, words, keep, args.reuse)
    print(json.dumps(full, ensure_ascii=False), file=sys.stderr)
    growth, misses = {}, []
    for label, figure in full.items():
        if not isinstance(figure, dict) or "p95_ms" not in figure:
            continue
        small = tenth.get(label, {}).get("p95_ms")
        if small:
            growth[label] = round(figure["p95_ms"] / small, 2)
        aim = AIMS_MS.get(label, PAGE_AIM_MS)
        if label not in ("story_assignment", "trending_strip") and figure["p95_ms"] > aim:
            misses.append(f"{label} p95 {figure['p95_ms']} ms > {aim:g} ms")
    summary = {
        "benchmark": "archive",
        "n": n,
        "p95_ms": {
            k: v["p95_ms"] for k, v in full.items() if isinstance(v, dict) and "p95_ms" in v
        },
        "p95_ms_at_tenth": {
            k: v["p95_ms"] for k, v in tenth.items() if isinstance(v, dict) and "p95_ms" in v
        },
        "growth_vs_tenth": growth,
        "ratio_vs_tenth": max(growth.values()) if growth else None,
        "aims_missed": misses,
        "disk": full["disk"],
        "disk_at_tenth": tenth["disk"],
        "server_memory": full["server_memory"],
        "search_matches": {
            k: full[f"search_{k}"].get("matches") for k in ("rare", "common", "phrase")
        },
        "words": words,
        "build_s": full["build_s"],
        "python_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
