"""Articles per second through ``nashra import --bulk``, beside its floor and its ceiling.

On the ANT articles of the demo corpus written as an import file (``archive_records``):
  sqlite     the bulk path into a fresh SQLite archive (the pool's workers parse, build and
             analyse; the main process writes each batch in one transaction; the story sweep)
  postgresql the same into a fresh PostgreSQL database (``--pg-url`` or
             NASHRA_TEST_DATABASE_URL; skipped without one)
  analysis   the workers' part alone (``prepare_lines`` of the same batches in the same pool,
             nothing written): the floor — the bulk path cannot beat it on these cores
  copy       PostgreSQL ``COPY`` of the same article rows into a table like ``articles``,
             without analysis, side rows or stories: the ceiling of the write itself
  writes     the main process's writes alone, for each backend: the batches the analysis
             prepared, saved one transaction each into a fresh archive (every side row; the
             story sweep not included), nothing else running
Times are wall-clock seconds (the pool runs on every core). Peak RSS is the main process's (the
workers are the forkserver's children, which ``getrusage`` does not see). ``--profile`` prints the main process's cProfile of the SQLite run.
Prints one JSON object on its last line: ``ratio_vs_analysis_only`` and ``ratio_vs_copy`` are
our cost per article ÷ theirs on PostgreSQL (SQLite when there is no PostgreSQL).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pickle
import pstats
import resource
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from sqlalchemy.engine import make_url

from nashra.crawl.bulk import BATCH_LINES, Line, import_bulk, pool_context, prepare_lines
from nashra.crawl.importer import MAX_LINE_BYTES, ImportReport, add_source, iter_lines
from nashra.demo.corpus import archive_records
from nashra.ingest import save_prepared
from nashra.store import Store
from nashra.store.scratch import throwaway_database


def _write_file(path: Path, limit: int) -> int:
    records = archive_records(limit)
    with path.open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return len(records)


def _bulk(url: str, path: Path, workers: int, profile: bool = False) -> tuple[float, int]:
    store = Store.open(url)
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    report = import_bulk(store, path, {}, workers=workers)
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - started
    store.close()
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return seconds, report.new


def _analysis_only(path: Path, workers: int, keep: Path) -> float:
    """The workers' part alone; the prepared batches are pickled to ``keep`` as they come (not
    held: the main process's peak memory is the import's, not this benchmark's)."""
    with path.open("rb") as fh:
        lines = list(iter_lines(fh, MAX_LINE_BYTES))
    batches = [lines[i : i + BATCH_LINES] for i in range(0, len(lines), BATCH_LINES)]
    with ProcessPoolExecutor(workers, mp_context=pool_context()) as pool, keep.open("wb") as out:
        list(pool.map(abs, range(workers)))  # the workers started, as in the bulk path
        started = time.perf_counter()
        done = pool.map(
            prepare_lines, batches, [MAX_LINE_BYTES] * len(batches), [{}] * len(batches)
        )
        count = 0
        for batch in done:
            count += len(batch)
            pickle.dump(batch, out)
        seconds = time.perf_counter() - started
    assert count == len(lines)
    return seconds


def _prepared(keep: Path) -> Iterator[list[Line]]:
    with keep.open("rb") as fh:
        while True:
            try:
                yield pickle.load(fh)
            except EOFError:
                return


def _writes_only(url: str, keep: Path) -> tuple[float, int]:
    """The main process's writes alone: the prepared batches saved one transaction each
    (``save_prepared``, every side row, stories deferred), the outlets created untimed."""
    store = Store.open(url)
    report, sources = ImportReport(), {}
    seconds, new = 0.0, 0
    for lines in _prepared(keep):
        for line in lines:
            if line.built is not None:
                add_source(store, line.built.source, sources, report)
        prepared = [line.prepared for line in lines if line.prepared is not None]
        started = time.perf_counter()
        results = save_prepared(store, prepared, defer_stories=True)
        seconds += time.perf_counter() - started
        new += sum(r.status == "new" for r in results)
    store.close()
    return seconds, new


def _copy(url: str) -> tuple[float, int]:
    """COPY the imported article rows (out to memory first) into a fresh table like articles."""
    import psycopg

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn:
        buffer = bytearray()
        with conn.cursor().copy("COPY articles TO STDOUT") as copy:
            for chunk in copy:
                buffer += chunk
        rows = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        conn.execute("CREATE TABLE articles_copy (LIKE articles INCLUDING ALL)")
        started = time.perf_counter()
        with conn.cursor().copy("COPY articles_copy FROM STDIN") as copy:
            copy.write(bytes(buffer))
        conn.commit()
        return time.perf_counter() - started, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a run of about a minute")
    parser.add_argument("--limit", type=int, help="articles (default 2000, quick 500)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--pg-url", default=os.environ.get("NASHRA_TEST_DATABASE_URL", ""))
    parser.add_argument("--profile", action="store_true", help="cProfile the SQLite run")
    args = parser.parse_args(argv)
    limit = args.limit or (500 if args.quick else 2000)
    result: dict[str, float | int | None] = {"workers": args.workers}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "archive.jsonl"
        result["articles"] = lines = _write_file(path, limit)
        prepared = Path(tmp) / "prepared.pickle"
        seconds = _analysis_only(path, args.workers, prepared)
        result["analysis_per_s"] = round(lines / seconds, 1)
        print(f"analysis only: {lines} lines in {seconds:.1f} s, {lines / seconds:.1f}/s")
        seconds, new = _writes_only(f"sqlite:///{Path(tmp) / 'writes.db'}", prepared)
        result["sqlite_writes_per_s"] = round(new / seconds, 1)
        print(f"sqlite writes alone: {new} articles in {seconds:.1f} s, {new / seconds:.1f}/s")
        seconds, new = _bulk(f"sqlite:///{Path(tmp) / 'bulk.db'}", path, args.workers, args.profile)
        result["sqlite_per_s"] = round(new / seconds, 1)
        print(f"sqlite bulk: {new} articles in {seconds:.1f} s, {new / seconds:.1f}/s")
        result["postgresql_per_s"] = result["copy_per_s"] = result["postgresql_writes_per_s"] = None
        if args.pg_url:
            with throwaway_database(args.pg_url) as url:
                seconds, new = _writes_only(url, prepared)
                result["postgresql_writes_per_s"] = round(new / seconds, 1)
                print(f"postgresql writes alone: {new} in {seconds:.1f} s, {new / seconds:.1f}/s")
            with throwaway_database(args.pg_url) as url:
                seconds, new = _bulk(url, path, args.workers)
                result["postgresql_per_s"] = round(new / seconds, 1)
                print(f"postgresql bulk: {new} articles in {seconds:.1f} s, {new / seconds:.1f}/s")
                seconds, rows = _copy(url)
                result["copy_per_s"] = round(rows / seconds, 1)
                print(f"postgresql COPY: {rows} rows in {seconds:.3f} s, {rows / seconds:.0f}/s")
    ours = result["postgresql_per_s"] or result["sqlite_per_s"]
    result["peak_rss_mb_main"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    result["ratio_vs_analysis_only"] = round(result["analysis_per_s"] / ours, 2)
    if result["copy_per_s"]:
        result["ratio_vs_copy"] = round(result["copy_per_s"] / ours, 1)
    else:
        result["ratio_vs_copy"] = None
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
