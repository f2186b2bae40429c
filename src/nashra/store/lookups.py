"""The write path's questions about a batch, asked once per batch instead of once per article.

Before ``Store`` writes an article it asks: is it stored already (same outlet and URL or GUID)?
when new, may it be stored (the admission checks), which number does it get (the origin's id when
free, else the outlet's next sequence number), and is it a copy (the earliest article of another
outlet with the same body)? Asked one article at a time that is five or six statements per new
article — on PostgreSQL each a round trip of about 0.4 ms, more than the rest of the write.

:class:`BatchLookups` asks them for the whole batch before its first write. On PostgreSQL the
stored rows and the originals are one statement each: the very same one-row queries, run for
each row of the batch's arrays (``unnest … JOIN LATERAL``), so the answers are those the single
queries give. (On SQLite a query is a function call, not a round trip: those two are asked per
article, when needed.) The admission checks screen the batch at once (only an outlet with a live
takedown gets the per-article question), and the origin ids already taken are read at once. An
answer is used only while nothing the batch wrote since could have changed it: an article whose
URL, GUID or body hash an earlier article of the batch inserted, and every article after an
update (which changes a stored body), asks the single query again. Sequence numbers are handed
out from the outlet's counter, read once (and locked) per batch and written back before the
commit: the same numbers in the same order as one ``UPDATE … RETURNING`` per article. The new
rows themselves wait and go in together (on PostgreSQL one ``INSERT … SELECT FROM unnest``), before
the batch's side rows and before any single question a waiting row could answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Text,
    and_,
    bindparam,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY

from nashra.model import Article
from nashra.store.db import dialect_name
from nashra.store.schema import articles, sources

NUM_WINDOW = 64  # sequence numbers checked for "taken" per statement (a longer walk asks again)


@dataclass(frozen=True)
class AdmissionCheck:
    """Asked before a new article is inserted: ``refusal`` gives a reason it may not be stored,
    or None. ``suspects``, when given, says for a whole batch at once which articles ``refusal``
    must be asked about; the others are admitted without a question."""

    refusal: Callable[[Connection, Article], str | None]
    suspects: Callable[[Connection, Sequence[Article]], Sequence[bool]] | None = None


def _existing_query(source: Any, url: Any, guid: Any) -> Select[Any]:
    """The stored row of an outlet's article with this URL or GUID (a NULL GUID matches none)."""
    return (
        select(
            articles.c.pk,
            articles.c.num,
            articles.c.copy_of,
            articles.c.title,
            articles.c.summary,
            articles.c.body_html,
            articles.c.author,
        )
        .where(articles.c.source == source, or_(articles.c.url == url, articles.c.guid == guid))
        .limit(1)
    )


def _original_query(body_hash: Any, source: Any) -> Select[Any]:
    """The earliest article of another outlet with this body hash."""
    return (
        select(articles.c.pk, articles.c.copy_of)
        .where(articles.c.body_hash == body_hash, articles.c.source != source)
        .order_by(articles.c.published, articles.c.pk)
        .limit(1)
    )


# Built once: building a statement costs more than running it on SQLite.
EXISTING = _existing_query(bindparam("b_source"), bindparam("b_url"), bindparam("b_guid"))
ORIGINAL = _original_query(bindparam("b_hash"), bindparam("b_source"))
_INSERT_RETURNING = insert(articles).returning(articles.c.pk, sort_by_parameter_order=True)


@lru_cache(maxsize=4)
def _insert_arrays(names: tuple[str, ...]) -> Any:
    """PostgreSQL: insert rows given as one array per column (``a_<column>``), in order.
    A multi-row ``VALUES`` list costs psycopg tens of milliseconds to parse for a batch (it does
    not cache a query of thousands of placeholders); this one has one placeholder per column.
    The new pks come from the table's sequence in the rows' order, so sorted they are the rows'."""
    rows = (
        func.unnest(*(bindparam(f"a_{n}", type_=ARRAY(articles.c[n].type)) for n in names))
        .table_valued(*names, with_ordinality="i")
        .render_derived()
    )
    ordered = select(*(rows.c[n] for n in names)).order_by(rows.c.i)
    return insert(articles).from_select(list(names), ordered).returning(articles.c.pk)


