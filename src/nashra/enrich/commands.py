"""``nashra enrich …``: recompute sections, regions and authors over the archive.

``ctx.obj`` is the instance's :class:`nashra.config.Settings`.
"""

from __future__ import annotations

import json

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from nashra.config import Settings
from nashra.enrich.store import count_articles, rebuild
from nashra.sources.registry import RegistryError, load_registry
from nashra.store import Store


@click.group("enrich")
def enrich_group() -> None:
    """Sections, regions and authors of the archive's articles."""


@enrich_group.command("rebuild")
@click.option("--batch", default=500, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def rebuild_command(settings: Settings, batch: int, as_json: bool) -> None:
    """Recompute every article's section, regions, author and agency (moderators' sections
    are kept)."""
    try:
        registry = load_registry(settings)
    except RegistryError as exc:
        raise click.ClickException(str(exc)) from None
    store = Store.open(settings.resolved_database_url)
    try:
        total = count_articles(store)
        with Progress(
            TextColumn("[bold]enrich[/bold]"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            transient=as_json,
            disable=as_json,
        ) as progress:
            task = progress.add_task("articles", total=total)
            report = rebuild(
                store,
                [registry.get(slug) for slug in registry],
                batch=batch,
                on_progress=lambda n: progress.advance(task, n),
            )
    finally:
        store.close()
    summary = {
        "articles": report.articles,
        "sections_changed": report.sections_changed,
        "authors_changed": report.authors_changed,
        "with_regions": report.with_regions,
    }
    if as_json:
        click.echo(json.dumps(summary))
    else:
        click.echo(
            f"{report.articles} articles: {report.sections_changed} changed section, "
            f"{report.authors_changed} changed author, {report.with_regions} tagged with a region"
        )
