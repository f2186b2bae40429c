"""The search itself: filters, sort, pagination, and the snippets of the page shown.

* topic search by relevance: the articles with any of the words (and every phrase and prefix),
  the index's best :data:`~nashra.search.ranking.POOL` ordered by :mod:`nashra.search.ranking`
  (the same on both backends), then the index's own order;
* by date, and the writer and region modes: every word required, then — when that finds fewer
  than :data:`FALLBACK_BELOW` articles — the articles matching most of the words.

``search(store, request)`` is the one entry point of the web page, the JSON API and the CLI.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select

from nashra.search.backends import Clause, IndexBackend, backend_for, has_phrase
from nashra.search.documents import MAX_BODY_CHARS
from nashra.search.highlight import Highlighter
from nashra.search.query import CONTENT_LANGS, NO_WORDS, Query, as_phrase, parse_query
from nashra.search.ranking import POOL, rank, units_of
from nashra.search.regions import region_clause
from nashra.search.stats import corpus_stats
from nashra.store.queries import LIST_COLUMNS, Filters
from nashra.store.schema import articles, images, sources

if TYPE_CHECKING:
    from nashra.search.articles import ArticleMemo
    from nashra.store.store import Store

__all__ = [
    "FALLBACK_BELOW",
    "MODES",
    "PHRASE_RANK_WINDOW",
    "RANK_WINDOW",
    "SORTS",
    "SearchError",
    "SearchHit",
    "SearchRequest",
    "SearchResults",
    "search",
]

MODES = ("topic", "writer", "region")
SORTS = ("relevance", "date")
FALLBACK_BELOW = 10  # fewer strict results than this: add the "most of the words" ones
FALLBACK_POOL = 100  # how many partial matches are ranked and offered at most
# Relevance ranks the newest RANK_WINDOW matches (older ones follow, newest first): bm25 costs
# about 1 µs a match, so a word found in 40,000 articles would otherwise cost 40 ms a query.
RANK_WINDOW = 5000
# A phrase's matches are found by reading each article that has all its words (PostgreSQL's
# index keeps no positions): ranking fewer of them keeps that read short.
PHRASE_RANK_WINDOW = 1000
DATE_WALK_ABOVE = 2000  # matches from which the date sort walks the date index (see by_date)
MAX_PER_PAGE = 100
MAX_PAGE = 500


class SearchError(ValueError):
    """A search request with a parameter out of range (the caller shows ``str(exc)``)."""


@dataclass
class SearchRequest:
    q: str = ""
    mode: str = "topic"
    filters: Filters = field(default_factory=Filters)
    region: str | None = None  # a region the articles must be about (see ``regions``)
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    rank_window: int = RANK_WINDOW  # 0: rank every match
    phrase_rank_window: int = PHRASE_RANK_WINDOW  # with a phrase: at most this (0: rank_window)

    def validate(self) -> None:
        if self.mode not in MODES:
            raise SearchError(f"mode must be one of {', '.join(MODES)}, got {self.mode[:20]!r}")
        if self.sort not in SORTS:
            raise SearchError(f"sort must be one of {', '.join(SORTS)}, got {self.sort[:20]!r}")
        if not 1 <= self.page <= MAX_PAGE:
            raise SearchError(f"page must be between 1 and {MAX_PAGE}, got {self.page}")
        if self.rank_window < 0:
            raise SearchError(f"rank_window must be 0 or more, got {self.rank_window}")
        if self.phrase_rank_window < 0:
            raise SearchError(
                f"phrase_rank_window must be 0 or more, got {self.phrase_rank_window}"
            )
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise SearchError(f"per_page must be between 1 and {MAX_PER_PAGE}, got {self.per_page}")


@dataclass
class SearchHit:
    """One result: the listing row (the columns of ``/api/v1/articles``) and its highlights."""

    row: dict[str, Any]
    score: float
    matched: str  # "all" words, or "some" of them (the fallback)
    title_html: str
    snippet_html: str
    author_html: str


@dataclass
class SearchResults:
    request: SearchRequest
    query: Query
    hits: list[SearchHit]
    total: int  # every result, the partial matches included
    exact_total: int  # results with all the words
    notes: tuple[str, ...] = ()
    estimated: bool = False  # the totals are the database's estimate (many matches), not counted

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.per_page))

    @property
    def next_page(self) -> int | None:
        page = self.request.page
        return page + 1 if page * self.request.per_page < self.total and page < MAX_PAGE else None


def _langs(filters: Filters) -> tuple[str, ...]:
    return (filters.lang,) if filters.lang in CONTENT_LANGS else CONTENT_LANGS


def _window(request: SearchRequest, clauses: Sequence[Clause]) -> int:
    """How many newest matches are ranked (0: all): ``rank_window``, or ``phrase_rank_window``
    when a phrase (a term of several tokens) is asked and that is fewer."""
    phrase = request.phrase_rank_window
    if not phrase or not has_phrase(clauses):
        return request.rank_window
    return min(request.rank_window, phrase) if request.rank_window else phrase


def _plan(request: SearchRequest) -> tuple[Query, list[Clause], list[Clause], list[Any]]:
    """The query, its clauses, the always-required clauses and extra SQL filters."""
    langs = _langs(request.filters)
    extra: list[Any] = []
    required: list[Clause] = []
    if request.region:
        linked = region_clause(request.region)
        if linked is not None:
            extra.append(linked)
        else:
            required = [(t, "text") for t in as_phrase(request.region, langs).terms]
    if request.mode == "region":
        linked = region_clause(request.q)
        if linked is not None:
            extra.append(linked)
            return parse_query(request.q, langs), [], required, extra
        query = as_phrase(request.q, langs)
        return query, [(t, "text") for t in query.terms], required, extra
    query = parse_query(request.q, langs)
    scope = "author" if request.mode == "writer" else "text"
    return query, [(t, scope) for t in query.terms], required, extra


def _hydrate(
    conn: Connection, pks: list[int], memo: ArticleMemo | None = None
) -> dict[int, dict[str, Any]]:
    if not pks:
        return {}
    if memo is not None:
        return memo.rows(pks, partial(_hydrate, conn))
    query = (
        select(*LIST_COLUMNS, articles.c.body_text)
        .select_from(
            articles.join(sources, sources.c.slug == articles.c.source).outerjoin(
                images, images.c.id == articles.c.image_id
            )
        )
        .where(articles.c.pk.in_(pks))
    )
    return {row.pk: dict(row._mapping) for row in conn.execute(query)}


@dataclass
class _Matches:
    """The articles one index condition matches, narrowed by SQL filters on ``articles``
    (``where``; empty: the index answers alone, no article row is read)."""

    conn: Connection
    backend: IndexBackend
    condition: list[Any]
    where: list[Any]
    estimated: bool = False  # a count of them was the database's estimate
    # The request's date range on ``articles``: where the date sort's walk starts and stops
    # when the index answers it (otherwise it is in ``where``).
    dates: list[Any] = field(default_factory=list)

    def _select(self, *columns: Any, joined: bool = False) -> Any:
        source = self.backend.source(joined or bool(self.where))
        return select(*columns).select_from(source).where(*self.condition, *self.where)

    def count(self) -> int:
        total, exact = self.backend.counted(self.conn, self._select(func.count()))
        self.estimated |= not exact
        return total

    def counted_and_ranked(
        self, window: int, limit: int
    ) -> tuple[int, list[tuple[int, float]] | None]:
        """:meth:`count` and — when it counts them one by one — the first ``limit`` of the
        ``window`` newest matches (all of them: ``window`` 0) best first, from the same pass
        (None: rank them apart). Counting and ranking a few thousand matches are two passes of
        the same cost (on PostgreSQL each reads every match's ``tsvector``: 25-30 ms for 3,000
        at a million articles); this is one, whether or not the window holds them all (a
        phrase ranks 1,000: one with 1,693 matches was read twice at 500,000 articles)."""
        counting = self._select(func.count())
        expected = self.backend.expected(self.conn, counting)
        if expected is None:  # SQLite: no estimate, and counting is cheap
            return self.backend.count(self.conn, counting), None
        if expected >= self.backend.exact_count_below:  # counted by the estimate, as count()
            self.estimated = True
            return expected, None
        # The scores are computed in a subquery that OFFSET 0 keeps from being merged into this
        # one, so the windows that count and number the matches hold (pk, score, place), not
        # every match's tsvector (those went past work_mem to a temporary file: a third of the
        # statement for 3,000 matches at a million articles). Best first as PostgreSQL's
        # ``best_first``: the score, then the newest — among the newest ``window``, as
        # :meth:`best_of_newest` ranks them.
        matched = self._scored().offset(0).subquery()
        numbered = select(
            matched.c.pk,
            matched.c.score,
            matched.c.place,
            func.count().over().label("total"),
            func.row_number().over(order_by=matched.c.pk.desc()).label("newness"),
        ).subquery()
        query = select(numbered.c.pk, numbered.c.score, numbered.c.place, numbered.c.total)
        if window > 0:
            query = query.where(numbered.c.newness <= window)
        query = query.order_by(numbered.c.score.desc(), numbered.c.pk.desc()).limit(limit)
        rows = self.conn.execute(query).all()
        return (rows[0].total if rows else 0), self._page(rows)

    def _scored(self) -> Any:
        """The matches' pks, scores and places (see ``IndexBackend.place``)."""
        backend = self.backend
        return self._select(
            backend.key.label("pk"), backend.score().label("score"), backend.place().label("place")
        )

    def _page(self, rows: Sequence[Any]) -> list[tuple[int, float]]:
        """``(pk, score)`` of the scored ``rows``, their places kept by the backend."""
        self.backend.found_at({row.pk: row.place for row in rows})
        return [(row.pk, float(row.score or 0)) for row in rows]

    def floor(self, window: int) -> int | None:
        """The smallest pk of the ``window`` newest matches (None: there are no more)."""
        query = self._select(self.backend.key).order_by(self.backend.key.desc())
        return self.conn.execute(query.offset(window - 1).limit(1)).scalar()

    def ranked(self, floor: int | None, offset: int, limit: int) -> list[tuple[int, float]]:
        """Best first, among the matches from ``floor`` on (all of them: None)."""
        query = self._scored()
        if floor is not None:
            query = query.where(self.backend.key >= floor)
        query = query.order_by(*self.backend.best_first()).offset(offset).limit(limit)
        # All rows at once: a fetch per row through the result costs more than the rest of this
        # read for the 200 candidates of a ranking.
        return self._page(self.conn.execute(query).all())

    def best_of_newest(
        self, window: int, offset: int, limit: int, expected: int = 0
    ) -> list[tuple[int, float]]:
        """Best first among the ``window`` newest matches (what :meth:`ranked` from their
        :meth:`floor` gives), in one pass: PostgreSQL walks the matches newest first and scores
        the first ``window``, instead of walking them to find the floor and then collecting
        every match of the word through its index to score those above it (at a million
        articles that second read alone went through a posting list of 150,000 entries).

        With ``expected`` (the matches' estimated number) the pass is first narrowed to the
        newest part of the archive that should hold them (``IndexBackend.newest_eras``); when it
        holds ``window`` of them, they are the newest ``window`` and the page is theirs, else a
        part as much wider as what it held says (the estimate of a phrase is often twice its
        matches), and past half the archive the whole archive is read."""
        eras = self.backend.newest_eras(self.conn, expected, window) if expected else None
        while eras is not None:
            page, found = self._best_of_newest(window, offset, limit, eras.condition())
            if found >= window:
                return page
            eras = eras.wider(found, window)
        return self._best_of_newest(window, offset, limit)[0]

    def _best_of_newest(
        self, window: int, offset: int, limit: int, narrowed: Any = None
    ) -> tuple[list[tuple[int, float]], int]:
        """:meth:`best_of_newest` over the matches ``narrowed`` keeps (all: None), and how many
        of them it ranked (0 when none is on this page)."""
        scored = self._scored()
        if narrowed is not None:
            scored = scored.where(narrowed)
        newest = scored.order_by(self.backend.key.desc()).limit(window).subquery()
        query = select(
            newest.c.pk, newest.c.score, newest.c.place, func.count().over().label("found")
        )
        query = query.order_by(newest.c.score.desc(), newest.c.pk.desc()).offset(offset)
        rows = self.conn.execute(query.limit(limit)).all()
        return self._page(rows), rows[0].found if rows else 0

    def newest(self, below: int, offset: int, limit: int) -> list[tuple[int, float]]:
        """The matches under ``below``, newest first (beyond the ranked window; not scored)."""
        query = self._select(self.backend.key).where(self.backend.key < below)
        query = query.order_by(self.backend.key.desc()).offset(offset).limit(limit)
        return [(pk, 0.0) for (pk,) in self.conn.execute(query)]

    def by_date(self, total: int, offset: int, limit: int) -> list[tuple[int, float]]:
        """Newest first. Many matches: walk the archive's date index and keep the articles
        that match (a few thousand index entries), instead of reading and sorting every match
        (about 1.3 µs each: 50 ms for 40,000)."""
        order = (articles.c.published.desc(), articles.c.pk.desc())
        if total > DATE_WALK_ABOVE and not self.where:
            matching = select(self.backend.key).select_from(self.backend.source(False))
            query = self.backend.date_walk(matching.where(*self.condition)).where(*self.dates)
        else:
            query = self._select(self.backend.key, joined=True)
        query = query.order_by(*order).offset(offset).limit(limit)
        return [(pk, 0.0) for (pk,) in self.conn.execute(query)]


