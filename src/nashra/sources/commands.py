"""``nashra sources …``: list and edit the outlets an instance follows.

The group expects ``ctx.obj`` to be the instance's :class:`nashra.config.Settings`; it reads and
writes ``settings.registry_path``. Until that file exists the packaged default registry is shown,
and the first change writes the default plus the change to it.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, replace
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from nashra.config import Settings, load_settings
from nashra.crawl.kept import count_kept, reextract
from nashra.sections import SECTIONS
from nashra.sources.check import apply_checks, check_all
from nashra.sources.health import outlet_health
from nashra.sources.opml import export_opml, read_opml
from nashra.sources.preview import FIELDS, load_page, preview
from nashra.sources.registry import (
    LANGS,
    Registry,
    RegistryError,
    SlugError,
    Source,
    derive_slug,
    load_registry,
    same_address_key,
)
from nashra.store import Store


def _settings(ctx: click.Context) -> Settings:
    obj = ctx.find_object(Settings)
    return obj if obj is not None else load_settings()


def _load(ctx: click.Context) -> tuple[Registry, Path]:
    settings = _settings(ctx)
    try:
        return load_registry(settings), settings.registry_path
    except RegistryError as exc:
        raise click.ClickException(str(exc)) from None


def _save(registry: Registry, path: Path) -> None:
    try:
        registry.save(path)
    except OSError as exc:
        raise click.ClickException(f"cannot write the registry to {path}: {exc}") from None


def feed_status(source: Source) -> str:
    """How the crawler will find this outlet's items: its feeds, autodiscovery, or not at all."""
    if source.feeds:
        count = len(source.feeds)
        return f"{count} feed{'s' if count > 1 else ''}"
    if source.site_url:
        return "autodiscovery"
    return "no address"


@click.group("sources")
def sources() -> None:
    """List and edit the outlets this instance follows (its sources registry)."""


@sources.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the sources as JSON.")
@click.pass_context
def list_sources(ctx: click.Context, as_json: bool) -> None:
    """List the outlets: slug, name, language and how their items are found."""
    registry, path = _load(ctx)
    if as_json:
        rows = [{**asdict(s), "status": feed_status(s)} for s in registry.values()]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{len(registry)} sources ({path if path.is_file() else 'default'})")
    for column in ("slug", "name", "lang", "feeds", "verified"):
        table.add_column(column)
    for source in registry.values():
        status = feed_status(source)
        if not source.enabled:
            status += (
                f" (disabled: {source.disabled_reason[:60]})"
                if source.disabled_reason
                else " (disabled)"
            )
        verified = source.verified or ("not yet" if source.site_url or source.feeds else "")
        table.add_row(source.slug, source.name(source.lang), source.lang, status, verified)
    Console(file=sys.stdout).print(table)


@sources.command("add")
@click.argument("slug")
@click.option("--name-ar", default="", help="Arabic name.")
@click.option("--name-fr", default="", help="French name.")
@click.option("--name-en", default="", help="English name.")
@click.option("--site-url", default="", help="Home page (feeds are discovered from it).")
@click.option("--feed", "feeds", multiple=True, help="Feed address (repeat for several).")
@click.option("--lang", type=click.Choice(LANGS), default="ar", show_default=True)
@click.option("--section", type=click.Choice(list(SECTIONS)), default=None, help="Default section.")
@click.pass_context
def add_source(
    ctx: click.Context,
    slug: str,
    name_ar: str,
    name_fr: str,
    name_en: str,
    site_url: str,
    feeds: tuple[str, ...],
    lang: str,
    section: str | None,
) -> None:
    """Follow a new outlet named SLUG."""
    registry, path = _load(ctx)
    source = Source(
        slug=slug,
        name_ar=name_ar,
        name_fr=name_fr,
        name_en=name_en,
        site_url=site_url,
        feeds=list(feeds),
        lang=lang,
        default_section=section,
    )
    for feed in source.feeds:
        owner = registry.feed_owner(feed)
        if owner:
            raise click.ClickException(f"feed {feed} is already followed by source {owner!r}")
    try:
        registry.add(source)
    except (SlugError, RegistryError) as exc:
        raise click.ClickException(str(exc)) from None
    _save(registry, path)
    click.echo(f"added {slug} ({feed_status(source)}) to {path}")


