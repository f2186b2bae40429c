"""Read side of stories: what the home, the ticker, the article page, the story page and the API
show. Every query is bounded (a page, a story, a window of recent stories), never the archive."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, CursorResult, func, select

from nashra.store.db import CursorError, keyset_page
from nashra.store.queries import LIST_COLUMNS
from nashra.store.schema import article_signatures as sigs
from nashra.store.schema import articles, images, sources, stories, story_backlog
from nashra.store.store import Store

TOP_HOURS = 48  # the home's top stories are the biggest of the last two days of news
TOP_HALF_LIFE_HOURS = 12.0  # a story's weight on the home page halves every 12 hours
TOP_CANDIDATES = 5  # widest stories read per top story shown, then ranked with freshness
TOPIC_SCAN = 500  # a topic's newest matching articles whose stories its page ranks


StoryCursorError = CursorError


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _story_dict(row: Any) -> dict[str, Any]:
    item = dict(row._mapping)
    item["outlets"] = [s for s in (item.get("outlets") or "").split("\n") if s]
    for key in ("first_published", "last_published", "updated_at"):
        if key in item:
            item[key] = _aware(item[key])
    return item


def _member_query():
    """Listing columns (as ``nashra.store.queries``) plus the story columns of each article."""
    return select(
        *LIST_COLUMNS,
        sigs.c.story_id,
        sigs.c.copy_of.label("near_copy_of"),
    ).select_from(
        articles.join(sources, sources.c.slug == articles.c.source)
        .outerjoin(images, images.c.id == articles.c.image_id)
        .join(sigs, sigs.c.article_pk == articles.c.pk)
    )


def _as_rows(result: CursorResult) -> list[dict[str, Any]]:
    out = [dict(r._mapping) for r in result]
    for row in out:
        row["published"] = _aware(row["published"])
    return out


def _rows(store: Store, query) -> list[dict[str, Any]]:
    with store.connect() as conn:
        return _as_rows(conn.execute(query))


def story_ids(store: Store, pks: list[int]) -> dict[int, int]:
    """``pk → story id`` for the given articles (the API's ``story_id`` field); articles not yet
    assigned are absent."""
    wanted = sorted({pk for pk in pks if pk is not None})
    out: dict[int, int] = {}
    with store.connect() as conn:
        for i in range(0, len(wanted), 500):
            query = select(sigs.c.article_pk, sigs.c.story_id).where(
                sigs.c.article_pk.in_(wanted[i : i + 500]), sigs.c.story_id.is_not(None)
            )
            out.update({pk: sid for pk, sid in conn.execute(query)})
    return out


def get_story(store: Store, story_id: int, *, limit: int = 200) -> dict[str, Any] | None:
    """A story with its articles (earliest first, at most ``limit``), or None. A story merged
    into another has ``merged_into`` set and no articles: follow it."""
    with store.connect() as conn:
        row = conn.execute(select(stories).where(stories.c.id == story_id)).first()
    if row is None:
        return None
    story = _story_dict(row)
    story["articles"] = []
    if story["merged_into"] is None:
        story["articles"] = _rows(
            store,
            _member_query()
            .where(sigs.c.story_id == story_id)
            .order_by(articles.c.published, articles.c.pk)
            .limit(max(1, min(limit, 1000))),
        )
    return story


def resolve_story(store: Store, story_id: int) -> int | None:
    """The live story a (possibly merged) story id now lives in; None when unknown."""
    seen: set[int] = set()
    with store.connect() as conn:
        current: int | None = story_id
        while current is not None and current not in seen:
            seen.add(current)
            row = conn.execute(
                select(stories.c.id, stories.c.merged_into).where(stories.c.id == current)
            ).first()
            if row is None:
                return None
            if row.merged_into is None:
                return row.id
            current = row.merged_into
    return None


def _one_per_outlet(rows: list[dict[str, Any]], skip: set[str]) -> list[dict[str, Any]]:
    """The earliest version of each outlet (``rows`` sorted by publication)."""
    out = []
    for row in rows:
        if row["source"] in skip:
            continue
        skip.add(row["source"])
        out.append(row)
    return out


def other_versions(store: Store, pk: int, *, limit: int = 20) -> list[dict[str, Any]]:
    """For an article page: the same story as published by other outlets, one per outlet,
    earliest first (listing rows, ready for ``nashra.web.present.teaser``)."""
    with store.connect() as conn:
        row = conn.execute(
            select(sigs.c.story_id, articles.c.source)
            .select_from(sigs.join(articles, articles.c.pk == sigs.c.article_pk))
            .where(sigs.c.article_pk == pk)
        ).first()
    if row is None or row.story_id is None:
        return []
    rows = _rows(
        store,
        _member_query()
        .where(sigs.c.story_id == row.story_id, articles.c.pk != pk)
        .order_by(articles.c.published, articles.c.pk)
        .limit(500),
    )
    return _one_per_outlet(rows, {row.source})[:limit]


def _recent(conn: Connection, lang: str | None, hours: float) -> list[Any] | None:
    """The conditions on ``stories`` of the live stories of the last ``hours`` of news (counted
    from the newest story); None when there is no story."""
    newest_q = select(func.max(stories.c.last_published)).where(stories.c.size > 0)
    if lang:
        newest_q = newest_q.where(stories.c.lang == lang)
    newest = _aware(conn.execute(newest_q).scalar())
    if newest is None:
        return None
    where = [
        stories.c.size > 0,
        stories.c.merged_into.is_(None),
        stories.c.last_published >= newest - timedelta(hours=hours),
    ]
    return [*where, stories.c.lang == lang] if lang else where


def _recent_stories(store: Store, lang: str | None, hours: float, limit: int, order) -> list[Any]:
    with store.connect() as conn:
        where = _recent(conn, lang, hours)
        if where is None:
            return []
        return conn.execute(select(stories).where(*where).order_by(*order).limit(limit)).all()


def _representatives(store: Store, story_rows: list[Any]) -> dict[int, dict[str, Any]]:
    pks = [r.representative for r in story_rows if r.representative is not None]
    if not pks:
        return {}
    rows = _rows(store, _member_query().where(articles.c.pk.in_(pks)))
    return {r["pk"]: r for r in rows}


def top_score(
    outlet_count: int, size: int, age_hours: float, half_life: float = TOP_HALF_LIFE_HOURS
) -> float:
    """How high a story ranks on the home page: the outlets that cover it (and, much less, its
    articles), halved every ``half_life`` hours since its latest article, so a story five
    outlets covered yesterday gives way to one four outlets cover now."""
    coverage = outlet_count + 0.1 * max(0, size - outlet_count)
    if not math.isfinite(half_life):
        return coverage
    return coverage * 0.5 ** (max(0.0, age_hours) / half_life)


def _by_top_score(story_rows: list[Any], limit: int, half_life: float) -> list[Any]:
    """``story_rows`` ranked by :func:`top_score`, ages counted from the newest of them."""
    newest = max((_aware(r.last_published) for r in story_rows), default=None)

    def rank(r: Any) -> tuple[float, float, int]:
        age = (newest - _aware(r.last_published)).total_seconds() / 3600 if newest else 0.0
        score = top_score(r.outlet_count, r.size, age, half_life)
        return (-score, -_aware(r.last_published).timestamp(), -r.id)

    return sorted(story_rows, key=rank)[:limit]


def _with_versions(store: Store, story_rows: list[Any]) -> list[dict[str, Any]]:
    """Each story as ``{"story", "article", "also"}``: its representative's listing row and the
    other outlets' versions (one row per outlet, earliest first)."""
    reps = _representatives(store, story_rows)
    ids = [r.id for r in story_rows]
    members = (
        _rows(
            store,
            _member_query()
            .where(sigs.c.story_id.in_(ids))
            .order_by(articles.c.published, articles.c.pk),
        )
        if ids
        else []
    )
    by_story: dict[int, list[dict[str, Any]]] = {}
    for m in members:
        by_story.setdefault(m["story_id"], []).append(m)
    out = []
    for r in story_rows:
        rep = reps.get(r.representative)
        if rep is None:
            continue
        also = _one_per_outlet(by_story.get(r.id, []), {rep["source"]})
        out.append({"story": _story_dict(r), "article": rep, "also": also})
    return out


def top_stories(
    store: Store, *, lang: str | None = None, limit: int = 6, hours: float = TOP_HOURS
) -> list[dict[str, Any]]:
    """The home's top stories: the stories of the last ``hours`` of news ranked by
    :func:`top_score` (outlets, then freshness), each as ``{"story", "article", "also"}``: the
    representative's listing row and the other outlets' versions (one row per outlet)."""
    limit = max(1, min(int(limit), 50))
    order = (
        stories.c.outlet_count.desc(),
        stories.c.size.desc(),
        stories.c.last_published.desc(),
        stories.c.id.desc(),
    )
    # The widest stories are the candidates; freshness then orders them.
    candidates = _recent_stories(store, lang, hours, limit * TOP_CANDIDATES, order)
    # Freshness counts in the live two days; a window widened over an archive that is not
    # current (the demo, a restored backup) ranks by coverage alone.
    half_life = TOP_HALF_LIFE_HOURS if hours <= TOP_HOURS else math.inf
    return _with_versions(store, _by_top_score(candidates, limit, half_life))


def stories_of_articles(
    store: Store,
    where: Any,
    *,
    limit: int = 6,
    min_outlets: int = 2,
    scan: int = TOPIC_SCAN,
) -> list[dict[str, Any]]:
    """The stories of the articles a WHERE clause on ``articles`` selects (a topic's), covered
    by at least ``min_outlets`` outlets, ranked as the home's top stories (:func:`top_score`,
    ages counted from the newest of them), as ``{"story", "article", "also"}``. Only the
    ``scan`` newest matching articles are looked at: a topic's page is about its news now."""
    limit = max(1, min(int(limit), 50))
    matching = (
        select(sigs.c.story_id)
        .select_from(articles.join(sigs, sigs.c.article_pk == articles.c.pk))
        .where(where, sigs.c.story_id.is_not(None))
        .order_by(articles.c.published.desc(), articles.c.pk.desc())
        .limit(scan)
        .subquery()
    )
    query = select(stories).where(
        stories.c.id.in_(select(matching.c.story_id)),
        stories.c.size > 0,
        stories.c.merged_into.is_(None),
        stories.c.outlet_count >= max(1, int(min_outlets)),
    )
    with store.connect() as conn:
        candidates = conn.execute(query).all()
    return _with_versions(store, _by_top_score(candidates, limit, TOP_HALF_LIFE_HOURS))


def ticker_stories(
    store: Store, *, lang: str | None = None, limit: int = 60
) -> list[dict[str, Any]]:
    """One headline per story for the ticker: the representatives of the stories with the most
    recent news, newest first (listing rows with ``story_id``)."""
    limit = max(1, min(int(limit), 200))
    with store.connect() as conn:
        where = _recent(conn, lang, 24 * 365)
        if where is None:
            return []
        # The newest stories first (a walk of their (lang, last_published) index that stops
        # after them), then their representatives' listing rows, in one statement. Joined before
        # the LIMIT, PostgreSQL could read every story of the year and sort them (20-40 ms for
        # 2,853 at five million articles; a year holds a million at Maghress's size).
        newest = (
            select(stories.c.id, stories.c.representative, stories.c.last_published)
            .where(*where, stories.c.representative.is_not(None))
            .order_by(stories.c.last_published.desc(), stories.c.id.desc())
            .limit(limit)
            .subquery()
        )
        query = (
            _member_query()
            .join(newest, newest.c.representative == articles.c.pk)
            .order_by(newest.c.last_published.desc(), newest.c.id.desc())
        )
        return _as_rows(conn.execute(query))


def list_stories(
    store: Store,
    *,
    lang: str | None = None,
    min_outlets: int = 1,
    limit: int = 20,
    cursor: str | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Live stories, most recently updated first (keyset pagination on last publication)."""
    limit = max(1, min(int(limit), 200))
    query = select(stories).where(
        stories.c.size > 0,
        stories.c.merged_into.is_(None),
        stories.c.outlet_count >= max(1, int(min_outlets)),
    )
    if lang:
        query = query.where(stories.c.lang == lang)
    with store.connect() as conn:
        rows, next_cursor = keyset_page(
            conn, query, stories.c.last_published, stories.c.id,
            cursor=cursor, limit=limit, to_row=_story_dict,
            position=lambda row: (row["last_published"], row["id"]),
        )  # fmt: skip
    reps = _representatives(store, [_Rep(r["representative"]) for r in rows])
    for r in rows:
        r["article"] = reps.get(r["representative"])
    return rows, next_cursor


class _Rep:
    def __init__(self, pk: int | None) -> None:
        self.representative = pk


def story_counts(store: Store) -> dict[str, int]:
    """Counts for ``nashra stories stats``: live stories, stories with several outlets,
    assigned articles, near-duplicate copies, articles waiting in the backlog."""
    with store.connect() as conn:
        one = lambda q: int(conn.execute(q).scalar() or 0)  # noqa: E731
        live = stories.c.size > 0
        return {
            "stories": one(select(func.count()).select_from(stories).where(live)),
            "multi_outlet": one(
                select(func.count()).select_from(stories).where(live, stories.c.outlet_count > 1)
            ),
            "assigned": one(select(func.count()).select_from(sigs)),
            "copies": one(
                select(func.count()).select_from(sigs).where(sigs.c.copy_of.is_not(None))
            ),
            "articles": one(select(func.count()).select_from(articles)),
            "waiting": one(select(func.count()).select_from(story_backlog)),
        }
