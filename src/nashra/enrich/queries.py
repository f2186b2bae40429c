"""Read side of enrichment: labels for the API, region listings, and filters for search.

Region listings are keyset-paginated on ``(published, pk)`` like every listing of the portal, and
return rows in the shape of :data:`nashra.store.queries.LIST_COLUMNS` so the portal's teaser code
shows them unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select

from nashra.enrich.authors import agency_name, author_key
from nashra.enrich.gazetteer import REGION_BY_SLUG, REGIONS
from nashra.enrich.regions import find_region
from nashra.sections import section_name
from nashra.store.db import keyset_page
from nashra.store.queries import LIST_COLUMNS, article_position
from nashra.store.schema import article_regions, articles, images, sources
from nashra.store.store import Store


def region_info(slug: str) -> dict[str, str]:
    """A region as the API shows it: slug and names."""
    region = REGION_BY_SLUG[slug]
    return {"slug": slug, "name_ar": region.name_ar, "name_fr": region.name_fr}


def enrichment_for(store: Store, pks: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Labels of the articles ``pks`` for the API's article object: ``section`` (with names),
    ``section_source``/``section_confidence``, ``author``, ``author_key``, ``agency`` (code and
    names) and ``regions`` (slug and names, best first). Missing pks are left out."""
    pks = list(dict.fromkeys(int(pk) for pk in pks))
    out: dict[int, dict[str, Any]] = {}
    if not pks:
        return out
    with store.connect() as conn:
        for i in range(0, len(pks), 500):
            chunk = pks[i : i + 500]
            rows = conn.execute(
                select(
                    articles.c.pk, articles.c.section, articles.c.section_source,
                    articles.c.section_confidence, articles.c.author, articles.c.author_key,
                    articles.c.agency,
                ).where(articles.c.pk.in_(chunk))
            )  # fmt: skip
            for r in rows:
                out[r.pk] = {
                    "section": r.section,
                    "section_name": {
                        lang: section_name(r.section, lang) for lang in ("ar", "fr", "en")
                    },
                    "section_source": r.section_source,
                    "section_confidence": r.section_confidence,
                    "author": r.author or "",
                    "author_key": r.author_key or "",
                    "agency": r.agency or "",
                    "agency_name": {
                        lang: agency_name(r.agency, lang) if r.agency else ""
                        for lang in ("ar", "fr", "en")
                    },
                    "regions": [],
                }
            regions = conn.execute(
                select(article_regions.c.article_pk, article_regions.c.region)
                .where(article_regions.c.article_pk.in_(chunk))
                .order_by(article_regions.c.article_pk, article_regions.c.score.desc())
            )
            for r in regions:
                if r.article_pk in out and r.region in REGION_BY_SLUG:
                    out[r.article_pk]["regions"].append(region_info(r.region))
    return out


def region_members(slug: str) -> Any:
    """A SELECT of the pks of the articles about region ``slug``."""
    return select(article_regions.c.article_pk).where(article_regions.c.region == slug)


def gazetteer_links(region: str) -> Any:
    """The search's region links (:mod:`nashra.search.regions`): the gazetteer names the region
    and the article→region rows that enrichment stores with every article select its articles;
    None for a name the gazetteer does not know (the search then matches the text)."""
    found = find_region(region)
    return None if found is None else region_members(found.slug)


def region_clause(slug: str) -> Any:
    """A WHERE clause on ``articles`` keeping the articles about region ``slug`` — the search
    engine's «منطقة» filter (combine it with its own clauses)."""
    return articles.c.pk.in_(region_members(slug))


def region_article_pks(store: Store, slug: str, *, limit: int | None = None) -> list[int]:
    """Pks of the articles about region ``slug``, newest first."""
    query = (
        select(article_regions.c.article_pk)
        .where(article_regions.c.region == slug)
        .order_by(article_regions.c.published.desc(), article_regions.c.article_pk.desc())
    )
    if limit:
        query = query.limit(limit)
    with store.connect() as conn:
        return [r.article_pk for r in conn.execute(query)]


def author_clause(name: str) -> Any:
    """A WHERE clause on ``articles`` for one writer, whatever spelling ``name`` uses."""
    return articles.c.author_key == author_key(name)


def region_counts(store: Store, lang: str | None = None) -> dict[str, int]:
    """How many articles each region has (every region listed, zero included)."""
    query = select(article_regions.c.region, func.count()).group_by(article_regions.c.region)
    if lang:
        query = query.select_from(
            article_regions.join(articles, articles.c.pk == article_regions.c.article_pk)
        ).where(articles.c.lang == lang)
    with store.connect() as conn:
        found = dict(conn.execute(query).all())
    return {r.slug: int(found.get(r.slug, 0)) for r in REGIONS}


def region_articles(
    store: Store,
    slug: str,
    *,
    limit: int = 20,
    cursor: str | None = None,
    lang: str | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Newest articles about region ``slug`` and the cursor of the next page (or None).

    Raises :class:`nashra.store.queries.CursorError` for a cursor we did not make."""
    limit = max(1, min(int(limit), 200))
    query = (
        select(*LIST_COLUMNS)
        .select_from(
            article_regions.join(articles, articles.c.pk == article_regions.c.article_pk)
            .join(sources, sources.c.slug == articles.c.source)
            .outerjoin(images, images.c.id == articles.c.image_id)
        )
        .where(article_regions.c.region == slug)
    )
    if lang:
        query = query.where(articles.c.lang == lang)
    with store.connect() as conn:
        return keyset_page(
            conn, query, article_regions.c.published, article_regions.c.article_pk,
            cursor=cursor, limit=limit, position=article_position,
        )  # fmt: skip
