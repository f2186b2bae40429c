"""The unit of work of one article: the one path from a built article to a grouped, stored one.

Every writer of articles goes through here, with the same settings: the crawler
(``nashra.crawl.pipeline``, the worker's polls included) and the line importer
(``nashra.crawl.importer``) through :class:`Ingest` (steps 1 to 3); the bulk importer
(``nashra.crawl.bulk``) through :func:`save_prepared` with every article put in the story backlog
in the same transaction, swept once the file is read; the kept-pages re-extraction
(``nashra.crawl.kept``) through :func:`save_prepared` alone (steps 1 and 2):

1. **prepare** (pure, outside any transaction): analyse the title and body once
   (:func:`nashra.text.article.analyse_article`), decide the section, regions and author from
   that analysis (:func:`nashra.enrich.article.enrich_article`), fingerprint the body;
2. **write** (one transaction, ``Store.save_articles``): the article rows, then their side
   rows — enrichment labels and video of each article, then the batch's search documents — in
   :data:`SIDE_ROWS` order, committed or lost together; a new article is first asked of the
   :data:`ADMISSION` checks (a live takedown refuses it);
3. **after commit**, one step, :class:`Ingest`'s: each new or updated article joins its story
   (an article older than the live window waits in the backlog :meth:`Ingest.finish` works; a
   failure costs only the grouping, which ``nashra stories rebuild`` recomputes).

What this module does not run: lead images are the crawler's own step after :class:`Ingest`
returns (it re-hosts the new articles' images on its event loop, with its HTTP client:
``nashra.crawl.pipeline``; an importer stores the image's address only), and re-extraction
leaves the articles it updates in the stories they had (``nashra stories rebuild`` regroups).

The Store imports nothing from feature packages: this module hands it the writers.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from nashra.config import Settings
from nashra.enrich.article import Enrichment, enrich_article
from nashra.enrich.store import write_enrichments
from nashra.model import Article
from nashra.moderation.takedowns import may_be_refused, refusal
from nashra.search.documents import writer
from nashra.search.index import index_analysed
from nashra.sources.registry import Source
from nashra.store.lookups import AdmissionCheck
from nashra.store.store import SaveResult, Store
from nashra.stories import backlog
from nashra.stories.features import Draft
from nashra.stories.store import StoryStore, assign_late_stories, draft_of, story_store
from nashra.text.article import AnalysedText, analyse_article
from nashra.video.store import write_article_video

__all__ = [
    "ADMISSION",
    "SIDE_ROWS",
    "Ingest",
    "Prepared",
    "prepare",
    "save_article",
    "save_prepared",
    "with_story_draft",
]

log = logging.getLogger("nashra.ingest")

ADMISSION: tuple[AdmissionCheck, ...] = (AdmissionCheck(refusal, suspects=may_be_refused),)
SIDE_ROWS = ("enrichment", "video", "search")  # the order write_side_rows follows


@dataclass(frozen=True)
class Prepared:
    """An article ready to be written: its labels applied, its one analysis, its enrichment
    (None when the caller stores the article as built, without enrichment), and the draft of
    its story features when its story is deferred to the backlog (a bulk import drafts them
    beside the analysis, in its workers: :func:`with_story_draft`)."""

    article: Article
    analysed: AnalysedText
    enrichment: Enrichment | None = None
    story: Draft | None = None


def with_story_draft(prepared: Prepared) -> Prepared:
    """``prepared`` with the draft of its story features, for a writer that defers stories."""
    return dataclasses.replace(prepared, story=draft_of(prepared.article, prepared.analysed))


def prepare(
    article: Article,
    source: Source | None = None,
    *,
    section: str | None = None,
    enrichment: Enrichment | None = None,
) -> Prepared:
    """Analyse ``article`` once and label it: with ``source`` (the crawler, the importer) the
    enrichment is decided here, ``section`` (an importer's explicit label) overriding it; an
    ``enrichment`` already decided is applied as it is; with neither the article keeps the
    section and author it was built with."""
    analysed = analyse_article(article.title, article.body_text or article.summary, article.lang)
    if enrichment is None and source is not None:
        enrichment = enrich_article(article, source, analysed=analysed, section=section)
    labelled = enrichment.apply(article) if enrichment is not None else article
    # A fingerprint the caller already has (a test, a tool) is kept; else the body's own.
    body_hash = article.body_hash or (analysed.body_hash if article.body_text else "")
    labelled = dataclasses.replace(labelled, body_hash=body_hash)
    return Prepared(labelled, analysed, enrichment)


def write_side_rows(conn: Connection, written: Sequence[tuple[Prepared, SaveResult]]) -> None:
    """What is kept beside the articles a transaction has just written, in :data:`SIDE_ROWS`
    order: the search documents read the sections the enrichment (or a moderator) has just
    given the rows, and go last, in one statement per batch (see ``nashra.store.SideRows``).
    A "new" row has no side rows yet to look up or replace (the foreign keys cascade, so a
    reused pk brings none back either)."""
    documents: dict[bool, list[tuple[int, AnalysedText, str]]] = {True: [], False: []}
    labelled = []
    for item, saved in written:
        fresh = saved.status == "new"
        if item.enrichment is not None:
            labelled.append((saved.pk, item.enrichment, fresh))
        write_article_video(conn, saved.pk, item.article, fresh=fresh)
        byline = item.enrichment.byline if item.enrichment is not None else ""
        documents[fresh].append((saved.pk, item.analysed, writer(item.article.author, byline)))
    write_enrichments(conn, labelled)
    for fresh, texts in documents.items():
        index_analysed(conn, texts, fresh=fresh)


def save_prepared(
    store: Store, batch: Sequence[Prepared], *, defer_stories: bool = False
) -> list[SaveResult]:
    """Write prepared articles in one transaction with their side rows (step 2). With
    ``defer_stories`` (a bulk import) every new or updated article is also put in the story
    backlog in that transaction, so that a crash never leaves a stored article without its
    turn in the sweep (:func:`nashra.stories.store.assign_late_stories`)."""
    items = list(batch)

    def side_rows(conn: Connection, written: Sequence[tuple[int, SaveResult]]) -> None:
        write_side_rows(conn, [(items[i], saved) for i, saved in written])
        if defer_stories:
            drafts = {saved.pk: items[i].story for i, saved in written if items[i].story}
            backlog.queue_articles(conn, [saved.pk for _i, saved in written], drafts)

    return store.save_articles(
        [item.article for item in items], side_rows=side_rows, admission=ADMISSION
    )


def save_article(
    store: Store,
    article: Article,
    source: Source | None = None,
    *,
    enrichment: Enrichment | None = None,
) -> SaveResult:
    """Prepare and write one article (steps 1 and 2, no stories): what tests and tools that
    store a single article call."""
    return save_prepared(store, [prepare(article, source, enrichment=enrichment)])[0]


StoryErrorHandler = Callable[[int, Exception], None]


class Ingest:
    """The unit of work with its after-commit steps, for one store and one set of settings:
    call it with a batch of built articles; call :meth:`finish` once the run is over."""

    def __init__(
        self,
        store: Store,
        settings: Settings | None = None,
        *,
        on_story_error: StoryErrorHandler | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.stories: StoryStore = story_store(store, settings)
        self.on_story_error = on_story_error

    def __call__(self, prepared: Sequence[Prepared]) -> list[SaveResult]:
        """Write and group articles :func:`prepare` made (the crawler prepares them in its
        per-item time budget, off the event loop); returns what the store did with each."""
        results = save_prepared(self.store, prepared)
        for saved, item in zip(results, prepared, strict=True):
            if saved.status in ("new", "updated"):
                self._group(saved.pk, item.analysed)
        return results

    def _group(self, pk: int, analysed: AnalysedText) -> None:
        """The stories step: an article older than the live window waits in the backlog,
        worked by :meth:`finish` (or the worker)."""
        try:
            self.stories.assign(pk, defer=True, analysed=analysed)
        except Exception as exc:
            log.exception("story assignment failed pk=%s", pk)
            if self.on_story_error is None:
                raise
            self.on_story_error(pk, exc)

    def finish(self) -> int:
        """Work the story backlog the run left (older articles, in date order)."""
        return assign_late_stories(self.store, self.settings)
