"""What the commands of every package share: opening the archive with a clear message, JSON
output, the crawl round with its progress display (used by ``nashra crawl`` and the demo) and the
bulk import's progress bar."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import click
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from nashra.config import Settings
from nashra.crawl.bulk import Progress as BulkProgress
from nashra.crawl.pipeline import CrawlReport, crawl
from nashra.sources.registry import Source
from nashra.store import Store

__all__ = ["crawl_with_progress", "echo_json", "import_progress", "open_store"]


def open_store(settings: Settings) -> Store:
    """The instance's archive (its data directory created, migrations applied); a database that
    cannot be opened is a message naming why, not a traceback."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        return Store.open(settings.resolved_database_url)
    except Exception as exc:  # a bad URL or an unreachable server
        raise click.ClickException(f"cannot open the archive: {exc}") from exc


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def crawl_with_progress(
    settings: Settings, store: Store, sources: Iterable[Source], *, quiet: bool = False
) -> CrawlReport:
    """One crawl round with a progress display of feeds and articles (none when ``quiet``)."""
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[info]}"),
    )
    with Progress(*columns, disable=quiet, transient=False) as progress:
        feeds_task = progress.add_task("feeds", total=None, info="")
        pages_task = progress.add_task("articles", total=0, info="")
        counts = {"new": 0, "skipped": 0, "errors": 0}

        def on_event(kind: str, **info: Any) -> None:
            if kind == "feeds":
                progress.update(feeds_task, total=info["total"])
            elif kind == "feed":
                progress.advance(feeds_task)
            elif kind == "entries":
                progress.update(pages_task, total=progress.tasks[1].total + info["count"])
            elif kind in ("article", "page_error"):
                if kind == "page_error":
                    counts["errors"] += 1
                else:
                    counts[info["status"]] = counts.get(info["status"], 0) + 1
                progress.update(
                    pages_task,
                    advance=1,
                    info=f"new {counts['new']} · known {counts['skipped']} · errors {counts['errors']}",
                )

        return crawl(settings, store, sources, on_event=on_event)


@contextmanager
def import_progress(
    total_bytes: int, *, quiet: bool = False
) -> Iterator[Callable[[BulkProgress], None]]:
    """A progress bar for a bulk import, measured in bytes of the file read (the only total
    known before the end), with the lines committed, lines/s and the time left."""
    columns = (
        TextColumn("[bold]import"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, disable=quiet, transient=False) as progress:
        task = progress.add_task("import", total=total_bytes, info="")
        started = time.monotonic()

        def on_progress(state: BulkProgress) -> None:
            rate = state.lines / max(time.monotonic() - started, 1e-6)
            info = f"line {state.lines:,} · {rate:,.0f} lines/s"
            progress.update(task, completed=state.bytes_read, info=info)

        yield on_progress
