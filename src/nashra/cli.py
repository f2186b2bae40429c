"""The ``nashra`` command line: one entry point for operators."""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import asdict
from pathlib import Path

import click

from nashra.config import Settings, load_settings
from nashra.console import crawl_with_progress, echo_json, import_progress, open_store
from nashra.crawl.bulk import BulkInterrupted, import_bulk
from nashra.crawl.extract import extract_page
from nashra.crawl.importer import ImportReport, import_jsonl
from nashra.demo.build import build_demo, serve_demo_sites
from nashra.enrich.commands import enrich_group
from nashra.http.encoding import decode_html
from nashra.http.fetch import fetch_sync
from nashra.moderation.commands import admin, takedown_command
from nashra.schedule.commands import MAIN_COMMANDS, SOURCES_COMMANDS
from nashra.search.commands import reindex_cmd, search_cmd
from nashra.sources.commands import sources
from nashra.sources.registry import load_registry
from nashra.stories.commands import stories
from nashra.web.app import create_app
from nashra.web.serving import uvicorn_options


def _settings(ctx: click.Context) -> Settings:
    return ctx.obj


def _registry(settings: Settings):
    return load_registry(settings)


@click.group()
@click.option(
    "--data-dir", type=click.Path(path_type=Path), help="Where the instance's state lives."
)
@click.option("--database-url", help="SQLAlchemy URL; default SQLite under the data dir.")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None, database_url: str | None, verbose: int) -> None:
    """Nashra: a news aggregation portal for the Arabic press (French beside it)."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        ctx.obj = load_settings(data_dir=data_dir, database_url=database_url)
    except ValueError as exc:  # a setting that cannot be used: say which, no traceback
        raise click.UsageError(f"bad setting: {exc}") from exc


@main.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the data directory, the database schema and the sources registry."""
    settings = _settings(ctx)
    store = open_store(settings)
    registry = _registry(settings)
    if not settings.registry_path.exists():
        registry.save(settings.registry_path)
    store.sync_sources(registry.values())
    click.echo(f"initialised {settings.data_dir} ({len(registry)} outlets, {store.dialect})")


@main.command("crawl")
@click.option("--once", is_flag=True, help="Poll every feed once and exit.")
@click.option("--interval", default=600, show_default=True, help="Seconds between rounds.")
@click.option("--json", "as_json", is_flag=True, help="Print the report of each round as JSON.")
@click.pass_context
def crawl_cmd(ctx: click.Context, once: bool, interval: int, as_json: bool) -> None:
    """Poll the outlets' feeds and store their articles."""
    settings = _settings(ctx)
    store = open_store(settings)
    registry = _registry(settings)
    store.sync_sources(registry.values())
    while True:
        report = crawl_with_progress(settings, store, list(registry.values()), quiet=as_json)
        if as_json:
            echo_json(report.as_dict())
        else:
            click.echo(
                f"feeds {report.feeds} (304: {report.not_modified}, errors: {report.feed_errors}) · "
                f"new {report.new} · updated {report.updated} · partial {report.partial} · "
                f"copies {report.copies} · page errors {report.page_errors} · "
                f"older articles put into stories after the round {report.stories_late}"
            )
        if once:
            return
        time.sleep(interval)


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--bulk/--no-bulk",
    default=None,
    help="Analyse on every core and write in batches (default: for a file larger than "
    "NASHRA_IMPORT_BULK_BYTES).",
)
@click.option(
    "--workers", type=click.IntRange(min=1), help="Bulk: worker processes (default: cores)."
)
@click.pass_context
def import_cmd(ctx: click.Context, file: Path, bulk: bool | None, workers: int | None) -> None:
    """Import an archive: one JSON object per line (source, url, title, text or html,
    published, author, section, lang, image_url); a name ending .gz is read through gzip."""
    settings = _settings(ctx)
    store = open_store(settings)
    registry = _registry(settings)
    store.sync_sources(registry.values())
    sources = dict(registry)
    if bulk is None:
        bulk = file.stat().st_size > settings.crawl.import_bulk_bytes
    if bulk:
        try:
            with import_progress(file.stat().st_size, quiet=not sys.stderr.isatty()) as progress:
                report = import_bulk(
                    store, file, sources, settings=settings, workers=workers, on_progress=progress
                )
        except BulkInterrupted as stop:
            _report_import(stop.report)
            click.echo(
                f"interrupted: the {stop.report.lines:,} first lines are committed; run the same "
                "command again to resume (lines already stored are skipped)",
                err=True,
            )
            sys.exit(130)
    else:
        report = import_jsonl(store, file, sources, settings=settings)
    _report_import(report)


