"""The two index backends behind one interface: WHERE clauses, a relevance score (higher is
better) and the number of query terms an article matched, as SQLAlchemy expressions.

Terms come from :mod:`nashra.search.query` as analysed tokens; they are written into FTS5 or
tsquery syntax here, each token quoted, so nothing a reader types is ever read as syntax.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    FromClause,
    Integer,
    Select,
    and_,
    bindparam,
    cast,
    false,
    func,
    literal_column,
    not_,
    null,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.selectable import Join

from nashra.search.facets import FacetFilter, split_filters
from nashra.search.query import Term
from nashra.search.ranking import DocTerms, Stream
from nashra.search.tables import ERA_ROWS, TABLE, era_vector, fts, pg_search
from nashra.store.db import for_dialect
from nashra.store.queries import Filters
from nashra.store.schema import articles

if TYPE_CHECKING:
    from nashra.search.articles import ArticleMemo

__all__ = ["Clause", "Eras", "IndexBackend", "backend_for", "has_phrase"]

# A term and where it is looked for: "text" (title and body), "title" (the headline alone) or
# "author".
Clause = tuple[Term, str]


def has_phrase(clauses: Sequence[Clause]) -> bool:
    """Whether a term of ``clauses`` is a phrase in the index's sense: several tokens in a row
    (a quoted phrase, or a word the analyser splits), whose positions must be checked."""
    return any(len(tokens) > 1 for term, _ in clauses for tokens in term.variants)


@dataclass(frozen=True)
class Eras:
    """The ``count`` newest eras of PostgreSQL's index, down from era ``top`` (the newest):
    each era is :data:`~nashra.search.tables.ERA_ROWS` pks (``nashra_era``, migration 0016)."""

    top: int
    count: int

    def condition(self) -> ColumnElement[bool]:
        names = " | ".join(f"e{era}" for era in range(self.top, self.top - self.count, -1))
        return era_vector().op("@@", is_comparison=True)(_tsquery(names))

    def wider(self, found: int, window: int) -> Eras | None:
        """Eras enough for ``window`` matches where these held ``found`` (with a margin; at
        most eight times as many); None past half the archive."""
        factor = min(8.0, 1.25 * window / max(found, 1))
        count = max(self.count + 1, math.ceil(self.count * factor))
        return Eras(self.top, count) if 2 * count <= self.top + 1 else None


def _archive_days(conn: Connection) -> tuple[date | None, date | None]:
    """The UTC days of the oldest and the newest article: two lookups in the published index
    (one SELECT of both would scan the table)."""
    first = conn.execute(select(func.min(articles.c.published))).scalar()
    last = conn.execute(select(func.max(articles.c.published))).scalar()
    return (first.date() if first else None, last.date() if last else None)


class IndexBackend:
    """Shared shape. ``query`` clauses: the reader's; ``required`` ones (e.g. a region matched by
    its name) are always required. ``strict`` asks for every query term but the optional
    (function) words; ``any_match`` for one of the words, with the phrases and prefixes."""

    def __init__(self, query: Sequence[Clause], required: Sequence[Clause] = ()) -> None:
        self.all_terms = list(query)
        self.query = [(t, s) for t, s in query if not t.optional]
        self.required = list(required)
        self.words = [(t, s) for t, s in self.query if not t.required]
        self.musts = [(t, s) for t, s in self.query if t.required] + self.required

    key: ColumnElement[Any]  # the index's article pk column

    def place(self) -> ColumnElement[Any]:
        """Where a match's index row lies, selected beside its score so that :meth:`doc_terms`
        reads the candidates' rows again without looking their pks up (NULL: by pk)."""
        return null()

    def found_at(self, places: Mapping[int, Any]) -> None:
        """Remember where the scored matches lie (``pk → place``) for :meth:`doc_terms`."""

    def take_filters(self, conn: Connection, filters: Filters) -> Filters | None:
        """Keep what of ``filters`` the index answers itself (:mod:`nashra.search.facets`: the
        outlet, section, language and whole days, ANDed to every match from then on) and
        return the rest, to be joined as SQL on ``articles``; None when no article can pass
        them."""
        dated = filters.since is not None or filters.until is not None
        split = split_filters(filters, *(_archive_days(conn) if dated else (None, None)))
        if split.empty:
            return None
        if split.groups:
            self.keep_facets(split)
        return split.rest

    def keep_facets(self, facets: FacetFilter) -> None:
        """Hold ``facets`` for the conditions made from now on."""
        raise NotImplementedError

    def date_walk(self, matching: Select[Any]) -> Select[Any]:
        """The articles whose pk ``matching`` selects, read in date order (newest first, so a
        LIMIT stops early) rather than fetched by pk and sorted."""
        return select(articles.c.pk).where(articles.c.pk.in_(matching))

    def source(self, with_articles: bool) -> FromClause:
        """The index alone, or joined to ``articles`` (for filters and the date sort)."""
        raise NotImplementedError

    def best_first(self) -> list[ColumnElement[Any]]:
        """ORDER BY terms, most relevant first."""
        raise NotImplementedError

    def strict(self) -> list[ColumnElement[bool]]:
        raise NotImplementedError

    def partial(self) -> list[ColumnElement[bool]]:
        """Articles matching some query terms (and every required one) but not all of them."""
        raise NotImplementedError

    def any_match(self) -> list[ColumnElement[bool]]:
        """Articles with at least one of the words (when there are words) and every phrase,
        prefix and required term: the candidates of relevance ranking."""
        raise NotImplementedError

    def any_term(self) -> list[ColumnElement[bool]]:
        """Articles with at least one of the terms, words, phrases and prefixes alike (the
        articles of any of several topics, each a term)."""
        raise NotImplementedError

    def article_pks(self, condition: Sequence[ColumnElement[bool]]) -> Select[Any]:
        """The pks of the articles ``condition`` matches, from the index alone (a subquery to
        combine with any query on ``articles``)."""
        return select(self.key).select_from(self.source(False)).where(*condition)

    def doc_terms(
        self,
        conn: Connection,
        pks: Sequence[int],
        tokens: set[str],
        memo: ArticleMemo | None = None,
    ) -> dict[int, DocTerms]:
        """Where ``tokens`` occur in the articles ``pks`` (see :class:`DocTerms`); ``memo``
        keeps what was read for the next searches (where the backend reads text)."""
        raise NotImplementedError

    def doc_freqs(self, conn: Connection, tokens: Sequence[str]) -> dict[str, int]:
        """How many articles hold each token (in the title or the body)."""
        raise NotImplementedError

    def doc_count(self, conn: Connection) -> int:
        """How many articles the index holds."""
        raise NotImplementedError

    def score(self) -> ColumnElement[float]:
        raise NotImplementedError

    def hit_counts(self, conn: Connection, pks: Sequence[int]) -> dict[int, int]:
        """How many query terms each of the articles ``pks`` matches."""
        raise NotImplementedError

    def newest_eras(self, conn: Connection, expected: int, window: int) -> Eras | None:
        """The newest part of the archive that should hold about twice ``window`` of the
        ``expected`` matches were they spread evenly; None when the backend has no such part
        or it would span half the archive. A caller keeps what it finds there only when it
        holds ``window`` matches: those are then the newest ``window`` of all."""
        return None

    def count(self, conn: Connection, counting: Select[Any]) -> int:
        """The number of matches ``counting`` (a ``SELECT count(*)``) finds."""
        return self.counted(conn, counting)[0]

    def counted(self, conn: Connection, counting: Select[Any]) -> tuple[int, bool]:
        """:meth:`count`, and whether it counted them (False: an estimate)."""
        return conn.execute(counting).scalar_one(), True

    #: :meth:`count` counts one by one (a pass over the matches) when :meth:`expected` says
    #: fewer than this; above, it answers the estimate.
    exact_count_below = 0

    #: The newest matches are ranked in one pass (scored as they are walked newest first, the
    #: best kept) rather than by finding the oldest of them first and then reading them all
    #: again through the index. Not on FTS5, which orders by its own ``rank`` column: a score
    #: sorted outside it could break its ties another way.
    ranks_newest_in_one_pass = False

    def expected(self, conn: Connection, counting: Select[Any]) -> int | None:
        """About how many matches ``counting`` would find, without finding them (None: the
        backend cannot tell)."""
        return None


