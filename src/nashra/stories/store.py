"""Story assignment against the archive: the engine's decisions written to the database.

``assign_story(store, pk)`` is called once an article is saved (crawl and import). It keeps one
:class:`StoryIndex` per open store in this process, warmed from ``article_signatures`` with the
articles of the time window on first use, and writes each decision in one transaction: the
article's signature row (its story, its near-duplicate original), moved articles, merged
stories, and the summaries of the stories that changed. An article is in exactly one story
because its story is one column of one row keyed by the article. An arrival costs one read (the
article, its rows and what other processes wrote to the window); the decisions of a backlog
batch or a rebuild share their writes, one batched statement per table (see :meth:`write`).

An article older than the live window (a cold crawl brings weeks of them, in no order) is not
judged on arrival: it waits in the backlog (``backlog.py``) and :meth:`StoryStore.assign_late`
assigns the waiting articles oldest first, with a window that slides forward through the archive.
``assign_story`` does that at once; the crawl, the worker and the import queue them and work the
backlog when they are idle or when it has waited too long.

Several processes may assign at once (a crawl and an import): before each assignment the index
picks up the rows other processes wrote since it last looked (``updated_at``). A row committed
late with an older timestamp can be missed; ``nashra stories rebuild`` recomputes everything.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import socket
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    bindparam,
    cast,
    delete,
    func,
    insert,
    literal_column,
    null,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.exc import InterfaceError, OperationalError

from nashra.config import Settings, StorySettings, parse_weights
from nashra.model import Article
from nashra.observe.metrics import LATE_ASSIGNED
from nashra.store.db import for_dialect, upsert
from nashra.store.schema import article_signatures as sigs
from nashra.store.schema import articles, stories, story_backlog
from nashra.store.store import Store
from nashra.stories import backlog
from nashra.stories.features import Draft, Features, features_of
from nashra.stories.index import Decision, StoryConfig, StoryIndex, aware
from nashra.stories.minhash import SIGNATURE_VERSION
from nashra.stories.summary import StorySummary, summarise
from nashra.stories.window import (
    WINDOW_COLUMNS,
    LateWindow,
    changed_since,
    load_window,
    window_query,
    window_rows,
)
from nashra.text.article import AnalysedText

log = logging.getLogger("nashra.stories")
SWEEP_SLICE = 30.0  # seconds of backlog per assign_late call in assign_late_stories


@dataclass
class LatePass:
    """What one call of :meth:`StoryStore.assign_late` did."""

    assigned: dict[int, StoryAssignment] = field(default_factory=dict)
    complete: bool = False  # the sweep reached the end of the backlog
    failed: list[int] = field(default_factory=list)  # articles whose assignment raised
    elsewhere: bool = False  # another process is working the backlog


@dataclass
class StoryAssignment:
    """Where an article ended up, and what its arrival changed."""

    pk: int
    story_id: int | None  # None while a new late article waits in the backlog
    copy_of: int | None = None
    created: bool = False
    unchanged: bool = False
    pending: bool = False  # waiting in the backlog (see ``StoryStore.assign_late``)
    moved: list[int] = field(default_factory=list)  # other articles pulled into this story
    merged: list[int] = field(default_factory=list)  # stories merged into another


def _now() -> datetime:
    return datetime.now(UTC)


def content_key(title: str, body: str) -> str:
    """Changes when the text that features are computed from changes."""
    digest = hashlib.sha1(f"{SIGNATURE_VERSION}\x00{title}\x00{body}".encode())
    return digest.hexdigest()[:16]


_ARTICLE_COLUMNS = (
    articles.c.pk,
    articles.c.source,
    articles.c.published,
    articles.c.title,
    articles.c.body_text,
    articles.c.lang,
    articles.c.partial,
    articles.c.copy_of,
)


def _features_of_row(row: Any, analysed: AnalysedText | None = None) -> Features:
    """The features of a stored article (``analysed``: its one analysis, used when it is the
    analysis of the row's title and body)."""
    title, body = row.title or "", row.body_text or ""
    return features_of(
        pk=row.pk,
        source=row.source,
        published=aware(row.published),
        title=title,
        body=body,
        lang=row.lang or "ar",
        partial=bool(row.partial),
        exact_copy_of=row.copy_of,
        analysed=_analysis_of(analysed, title, body),
    )


def _analysis_of(analysed: AnalysedText | None, title: str, body: str) -> AnalysedText | None:
    """``analysed`` if it is the analysis of this title and body (an article without a body is
    analysed with its summary, which its story features do not read)."""
    if analysed is not None and analysed.title == title and analysed.body == body:
        return analysed
    return None


def _draft(f: Features, key: str) -> Draft:
    return Draft(key, f.to_json(), f.sig)


def draft_of(article: Article, analysed: AnalysedText | None = None) -> Draft:
    """The story features of an article about to be stored, as the backlog keeps them until
    the sweep (a bulk import's workers compute them beside the article's one analysis)."""
    title, body = article.title or "", article.body_text or ""
    f = features_of(
        pk=0,
        source=article.source,
        published=_now(),  # not part of a draft: the sweep reads the stored date
        title=title,
        body=body,
        lang=article.lang or "ar",
        analysed=_analysis_of(analysed, title, body),
    )
    return _draft(f, content_key(title, body))


def _features_of_waiting(row: Any, key: str) -> Features:
    """The features of an article the backlog gives (``key``: its text's content key): its
    draft when it was drafted from this text, else computed from the row."""
    if row.draft_features is None or row.draft_key != key:
        return _features_of_row(row)
    return Features.from_json(
        row.draft_features,
        pk=row.pk,
        source=row.source,
        published=aware(row.published),
        lang=row.lang or "ar",
        sig=bytes(row.draft_minhash or b""),
        body_chars=len(row.body_text or ""),
        partial=bool(row.partial),
        exact_copy_of=row.copy_of,
    )


def _summary_values(summary: StorySummary) -> dict[str, Any]:
    """A story row's columns that its summary fills (``_SUMMARY_COLUMNS``)."""
    return {
        "representative": summary.representative,
        "title": summary.title,
        "lang": summary.lang,
        "size": summary.size,
        "outlet_count": len(summary.outlets),
        "outlets": "\n".join(summary.outlets),
        "first_published": summary.first_published,
        "last_published": summary.last_published,
    }


_MEMBER_COLUMNS = (
    sigs.c.story_id,
    articles.c.pk,
    articles.c.source,
    articles.c.published,
    articles.c.partial,
    articles.c.title,
    articles.c.lang,
    func.length(articles.c.body_text).label("chars"),
    sigs.c.copy_of,
)
_SUMMARY_COLUMNS = (
    "representative",
    "title",
    "lang",
    "size",
    "outlet_count",
    "outlets",
    "first_published",
    "last_published",
)
_SUMMARY_UPDATE = (
    update(stories)
    .where(stories.c.id == bindparam("b_id"))
    .values({c: bindparam(f"b_{c}") for c in (*_SUMMARY_COLUMNS, "merged_into", "updated_at")})
)


def refresh_stories(
    conn: Connection, fallbacks: Mapping[int, int | None], weights: Mapping[str, float]
) -> None:
    """Recompute the summaries of the stories ``fallbacks`` names from their members, in one
    read and one batched write (cost: the sizes of those stories). A story left without
    members is marked as gone into its fallback, unless it already says where it went."""
    if not fallbacks:
        return
    ids = sorted(fallbacks)
    groups: dict[int, list[dict[str, Any]]] = {}
    for row in conn.execute(select(*_MEMBER_COLUMNS)
                            .select_from(sigs.join(articles, articles.c.pk == sigs.c.article_pk))
                            .where(sigs.c.story_id.in_(ids))):  # fmt: skip
        member = dict(row._mapping)
        member["published"] = aware(member["published"])
        groups.setdefault(member.pop("story_id"), []).append(member)
    now = _now()
    rows = []
    for story_id in ids:
        members = groups.get(story_id)
        if not members:
            conn.execute(
                update(stories)
                .where(stories.c.id == story_id)
                .values(size=0, outlet_count=0, outlets="", updated_at=now,
                        merged_into=func.coalesce(stories.c.merged_into, fallbacks[story_id]))
            )  # fmt: skip
            continue
        values = _summary_values(summarise(members, weights))
        rows.append({"b_id": story_id, "b_merged_into": None, "b_updated_at": now}
                    | {f"b_{c}": v for c, v in values.items()})  # fmt: skip
    if rows:
        conn.execute(_SUMMARY_UPDATE, rows)


@dataclass
class _Pending:
    """Writes that the decisions of one transaction share, made at :meth:`StoryStore._flush`:
    signature rows (article → its row, the last decision wins), the stories whose summary is
    due (story → where it went if it is left empty), the backlog entries done and, in a batch
    on PostgreSQL, the rows of the stories founded."""

    signatures: dict[int, dict[str, Any]] = field(default_factory=dict)
    stories: dict[int, int] = field(default_factory=dict)
    dequeued: list[tuple[int, datetime]] = field(default_factory=list)
    founded: list[dict[str, Any]] = field(default_factory=list)  # new story rows (batched)
    batched: bool = False  # new stories wait for the flush too (see StoryStore._allocate)


RESERVE = 32  # story ids taken from the sequence at a time in a batch (PostgreSQL)
_RESERVE = text(
    "SELECT nextval(pg_get_serial_sequence('stories', 'id')) FROM generate_series(1, :n)"
)


_ARRIVAL_ONLY = ("pk", "title", "body_text", "content_key", "original_story")


# The window columns an arrival's own row leaves empty (it is judged, not yet a window row).
_NOT_READ_FOR_ARRIVAL = frozenset({"link", "minhash", "features", "updated_at"})


def _as_arrival(column: Any) -> Any:
    """A window column as the arrival's row gives it: its key is the article's (an arrival may
    have no signature row yet), and what only a window row needs is a NULL of the column's type."""
    if column.name == "article_pk":
        return articles.c.pk.label("article_pk")
    if column.name in _NOT_READ_FOR_ARRIVAL:
        return cast(null(), column.type).label(column.name)
    return column


@functools.cache
def _arrival_query(warm: bool, seen: bool, floor: bool) -> Select:
    """What :meth:`StoryStore._read` sends (built once per shape: parameters ``b_pk``, and
    ``b_seen`` and ``b_floor`` when they are set). Alone: the article with its signature row
    and its exact original's story. With ``warm``, in the same statement, the window rows
    written since ``b_seen`` (``part`` 1; the article's row is ``part`` 0)."""
    original = sigs.alias("original")
    # One row shape for both parts: the window's columns, then the arrival's own (the result
    # types are the first part's: its NULLs are cast to the column's type).
    article = (
        select(
            literal_column("0").label("part"),
            *map(_as_arrival, WINDOW_COLUMNS),
            articles.c.pk,
            articles.c.title,
            articles.c.body_text,
            sigs.c.content_key,
            original.c.story_id.label("original_story"),
        )
        .select_from(
            articles.outerjoin(sigs, sigs.c.article_pk == articles.c.pk).outerjoin(
                original, original.c.article_pk == articles.c.copy_of
            )
        )
        .where(articles.c.pk == bindparam("b_pk"))
    )
    if not warm:
        return article
    where = changed_since(
        bindparam("b_seen", type_=sigs.c.updated_at.type) if seen else None,
        bindparam("b_floor", type_=sigs.c.published.type) if floor else None,
    )
    changed = window_query(*where)
    changed = changed.with_only_columns(
        literal_column("1").label("part"),
        *changed.selected_columns,
        *(null().label(c) for c in _ARRIVAL_ONLY),
    )
    both = union_all(article, changed).subquery()
    return select(both).order_by(both.c.published, both.c.article_pk)


class StoryStore:
    """Story assignment for one archive (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        config: StoryConfig | None = None,
        weights: dict[str, float] | None = None,
    ) -> None:
        self.store = store
        self.config = config or StoryConfig()
        self.weights = weights or {}
        self._conn: Connection | None = None
        self._pending: _Pending | None = None  # what the decisions of a transaction share
        self._reserved: list[int] = []  # story ids taken from the sequence, not used yet
        self._title: str | None = None  # the headline of the article being judged
        self._founded: int | None = None  # the story its decision created, if any
        self.index = self._new_index()
        self._warm = False
        self._seen: datetime | None = None
        self.late = LateWindow(self._new_index, self.config.window)
        self.owner = f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._late_cursor: tuple[datetime, int] | None = None
        self._lock = threading.RLock()

    @classmethod
    def of(cls, store: Store, stories: StorySettings) -> StoryStore:
        """Story assignment for ``store`` with the instance's story settings."""
        return cls(store, StoryConfig.of(stories), parse_weights(stories.story_outlet_weights))

    def _new_index(self) -> StoryIndex:
        return StoryIndex(self.config, self._allocate, now=_now)

    # -- story rows ----------------------------------------------------------------------------

    def _allocate(self, f: Features) -> int:
        """A new story for the arriving article, its row written with that one member's
        summary at once: ``write`` reads it back only when the decision gave it other members."""
        assert self._conn is not None, "stories are allocated inside an assignment"
        founder = {
            "pk": f.pk,
            "source": f.source,
            "published": f.published,
            "chars": f.body_chars,
            "partial": f.partial,
            "copy_of": f.exact_copy_of,
            "title": self._title,
            "lang": f.lang,
        }
        values = {**_summary_values(summarise([founder], self.weights)), "updated_at": _now()}
        if self._pending is not None and self._pending.batched:
            # In a batch on PostgreSQL the row waits for the flush, under an id taken from the
            # sequence ahead of time (in increasing order, as the inserts would have had them).
            if not self._reserved:
                self._reserved = sorted(self._conn.execute(_RESERVE, {"n": RESERVE}).scalars())
            self._founded = self._reserved.pop(0)
            self._pending.founded.append({"id": self._founded, **values})
            return self._founded
        self._founded = self._conn.execute(insert(stories).values(**values)).inserted_primary_key[0]
        return self._founded

    # -- the window ------------------------------------------------------------------------

    def _read(self, conn: Connection, pk: int) -> Any:
        """The article ``pk`` with its signature row and its exact original's story; in the same
        round trip, once the window is warm, the rows other processes wrote since it last looked
        (put in the window here). Warms the window on first use."""
        floor = self.index.floor if self._warm else None
        seen = self._seen if self._warm else None
        query = _arrival_query(self._warm, seen is not None, floor is not None)
        params = {"b_pk": pk}
        params.update({} if seen is None else {"b_seen": seen})
        params.update({} if floor is None else {"b_floor": floor})
        rows = conn.execute(query, params).all()
        found = [r for r in rows if r.part == 0]
        if not found:
            raise LookupError(f"no article with pk {pk}")
        if not self._warm:
            self._warm_up(conn)
        else:
            newest = load_window(self.index, (r for r in rows if r.part == 1))
            if newest is not None and (self._seen is None or newest > self._seen):
                self._seen = newest
        return found[0]

    def _warm_up(self, conn: Connection) -> None:
        """Fill the window with the stored articles of the last ``window`` up to now."""
        latest = conn.execute(
            select(func.max(sigs.c.published)).where(sigs.c.published <= _now() + self.config.future_slack)
        ).scalar()  # fmt: skip
        self._warm = True
        if latest is None:
            self._seen = None
            return
        floor = aware(latest) - self.config.window
        self._seen = load_window(self.index, window_rows(conn, sigs.c.published >= floor))

    # -- assignment ------------------------------------------------------------------------

    def assign(
        self, pk: int, *, defer: bool = False, analysed: AnalysedText | None = None
    ) -> StoryAssignment:
        """Assign (or re-assign, after its text changed) one stored article to a story.

        An article older than the live window goes to the backlog; with ``defer`` it waits
        there (``pending``) for :meth:`assign_late`, otherwise the backlog is worked at once."""
        with self._lock, self.store.begin() as conn, self._writing(conn):
            result = self._assign(conn, pk, analysed)
        if result.pending and not defer:
            result = self.assign_late().assigned.get(pk, result)
        return result

    def _assign(
        self, conn: Connection, pk: int, analysed: AnalysedText | None = None
    ) -> StoryAssignment:
        row = self._read(conn, pk)
        key = content_key(row.title or "", row.body_text or "")
        if row.content_key == key and row.story_id:
            return StoryAssignment(pk, row.story_id, row.near_copy_of, unchanged=True)
        old_story = row.story_id
        f = _features_of_row(row, analysed)
        if not self.index.covers(f.published):
            backlog.queue(conn, pk, f.published, _draft(f, key))
            return StoryAssignment(pk, old_story, pending=True)
        result = self._decide(
            conn, self.index, f, row.title, key, old_story, original=(row.original_story,)
        )
        now = _now()
        self._seen = now if self._seen is None or now > self._seen else self._seen
        return result

    def _decide(
        self,
        conn: Connection,
        index: StoryIndex,
        f: Features,
        title: str,
        key: str,
        old_story: int | None = None,
        *,
        original: tuple[int | None] | None = None,
    ) -> StoryAssignment:
        """Judge ``f`` (headline ``title``) in ``index`` and write the decision. ``original``:
        the story of ``f.exact_copy_of`` (None if it has none) when the caller read it with the
        article; else it is looked up, when the original is not in the window."""
        if old_story is not None:
            index.remove(f.pk)
        original_story = None
        if f.exact_copy_of is not None and f.exact_copy_of not in index.members:
            if original is not None:
                (original_story,) = original
            else:
                original_story = self._story_of(conn, f.exact_copy_of)
        self._title, self._founded = title, None
        try:
            decision = index.assign(f, original_story=original_story)
        finally:
            self._title = None
        if old_story is not None and old_story != decision.story:
            decision.touched.add(old_story)
        self.write(conn, decision, f, key)
        return StoryAssignment(
            pk=f.pk,
            story_id=decision.story,
            copy_of=decision.copy_of,
            created=decision.created,
            moved=[m[0] for m in decision.moves],
            merged=[gone for gone, _ in decision.merges],
        )

    def _story_of(self, conn: Connection, pk: int) -> int | None:
        """The story of an assigned article, as this transaction has decided it."""
        assert self._pending is not None
        written = self._pending.signatures.get(pk)
        if written is not None:
            return written["story_id"]
        return conn.execute(select(sigs.c.story_id).where(sigs.c.article_pk == pk)).scalar()

    # -- the backlog: late articles in date order -------------------------------------------

    def assign_late(self, *, budget: float | None = None, batch: int = 200) -> LatePass:
        """Assign the backlog's articles oldest first with one sliding window (see
        ``backlog.py``), for at most ``budget`` seconds. A sweep that runs out of time goes on
        where it stopped at the next call; ``complete`` says it reached the end."""
        deadline = None if budget is None else time.monotonic() + budget
        result = LatePass()
        with backlog.exclusive(self.store, self.owner) as held:
            if not held:
                result.elsewhere = True
                return result
            while True:  # at least one batch per call, however short the budget
                if not backlog.renew(self.store, self.owner):
                    result.elsewhere = True  # we were too slow: another process took over
                    break
                with self.store.connect() as conn:
                    rows = backlog.waiting(conn, batch, self._late_cursor, _ARTICLE_COLUMNS)
                if not rows:
                    self._late_cursor = None
                    result.complete = True
                    break
                self._assign_rows(rows, result)
                self._late_cursor = (rows[-1].published, rows[-1].pk)
                if deadline is not None and time.monotonic() >= deadline:
                    break
        LATE_ASSIGNED.inc(len(result.assigned))
        return result

    def _assign_rows(self, rows: list[Any], result: LatePass) -> None:
        """Waiting articles in one transaction, their decisions written together at its end
        (see :meth:`write`); if that fails for another reason than the database, one by one,
        so that one bad article is logged and dropped from the backlog (its grouping lost, as
        on arrival) instead of holding up the rest."""
        assigned: dict[int, StoryAssignment] = {}
        try:
            with self._lock, self.store.begin() as conn, self._writing(conn, batch=True):
                self.late.sync(conn)
                for row in rows:
                    assigned[row.pk] = self._assign_waiting(conn, row)
        except (OperationalError, InterfaceError):
            self.late.reset()  # the window holds decisions that were not written
            raise
        except Exception:
            self.late.reset()
            if len(rows) > 1:
                for row in rows:
                    self._assign_rows([row], result)
                return
            log.exception("late story assignment failed pk=%s", rows[0].pk)
            with self.store.begin() as conn:
                backlog.dequeue(conn, [(rows[0].pk, rows[0].queued_at)])
            result.failed.append(rows[0].pk)
            return
        result.assigned.update(assigned)

    def _assign_waiting(self, conn: Connection, row: Any) -> StoryAssignment:
        assert self._pending is not None
        key = content_key(row.title or "", row.body_text or "")
        if row.sig_story and row.sig_key == key:
            result = StoryAssignment(row.pk, row.sig_story, unchanged=True)
        else:
            f = _features_of_waiting(row, key)
            # The window reads the archive: it must show the decisions made so far.
            index = self.late.at(conn, f.published, before_read=lambda: self._flush(conn))
            result = self._decide(conn, index, f, row.title, key, row.sig_story)
        self._pending.dequeued.append((row.pk, row.queued_at))
        return result

    # -- writing decisions -----------------------------------------------------------------

    @contextmanager
    def _writing(self, conn: Connection, *, batch: bool = False) -> Iterator[None]:
        """Decisions made inside are written through ``conn``; what they share is written at
        the end (before the commit), or earlier when a read or a decision needs it. In a
        ``batch`` on PostgreSQL new stories wait too (ids taken ahead, the unused ones left)."""
        batched = batch and for_dialect(conn, sqlite=False, postgresql=True)
        self._conn, self._pending = conn, _Pending(batched=batched)
        try:
            yield
            self._flush(conn)
        finally:
            self._conn = self._pending = None
            self._reserved = []

    def _flush(self, conn: Connection) -> None:
        """Write what the decisions so far left pending, in a few batched statements."""
        pending = self._pending
        assert pending is not None, "decisions are written inside _writing"
        if pending.founded:
            conn.execute(insert(stories), pending.founded)
        if pending.signatures:
            rows = list(pending.signatures.values())
            upsert(
                conn, sigs, rows, ["article_pk"], update=[c for c in rows[0] if c != "article_pk"]
            )
        refresh_stories(conn, pending.stories, self.weights)
        if pending.dequeued:
            backlog.dequeue(conn, pending.dequeued)
        self._pending = _Pending(batched=pending.batched)

    def write(self, conn: Connection, decision: Decision, f: Features, key: str) -> None:
        """Persist one decision (the article's row, moves, merges, copies, story summaries).

        Moves and merges are written at once (and applied to the signature rows still
        pending); the article's row and the summaries of the stories it touched wait for the
        next flush, which writes those of many decisions in one statement each. The rows end
        as if each decision had been written alone: what waits is written first when this
        decision rewrites copies (a summary reads who is a copy), merges away a story whose
        summary is due, or moves or merges while new stories wait (their rows must exist)."""
        pending = self._pending
        assert pending is not None, "decisions are written inside _writing"
        gone = {g for g, _ in decision.merges}
        reshapes = bool(gone or decision.moves)
        if decision.recopied or gone & pending.stories.keys() or (reshapes and pending.founded):
            self._flush(conn)
            pending = self._pending
            assert pending is not None
        now = _now()
        for old, into in decision.merges:
            conn.execute(
                update(sigs).where(sigs.c.story_id == old).values(story_id=into, updated_at=now)
            )
            conn.execute(
                update(stories)
                .where(or_(stories.c.id == old, stories.c.merged_into == old))
                .values(merged_into=into, size=0, outlet_count=0, updated_at=now)
            )
            for row in pending.signatures.values():
                if row["story_id"] == old:
                    row.update(story_id=into, updated_at=now)
        stored = []
        for moved_pk, _old, new, score in decision.moves:
            row = pending.signatures.get(moved_pk)
            if row is not None:
                row.update(story_id=new, link=score, updated_at=now)
            else:
                stored.append({"b_pk": moved_pk, "b_story": new, "b_link": score})
        if stored:
            conn.execute(
                update(sigs)
                .where(sigs.c.article_pk == bindparam("b_pk"))
                .values(story_id=bindparam("b_story"), link=bindparam("b_link"), updated_at=now),
                stored,
            )
        for old_original, new_original in decision.recopied:
            conn.execute(
                update(sigs)
                .where(or_(sigs.c.article_pk == old_original, sigs.c.copy_of == old_original))
                .values(copy_of=new_original, updated_at=now)
            )
        pending.signatures[f.pk] = {
            "article_pk": f.pk,
            "story_id": decision.story,
            "published": f.published,
            "link": decision.link,
            "copy_of": decision.copy_of,
            "minhash": f.sig,
            "features": f.to_json(),
            "content_key": key,
            "version": SIGNATURE_VERSION,
            "updated_at": now,
        }
        # A story founded by this article and given nothing else is already summed up.
        alone = self._founded if not decision.moves and not decision.merges else None
        for story_id in decision.touched - gone - {alone}:
            pending.stories[story_id] = decision.story

    # -- rebuild -------------------------------------------------------------------------------

    def rebuild(
        self, *, batch: int = 500, progress: Callable[[int, int], None] | None = None
    ) -> int:
        """Forget every story and assign the whole archive again, oldest first (after a
        threshold change). Returns the number of articles assigned."""
        with self._lock:
            with self.store.begin() as conn:
                total = conn.execute(select(func.count()).select_from(articles)).scalar_one()
                conn.execute(update(stories).values(merged_into=None, representative=None))
                conn.execute(delete(sigs))
                conn.execute(delete(stories))
                conn.execute(delete(story_backlog))
            self.index = self._new_index()
            self.late.reset()
            self._late_cursor = None
            self._warm, self._seen = True, None
            done = 0
            cursor: tuple[datetime, int] | None = None
            while True:
                query = select(*_ARTICLE_COLUMNS).order_by(articles.c.published, articles.c.pk)
                if cursor is not None:
                    published, last = cursor
                    query = query.where(
                        or_(
                            articles.c.published > published,
                            (articles.c.published == published) & (articles.c.pk > last),
                        )
                    )
                with self.store.begin() as conn:
                    rows = conn.execute(query.limit(batch)).all()
                    if not rows:
                        break
                    with self._writing(conn, batch=True):
                        for row in rows:
                            key = content_key(row.title or "", row.body_text or "")
                            f = _features_of_row(row)
                            self._decide(conn, self.index, f, row.title, key)
                done += len(rows)
                cursor = (rows[-1].published, rows[-1].pk)
                if progress is not None:
                    progress(done, total)
            return done


_live: weakref.WeakKeyDictionary[Store, StoryStore] = weakref.WeakKeyDictionary()
_live_lock = threading.Lock()


def story_store(store: Store, settings: Settings | None = None) -> StoryStore:
    """The process's story assignment for ``store`` (one window per open store)."""
    with _live_lock:
        current = _live.get(store)
        if current is None:
            stories = settings.stories if settings is not None else StorySettings()
            current = _live[store] = StoryStore.of(store, stories)
        return current


def assign_story(
    store: Store, pk: int, settings: Settings | None = None, *, defer: bool = False
) -> StoryAssignment:
    """Put a just-saved article into its story (call after ``Store.save_article`` returned
    "new" or "updated"; an "unchanged" article is left where it is). With ``defer`` an article
    older than the live window waits in the backlog for :func:`assign_late_stories`."""
    return story_store(store, settings).assign(pk, defer=defer)


def assign_late_stories(store: Store, settings: Settings | None = None) -> int:
    """Work the whole backlog now (after a crawl or an import); returns the articles assigned.
    Returns early when another process is working it."""
    assigner = story_store(store, settings)
    done = this_pass = 0
    while True:
        # In slices, so that what a slice decided is dropped once counted: memory stays bounded
        # by the window, not by the backlog (an import of millions queues millions).
        sweep = assigner.assign_late(budget=SWEEP_SLICE)
        done += len(sweep.assigned)
        this_pass += len(sweep.assigned)
        if sweep.elsewhere:
            return done
        if sweep.complete:
            if not this_pass:  # a whole pass found nothing more (articles queued meanwhile)
                return done
            this_pass = 0
