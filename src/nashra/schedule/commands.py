"""Command line of the always-on crawl: ``nashra worker``, ``nashra run`` and the
``nashra sources status|enable|check`` commands (registered by ``nashra.cli``).

Each command takes the instance's :class:`nashra.config.Settings` from ``ctx.obj``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import click
from sqlalchemy import select

from nashra.config import Settings, load_settings
from nashra.console import open_store
from nashra.observe.logs import configure_logging, event
from nashra.observe.metrics import METRICS
from nashra.schedule.claims import enable_feeds
from nashra.schedule.clock import SystemClock
from nashra.schedule.queries import feed_statuses
from nashra.schedule.worker import Worker, install_stop_signals, run_worker
from nashra.sources.commands import check_all_command, health_command
from nashra.sources.health import outlet_health
from nashra.sources.registry import RegistryError, load_registry
from nashra.store import Store
from nashra.store.schema import feeds, sources
from nashra.web.app import create_app
from nashra.web.serving import uvicorn_options

log = logging.getLogger("nashra.worker")


def _settings(ctx: click.Context) -> Settings:
    obj = ctx.find_object(Settings)
    return obj if obj is not None else load_settings()


def _registry(settings: Settings, store: Store, sync: bool) -> dict[str, Any]:
    """The registry's outlets (synced into the database when this machine has the file, or when
    the database has no outlet yet); workers elsewhere read outlets from the database."""

    try:
        registry = load_registry(settings)
    except RegistryError as exc:
        raise click.ClickException(str(exc)) from None
    with store.connect() as conn:
        empty = conn.execute(select(sources.c.slug).limit(1)).first() is None
    if sync and (settings.registry_path.is_file() or empty):
        store.sync_sources(registry.values())
    return dict(registry)


def _log_format(value: str | None) -> str:
    return value or "kv"


def build_app(
    settings: Settings,
    store: Store,
    *,
    ready: Callable[[], bool] | None = None,
    clock: Any = None,
) -> Any:
    """The portal, whose ``/readyz`` also waits for ``ready()`` (the embedded worker)."""

    return create_app(settings, store, ready=ready, clock=clock)


@click.command("worker")
@click.option("--concurrency", type=int, default=None, help="Feeds polled at once (default 32).")
@click.option("--once", is_flag=True, help="Poll what is due now, then exit.")
@click.option("--metrics-port", type=int, default=None, help="Serve /metrics on this port.")
@click.option("--log-format", type=click.Choice(["kv", "json"]), default=None)
@click.option("--no-sync", is_flag=True, help="Do not copy the registry file into the database.")
@click.pass_context
def worker_command(
    ctx: click.Context,
    concurrency: int | None,
    once: bool,
    metrics_port: int | None,
    log_format: str | None,
    no_sync: bool,
) -> None:
    """Run the crawl loop: claim due feeds, poll them, reschedule them (SIGTERM stops it
    gracefully). Start as many as you like against one PostgreSQL database."""

    settings = _settings(ctx)
    configure_logging(_log_format(log_format), logging.INFO)
    store = open_store(settings)
    registry = _registry(settings, store, sync=not no_sync)
    options = settings.override(worker_concurrency=concurrency).schedule
    if metrics_port:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr=settings.web.host, registry=METRICS)
    stats = run_worker(settings, store, options=options, registry=registry, until_idle=once)
    event(log, "worker stopped", **stats.__dict__)
    store.close()


class _Server:
    """uvicorn's server without its own signal handling (``nashra run`` owns the signals)."""

    def __new__(cls, config: Any) -> Any:
        import uvicorn

        class Server(uvicorn.Server):
            @contextlib.contextmanager
            def capture_signals(self):  # type: ignore[override]
                yield

        return Server(config)


@click.command("run")
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default 8000).")
@click.option("--log-format", type=click.Choice(["kv", "json"]), default=None)
@click.pass_context
def run_command(
    ctx: click.Context, host: str | None, port: int | None, log_format: str | None
) -> None:
    """Serve the portal and run the crawl loop in one process (the embedded default)."""
    import uvicorn

    settings = _settings(ctx)
    configure_logging(_log_format(log_format), logging.INFO)
    store = open_store(settings)
    registry = _registry(settings, store, sync=True)

    async def main() -> None:
        worker = Worker(settings, store, registry=registry)
        app = build_app(settings, store, ready=lambda: worker.ready)
        config = uvicorn.Config(
            app, host=host or settings.web.host, port=port or settings.web.port,
            **uvicorn_options(settings),
        )  # fmt: skip
        server = _Server(config)
        stop = asyncio.Event()
        install_stop_signals(stop, worker.hard_stop)

        async def serve() -> None:
            try:
                await server.serve()
            finally:
                stop.set()

        async def stopper() -> None:
            await stop.wait()
            server.should_exit = True

        event(log, "serving", url=f"http://{config.host}:{config.port}/")
        await asyncio.gather(serve(), worker.run(stop), stopper())

    asyncio.run(main())
    store.close()