# -- SQLite FTS5 ------------------------------------------------------------------------------


def _fts_string(tokens: Sequence[str]) -> str:
    return '"' + " ".join(tokens).replace('"', '""') + '"'


# The FTS5 columns of each scope: analysed terms, and the unstemmed words prefixes look in.
_FTS_COLUMNS = {"text": "{title body}", "title": "{title}", "author": "{author}"}
_FTS_PREFIX_COLUMNS = {
    "text": "{title_words body_words}",
    "title": "{title_words}",
    "author": "{author}",
}


def fts_term(term: Term, scope: str) -> str:
    """One term as an FTS5 expression restricted to its columns (a phrase is one quoted string of
    several tokens; alternatives are ORed; a prefix is a quoted token followed by ``*``)."""
    if term.kind == "prefix":
        return f"{_FTS_PREFIX_COLUMNS[scope]} : {_fts_string(term.variants[0])} *"
    cols = _FTS_COLUMNS[scope]
    return f"{cols} : ({' OR '.join(_fts_string(v) for v in term.variants)})"


def _fts_all(clauses: Sequence[Clause]) -> str:
    return " AND ".join(f"({fts_term(t, s)})" for t, s in clauses)


def _varint(data: bytes) -> int:
    """The SQLite varint at the start of ``data`` (big-endian groups of 7 bits; a 9th byte
    brings 8)."""
    value = 0
    for i, byte in enumerate(data[:9]):
        if i == 8:
            return (value << 8) | byte
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value
    return value


