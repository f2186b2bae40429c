"""The personal listing: what the reader follows, without what they muted, newest first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import false, or_, select

from nashra.mynews.choices import Choices
from nashra.search.topics import headline_clause
from nashra.store.db import keyset_page
from nashra.store.queries import _base_query
from nashra.store.schema import article_regions, articles
from nashra.store.store import Store


def _matches(kind: str, values: list[str], dialect: str) -> Any:
    if not values:
        return None
    if kind == "source":
        return articles.c.source.in_(values)
    if kind == "section":
        return articles.c.section.in_(values)
    if kind == "author":
        return articles.c.author.in_(values)
    if kind == "region":
        return articles.c.pk.in_(
            select(article_regions.c.article_pk).where(article_regions.c.region.in_(values))
        )
    if kind == "topic":  # a name or term as headlines write it, found by the search index
        return headline_clause(dialect, values)
    return None


def personal_articles(
    store: Store,
    choices: Choices,
    *,
    lang: str | None = None,
    limit: int = 20,
    cursor: str | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """The reader's articles (everything of the edition when they follow nothing) and the
    cursor of the next page."""
    query = _base_query()
    dialect = store.dialect
    followed = [
        c for kind, vs in choices.follow.items() if (c := _matches(kind, vs, dialect)) is not None
    ]
    if choices.follow:
        query = query.where(or_(*followed) if followed else false())
    elif lang:
        query = query.where(articles.c.lang == lang)
    for kind, values in choices.mute.items():
        clause = _matches(kind, values, dialect)
        if clause is not None:
            query = query.where(~clause)
    with store.connect() as conn:
        return keyset_page(
            conn,
            query,
            articles.c.published,
            articles.c.pk,
            cursor=cursor,
            limit=limit,
            position=lambda r: (r["published"], r["pk"]),
        )