def _relevance_page(
    matches: _Matches, total: int, window: int, offset: int, limit: int
) -> list[tuple[int, float]]:
    """Results ``offset`` to ``offset + limit``: the ``window`` newest matches ranked best
    first, then — when there are more — the older ones, newest first (``window`` 0: rank all)."""
    within = offset + limit <= window
    if 0 < window < total and within and matches.backend.ranks_newest_in_one_pass:
        return matches.best_of_newest(window, offset, limit, total)
    floor = matches.floor(window) if 0 < window < total else None
    ranked = total if floor is None else window
    page: list[tuple[int, float]] = []
    if offset < ranked:
        page = matches.ranked(floor, offset, min(limit, ranked - offset))
    if floor is not None and offset + limit > ranked:
        page += matches.newest(floor, max(0, offset - ranked), limit - len(page))
    return page


def _partial_pool(matches: _Matches, window: int, sort: str) -> list[tuple[int, float]]:
    """Partial matches, best first: more query terms matched, then score (or date); drawn from
    the ``window`` newest partial matches."""
    floor = matches.floor(window) if window > 0 else None
    pool = matches.ranked(floor, 0, FALLBACK_POOL)
    pks = [pk for pk, _ in pool]
    hits = matches.backend.hit_counts(matches.conn, pks)
    if sort == "date":
        dated = select(articles.c.pk, articles.c.published).where(articles.c.pk.in_(pks))
        when = {pk: published.timestamp() for pk, published in matches.conn.execute(dated)}
        pool.sort(key=lambda r: (-hits.get(r[0], 0), -when.get(r[0], 0), -r[0]))
    else:
        pool.sort(key=lambda r: (-hits.get(r[0], 0), -r[1], -r[0]))
    return pool