class _IndexFirstJoin(Join):
    """``index CROSS JOIN articles``: SQLite keeps the left table as the outer loop, so the FTS5
    match drives and each match fetches its article by primary key. Left to itself the planner
    may walk a filter's index (all of a section) and probe FTS5 once per article: 8× slower."""

    inherit_cache = True


@compiles(_IndexFirstJoin, "sqlite")
def _index_first_join(element: _IndexFirstJoin, compiler: Any, **kw: Any) -> str:
    kw["asfrom"] = True
    left = compiler.process(element.left, **kw)
    right = compiler.process(element.right, **kw)
    return f"{left} CROSS JOIN {right} ON {compiler.process(element.onclause, **kw)}"


class Fts5Backend(IndexBackend):
    facets = ""  # the filters answered by the index (nashra.search.facets), ANDed to every match

    def _match(self, expression: str) -> ColumnElement[bool]:
        # A unique parameter name: a statement may hold several MATCH subqueries (the topics a
        # reader follows and those they mute).
        if self.facets:
            expression = f"({expression}) AND {self.facets}"
        match = bindparam("fts_match", expression, unique=True)
        return text(f"{TABLE} MATCH :fts_match").bindparams(match)

    key = fts.c.rowid

    def date_walk(self, matching: Select[Any]) -> Select[Any]:
        # "pk + 0" hides the pk from SQLite's planner, which would otherwise fetch every match
        # by pk and sort them all; it then reads the published index backwards instead.
        return select(articles.c.pk).where((articles.c.pk + 0).in_(matching))

    def keep_facets(self, facets: FacetFilter) -> None:
        self.facets = facets.fts5()

    def source(self, with_articles: bool) -> FromClause:
        if not with_articles:
            return fts
        return _IndexFirstJoin(fts, articles, articles.c.pk == fts.c.rowid)

    def best_first(self) -> list[ColumnElement[Any]]:
        # FTS5 sorts by its ``rank`` column itself (bm25 with our column weights, configured by
        # migration 0004); any other ORDER BY would score every match twice.
        return [literal_column(f"{TABLE}.rank")]

    def strict(self) -> list[ColumnElement[bool]]:
        return [self._match(_fts_all(self.query + self.required))]

    def partial(self) -> list[ColumnElement[bool]]:
        some = " OR ".join(f"({fts_term(t, s)})" for t, s in self.query)
        expression = f"(({some}) NOT ({_fts_all(self.query)}))"
        if self.required:
            expression = f"({_fts_all(self.required)}) AND ({expression})"
        return [self._match(expression)]

    def any_match(self) -> list[ColumnElement[bool]]:
        parts = [_fts_all(self.musts)] if self.musts else []
        if self.words:
            parts.append(" OR ".join(f"({fts_term(t, s)})" for t, s in self.words))
        return [self._match(" AND ".join(f"({p})" for p in parts))]

    def any_term(self) -> list[ColumnElement[bool]]:
        return [self._match(" OR ".join(f"({fts_term(t, s)})" for t, s in self.all_terms))]

    def doc_terms(
        self,
        conn: Connection,
        pks: Sequence[int],
        tokens: set[str],
        memo: ArticleMemo | None = None,
    ) -> dict[int, DocTerms]:
        if not pks:
            return {}
        read = partial(self._streams, conn)
        streams = memo.streams(list(pks), read) if memo is not None else read(list(pks))
        return {pk: stream.doc_terms(tokens) for pk, stream in streams.items()}

    @staticmethod
    def _streams(conn: Connection, pks: Sequence[int]) -> dict[int, Stream]:
        ids = ", ".join(str(int(pk)) for pk in pks)
        # FTS5 keeps the indexed text in its %_content table (c0 title, c1 body): read by
        # primary key there, where the virtual table would scan for an IN list (3x slower).
        # Read through the driver's own cursor: 200 long rows cost a third less than through
        # SQLAlchemy's result rows, and plain strings are all that is wanted here.
        cursor = conn.connection.cursor()
        try:
            cursor.execute(f"SELECT id, c0, c1 FROM {TABLE}_content WHERE id IN ({ids})")
            rows = cursor.fetchall()
        finally:
            cursor.close()
        return {pk: Stream(title, body) for pk, title, body in rows}

    def doc_freqs(self, conn: Connection, tokens: Sequence[str]) -> dict[str, int]:
        count = text(f"SELECT count(*) FROM {TABLE} WHERE {TABLE} MATCH :q")
        return {
            tok: conn.execute(count, {"q": "{title body} : " + _fts_string([tok])}).scalar_one()
            for tok in tokens
        }

    def doc_count(self, conn: Connection) -> int:
        # FTS5 keeps the row count as the first varint of its "averages" record (id 1 of the
        # %_data table): one read instead of a scan of every row.
        block = conn.execute(text(f"SELECT block FROM {TABLE}_data WHERE id = 1")).scalar()
        return _varint(block) if block else 0

    def score(self) -> ColumnElement[float]:
        return literal_column(f"-{TABLE}.rank")

    def hit_counts(self, conn: Connection, pks: Sequence[int]) -> dict[int, int]:
        if not pks:
            return {}
        params: dict[str, str] = {}
        parts = []
        for i, (term, scope) in enumerate(self.query):
            params[f"h{i}"] = fts_term(term, scope)
            parts.append(
                f"(SELECT count(*) FROM {TABLE} AS hit WHERE hit.rowid = a.pk "
                f"AND hit.{TABLE} MATCH :h{i})"
            )
        ids = ", ".join(str(int(pk)) for pk in pks)
        sql = f"SELECT a.pk, {' + '.join(parts)} FROM articles AS a WHERE a.pk IN ({ids})"
        return {pk: n for pk, n in conn.execute(text(sql), params)}