def _per_row(make: Callable[..., Select[Any]], width: int) -> Select[Any]:
    """PostgreSQL: the one-row query ``make`` for each row of ``width`` parallel arrays (bound
    as ``b_0``…), in one statement planned once: ``unnest … WITH ORDINALITY`` joined LATERAL."""
    rows = (
        func.unnest(*(bindparam(f"b_{k}", type_=ARRAY(Text)) for k in range(width)))
        .table_valued(*(f"c{k}" for k in range(width)), with_ordinality="i")
        .render_derived()
    )
    one = make(*(rows.c[f"c{k}"] for k in range(width))).lateral()
    return select(rows.c.i, one).select_from(rows.join(one, true()))


_BATCH_QUERIES = {
    "existing": _per_row(_existing_query, 3),
    "original": _per_row(_original_query, 2),
}


def _first_rows(conn: Connection, kind: str, params: Sequence[tuple[Any, ...] | None]) -> list[Any]:
    """The answer of the one-row query ``kind`` for each parameter tuple (None: not asked)."""
    answers: list[Any] = [None] * len(params)
    asked = [(i, p) for i, p in enumerate(params) if p is not None]
    if asked:
        columns = zip(*(p for _i, p in asked), strict=True)
        values = {f"b_{k}": list(column) for k, column in enumerate(columns)}
        for row in conn.execute(_BATCH_QUERIES[kind], values):
            answers[asked[row.i - 1][0]] = row
    return answers


def _body_key(article: Article) -> tuple[str, str] | None:
    return ("h", article.body_hash) if article.body_hash else None


def _address_keys(article: Article) -> list[tuple[str, ...]]:
    keys = [("u", article.source, article.url)]
    if article.guid:
        keys.append(("g", article.source, article.guid))
    return keys


