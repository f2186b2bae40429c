"""The bulk path of ``nashra import``: the same lines, the same articles, on every core.

The line path (:func:`nashra.crawl.importer.import_jsonl`) reads, analyses and writes one line at
a time. Here the main process reads the file in batches of :data:`BATCH_LINES` lines and hands
them to a pool of worker processes, which parse, validate and build each line's article
(:func:`~nashra.crawl.importer.article_of`, shared with the line path) and analyse it once
(:func:`nashra.ingest.prepare`), drafting its story features from that analysis so that the
story sweep does not analyse it again. The main process writes each batch, in file order, in one
transaction through :func:`nashra.ingest.save_prepared` — the same side rows and admission checks
as every other writer — with each new or updated article put in the story backlog in that same
transaction; the backlog is swept oldest first once the file is read.

A committed batch is never lost: an interrupted run (Ctrl-C, a crash, a kill) is resumed by running
the same command again. Workers skip the lines whose article is already stored unchanged
(:meth:`~nashra.store.Store.stored_unchanged`) before analysing them, so the re-run is fast up
to where the last one stopped. At most two batches per worker are in flight: memory stays bounded
whatever the size of the file.
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.exc import InterfaceError, OperationalError

from nashra.config import Settings
from nashra.crawl.importer import (
    MAX_LINE_BYTES,
    Built,
    ImportReport,
    LineError,
    add_source,
    article_of,
    iter_lines,
    open_archive,
    parse_line,
    unexpected,
)
from nashra.enrich.article import kept_author
from nashra.ingest import Prepared, prepare, save_prepared, with_story_draft
from nashra.model import Article
from nashra.sources.registry import Source
from nashra.store import Store
from nashra.stories.store import assign_late_stories

__all__ = ["BATCH_LINES", "BulkInterrupted", "Progress", "import_bulk", "prepare_lines"]

log = logging.getLogger("nashra.import")

BATCH_LINES = 250  # lines per task and per transaction
IN_FLIGHT_PER_WORKER = 2  # batches handed to the pool ahead of the writer, per worker
_PARENT_CHECK_SECONDS = 1.0

RawLine = tuple[int, bytes | None]  # (line number, its bytes; None: over the size cap)


@dataclass(frozen=True)
class Line:
    """What a worker made of one line: its article analysed (``prepared``), or built only
    (``prepared`` None: stored unchanged already), or the reason it is skipped (``error``)."""

    number: int
    built: Built | None = None
    prepared: Prepared | None = None
    error: str = ""


@dataclass(frozen=True)
class Progress:
    """Where a bulk import stands after a committed batch."""

    lines: int  # the last line committed
    bytes_read: int  # of the file on disk (compressed, for a .gz)
    bytes_total: int


class BulkInterrupted(Exception):
    """Ctrl-C during a bulk import: ``report`` counts the lines committed before it."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(f"interrupted after line {report.lines}")
        self.report = report


# -- the workers ------------------------------------------------------------------------------

_state: dict[str, Any] = {}


def _start_worker(sources: dict[str, Source], database_url: str | None, parent: int) -> None:
    """Each worker: Ctrl-C is the parent's to handle (it stops handing out work); a read-only
    store for the "already stored" lookups; and a watch that ends the worker when the parent
    is gone, however it died."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _state["sources"] = sources
    _state["store"] = Store.open(database_url, run_migrations=False) if database_url else None
    threading.Thread(target=_watch_parent, args=(parent, os.getppid()), daemon=True).start()


def _watch_parent(parent: int, ppid: int) -> None:
    while True:
        time.sleep(_PARENT_CHECK_SECONDS)
        if os.getppid() != ppid or not _alive(parent):
            os._exit(1)


def _alive(pid: int) -> bool:
    """Whether ``pid`` still runs. A killed parent stays a zombie until its own parent reaps it,
    and the pool's processes hold the forkserver open meanwhile: a zombie counts as gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:  # no /proc here: ask the kernel whether the pid exists
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def _stored_as(built: Built) -> Article:
    """The article as the store would compare it: with the author the enrichment keeps."""
    return dataclasses.replace(built.article, author=kept_author(built.article, built.source))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off for the block, back on (if it was) after it. The
    analysis of a batch allocates millions of short-lived objects, which reference counting
    frees, and the collector's passes over them found nothing to collect; its full passes
    also walk the worker's word caches. Paused for one batch, the few cycles a batch may leave
    wait for the next collection, which comes right after it."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def prepare_lines(
    lines: list[RawLine],
    max_bytes: int,
    sources: Mapping[str, Source],
    store: Store | None = None,
) -> list[Line]:
    """Parse, validate, build and analyse a batch of lines (``store``: skip the analysis of the
    lines stored unchanged already). Pure but for that lookup: runs in the workers, with the
    garbage collector paused for the batch (:func:`_collector_paused`)."""
    with _collector_paused():
        return _prepare_lines(lines, max_bytes, sources, store)


