"""Building the offline demo: start the bundled outlet sites on loopback, crawl them through the
same fetcher, feed parser, extractor and store that real outlets go through, and remember it."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from nashra.config import Settings
from nashra.console import crawl_with_progress, open_store
from nashra.demo.sites import DemoServer, DemoSites
from nashra.sources.registry import Registry

MARKER = "demo.json"


def _marker(settings: Settings):
    return settings.data_dir / MARKER


def demo_is_built(settings: Settings) -> dict[str, Any] | None:
    path = _marker(settings)
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except ValueError:
        return None


def _wipe(settings: Settings) -> None:
    for name in ("nashra.db", "nashra.db-wal", "nashra.db-shm", MARKER):
        (settings.data_dir / name).unlink(missing_ok=True)
    settings.registry_path.unlink(missing_ok=True)
    shutil.rmtree(settings.media_dir, ignore_errors=True)


def build_demo(
    settings: Settings, *, rebuild: bool = False, limit: int = 2000, quiet: bool = False
) -> dict[str, Any]:
    """Build the demo archive unless one is already built (``rebuild`` throws it away first)."""
    built = demo_is_built(settings)
    if built and not rebuild and built.get("limit") == limit:
        return {**built, "reused": True}
    _wipe(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    sites = DemoSites(limit=limit)
    # A fixed port: the stored article URLs point at it, and `nashra demo` serves the sites there
    # again so that «read at the source» links keep working.
    with DemoServer(sites, port=settings.web.demo_port) as server:
        sources = sites.sources(server.base_url)
        registry = Registry(sources)
        registry.save(settings.registry_path)
        store = open_store(settings)
        store.sync_sources(sources)
        # The guard refuses loopback; the demo allows exactly the one address its sites use.
        allowed = ",".join(filter(None, [settings.fetch.fetch_allow_networks, f"{server.host}/32"]))
        crawl_settings = settings.override(fetch_allow_networks=allowed)
        report = crawl_with_progress(crawl_settings, store, sources, quiet=quiet)
    stats = store.stats()
    info = {
        "limit": limit,
        "articles": stats["articles"],
        "outlets": stats["outlets"],
        "copies": stats["copies"],
        "partial": stats["partial"],
        "seconds": round(time.monotonic() - started, 1),
        "crawl": report.as_dict(),
        "base_url": server.base_url,
    }
    _marker(settings).write_text(json.dumps(info, ensure_ascii=False, indent=1))
    store.close()
    return {**info, "reused": False}


@contextmanager
def serve_demo_sites(settings: Settings, *, limit: int = 2000) -> Iterator[str]:
    """Serve the demo outlet sites beside the portal (best effort: a taken port only means the
    «read at the source» links of the demo lead nowhere)."""
    try:
        server = DemoServer(DemoSites(limit=limit), port=settings.web.demo_port)
        server.start()
    except OSError:
        yield ""
        return
    try:
        yield server.base_url
    finally:
        server.stop()