def _ranked_page(
    matches: _Matches,
    query: Query,
    total: int,
    window: int,
    offset: int,
    limit: int,
    memo: ArticleMemo | None = None,
    first: list[tuple[int, float]] | None = None,
) -> tuple[list[tuple[int, float]], set[int], dict[int, frozenset[str]]]:
    """Relevance for a topic search: the first :data:`POOL` results of the index's order
    (``first``, when already read) re-ordered by :func:`nashra.search.ranking.rank`, the
    index's order after them. Returns the page, which of its articles have every word, and
    which of the query's tokens each of them holds (in its indexed title or body)."""
    backend, conn = matches.backend, matches.conn
    units = units_of(query)
    if not units:  # prefixes only: every candidate matches all of it, the index's order stands
        page = _relevance_page(matches, total, window, offset, limit)
        return page, {pk for pk, _ in page}, {}
    tokens = {tok for u in units for tok in u.tokens}
    ranked_by_index = window if 0 < window < total else total  # the rest: newest first
    pool = (
        first
        if first is not None
        else _relevance_page(matches, total, window, 0, min(POOL, ranked_by_index))
    )
    docs, df = corpus_stats(conn, backend, sorted(tokens))
    terms = backend.doc_terms(conn, [pk for pk, _ in pool], tokens, memo)
    ranked = rank(units, terms, docs, df)
    page = [(r.pk, r.score) for r in ranked[offset : offset + limit]]
    complete = {r.pk for r in ranked[offset : offset + limit] if r.all_words}
    if offset + limit > len(pool) and total > len(pool):
        start = max(offset, len(pool))
        rest = _relevance_page(matches, total, window, start, offset + limit - start)
        page += rest
        more = backend.doc_terms(conn, [pk for pk, _ in rest], tokens, memo)
        complete |= {r.pk for r in rank(units, more, docs, df) if r.all_words}
        terms = {**terms, **more}
    held = {pk: frozenset(terms[pk].positions) for pk, _ in page if pk in terms}
    return page, complete, held