@sources.command("remove")
@click.argument("slug")
@click.pass_context
def remove_source(ctx: click.Context, slug: str) -> None:
    """Stop following the outlet named SLUG (its stored articles are kept)."""
    registry, path = _load(ctx)
    try:
        registry.remove(slug)
    except KeyError as exc:
        raise click.ClickException(exc.args[0]) from None
    _save(registry, path)
    click.echo(f"removed {slug} from {path}")


@sources.command("import-opml")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def import_opml_command(ctx: click.Context, file: Path) -> None:
    """Add the outlets of an OPML FILE exported by any feed reader.

    Feeds already followed are skipped; new outlets get slugs that are free in the registry.
    """
    registry, path = _load(ctx)
    try:
        result = read_opml(file.read_bytes())
    except ValueError as exc:
        raise click.ClickException(f"{file}: {exc}") from None
    for problem in result.problems:
        click.echo(f"skipped: {problem}", err=True)
    added = changed = 0
    for source in result.sources:
        match = _same_outlet(registry, source)
        if match is None:
            if source.slug in registry:
                renamed = derive_slug(source.slug, registry.keys())
                click.echo(f"slug {source.slug} is taken: using {renamed}")
                source.slug = renamed
            registry.add(source)
            added += 1
            click.echo(f"added {source.slug} ({feed_status(source)})")
            continue
        new_feeds = [feed for feed in source.feeds if registry.feed_owner(feed) is None]
        if not new_feeds:
            click.echo(f"skipped {source.slug}: already followed as {match.slug}")
            continue
        registry.update(replace(match, feeds=[*match.feeds, *new_feeds]))
        changed += 1
        count = len(new_feeds)
        click.echo(f"added {count} feed{'s' if count > 1 else ''} to {match.slug}")
    if added or changed:
        _save(registry, path)
    click.echo(
        f"imported {added} new and {changed} updated of {len(result.sources)} outlets "
        f"from {file} into {path}"
    )


def _same_outlet(registry: Registry, source: Source) -> Source | None:
    """The followed outlet ``source`` is a copy of: one that has one of its feeds or its site."""
    for feed in source.feeds:
        owner = registry.feed_owner(feed)
        if owner:
            return registry[owner]
    if source.site_url:
        site = same_address_key(source.site_url)
        for other in registry.values():
            if other.site_url and same_address_key(other.site_url) == site:
                return other
    return None


@sources.command("export-opml")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def export_opml_command(ctx: click.Context, file: Path | None) -> None:
    """Write the registry as OPML 2.0 to FILE (or to standard output)."""
    registry, _ = _load(ctx)
    text = export_opml(registry)
    if file is None:
        click.echo(text, nl=False)
        return
    try:
        file.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write {file}: {exc}") from None
    click.echo(f"wrote {len(registry)} outlets to {file}", err=True)


def _source_named(registry: Registry, slug: str) -> Source:
    try:
        return registry[slug]
    except KeyError as exc:
        raise click.ClickException(str(exc.args[0])) from None


@sources.command("test")
@click.argument("slug")
@click.argument("target", metavar="URL_OR_FILE")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def test_rules(ctx: click.Context, slug: str, target: str, as_json: bool) -> None:
    """Extract one page generically and with SLUG's rules, side by side (fetched through the
    guarded client, or read from a file): title, author, date, image, first and last paragraphs,
    word counts, and which fields the rules changed."""
    import asyncio

    registry, _ = _load(ctx)
    source = _source_named(registry, slug)
    try:
        content, url, ctype = asyncio.run(load_page(_settings(ctx), target))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    result = preview(source, content, url, ctype)
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return
    rules = "its rules" if source.extract else "no rules (the generic extraction twice)"
    table = Table(title=f"{slug}: generic extraction vs {rules}")
    for column in ("field", "generic", "rules", "changed"):
        table.add_column(column, overflow="fold")
    for name in FIELDS:
        before, after = getattr(result.generic, name), getattr(result.rules, name)
        table.add_row(name, str(before)[:200], str(after)[:200],
                      "yes" if name in result.changed else "")  # fmt: skip
    Console(file=sys.stdout, width=160).print(table)


@sources.command("reextract")
@click.argument("slug")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
    help="Only pages fetched on or after this date (UTC).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_context