class BatchLookups:
    """The answers for one batch, asked in its transaction before its first write."""

    def __init__(
        self, conn: Connection, batch: Sequence[Article], admission: Sequence[AdmissionCheck]
    ) -> None:
        # On SQLite a query is a function call, not a round trip: each is asked when needed.
        self._ahead = dialect_name(conn) == "postgresql"
        self._existing = self._originals = [None] * len(batch)
        if self._ahead:
            self._existing = _first_rows(
                conn, "existing", [(a.source, a.url, a.guid or None) for a in batch]
            )
            self._originals = _first_rows(
                conn, "original", [(a.body_hash, a.source) if a.body_hash else None for a in batch]
            )
        self._suspects = [
            [True] * len(batch) if check.suspects is None else list(check.suspects(conn, batch))
            for check in admission
        ]
        self._admission = admission
        self._written: set[tuple[str, ...]] = set()  # keys of the rows this batch inserted
        self._updated = False  # an update changes a stored body: later answers may differ
        self._taken = _taken_nums(conn, batch)  # (source, num) stored or given in this batch
        self._pending: list[tuple[dict[str, Any], Any]] = []  # new rows, their SaveResults
        self._next: dict[str, int] = {}  # outlet → next sequence number, read once (locked)
        self._checked: dict[str, int] = {}  # outlet → numbers below this are in self._taken

    def existing(self, conn: Connection, i: int, article: Article) -> Any:
        """The stored row of ``article`` (same outlet and URL or GUID), or None."""
        mine = any(key in self._written for key in _address_keys(article))
        if mine:
            self.flush(conn)
        if not self._ahead or self._updated or mine:
            return conn.execute(
                EXISTING,
                {"b_source": article.source, "b_url": article.url, "b_guid": article.guid or None},
            ).first()
        return self._existing[i]

    def refusal(self, conn: Connection, i: int, article: Article) -> str | None:
        """Why the new ``article`` may not be stored, or None."""
        for check, suspects in zip(self._admission, self._suspects, strict=True):
            if suspects[i] and (reason := check.refusal(conn, article)):
                return reason
        return None

    def original(self, conn: Connection, i: int, article: Article) -> int | None:
        """The earliest article of another outlet with ``article``'s body, if any."""
        key = _body_key(article)
        if key is None:
            return None
        row = self._originals[i]
        if key in self._written:
            self.flush(conn)
        if not self._ahead or self._updated or key in self._written:
            row = conn.execute(
                ORIGINAL, {"b_hash": article.body_hash, "b_source": article.source}
            ).first()
        return None if row is None else row.copy_of or row.pk

    def allocate_num(self, conn: Connection, article: Article) -> int:
        """The origin's numeric id when it is free, else the outlet's next sequence number."""
        if article.num is not None and (article.source, article.num) not in self._taken:
            return article.num
        source = article.source
        if source not in self._next:
            self._next[source] = conn.execute(
                select(sources.c.next_num).where(sources.c.slug == source).with_for_update()
            ).scalar_one()
        while True:
            num = self._next[source]
            self._next[source] = num + 1
            if num >= self._checked.get(source, num):
                self._check_nums(conn, source, num)
            if (source, num) not in self._taken:
                return num

    def _check_nums(self, conn: Connection, source: str, start: int) -> None:
        end = start + NUM_WINDOW
        self._taken.update(
            (source, num)
            for num in conn.execute(
                select(articles.c.num).where(
                    articles.c.source == source, articles.c.num >= start, articles.c.num < end
                )
            ).scalars()
        )
        self._checked[source] = end

    def saved(self, article: Article, status: str, num: int) -> None:
        """Note what the batch just wrote for ``article``."""
        if status == "updated":
            self._updated = True
        elif status == "new":
            self._written.update(_address_keys(article))
            if key := _body_key(article):
                self._written.add(key)
            self._taken.add((article.source, num))

    def insert(self, values: dict[str, Any], result: Any) -> None:
        """Insert a new article's row with the batch's others (``result.pk`` set then)."""
        self._pending.append((values, result))

    def flush(self, conn: Connection) -> None:
        """Insert the new rows waiting, in their order (PostgreSQL: in one statement)."""
        if not self._pending:
            return
        rows = [values for values, _result in self._pending]
        if self._ahead:
            names = tuple(rows[0])
            arrays = {f"a_{name}": [row[name] for row in rows] for name in names}
            pks = sorted(conn.execute(_insert_arrays(names), arrays).scalars())
        else:
            pks = [row.pk for row in conn.execute(_INSERT_RETURNING, rows)]
        for (_values, result), pk in zip(self._pending, pks, strict=True):
            result.pk = pk
        self._pending.clear()

    def finish(self, conn: Connection) -> None:
        """Insert the new rows waiting and write the outlets' sequence counters back (in the
        batch's transaction)."""
        self.flush(conn)
        for source, next_num in self._next.items():
            conn.execute(update(sources).where(sources.c.slug == source).values(next_num=next_num))


def _taken_nums(conn: Connection, batch: Sequence[Article]) -> set[tuple[str, int]]:
    """Which of the origin ids the batch's articles bring are stored already for their outlet."""
    given: dict[str, set[int]] = {}
    for article in batch:
        if article.num is not None:
            given.setdefault(article.source, set()).add(article.num)
    if not given:
        return set()
    terms: list[ColumnElement[bool]] = [
        and_(articles.c.source == source, articles.c.num.in_(sorted(nums)))
        for source, nums in given.items()
    ]
    query = select(articles.c.source, articles.c.num).where(or_(*terms))
    return {(source, num) for source, num in conn.execute(query)}