def _listing_page(
    conn: Connection, where: list[Any], offset: int, limit: int
) -> tuple[int, list[tuple[int, float]]]:
    """Region mode backed by article→region links: the linked articles, newest first."""
    total = conn.execute(select(func.count()).select_from(articles).where(*where)).scalar_one()
    query = (
        select(articles.c.pk)
        .where(*where)
        .order_by(articles.c.published.desc(), articles.c.pk.desc())
        .offset(offset)
        .limit(limit)
    )
    return total, [(pk, 0.0) for (pk,) in conn.execute(query)]


def search(store: Store, request: SearchRequest, memo: ArticleMemo | None = None) -> SearchResults:
    """Run ``request`` (validated first; :class:`SearchError` when a parameter is out of range).
    ``memo`` keeps what is read of each article for the next searches (see
    :mod:`nashra.search.articles`); the results are the same with or without it."""
    request.validate()
    query, clauses, required, extra = _plan(request)
    offset = (request.page - 1) * request.per_page
    limit = request.per_page
    strict: list[tuple[int, float]] = []
    partial: list[tuple[int, float]] = []
    exact_total = 0
    complete: set[int] | None = None  # the shown articles with every word (None: the strict ones)
    held: dict[int, frozenset[str]] = {}  # the query tokens each ranked article holds
    total = 0
    counts: list[_Matches] = []  # the sets of matches counted, to tell whether by estimate
    with store.connect() as conn:
        if not clauses and not required:
            if not extra or request.mode != "region":
                return SearchResults(request, query, [], 0, 0, query.notes or (NO_WORDS,))
            where = [*request.filters.clauses(), *extra]
            exact_total, strict = _listing_page(conn, where, offset, limit)
        else:
            backend = backend_for(store.dialect, clauses or required, required if clauses else ())
            window = _window(request, [*clauses, *required])
            rest = backend.take_filters(conn, request.filters)
            if rest is not None:
                where = [*rest.clauses(), *extra]
                dates = Filters(since=request.filters.since, until=request.filters.until)
                matches = _Matches(conn, backend, backend.strict(), where, dates=dates.clauses())
                counts.append(matches)
                topic = request.mode == "topic" and request.sort == "relevance"
                first = None  # the first POOL best first, when the count's pass gave them
                if topic and len(backend.words) <= 1:  # then the candidates are the matches
                    exact_total, first = matches.counted_and_ranked(window, POOL)
                else:
                    exact_total = matches.count()
                if topic:
                    candidates = _Matches(conn, backend, backend.any_match(), where)
                    counts.append(candidates)
                    total = candidates.count() if len(backend.words) > 1 else exact_total
                    strict, complete, held = _ranked_page(
                        candidates,
                        query,
                        total,
                        window,
                        offset,
                        limit,
                        memo,
                        first,
                    )
                elif request.sort == "date":
                    strict = matches.by_date(exact_total, offset, limit)
                else:
                    strict = _relevance_page(matches, exact_total, window, offset, limit)
                if complete is None and exact_total < FALLBACK_BELOW and len(clauses) > 1:
                    others = _Matches(conn, backend, backend.partial(), where)
                    partial = _partial_pool(others, window, request.sort)
        start = max(0, offset - exact_total)
        shown = strict + partial[start : start + limit - len(strict)]
        rows = _hydrate(conn, [pk for pk, _ in shown], memo)
    strict_pks = {pk for pk, _ in strict} if complete is None else complete
    total = total or exact_total + len(partial)
    region_tokens = {tok for t, _ in required for v in t.variants for tok in v}
    highlighter = Highlighter(query.stems | region_tokens, query.prefixes, query.phrases)
    marks = _Marks(highlighter, {} if region_tokens else held, memo)
    hits = []
    for pk, score in shown:
        row = rows.get(pk)
        if row is None:  # deleted between the two reads
            continue
        lang = row.get("lang") or "ar"
        body = row.pop("body_text", "") or row.get("summary") or ""
        title_html, snippet_html = marks.title_and_snippet(pk, row["title"], body, lang)
        hits.append(
            SearchHit(
                row=row,
                score=score,
                matched="all" if pk in strict_pks else "some",
                title_html=title_html,
                snippet_html=snippet_html,
                author_html=marks.author(row.get("author") or "", lang),
            )
        )
    estimated = any(m.estimated for m in counts)
    return SearchResults(request, query, hits, total, exact_total, query.notes, estimated)