def reextract_command(ctx: click.Context, slug: str, since, as_json: bool) -> None:
    """Run extraction again, with SLUG's current rules, on its kept pages (no refetch) and update
    the stored articles. Pages are kept NASHRA_KEEP_PAGES_DAYS days."""
    from datetime import UTC

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    settings = _settings(ctx)
    registry, _ = _load(ctx)
    source = _source_named(registry, slug)
    since = since.replace(tzinfo=UTC) if since is not None and since.tzinfo is None else since
    store = Store.open(settings.resolved_database_url)
    try:
        total = count_kept(store, slug, since)
        with Progress(
            "[bold]re-extracting", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            disable=as_json, transient=True,
        ) as progress:  # fmt: skip
            task = progress.add_task(slug, total=total)
            report = reextract(store, source, since, on_page=lambda: progress.advance(task))
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    rate = report.pages / report.seconds if report.seconds else 0.0
    click.echo(
        f"{slug}: {report.pages} kept pages, {report.updated} articles updated, "
        f"{report.unchanged} unchanged, {report.not_stored} not in the archive, "
        f"{len(report.errors)} errors ({rate:.0f} pages/s)"
    )
    for error in report.errors[:20]:
        click.echo(f"  {error}")


@click.command("check-all", hidden=True)
@click.option("--update", is_flag=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def check_all_command(ctx: click.Context, update: bool, as_json: bool) -> None:
    """``nashra sources check --all`` (see nashra.sources.check)."""
    import asyncio
    from datetime import UTC, datetime

    registry, path = _load(ctx)
    checks = asyncio.run(check_all(_settings(ctx), registry))
    today = datetime.now(UTC).date().isoformat()
    changed = apply_checks(registry, checks, today) if update else []
    if changed:
        _save(registry, path)
    counts = {k: sum(c.outcome == k for c in checks) for k in ("ok", "redirected", "failed")}
    if as_json:
        click.echo(json.dumps({"counts": counts, "checks": [c.as_dict() for c in checks],
                               "updated": changed}, ensure_ascii=False, indent=2))  # fmt: skip
    else:
        table = Table(title=f"{len(checks)} addresses: {counts['ok']} ok, "
                      f"{counts['redirected']} redirected, {counts['failed']} failed")  # fmt: skip
        for column in ("outlet", "kind", "address", "outcome", "HTTP", "items", "now at / why"):
            table.add_column(column, overflow="fold")
        for c in sorted(checks, key=lambda c: ("failed", "redirected", "ok").index(c.outcome)):
            detail = c.error or (c.final_url if c.outcome == "redirected" else "")
            table.add_row(c.source, c.kind, c.url, c.outcome, str(c.status or "—"),
                          str(c.entries) if c.kind == "feed" else "", detail)  # fmt: skip
        Console(file=sys.stdout, width=180).print(table)
        if counts["redirected"] and not update:
            click.echo("some addresses moved: run `nashra sources check --all --update` to "
                       "write where they lead now into the registry (and mark what answered "
                       "verified)")  # fmt: skip
        for line in changed:
            click.echo(f"updated {line}")
    if counts["failed"]:
        ctx.exit(1)


@click.command("health", hidden=True)
@click.argument("slug", required=False)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def health_command(ctx: click.Context, slug: str | None, as_json: bool) -> None:
    """``nashra sources status --outlets`` (see nashra.sources.health)."""
    store = Store.open(_settings(ctx).resolved_database_url)
    try:
        board = [h for h in outlet_health(store) if slug is None or h.slug == slug]
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps([h.as_dict() for h in board], ensure_ascii=False, indent=2))
        return

    def pct(value: float | None) -> str:
        return "—" if value is None else f"{value:.0%}"

    table = Table(title=f"{len(board)} outlets, worst first")
    for column in ("outlet", "7 days", "per day", "errors 24h", "partial", "median chars",
                   "no image", "no author", "copies", "last article", "silent"):  # fmt: skip
        table.add_column(column, overflow="fold")
    for h in board:
        rates = [f.error_rate_24h for f in h.feeds if f.error_rate_24h is not None]
        table.add_row(h.slug, str(h.articles_7d), h.sparkline, pct(max(rates) if rates else None),
                      pct(h.partial_share), str(h.median_body_chars or "—"), pct(h.no_image_share),
                      pct(h.no_author_share), pct(h.copy_share), (h.last_article or "—")[:16],
                      "SILENT" if h.silent else "")  # fmt: skip
    Console(file=sys.stdout, width=200).print(table)
