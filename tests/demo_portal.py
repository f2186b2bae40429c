"""A real portal over a real crawled archive, for the browser and edition tests: the bundled demo
outlet sites are served on a loopback port, crawled through the whole pipeline into a temporary
data directory (``nashra.demo.build.build_demo``), and the portal is served by uvicorn.

(No tests here: ``test_browser.py`` and ``test_web_demo.py`` use these.)
"""

from __future__ import annotations

from pathlib import Path

from httpserver import free_port
from nashra.config import Settings, load_settings
from nashra.demo.build import build_demo
from nashra.sources.registry import Registry

DEMO_LIMIT = 120  # ~25 articles per Arabic outlet, plus hespress and the French outlets


def build_demo_archive(data_dir: Path, limit: int = DEMO_LIMIT) -> Settings:
    """Crawl the demo sites into ``data_dir``; the demo sites get a free port (never 8001, which
    a developer's ``make demo`` may hold)."""
    settings = load_settings(env={}, data_dir=data_dir, demo_port=free_port())
    info = build_demo(settings, limit=limit, quiet=True)
    assert info["articles"] > 0, info
    return settings


def outlets_by_lang(settings: Settings) -> dict[str, set[str]]:
    """The crawled outlets' slugs grouped by language, as the registry the demo wrote says."""
    out: dict[str, set[str]] = {}
    for source in Registry.load(settings.registry_path).values():
        out.setdefault(source.lang, set()).add(source.slug)
    return out