# -- PostgreSQL tsvector ------------------------------------------------------------------------


def _tsq_token(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def ts_term(term: Term, scope: str = "text") -> str:
    """One term as tsquery text: ``('a' | 'b')``, phrases with ``<->``, prefixes with ``:*``;
    in the headline alone, each token restricted to the title's weight (``:A``)."""
    weight = "A" if scope == "title" else ""
    if term.kind == "prefix":
        return _tsq_token(term.variants[0][0]) + ":*" + weight
    weight = ":" + weight if weight else ""
    alts = ["(" + " <-> ".join(_tsq_token(t) + weight for t in v) + ")" for v in term.variants]
    return "(" + " | ".join(alts) + ")"


def _vector(term: Term, scope: str) -> ColumnElement[Any]:
    if scope == "author":
        return pg_search.c.author
    return pg_search.c.words if term.kind == "prefix" else pg_search.c.terms


def _tsquery(expression: str) -> ColumnElement[Any]:
    return func.to_tsquery(literal_column("'simple'::regconfig"), expression)


# Each candidate's title and stream lengths are kept with its row (``title_end``,
# ``stream_end``: the last position of the title's lexemes and of all of them, set by a trigger
# when the row is written; migration 0015; a row written before it has NULL and they are read
# from ``terms`` as they used to be), and the positions of the query's tokens come from its
# ``terms`` cut down to those lexemes: ``ts_delete`` of every other one (``tsvector_to_array``
# of what deleting the tokens leaves), so only the few that remain are unnested. Unnesting the
# whole ``tsvector`` builds a row of two arrays per lexeme: 60-80 µs a candidate, several times
# this. Positions are 1-based in PostgreSQL, 0-based in :class:`DocTerms`.
_PG_TERMS_OF = (
    "SELECT s.article_pk, "
    "coalesce(s.title_end, nashra_last_position(ts_filter(s.terms, '{a}'))), "
    "coalesce(s.stream_end, nashra_last_position(s.terms)), "
    "(SELECT json_object_agg(u.lexeme, u.positions) FROM unnest(ts_delete(s.terms, "
    "tsvector_to_array(ts_delete(s.terms, CAST(:tokens AS text[]))))) AS u) "
    f"FROM {TABLE} AS s WHERE "
)
_PG_TERMS = text(_PG_TERMS_OF + "s.article_pk = ANY(:pks)")
# The same rows found where the ranking has just read them (a TID scan), not through the search
# table's pk index: cold, its leaves were what this statement waited for (20-104 ms for 200
# candidates at 5 million articles). The pk, hidden from the planner ("+ 0", or it would take
# the index again), keeps out a row that has since taken a moved one's place; a moved row
# (updated since) is then read by pk.
_PG_TERMS_AT = text(
    _PG_TERMS_OF + "s.ctid = ANY(CAST(:places AS tid[])) AND s.article_pk + 0 = ANY(:pks)"
)


EXACT_COUNT_BELOW = 10_000  # PostgreSQL: more matches than this are counted by estimate
EXACT_DOC_COUNT_BELOW = 100_000  # PostgreSQL: a larger search index is sized by its statistics


def _rows(source: FromClause, where: Any) -> Select[Any]:
    query = select(literal_column("1")).select_from(source)
    return query if where is None else query.where(where)


def planned_rows(conn: Connection, source: FromClause, where: Any) -> int:
    """The planner's estimate of the rows ``SELECT … FROM source WHERE where`` returns."""
    compiled = _rows(source, where).compile(dialect=conn.dialect)
    plan = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params).scalar_one()
    return int(plan[0]["Plan"]["Plan Rows"])


