"""``nashra stories …``: recompute every story from the archive, work the backlog, show counts.

The group expects ``ctx.obj`` to be the instance's :class:`nashra.config.Settings`. Thresholds
come from the settings (``story_window_hours``, ``story_match``, ``story_merge``,
``story_margin``, ``story_copy``, ``story_outlet_weights``); change them, then ``rebuild``.
"""

from __future__ import annotations

import json

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from nashra.config import Settings, load_settings
from nashra.store import Store
from nashra.stories.queries import story_counts
from nashra.stories.store import StoryStore, assign_late_stories


def _settings(ctx: click.Context) -> Settings:
    obj = ctx.find_object(Settings)
    return obj if obj is not None else load_settings()


def _open_store(settings: Settings) -> Store:
    try:
        return Store.open(settings.resolved_database_url)
    except Exception as exc:  # a bad URL or an unreachable server: a message, not a traceback
        raise click.ClickException(f"cannot open the archive: {exc}") from exc


@click.group()
def stories() -> None:
    """Copies and stories: the same news across outlets."""


@stories.command()
@click.option("--batch", default=500, show_default=True, help="Articles per transaction.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON at the end.")
@click.pass_context
def rebuild(ctx: click.Context, batch: int, as_json: bool) -> None:
    """Recompute every story from the archive (after a threshold change), oldest first."""
    settings = _settings(ctx)
    assigner_store = _open_store(settings)
    try:
        assigner = StoryStore.of(assigner_store, settings.stories)
        console = Console(stderr=True)
        with Progress(
            TextColumn("[bold]stories[/bold]"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=as_json,
        ) as progress:
            task = progress.add_task("rebuild", total=None)

            def report(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            assigned = assigner.rebuild(batch=max(1, batch), progress=report)
        counts = story_counts(assigner_store)
        counts["assigned_now"] = assigned
        if as_json:
            click.echo(json.dumps(counts))
        else:
            click.echo(
                f"{assigned} articles in {counts['stories']} stories "
                f"({counts['multi_outlet']} across several outlets, {counts['copies']} copies)"
            )
    finally:
        assigner_store.close()


@stories.command()
@click.pass_context
def late(ctx: click.Context) -> None:
    """Assign now the articles waiting in the backlog (older than the live window), oldest
    first. Workers do this on their own when idle; this is for an instance without one."""
    settings = _settings(ctx)
    store = _open_store(settings)
    try:
        done = assign_late_stories(store, settings)
        waiting = story_counts(store)["waiting"]
    finally:
        store.close()
    click.echo(f"{done} articles assigned; {waiting} still waiting")
    if waiting:
        click.echo("(another process is working the backlog)", err=True)


@stories.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def stats(ctx: click.Context, as_json: bool) -> None:
    """Counts of stories, stories across outlets, assigned articles and copies."""
    settings = _settings(ctx)
    store = _open_store(settings)
    try:
        counts = story_counts(store)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(counts))
    else:
        for key, value in counts.items():
            click.echo(f"{key}: {value}")