class _Marks:
    """The marked title, snippet and byline of each shown article.

    A word is marked when its analysis gives a token of the query, and an article's words can
    only give tokens its indexed title and body hold (the index holds the same analysis of the
    same text, word by word). So an article's marked title and snippet depend on the query only
    through the query tokens it holds (and the prefixes): when the ranking found those (``held``),
    they are kept in ``memo`` under them, and a new query that finds the article through the same
    words («المغرب» and «المغرب 2018» in an article without «2018») reuses them instead of
    scanning its body again. Otherwise (a region's tokens, which are not looked for in the
    index; a body longer than the index keeps) they are marked for the whole query."""

    def __init__(
        self, highlighter: Highlighter, held: dict[int, frozenset[str]], memo: ArticleMemo | None
    ) -> None:
        self.highlighter = highlighter
        self.held = held
        self.memo = memo
        self._by_tokens: dict[tuple[frozenset[str], frozenset[tuple[str, ...]]], Highlighter] = {}

    def author(self, author: str, lang: str) -> str:
        return self.highlighter.mark(author, lang)

    def title_and_snippet(self, pk: int, title: str, body: str, lang: str) -> tuple[str, str]:
        held = self.held.get(pk)
        if held is None or self.memo is None or len(body) > MAX_BODY_CHARS:
            return self.highlighter.mark(title, lang), self.highlighter.snippet(body, lang)
        stems = self.highlighter.stems & held
        prefixes = self.highlighter.prefixes
        phrases = frozenset(p for p in self.highlighter.phrases if held.issuperset(p))

        def mark() -> tuple[str, str]:
            highlighter = self._by_tokens.get((stems, phrases))
            if highlighter is None:
                highlighter = Highlighter(stems, prefixes, phrases)
                self._by_tokens[(stems, phrases)] = highlighter
            return highlighter.mark(title, lang), highlighter.snippet(body, lang)

        return self.memo.marks(pk, (stems, prefixes, phrases), mark)