# PostgreSQL's guess for a lexeme its statistics do not list: half the least frequency they
# list (``most_common_elem_freqs`` ends with the least, the greatest and the frequency of
# NULLs) but at most 0.5 % (DEFAULT_TS_MATCH_SEL, also its guess without statistics), times
# the rows; the largest over the search table's vectors. Before the first ANALYZE every
# estimate is a guess.
_UNLISTED_GUESS = text(
    "SELECT CASE WHEN max(c.reltuples) < 0 THEN CAST('Infinity' AS float8) "
    "ELSE coalesce(max(least(f[array_length(f, 1) - 2] / 2, 0.005)), 0.005) * max(c.reltuples) "
    "END FROM pg_class AS c LEFT JOIN (SELECT most_common_elem_freqs AS f FROM pg_stats "
    f"WHERE schemaname = current_schema() AND tablename = '{TABLE}' "
    "AND attname IN ('terms', 'words', 'author')) AS s ON true "
    f"WHERE c.oid = CAST('{TABLE}' AS regclass)"
)
# The planner scales the rows ANALYZE saw by the table's growth since, and never estimates
# fewer than one row.
GUESS_MARGIN = 1.1
# The newest eras a search is first narrowed to should hold this many times its window by the
# estimate; more with a phrase, which the planner estimates as if its words could be anywhere in
# the article (about twice its matches: 32,852 for ~16,900 at 5 M). Too few eras cost one more
# pass (``Eras.wider``); too many, reading their candidates.
ERA_MARGIN = 2.0
PHRASE_ERA_MARGIN = 2.5
# Matches in more than this share of the archive are found newest first by walking the pk
# index (a few rows walked per match), not through the eras: there GIN would hand over every
# match of the eras, each scored before the newest are kept (at 5 M, a two-word query in 33 %
# of the articles: 80 ms through the eras against 30-40 ms walked).
ERA_SHARE = 0.05


