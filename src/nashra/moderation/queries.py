"""Reads for the reporting and moderation pages and the images API."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, or_, select

from nashra.store import Store
from nashra.store.schema import articles, image_reports, images, moderation_log, sources

__all__ = ["audit_log", "find_image", "group_members", "queue", "source_names"]

_IMAGE_COLUMNS = (
    images.c.id,
    images.c.sha256,
    images.c.width,
    images.c.height,
    images.c.phash,
    images.c.state,
    images.c.group_id,
    images.c.report_count,
    images.c.hidden_at,
    images.c.created_at,
    images.c.mime,
)


def find_image(store: Store, ref: str | int) -> dict[str, Any] | None:
    """An image by id (digits) or SHA-256 (64 hex digits), with how many articles show it."""
    text = str(ref).strip().lower()
    if text.isascii() and text.isdigit() and len(text) < 19:
        where = images.c.id == int(text)
    elif len(text) == 64 and all(c in "0123456789abcdef" for c in text):
        where = images.c.sha256 == text
    else:
        return None
    with store.connect() as conn:
        row = conn.execute(select(*_IMAGE_COLUMNS).where(where)).first()
        if row is None:
            return None
        out = dict(row._mapping)
        out["articles"] = conn.execute(
            select(func.count()).select_from(articles).where(articles.c.image_id == row.id)
        ).scalar_one()
    return out


def group_members(store: Store, group_id: int) -> list[dict[str, Any]]:
    with store.connect() as conn:
        rows = conn.execute(
            select(*_IMAGE_COLUMNS).where(images.c.group_id == group_id).order_by(images.c.id)
        )
        return [dict(r._mapping) for r in rows]


def queue(store: Store, limit: int = 100) -> list[dict[str, Any]]:
    """Groups waiting for a moderator: hidden by the crowd, or with open reports; hidden first,
    then most reported. Each comes with its reports and its member images."""
    leader = images.c.id == images.c.group_id
    open_groups = select(image_reports.c.group_id).where(image_reports.c.status == "open")
    with store.connect() as conn:
        leaders = [
            dict(r._mapping)
            for r in conn.execute(
                select(*_IMAGE_COLUMNS)
                .where(leader, or_(images.c.state == "hidden", images.c.id.in_(open_groups)))
                .order_by(
                    (images.c.state == "hidden").desc(),
                    images.c.report_count.desc(),
                    images.c.id,
                )
                .limit(limit)
            )
        ]
        ids = [g["id"] for g in leaders]
        reports: dict[int, list[dict[str, Any]]] = defaultdict(list)
        members: dict[int, list[dict[str, Any]]] = defaultdict(list)
        if ids:
            for r in conn.execute(
                select(image_reports)
                .where(image_reports.c.group_id.in_(ids), image_reports.c.status == "open")
                .order_by(image_reports.c.created_at)
            ):
                reports[r.group_id].append(dict(r._mapping))
            for r in conn.execute(
                select(*_IMAGE_COLUMNS).where(images.c.group_id.in_(ids)).order_by(images.c.id)
            ):
                members[r.group_id].append(dict(r._mapping))
    for g in leaders:
        g["reports"] = reports[g["id"]]
        g["members"] = members[g["id"]]
    return leaders


def audit_log(store: Store, limit: int = 200) -> list[dict[str, Any]]:
    with store.connect() as conn:
        rows = conn.execute(
            select(moderation_log)
            .order_by(moderation_log.c.created_at.desc(), moderation_log.c.id.desc())
            .limit(limit)
        )
        return [dict(r._mapping) for r in rows]


def source_names(store: Store, slug: str) -> dict[str, str] | None:
    with store.connect() as conn:
        row = conn.execute(
            select(sources.c.name_ar, sources.c.name_fr, sources.c.name_en, sources.c.lang).where(
                sources.c.slug == slug
            )
        ).first()
    return dict(row._mapping) if row else None