def _prepare_lines(
    lines: list[RawLine],
    max_bytes: int,
    sources: Mapping[str, Source],
    store: Store | None,
) -> list[Line]:
    built: list[tuple[int, Built]] = []
    out: dict[int, Line] = {}
    for number, raw in lines:
        try:
            record = parse_line(raw, max_bytes)
            if record is None:
                continue
            if isinstance(record, LineError):
                raise record
            built.append((number, article_of(record, sources)))
        except LineError as exc:
            out[number] = Line(number, error=str(exc))
        except Exception as exc:  # a bad line must never cost the lines after it
            out[number] = Line(number, error=unexpected(exc))
    known = store.stored_unchanged([_stored_as(b) for _n, b in built]) if store else set()
    for i, (number, item) in enumerate(built):
        if i in known:
            out[number] = Line(number, built=item)
            continue
        try:
            prepared = with_story_draft(prepare(item.article, item.source, section=item.section))
        except Exception as exc:
            out[number] = Line(number, error=unexpected(exc))
            continue
        out[number] = Line(number, built=item, prepared=prepared)
    return [out[number] for number in sorted(out)]


def _work(lines: list[RawLine], max_bytes: int) -> list[Line]:
    return prepare_lines(lines, max_bytes, _state["sources"], _state["store"])


# -- the main process -------------------------------------------------------------------------


def _batches(
    lines: Iterable[RawLine], size: int, position: Callable[[], int]
) -> Iterator[tuple[list[RawLine], int]]:
    batch: list[RawLine] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= size:
            yield batch, position()
            batch = []
    if batch:
        yield batch, position()


def pool_context() -> multiprocessing.context.BaseContext:
    """forkserver where there is one (workers start from a clean process that has loaded their
    code and the section model: :mod:`nashra.crawl.bulk_preload`), else spawn; never fork: the
    parent holds database connections and threads."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["nashra.crawl.bulk_preload"])
        return context
    return multiprocessing.get_context("spawn")


def import_bulk(
    store: Store,
    path: Path,
    sources: dict[str, Source],
    *,
    settings: Settings | None = None,
    workers: int | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> ImportReport:
    """Import ``path`` on ``workers`` processes (default: one per core); same report, same
    archive as :func:`~nashra.crawl.importer.import_jsonl`. Ctrl-C raises
    :class:`BulkInterrupted` once the batches already committed are counted."""
    report = ImportReport()
    max_bytes = settings.crawl.import_max_line_bytes if settings else MAX_LINE_BYTES
    workers = max(1, workers or os.cpu_count() or 1)
    url = store.primary.url.render_as_string(hide_password=False)
    total = path.stat().st_size
    pool = ProcessPoolExecutor(
        workers,
        mp_context=pool_context(),
        initializer=_start_worker,
        initargs=(dict(sources), url, os.getpid()),
    )
    pending: deque[tuple[Future[list[Line]], int]] = deque()

    def commit() -> None:
        future, position = pending.popleft()
        _commit(store, sources, report, future)
        if on_progress is not None:
            on_progress(Progress(report.lines, position, total))

    try:
        with open_archive(path) as (stream, raw):
            batches = _batches(iter_lines(stream, max_bytes), BATCH_LINES, raw.tell)
            for batch, position in batches:
                pending.append((pool.submit(_work, batch, max_bytes), position))
                while len(pending) >= IN_FLIGHT_PER_WORKER * workers:
                    commit()
            while pending:
                commit()
        pool.shutdown(wait=True)
        report.stories_late = assign_late_stories(store, settings)
    except KeyboardInterrupt:
        pool.shutdown(wait=False, cancel_futures=True)
        report.errors.sort()
        raise BulkInterrupted(report) from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    report.errors.sort()
    return report


def _commit(
    store: Store,
    sources: dict[str, Source],
    report: ImportReport,
    future: Future[list[Line]],
) -> None:
    """Write one batch the pool prepared, in file order, in one transaction."""
    lines = future.result()
    for line in lines:
        if line.built is not None:
            add_source(store, line.built.source, sources, report)
    skipped = [line.built for line in lines if line.built is not None and line.prepared is None]
    # The worker looked before the batches ahead of this one were written: look again, now.
    still = store.stored_unchanged([_stored_as(built) for built in skipped])
    ready: list[tuple[int, Prepared]] = []
    k = -1  # index of the line in ``skipped``
    for line in lines:
        if line.built is not None and line.prepared is None:
            k += 1
            if k in still:
                report.count("unchanged")
                continue
            try:
                built = line.built
                ready.append(
                    (line.number, prepare(built.article, built.source, section=built.section))
                )
            except Exception as exc:
                report.skip(line.number, unexpected(exc))
        elif line.prepared is not None:
            ready.append((line.number, line.prepared))
        else:
            report.skip(line.number, line.error)
    _save(store, ready, report)
    report.lines = max((line.number for line in lines), default=report.lines)


def _save(store: Store, ready: list[tuple[int, Prepared]], report: ImportReport) -> None:
    """One transaction for the batch; if it fails for another reason than the database, line by
    line, so that one bad line is reported by its number and costs no other."""
    try:
        results = save_prepared(store, [item for _n, item in ready], defer_stories=True)
    except (OperationalError, InterfaceError):
        raise
    except Exception as exc:
        if len(ready) == 1:
            report.skip(ready[0][0], unexpected(exc))
            return
        for one in ready:
            _save(store, [one], report)
        return
    for saved in results:
        report.count(saved.status)