def _report_import(report: ImportReport) -> None:
    for number, error in report.errors[:100]:
        click.echo(f"line {number}: {error}", err=True)
    if len(report.errors) > 100:
        click.echo(f"… and {len(report.errors) - 100} more bad lines", err=True)
    click.echo(
        f"{report.lines} lines: {report.new} new, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.skipped} skipped"
        + (f"; new outlets: {', '.join(report.created_sources)}" if report.created_sources else "")
    )


@main.command()
@click.argument("target")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def extract(ctx: click.Context, target: str, as_json: bool) -> None:
    """Show what the extractor makes of one page (a URL or a local HTML file)."""
    settings = _settings(ctx)
    path = Path(target)
    if path.is_file():
        text, encoding = decode_html(path.read_bytes(), None)
        url = path.resolve().as_uri()
    else:
        result = fetch_sync(target, settings)
        if not result.ok:
            raise click.ClickException(f"could not fetch {target}: {result.error}")
        text, encoding = decode_html(result.content, result.headers.get("content-type"))
        url = result.final_url
    page = extract_page(text, url)
    data = asdict(page)
    data["encoding"] = encoding
    if as_json:
        echo_json(data)
    else:
        click.echo(f"{page.title}\n{page.author} · {page.published}\n\n{page.body_text}")


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def stats(ctx: click.Context, as_json: bool) -> None:
    """Counts of outlets, feeds, articles, copies, partial articles and the last crawl."""
    data = open_store(_settings(ctx)).stats()
    if as_json:
        echo_json(data)
    else:
        for key, value in data.items():
            click.echo(f"{key:>14}: {value}")


def _serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    click.echo(f"Nashra is serving on http://{host}:{port}/")
    uvicorn.run(create_app(settings), host=host, port=port, **uvicorn_options(settings))


@main.command()
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default 8000).")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Serve the portal."""
    settings = _settings(ctx)
    open_store(settings).close()  # applies migrations before the first request
    _serve(settings, host or settings.web.host, port or settings.web.port)


@main.command()
@click.option("--no-serve", is_flag=True, help="Build the demo archive and exit.")
@click.option("--rebuild", is_flag=True, help="Throw the built demo away and build it again.")
@click.option(
    "--limit", default=2000, show_default=True, help="How many corpus articles to publish."
)
@click.option("--host", default=None)
@click.option("--port", default=None, type=int)
@click.pass_context
def demo(
    ctx: click.Context,
    no_serve: bool,
    rebuild: bool,
    limit: int,
    host: str | None,
    port: int | None,
) -> None:
    """Build the offline demo (bundled outlet sites crawled through the real pipeline), then serve."""
    settings = _settings(ctx)
    info = build_demo(settings, rebuild=rebuild, limit=limit)
    how = "reused" if info["reused"] else f"built in {info['seconds']:.0f} s"
    click.echo(f"demo archive: {info['articles']} articles from {info['outlets']} outlets ({how})")
    if no_serve:
        return
    with serve_demo_sites(settings, limit=info["limit"]):
        _serve(settings, host or settings.web.host, port or settings.web.port)


def _register_groups() -> None:
    """Each feature keeps its commands in its own package; the CLI only gathers them."""
    for command in SOURCES_COMMANDS:
        sources.add_command(command)
    main.add_command(takedown_command)
    for command in (sources, admin, enrich_group, stories, reindex_cmd, search_cmd, *MAIN_COMMANDS):
        main.add_command(command)


_register_groups()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
