"""Takedowns: articles removed from the portal at a publisher's (or a court's) request.

A takedown names an article, all of an outlet's articles, or an outlet's articles published before
a date. Taking down purges each article's row (text, search entry, story membership, regions,
section corrections; its image when no other article shows it) and leaves a tombstone with no
text: the portal address answers **410 Gone** and the origin URL/GUID is refused by every later
crawl or import (the store's admission check). The decision — what, when, why, by whom — stays in
``takedowns`` and in the moderation audit log. ``undo`` lifts the refusal only: nothing is
restored from the database (the text is gone); a later crawl of the outlet brings the article back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, and_, bindparam, delete, func, insert, or_, select, update

from nashra.model import Article
from nashra.moderation.reports import log_action
from nashra.search.index import unindex_article
from nashra.sources.registry import RESERVED_SLUGS
from nashra.store import Store
from nashra.store.schema import (
    article_regions,
    article_signatures,
    articles,
    images,
    section_corrections,
    stories,
    story_backlog,
    takedown_items,
    takedowns,
)
from nashra.stories.store import refresh_stories

__all__ = [
    "Takedown",
    "TakedownError",
    "Target",
    "active_outlets",
    "gone",
    "parse_target",
    "portal_ref",
    "refusal",
    "take_down",
    "takedown_version",
    "undo",
]

SCOPES = ("article", "outlet", "before")
EDITION_PREFIXES = ("fr", "en", "ar")
_SLUG = re.compile(r"[a-z][a-z0-9-]{1,63}")
_CHUNK = 500


class TakedownError(ValueError):
    """A takedown that cannot be done as asked; the message says why and what to give instead."""


@dataclass(frozen=True)
class Target:
    """What to take down: ``scope`` article (``source`` + ``num``), outlet, or before (a date)."""

    scope: str
    source: str
    num: int | None = None
    before: datetime | None = None

    def describe(self) -> str:
        if self.scope == "article":
            return f"/{self.source}/{self.num}"
        if self.scope == "before":
            return f"/{self.source} before {self.before.date().isoformat()}"  # type: ignore[union-attr]
        return f"/{self.source} (every article)"


@dataclass(frozen=True)
class Takedown:
    id: int
    target: Target
    removed: int


def portal_ref(path: str) -> tuple[str, str | None] | None:
    """``(source, rest)`` of a portal path naming an outlet (``/hespress``, ``/fr/hespress/rss``)
    or one of its articles (``/hespress/385472``; also ``/api/v1/articles/hespress/385472``),
    else None. ``rest`` is the second segment (a number, rss, atom) or None."""
    parts = [p for p in path.split("/") if p]
    if parts[:3] == ["api", "v1", "articles"]:
        parts = parts[3:]
        if len(parts) != 2:
            return None
    elif parts and parts[0] in EDITION_PREFIXES:
        parts = parts[1:]
    if not parts or len(parts) > 2:
        return None
    source = parts[0]
    if not _SLUG.fullmatch(source) or source in RESERVED_SLUGS:
        return None
    return source, parts[1] if len(parts) == 2 else None


def parse_target(store: Store, text: str, before: datetime | None = None) -> Target:
    """Read ``URL_OR_PATH``: a portal path or address (``/hespress/385472``, ``/hespress``,
    ``https://portal.example/fr/hespress/385472``) or the origin URL of a stored article."""
    text = text.strip()
    if not text:
        raise TakedownError("give the article's or outlet's portal path (/hespress/385472), or an article's original URL")  # fmt: skip
    with store.connect() as conn:
        origin = conn.execute(
            select(articles.c.source, articles.c.num).where(articles.c.url == text).limit(1)
        ).first()
    if origin is not None:
        if before is not None:
            raise TakedownError("--before applies to an outlet (/slug), not to one article")
        return Target("article", origin.source, int(origin.num))
    parts = urlsplit(text)
    ref = portal_ref(parts.path or "")
    if ref is None:
        raise TakedownError(
            f"{text!r} is neither a stored article's original URL nor a portal path such as "
            "/hespress/385472 (an article) or /hespress (an outlet)"
        )
    source, rest = ref
    if rest is None:
        if before is not None:
            return Target("before", source, before=_aware(before))
        return Target("outlet", source)
    if not rest.isascii() or not rest.isdigit() or len(rest) > 18:
        raise TakedownError(f"{text!r}: {rest!r} is not an article number (/{source}/385472)")
    if before is not None:
        raise TakedownError("--before applies to an outlet (/slug), not to one article")
    return Target("article", source, int(rest))


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _selection(target: Target) -> Any:
    where = articles.c.source == target.source
    if target.scope == "article":
        return and_(where, articles.c.num == target.num)
    if target.scope == "before":
        return and_(where, articles.c.published < target.before)
    return where


def take_down(store: Store, target: Target, reason: str, actor: str) -> Takedown:
    """Remove the target's articles from the archive and refuse them from now on."""
    reason = " ".join(reason.split())
    if not reason:
        raise TakedownError('a takedown needs a reason (--reason "…"): it stays in the audit log')
    if target.scope not in SCOPES:
        raise TakedownError(f"unknown scope {target.scope!r}: one of {', '.join(SCOPES)}")
    now = datetime.now(UTC)
    with store.begin() as conn:
        if target.scope == "article":
            found = conn.execute(select(articles.c.pk).where(_selection(target))).first()
            if found is None:
                if _tombstone(conn, target.source, int(target.num or 0)) is not None:
                    raise TakedownError(f"{target.describe()} is already taken down")
                raise TakedownError(f"no stored article {target.describe()}")
        takedown_id = conn.execute(
            insert(takedowns).values(
                scope=target.scope, source=target.source, before=target.before, reason=reason,
                actor=actor, removed=0, created_at=now,
                url=None,
            )
        ).inserted_primary_key[0]  # fmt: skip
    removed = 0
    while True:
        with store.begin() as conn:
            pks = list(
                conn.execute(
                    select(articles.c.pk).where(_selection(target)).order_by(articles.c.pk)
                    .limit(_CHUNK)
                ).scalars()
            )  # fmt: skip
            if not pks:
                break
            _purge(conn, store, takedown_id, pks, now)
            removed += len(pks)
    with store.begin() as conn:
        url = None
        if target.scope == "article":
            url = conn.execute(
                select(takedown_items.c.url).where(takedown_items.c.takedown_id == takedown_id)
            ).scalar()
        conn.execute(
            update(takedowns).where(takedowns.c.id == takedown_id).values(removed=removed, url=url)
        )
        log_action(conn, actor, "takedown", None,
                   f"#{takedown_id} {target.describe()}: {removed} removed; reason: {reason}"[:2000])  # fmt: skip
    return Takedown(int(takedown_id), target, removed)


def _purge(conn: Connection, store: Store, takedown_id: int, pks: list[int], now: datetime) -> None:
    """Tombstone and delete these articles with every row that keeps their text or features."""
    rows = conn.execute(
        select(articles.c.pk, articles.c.source, articles.c.num, articles.c.url, articles.c.guid,
               articles.c.image_id).where(articles.c.pk.in_(pks))
    ).all()  # fmt: skip
    conn.execute(
        insert(takedown_items),
        [
            {"takedown_id": takedown_id, "source": r.source, "num": r.num, "url": r.url,
             "guid": r.guid}
            for r in rows
        ],
    )  # fmt: skip
    for pk in pks:
        unindex_article(conn, pk)
    story_ids = set(
        conn.execute(
            select(article_signatures.c.story_id).where(
                article_signatures.c.article_pk.in_(pks), article_signatures.c.story_id.is_not(None)
            )
        ).scalars()
    )
    conn.execute(update(articles).where(articles.c.copy_of.in_(pks)).values(copy_of=None))
    conn.execute(
        update(article_signatures).where(article_signatures.c.copy_of.in_(pks)).values(copy_of=None)
    )
    conn.execute(
        update(stories).where(stories.c.representative.in_(pks)).values(representative=None)
    )
    for table in (article_signatures, story_backlog, article_regions, section_corrections):
        conn.execute(delete(table).where(table.c.article_pk.in_(pks)))
    conn.execute(delete(articles).where(articles.c.pk.in_(pks)))
    if story_ids:
        refresh_stories(conn, dict.fromkeys(story_ids), {})
        # a story left with no article keeps no trace of the removed one's headline
        conn.execute(
            update(stories)
            .where(stories.c.id.in_(story_ids), stories.c.size == 0)
            .values(title="", representative=None)
        )
    image_ids = {r.image_id for r in rows if r.image_id is not None}
    if image_ids:
        still_used = set(
            conn.execute(
                select(articles.c.image_id).where(articles.c.image_id.in_(image_ids))
            ).scalars()
        )
        orphans = image_ids - still_used
        if orphans:
            conn.execute(
                update(images).where(images.c.id.in_(orphans))
                .values(state="removed", hidden_at=now)
            )  # fmt: skip


def _tombstone(conn: Connection, source: str, num: int) -> Any:
    return conn.execute(
        select(takedowns.c.id, takedowns.c.created_at)
        .join(takedown_items, takedown_items.c.takedown_id == takedowns.c.id)
        .where(takedown_items.c.source == source, takedown_items.c.num == num,
               takedowns.c.undone_at.is_(None))
        .limit(1)
    ).first()  # fmt: skip


def gone(store: Store, source: str, num: int | None = None) -> bool:
    """Whether the portal address ``/{source}/{num}`` (or the outlet ``/{source}``) was taken
    down and not restored: it then answers 410 Gone."""
    with store.connect() as conn:
        whole = conn.execute(
            select(takedowns.c.id).where(
                takedowns.c.source == source, takedowns.c.scope == "outlet",
                takedowns.c.undone_at.is_(None),
            ).limit(1)
        ).first()  # fmt: skip
        if whole is not None:
            return True
        return num is not None and _tombstone(conn, source, num) is not None


def active_outlets(store: Store) -> frozenset[str]:
    """Outlets whose every article is taken down (their pages and feeds answer 410)."""
    with store.connect() as conn:
        return frozenset(
            conn.execute(
                select(takedowns.c.source).where(
                    takedowns.c.scope == "outlet", takedowns.c.undone_at.is_(None)
                )
            ).scalars()
        )


def takedown_version(conn: Connection) -> tuple[Any, Any]:
    """Changes with every takedown and every undo (for the page cache's archive probe)."""
    row = conn.execute(select(func.max(takedowns.c.id), func.max(takedowns.c.undone_at))).one()
    return (row[0], row[1])


# Built once: the store asks it before every insert. A NULL guid or date matches nothing.
_COVERING = (
    select(takedowns.c.id, takedowns.c.scope)
    .where(
        takedowns.c.source == bindparam("b_source"),
        takedowns.c.undone_at.is_(None),
        or_(
            takedowns.c.scope == "outlet",
            takedowns.c.id.in_(
                select(takedown_items.c.takedown_id).where(
                    takedown_items.c.source == bindparam("b_source"),
                    or_(
                        takedown_items.c.url == bindparam("b_url"),
                        takedown_items.c.guid == bindparam("b_guid"),
                    ),
                )
            ),
            and_(
                takedowns.c.scope == "before",
                takedowns.c.before > bindparam("b_published", type_=takedowns.c.before.type),
            ),
        ),
    )
    .limit(1)
)


def refusal(conn: Connection, article: Article) -> str | None:
    """Why ``article`` may not be stored (a live takedown covers it), or None. The ingest unit
    asks this before every insert, so no crawl, worker or import brings a taken-down article
    back."""
    row = conn.execute(
        _COVERING,
        {
            "b_source": article.source,
            "b_url": article.url,
            "b_guid": article.guid or None,
            "b_published": article.published,
        },
    ).first()
    return None if row is None else f"taken down (#{row.id}, {row.scope})"


def may_be_refused(conn: Connection, batch: Sequence[Article]) -> list[bool]:
    """For each article of ``batch``, whether its outlet has any live takedown: only those
    articles need :func:`refusal`'s question (one statement for the batch; usually none has)."""
    outlets = {article.source for article in batch}
    live = set(
        conn.execute(
            select(takedowns.c.source)
            .where(takedowns.c.undone_at.is_(None), takedowns.c.source.in_(outlets))
            .distinct()
        ).scalars()
    )
    return [article.source in live for article in batch]


def undo(store: Store, target: Target, actor: str) -> list[int]:
    """Lift the live takedowns that match ``target``; returns their ids. Nothing is restored
    here: the next crawl of the outlet may store the articles again (with their current text)."""
    now = datetime.now(UTC)
    with store.begin() as conn:
        live = takedowns.c.undone_at.is_(None)
        if target.scope == "article":
            ids = list(
                conn.execute(
                    select(takedowns.c.id).join(
                        takedown_items, takedown_items.c.takedown_id == takedowns.c.id
                    ).where(live, takedown_items.c.source == target.source,
                            takedown_items.c.num == target.num, takedowns.c.scope == "article")
                ).scalars()
            )  # fmt: skip
        else:
            query = select(takedowns.c.id).where(
                live, takedowns.c.source == target.source, takedowns.c.scope == target.scope
            )
            if target.before is not None:
                query = query.where(takedowns.c.before == target.before)
            ids = list(conn.execute(query).scalars())
        if not ids:
            raise TakedownError(f"no live takedown of {target.describe()} to undo")
        conn.execute(
            update(takedowns).where(takedowns.c.id.in_(ids)).values(undone_at=now, undone_by=actor)
        )
        log_action(conn, actor, "takedown_undo", None,
                   f"{', '.join(f'#{i}' for i in ids)} {target.describe()}")  # fmt: skip
    return ids


def recent(store: Store, limit: int = 100) -> list[dict[str, Any]]:
    """The latest takedown decisions, newest first (for /admin/takedowns)."""
    with store.connect() as conn:
        rows = conn.execute(select(takedowns).order_by(takedowns.c.id.desc()).limit(limit))
        return [dict(r._mapping) for r in rows]