class PostgresBackend(IndexBackend):
    exact_count_below = EXACT_COUNT_BELOW
    ranks_newest_in_one_pass = True
    # The filters answered by the index: its ``facets`` column (migration 0017) against them,
    # ANDed to every match, so GIN intersects them with the era and the words.
    facets: tuple[ColumnElement[bool], ...] = ()

    def keep_facets(self, facets: FacetFilter) -> None:
        # GIN pays for each ORed token: a date range is asked by whole months where most of
        # their days are in it, and its exact days are checked on the rows read, through
        # ``strip(facets)``, which the index cannot answer (so the planner leaves it to them).
        cover, exact = facets.covered()
        wanted = cast(bindparam("facets", cover.tsquery(), unique=True), TSQUERY)
        self.facets = (pg_search.c.facets.op("@@", is_comparison=True)(wanted),)
        if exact is not None:
            on_rows = cast(bindparam("facet_days", exact.tsquery(), unique=True), TSQUERY)
            self.facets += (func.strip(pg_search.c.facets).op("@@", is_comparison=True)(on_rows),)

    def _groups(self, clauses: Sequence[Clause]) -> dict[str, tuple[ColumnElement[Any], list[str]]]:
        groups: dict[str, tuple[ColumnElement[Any], list[str]]] = {}
        for term, scope in clauses:
            vector = _vector(term, scope)
            groups.setdefault(vector.key, (vector, []))[1].append(ts_term(term, scope))
        return groups

    def _all(self, clauses: Sequence[Clause]) -> list[ColumnElement[bool]]:
        return [
            vector.op("@@", is_comparison=True)(_tsquery(" & ".join(parts)))
            for vector, parts in self._groups(clauses).values()
        ]

    def _any(self, clauses: Sequence[Clause]) -> ColumnElement[bool]:
        return or_(
            false(),
            *(
                vector.op("@@", is_comparison=True)(_tsquery(" | ".join(parts)))
                for vector, parts in self._groups(clauses).values()
            ),
        )

    key = pg_search.c.article_pk

    def __init__(self, query: Sequence[Clause], required: Sequence[Clause] = ()) -> None:
        super().__init__(query, required)
        self.places: dict[int, str] = {}  # pk → ctid of the matches scored so far

    def place(self) -> ColumnElement[Any]:
        return literal_column(f"{TABLE}.ctid")

    def found_at(self, places: Mapping[int, Any]) -> None:
        self.places.update(places)

    def source(self, with_articles: bool) -> FromClause:
        if not with_articles:
            return pg_search
        return pg_search.join(articles, articles.c.pk == pg_search.c.article_pk)

    def best_first(self) -> list[ColumnElement[Any]]:
        return [self.score().desc(), pg_search.c.article_pk.desc()]

    def strict(self) -> list[ColumnElement[bool]]:
        return [*self._all(self.query + self.required), *self.facets]

    def partial(self) -> list[ColumnElement[bool]]:
        return [
            *self._all(self.required),
            self._any(self.query),
            not_(and_(*self._all(self.query))),
            *self.facets,
        ]

    def any_match(self) -> list[ColumnElement[bool]]:
        words = [self._any(self.words)] if self.words else []
        return [*self._all(self.musts), *words, *self.facets]

    def any_term(self) -> list[ColumnElement[bool]]:
        return [self._any(self.all_terms), *self.facets]

    def doc_terms(
        self,
        conn: Connection,
        pks: Sequence[int],
        tokens: set[str],
        memo: ArticleMemo | None = None,
    ) -> dict[int, DocTerms]:
        # Positions come from the tsvectors, no text is read: nothing for ``memo`` to keep.
        if not pks:
            return {}
        docs: dict[int, DocTerms] = {}
        wanted = sorted(tokens)
        placed = [pk for pk in pks if pk in self.places]
        rows: list[Any] = []
        if placed:
            at = {"pks": placed, "places": [self.places[pk] for pk in placed], "tokens": wanted}
            rows = conn.execute(_PG_TERMS_AT, at).all()
        read = {row[0] for row in rows}
        rest = [pk for pk in pks if pk not in read]
        if rest:
            rows += conn.execute(_PG_TERMS, {"pks": rest, "tokens": wanted}).all()
        for pk, title, stream, found in rows:
            doc = docs[pk] = DocTerms(title or 0, (stream or 0) - (title or 0))
            for lexeme, positions in sorted((found or {}).items()):
                doc.positions[lexeme] = [p - 1 for p in positions]
        return docs

    def doc_freqs(self, conn: Connection, tokens: Sequence[str]) -> dict[str, int]:
        """Each token's articles: counted, or the planner's estimate where :meth:`count`
        would show it (a word in 15 % of 5 million articles took 3.5 s to count, once a
        minute per process; its estimate was 0.6 % off)."""
        freqs = {}
        for tok in tokens:
            matching = pg_search.c.terms.op("@@", is_comparison=True)(_tsquery(_tsq_token(tok)))
            freqs[tok] = self.count(
                conn, select(func.count()).select_from(pg_search).where(matching)
            )
        return freqs

    def doc_count(self, conn: Connection) -> int:
        """The indexed articles: counted, or — past :data:`EXACT_DOC_COUNT_BELOW` — the
        statistics' figure (``reltuples``; counting 5 million rows took a quarter of a second)."""
        planned = conn.execute(
            text(f"SELECT reltuples FROM pg_class WHERE oid = CAST('{TABLE}' AS regclass)")
        ).scalar_one()
        if planned >= EXACT_DOC_COUNT_BELOW:
            return int(planned)
        return conn.execute(select(func.count()).select_from(pg_search)).scalar_one()

    def score(self) -> ColumnElement[float]:
        ranks = [
            func.ts_rank(vector, _tsquery(" | ".join(parts)), 1)
            for vector, parts in self._groups(self.query).values()
        ]
        total: ColumnElement[float] = ranks[0]
        for rank in ranks[1:]:
            total = total + rank
        return total

    def counted(self, conn: Connection, counting: Select[Any]) -> tuple[int, bool]:
        """Exact below ``EXACT_COUNT_BELOW`` matches; above, the planner's estimate (from the
        GIN statistics ANALYZE keeps: within a few % for one word). Counting exactly reads every
        match's row: 0.5 s for a word in 15 % of 200,000 articles, 12 s at 5 million, whereas
        the estimate costs one EXPLAIN (< 1 ms) at any size."""
        estimate, counted = self._estimate(conn, counting)
        if counted:
            return estimate, True
        if estimate < self.exact_count_below:
            return conn.execute(counting).scalar_one(), True
        return estimate, False

    def expected(self, conn: Connection, counting: Select[Any]) -> int:
        """The planner's estimate (one EXPLAIN) — or, where that is a guess, the matches
        counted (see :meth:`_estimate`)."""
        return self._estimate(conn, counting)[0]

    def _estimate(self, conn: Connection, counting: Select[Any]) -> tuple[int, bool]:
        """The planner's estimate, and False — unless it is no better than PostgreSQL's guess
        for a lexeme its statistics do not list: such a word is rarer than every word they
        list, and the guess grows with the archive (a word in 470 of 5 million articles was
        estimated at 25,006), so its matches are counted up to ``exact_count_below``; fewer
        than that, they are the answer, and True (counted: no need to count them again)."""
        source, where = counting.get_final_froms()[0], counting.whereclause
        estimate = planned_rows(conn, source, where)
        if estimate < self.exact_count_below:
            return estimate, False
        if estimate > GUESS_MARGIN * max(1.0, conn.execute(_UNLISTED_GUESS).scalar_one()):
            return estimate, False
        capped = _rows(source, where).limit(self.exact_count_below).subquery()
        counted = conn.execute(select(func.count()).select_from(capped)).scalar_one()
        return (counted, True) if counted < self.exact_count_below else (estimate, False)

    def newest_eras(self, conn: Connection, expected: int, window: int) -> Eras | None:
        """The newest eras of the index (``nashra_era(article_pk)``, migration 0016) that should
        hold ``ERA_MARGIN`` times ``window`` of the ``expected`` matches (``PHRASE_ERA_MARGIN``
        with a phrase), by their share of the pks so far. The GIN index intersects them with
        the query's words, so only their candidates are read: a phrase's candidates are each
        read and checked (the index keeps no positions), 44,616 of them at 5 million articles
        for a phrase in 16,300."""
        newest = conn.execute(select(func.max(self.key))).scalar()
        if not newest or expected <= 0 or window <= 0 or expected > ERA_SHARE * newest:
            return None
        top = newest // ERA_ROWS
        margin = PHRASE_ERA_MARGIN if has_phrase(self.query + self.required) else ERA_MARGIN
        rows = margin * window * newest / expected  # pks that should hold them
        filled = newest - top * ERA_ROWS  # the newest era is being filled
        count = 1 + math.ceil(max(0.0, rows - filled) / ERA_ROWS)
        return Eras(top, count) if 2 * count <= top + 1 else None

    def hit_counts(self, conn: Connection, pks: Sequence[int]) -> dict[int, int]:
        if not pks:
            return {}
        total: ColumnElement[int] = literal_column("0")
        for term, scope in self.query:
            total = total + cast(
                _vector(term, scope).op("@@", is_comparison=True)(_tsquery(ts_term(term, scope))),
                Integer,
            )
        query = select(pg_search.c.article_pk, total).where(pg_search.c.article_pk.in_(list(pks)))
        return {pk: n for pk, n in conn.execute(query)}


def backend_for(
    bind: Any, query: Sequence[Clause], required: Sequence[Clause] = ()
) -> IndexBackend:
    """The index reader of ``bind``'s database (a connection, a ``Store`` or the dialect name)
    for ``query`` (the writes are :func:`nashra.search.index.index_writer`'s)."""
    backend = for_dialect(bind, sqlite=Fts5Backend, postgresql=PostgresBackend)
    return backend(query, required)
