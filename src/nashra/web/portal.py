"""The portal's shared state: the store, the templates of each interface language, memos."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from starlette.responses import HTMLResponse

from nashra.config import Settings
from nashra.sections import SECTIONS, section_name
from nashra.store import queries
from nashra.store.queries import Filters
from nashra.store.store import Store
from nashra.text.display import strip_bidi_controls
from nashra.web.cache import PAGE_CACHE_CONTROL
from nashra.web.coverage import UNGROUPED, Coverage
from nashra.web.editions import EDITIONS, Edition
from nashra.web.i18n import LANGUAGES, translations
from nashra.web.present import teaser
from nashra.web.related import PoolCache

log = logging.getLogger("nashra.web")

TICKER_SIZE = 60
STATIC_FILES = ("nashra.css", "player.js", "reader.js")


class StaticAsset:
    """A small file served from memory under a content-hashed URL (cacheable for a year)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.body = (resources.files("nashra.web") / "static" / name).read_bytes()
        self.version = hashlib.sha256(self.body).hexdigest()[:12]
        self.media_type = {"css": "text/css", "js": "text/javascript"}[name.rsplit(".", 1)[1]]

    @property
    def url(self) -> str:
        return f"/static/{self.name}?v={self.version}"


def writer_by_name(store: Store, name: str) -> Filters:
    """An author page's listing on a portal without enrichment: the byline as written (the
    enrich feature installs one that joins every spelling, :mod:`nashra.enrich.labels`)."""
    return Filters(author=name)


class Portal:
    """Everything request handlers share; built once per application."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.tz = ZoneInfo(settings.web.timezone)
        self.static = {name: StaticAsset(name) for name in STATIC_FILES}
        self.envs = {lang: self._environment(lang) for lang in LANGUAGES}
        self._memo: dict[Any, Any] = {}
        self._memo_lock = threading.Lock()
        self.related_pools = PoolCache()
        # Features add blocks to pages through these (most read, trending...): each gets the
        # template, the edition and the page's context, and returns what to add to it.
        self.page_hooks: list[Callable[[str, Edition, dict[str, Any]], dict[str, Any]]] = []
        # Installed by the features that own them when they mount (stories, enrich): the shell's
        # pages read stories and author keys through these, never importing those features.
        self.coverage: Coverage = UNGROUPED
        self.writer_filters: Callable[[Store, str], Filters] = writer_by_name

    # -- templates ----------------------------------------------------------------------

    def _environment(self, lang: str) -> Environment:
        env = Environment(
            loader=PackageLoader("nashra.web", "templates"),
            autoescape=select_autoescape(["html", "xml"]),
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
            # The templates ship with the package and never change under a running portal:
            # without this every render stats each template file it uses (base, includes) to
            # see whether it changed, a tenth of an uncached search page's time.
            auto_reload=False,
        )
        env.install_gettext_translations(translations(lang), newstyle=True)
        env.filters["plain"] = strip_bidi_controls  # titles in <title>, og:title and alt
        env.globals.update(
            static_url=lambda name: self.static[name].url,
            section_name=lambda slug: section_name(slug, lang),
            sections=list(SECTIONS),
            editions=EDITIONS,
        )
        return env

    def render_page(
        self,
        edition: Edition,
        template: str,
        *,
        status: int = 200,
        cache: bool = True,
        with_chrome: bool = True,
        **context: Any,
    ) -> HTMLResponse:
        """Render ``template`` in the edition's language; 200 pages are marked cacheable."""
        if with_chrome:
            if "ticker" not in context:
                ticker_html = self.safe(lambda: self.ticker_html(edition), None)
                if ticker_html is not None:
                    context["ticker_html"] = ticker_html
            context.setdefault("ticker", self.safe(lambda: self.ticker(edition), []))
            context.setdefault("archive_count", self.safe(self.archive_count, None))
        context.setdefault("ticker", [])
        context["header_html"] = self.header_html(edition)
        context.setdefault("archive_count", None)
        if with_chrome and status == 200:
            for hook in self.page_hooks:
                context.update(self.safe(lambda h=hook: h(template, edition, context), {}))
        html = self.envs[edition.code].get_template(template).render(ed=edition, **context)
        headers = {"Cache-Control": PAGE_CACHE_CONTROL if cache and status == 200 else "no-store"}
        return HTMLResponse(html, status_code=status, headers=headers)

    def safe(self, fn: Callable[[], Any], default: Any) -> Any:
        """Chrome (ticker, counter) must never turn an error page into a second error."""
        try:
            return fn()
        except Exception:
            log.exception("page chrome failed")
            return default

    # -- memos (dropped with the page cache when the archive changes) -----------------------

    def memo(self, key: Any, compute: Callable[[], Any]) -> Any:
        with self._memo_lock:
            if key in self._memo:
                return self._memo[key]
        value = compute()
        with self._memo_lock:
            self._memo[key] = value
        return value

    def clear_memos(self) -> None:
        with self._memo_lock:
            self._memo.clear()
        self.related_pools.clear()

    def ticker(self, edition: Edition) -> list[dict[str, Any]]:
        """The ~60 latest headlines of the edition, one per story, none with an empty title."""

        def compute() -> list[dict[str, Any]]:
            rows = self.coverage.ticker_rows(self.store, edition.content_lang, TICKER_SIZE + 20)
            items = [teaser(r, edition, self.tz) for r in rows]
            return [t for t in items if t["title"]][:TICKER_SIZE]

        return self.memo(("ticker", edition.code), compute)

    def header_html(self, edition: Edition) -> Markup:
        """The edition's header (``_header.html``: the brand, the search box, the menu), which
        depends on nothing but the edition: rendered once (a memo) instead of once per page."""

        def compute() -> Markup:
            template = self.envs[edition.code].get_template("_header.html")
            return Markup(template.render(ed=edition))

        return self.memo(("header_html", edition.code), compute)

    def ticker_html(self, edition: Edition) -> Markup:
        """The edition's ticker as ``_ticker.html`` renders it, rendered once per archive
        version (a memo) instead of once per page: it depends on nothing else."""

        def compute() -> Markup:
            template = self.envs[edition.code].get_template("_ticker.html")
            return Markup(template.render(ed=edition, ticker=self.ticker(edition)))

        return self.memo(("ticker_html", edition.code), compute)

    def archive_count(self) -> int:
        return self.memo("count", lambda: queries.count_articles(self.store))

    def teasers(
        self, rows: list[dict[str, Any]], edition: Edition, *, with_snippet: bool = False
    ) -> list[dict[str, Any]]:
        return [teaser(r, edition, self.tz, with_snippet=with_snippet) for r in rows]
