"""``nashra reindex`` and ``nashra search``. Both expect ``ctx.obj`` to be the instance's
:class:`nashra.config.Settings`."""

from __future__ import annotations

import json
import sys

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from nashra.config import Settings, load_settings
from nashra.search.engine import MODES, SORTS, SearchError, search
from nashra.search.index import index_status, reindex
from nashra.search.messages import note_text
from nashra.search.params import request_from_params
from nashra.store import Store

__all__ = ["reindex_cmd", "search_cmd"]


def _settings(ctx: click.Context) -> Settings:
    obj = ctx.find_object(Settings)
    return obj if obj is not None else load_settings()


@click.command("reindex")
@click.option("--missing", is_flag=True, help="Only index the articles the index lacks.")
@click.pass_context
def reindex_cmd(ctx: click.Context, missing: bool) -> None:
    """Rebuild the search index from the archive (run after upgrading an existing archive)."""
    store = Store.open(_settings(ctx).resolved_database_url)
    try:
        with Progress(
            TextColumn("[bold]indexing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=not sys.stderr.isatty(),
        ) as bar:
            task = bar.add_task("index", total=None)
            done = reindex(
                store,
                only_missing=missing,
                progress=lambda n, total: bar.update(task, completed=n, total=total),
            )
        status = index_status(store)
    finally:
        store.close()
    click.echo(
        f"indexed {done} articles; the index holds {status['indexed']} of {status['articles']}"
    )


def _hit_json(hit) -> dict:
    row = hit.row
    return {
        "source": row["source"],
        "id": row["num"],
        "title": row["title"],
        "url": row["url"],
        "published": row["published"].isoformat(),
        "author": row["author"] or None,
        "lang": row["lang"],
        "section": row["section"],
        "matched": hit.matched,
        "score": round(hit.score, 6),
        "title_html": hit.title_html,
        "snippet_html": hit.snippet_html,
    }


@click.command("search")
@click.argument("query", nargs=-1, required=True)
@click.option("--mode", type=click.Choice(MODES), default="topic", show_default=True)
@click.option("--source", default=None, help="Outlet slug.")
@click.option("--section", default=None)
@click.option("--lang", default=None)
@click.option("--region", default=None, help="Articles about this region.")
@click.option("--since", default=None, help="YYYY-MM-DD or ISO date-time.")
@click.option("--until", default=None, help="YYYY-MM-DD (that day included) or ISO date-time.")
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)
@click.option("--page", default="1", show_default=True)
@click.option("--limit", default="20", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout.")
@click.pass_context
def search_cmd(ctx: click.Context, query: tuple[str, ...], as_json: bool, **options: str) -> None:
    """Search the archive: every word required, "exact phrase", prefix*."""
    params = {"q": " ".join(query), **{k: v for k, v in options.items() if v is not None}}
    settings = _settings(ctx)
    store = Store.open(settings.resolved_database_url)
    try:
        try:
            request = request_from_params(params, settings=settings.search)
            results = search(store, request)
        except SearchError as exc:
            raise click.UsageError(str(exc)) from exc
        status = index_status(store)
    finally:
        store.close()
    notes = [note_text(n) for n in results.notes]
    if status["indexed"] < status["articles"]:
        notes.append(
            f"the index holds {status['indexed']} of {status['articles']} articles: "
            "run `nashra reindex`"
        )
    if as_json:
        payload = {
            "items": [_hit_json(h) for h in results.hits],
            "next": str(results.next_page) if results.next_page else None,
            "total": results.total,
            "exact_total": results.exact_total,
            "estimated": results.estimated,
            "notes": notes,
        }
        click.echo(json.dumps(payload, ensure_ascii=False))
        return
    for note in notes:
        click.echo(f"note: {note}", err=True)
    about = "about " if results.estimated else ""
    click.echo(f"{about}{results.total} results ({results.exact_total} with every word)")
    for hit in results.hits:
        row = hit.row
        mark = "" if hit.matched == "all" else " [some words]"
        click.echo(
            f"{row['published']:%Y-%m-%d} {row['source']}/{row['num']}{mark}  {row['title']}"
        )
