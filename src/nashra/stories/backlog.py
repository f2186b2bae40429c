"""The story backlog: articles older than the live window wait here, then go in date order.

A cold crawl of hundreds of outlets (or an archive import) brings weeks of past articles in no
particular order. Judging each one on arrival meant loading a window of the archive around its
day for every article; instead :meth:`StoryStore.assign` queues it here and
:meth:`StoryStore.assign_late` later walks the queue oldest first with one window that slides
forward through the archive, so each stored article is read about once per sweep.

One process at a time works the backlog, whatever the number of machines: it holds a lease
(``job_leases``) renewed before every batch, which expires if the process dies.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, func, or_, select, update

from nashra.store import Store
from nashra.store.db import upsert
from nashra.store.schema import article_signatures as sigs
from nashra.store.schema import articles, job_leases, story_backlog
from nashra.stories.features import Draft

LEASE = "stories.backlog"
LEASE_SECONDS = 120.0  # a batch takes seconds; a dead owner is replaced after this


_REQUEUED = ["published", "queued_at", "content_key", "features", "minhash"]
# What ``waiting`` reads of a draft (see ``Draft``), beside the article's own columns.
DRAFT_COLUMNS = (
    story_backlog.c.content_key.label("draft_key"),
    story_backlog.c.features.label("draft_features"),
    story_backlog.c.minhash.label("draft_minhash"),
)


def _entry(pk: int, published: datetime, now: datetime, draft: Draft | None) -> dict[str, Any]:
    return {
        "article_pk": pk,
        "published": published,
        "queued_at": now,
        "content_key": draft.key if draft else None,
        "features": draft.features if draft else None,
        "minhash": draft.minhash if draft else None,
    }


def queue(conn: Connection, pk: int, published: datetime, draft: Draft | None = None) -> None:
    """Put an article in the backlog (again: a newer text replaces the waiting one), with the
    story features its writer computed (``draft``) if any."""
    values = _entry(pk, published, datetime.now(UTC), draft)
    upsert(conn, story_backlog, values, ["article_pk"], update=_REQUEUED)


def queue_articles(
    conn: Connection, pks: Sequence[int], drafts: Mapping[int, Draft] | None = None
) -> None:
    """Put stored articles in the backlog in one statement, with their stored dates and the
    drafts of their features by pk (a bulk import defers every article's story to the sweep,
    its workers draft the features beside the analysis)."""
    if not pks:
        return
    now = datetime.now(UTC)
    drafts = drafts or {}
    rows = conn.execute(select(articles.c.pk, articles.c.published).where(articles.c.pk.in_(pks)))
    values = [_entry(pk, published, now, drafts.get(pk)) for pk, published in rows]
    upsert(conn, story_backlog, values, ["article_pk"], update=_REQUEUED)


def dequeue(conn: Connection, entries: Sequence[tuple[int, datetime]]) -> None:
    """Take assigned articles out, ``(pk, queued_at)`` each, in one batch: an article queued
    again meanwhile (its text changed) stays."""
    if not entries:
        return
    conn.execute(
        delete(story_backlog).where(
            story_backlog.c.article_pk == bindparam("b_pk"),
            story_backlog.c.queued_at == bindparam("b_queued_at"),
        ),
        [{"b_pk": pk, "b_queued_at": queued_at} for pk, queued_at in entries],
    )


def waiting(
    conn: Connection, limit: int, after: tuple[datetime, int] | None, columns: tuple[Any, ...]
) -> list[Any]:
    """The next ``limit`` waiting articles, oldest first, after ``after`` (published, pk): the
    ``columns`` of the article, its current signature (``sig_story``, ``sig_key``) if any,
    ``queued_at`` and its draft (:data:`DRAFT_COLUMNS`)."""
    query = (
        select(
            *columns,
            story_backlog.c.queued_at,
            *DRAFT_COLUMNS,
            sigs.c.story_id.label("sig_story"),
            sigs.c.content_key.label("sig_key"),
        )
        .select_from(
            story_backlog.join(articles, articles.c.pk == story_backlog.c.article_pk).outerjoin(
                sigs, sigs.c.article_pk == story_backlog.c.article_pk
            )
        )
        .order_by(story_backlog.c.published, story_backlog.c.article_pk)
        .limit(limit)
    )
    if after is not None:
        published, pk = after
        query = query.where(
            or_(
                story_backlog.c.published > published,
                and_(story_backlog.c.published == published, story_backlog.c.article_pk > pk),
            )
        )
    return list(conn.execute(query))


def status(store: Store) -> tuple[int, datetime | None]:
    """How many articles wait, and since when the longest-waiting one does."""
    with store.connect() as conn:
        count, oldest = conn.execute(
            select(func.count(), func.min(story_backlog.c.queued_at))
        ).one()
    return int(count), oldest  # aware: min() keeps the column's UTC type


@contextmanager
def exclusive(store: Store, owner: str, seconds: float = LEASE_SECONDS) -> Iterator[bool]:
    """True inside when ``owner`` holds the backlog's lease (nobody else is working it); the
    lease is let go on the way out, and expires on its own if the process dies."""
    held = renew(store, owner, seconds)
    try:
        yield held
    finally:
        if held:
            with store.begin() as conn:
                conn.execute(
                    update(job_leases)
                    .where(job_leases.c.name == LEASE, job_leases.c.owner == owner)
                    .values(owner="", expires_at=datetime.now(UTC))
                )


def renew(store: Store, owner: str, seconds: float = LEASE_SECONDS) -> bool:
    """Take or extend the lease; False when another owner holds it."""
    now = datetime.now(UTC)
    take = (
        update(job_leases)
        .where(
            job_leases.c.name == LEASE,
            or_(job_leases.c.owner == owner, job_leases.c.expires_at < now),
        )
        .values(owner=owner, expires_at=now + timedelta(seconds=seconds))
    )
    with store.begin() as conn:
        if conn.execute(take).rowcount:
            return True
        first = {"name": LEASE, "owner": owner, "expires_at": now + timedelta(seconds=seconds)}
        taken = upsert(conn, job_leases, first, ["name"], returning=[job_leases.c.name])
        return taken.first() is not None