def _fmt(value: datetime | None, now: datetime) -> str:
    if value is None:
        return "—"
    seconds = (value - now).total_seconds()
    word = "in" if seconds >= 0 else "ago"
    seconds = abs(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            amount = f"{seconds / size:.0f}{unit}"
            break
    else:
        amount = f"{seconds:.0f}s"
    return f"in {amount}" if word == "in" else f"{amount} ago"


@click.command("status")
@click.argument("slug", required=False)
@click.option("--failing", is_flag=True, help="Only feeds that fail or are disabled.")
@click.option("--outlets", is_flag=True,
              help="The outlet health board (as /admin/outlets), worst first.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def status_command(
    ctx: click.Context, slug: str | None, failing: bool, outlets: bool, as_json: bool
) -> None:
    """Per feed: last poll, last new item, next poll, error count and why. With --outlets: per
    outlet health (error rates, articles per day, partial/copy shares, silent outlets)."""
    if outlets:
        ctx.invoke(health_command, slug=slug, as_json=as_json)
        return
    settings = _settings(ctx)
    store = open_store(settings)
    now = SystemClock().now()
    rows = feed_statuses(store, now, source=slug, failing_only=failing)
    if as_json:
        # Each feed carries its outlet's health-board figures (as --outlets and /admin/outlets).
        board = {h.slug: h.as_dict() for h in outlet_health(store)}
        out = [{**r.as_dict(), "outlet_health": board.get(r.source)} for r in rows]
        click.echo(json.dumps(out, ensure_ascii=False, indent=2, default=str))
        return
    if not rows:
        click.echo("no feeds" + (f" for {slug}" if slug else ""))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(rows)} feeds")
    for column in (
        "id",
        "outlet",
        "feed",
        "last poll",
        "last new item",
        "next poll",
        "errors",
        "why",
    ):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(
            str(r.id), r.source, r.url, _fmt(r.last_polled_at, now), _fmt(r.last_new_item_at, now),
            _fmt(r.next_poll_at, now) if r.enabled else "—", str(r.error_count), r.why,
        )  # fmt: skip
    Console(width=max(160, shutil.get_terminal_size().columns), soft_wrap=True).print(table)


def _feeds_named(store: Store, target: str, *, disabled_only: bool) -> list[Any]:
    """Feeds named by an id, a URL, or an outlet slug (the outlet's automatically disabled ones)."""
    query = select(feeds)
    if target.isascii() and target.isdigit():
        query = query.where(feeds.c.id == int(target))
    elif "://" in target:
        query = query.where(feeds.c.url == target)
    else:
        query = query.where(feeds.c.source == target)
        if disabled_only:
            query = query.where(feeds.c.enabled.is_(False), feeds.c.disabled_reason.is_not(None))
    with store.connect() as conn:
        return list(conn.execute(query))


@click.command("enable")
@click.argument("target")
@click.pass_context
def enable_command(ctx: click.Context, target: str) -> None:
    """Switch feeds back on: a feed (id or URL), or every automatically disabled feed of an
    outlet (SLUG). Their failures are forgotten and they are polled at once."""
    store = open_store(_settings(ctx))
    rows = _feeds_named(store, target, disabled_only=True)
    if not rows:
        raise click.ClickException(f"no feed matches {target!r} (a feed id, a feed URL or a slug)")
    enable_feeds(store, [r.id for r in rows], datetime.now(UTC))
    for r in rows:
        click.echo(f"enabled feed {r.id} {r.url}")


@click.command("check")
@click.argument("feed", required=False)
@click.option("--all", "check_all", is_flag=True,
              help="Poll every enabled outlet's address once (nothing stored): what answered, "
              "what redirected, what failed.")  # fmt: skip
@click.option("--update", is_flag=True, help="With --all: write redirected addresses to the registry.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def check_command(
    ctx: click.Context, feed: str | None, check_all: bool, update: bool, as_json: bool
) -> None:
    """Poll one feed (id or URL) now; success re-enables it if it was switched off. With --all:
    check every enabled outlet's address of the registry."""
    if check_all:
        ctx.invoke(check_all_command, update=update, as_json=as_json)
        return
    if not feed:
        raise click.UsageError("give a feed id or URL, or --all")

    settings = _settings(ctx)
    store = open_store(settings)
    rows = _feeds_named(store, feed, disabled_only=False)
    if len(rows) != 1 or not ((feed.isascii() and feed.isdigit()) or "://" in feed):
        raise click.ClickException(f"no feed {feed!r}: give a feed id or its URL")
    worker = Worker(settings, store, registry=_registry(settings, store, sync=False))
    outcome = asyncio.run(worker.check(rows[0].id))
    if outcome is None:
        raise click.ClickException(f"feed {feed} is being polled by a worker right now; try again")
    poll, decision = outcome
    data = {
        "feed": rows[0].id,
        "url": rows[0].url,
        "ok": poll.ok,
        "status": poll.status,
        "error": poll.error,
        "new_items": poll.new_items,
        "enabled": poll.ok or bool(rows[0].enabled and not decision.disable),
        "next_poll_at": decision.next_poll_at.isoformat(),
        "why": decision.reason,
    }
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        state = "ok" if poll.ok else f"failed: {poll.error}"
        click.echo(f"feed {data['feed']} {data['url']}: HTTP {poll.status} {state}; "
                   f"{poll.new_items} new; next poll {data['next_poll_at']} ({decision.reason})")  # fmt: skip
    if not poll.ok:
        ctx.exit(1)


#: What ``nashra.cli`` registers: top-level commands, and commands of the ``sources`` group.
MAIN_COMMANDS = (worker_command, run_command)
SOURCES_COMMANDS = (status_command, enable_command, check_command)


def standalone() -> click.Group:
    """A ``nashra``-like group with these commands (``python -m nashra.schedule``), until the
    main CLI registers them."""

    @click.group()
    @click.option("--data-dir", type=click.Path(), default=None)
    @click.option("--database-url", default=None)
    @click.pass_context
    def group(ctx: click.Context, data_dir: str | None, database_url: str | None) -> None:
        try:
            ctx.obj = load_settings(data_dir=data_dir, database_url=database_url)
        except ValueError as exc:
            raise click.UsageError(f"bad setting: {exc}") from exc

    for command in MAIN_COMMANDS:
        group.add_command(command)
    sources = click.Group("sources")
    for command in SOURCES_COMMANDS:
        sources.add_command(command)
    group.add_command(sources)
    return group
