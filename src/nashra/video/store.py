"""Rows of video articles: written beside the article, read for pages, feeds and the API."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select

from nashra.model import Article
from nashra.store.schema import article_videos
from nashra.store.store import Store
from nashra.video.detect import Video

_DELETE = delete(article_videos).where(article_videos.c.article_pk == bindparam("pk"))
_INSERT = insert(article_videos)


def write_article_video(
    conn: Connection, pk: int, article: Article, *, fresh: bool = False
) -> None:
    """The article's video row, written in the transaction that saves the article (an update
    that no longer finds a video removes the row; a ``fresh`` row has none to remove)."""
    if not fresh:
        conn.execute(_DELETE, {"pk": pk})
    video = article.video
    if isinstance(video, Video):
        conn.execute(
            _INSERT,
            {
                "article_pk": pk,
                "provider": video.provider,
                "video_id": video.video_id,
                "title": video.title,
                "duration": video.duration,
                "poster_url": video.poster_url,
            },
        )


def videos_for(store: Store, pks: list[int]) -> dict[int, Video]:
    """The videos of those articles that have one, by article pk."""
    out: dict[int, Video] = {}
    if not pks:
        return out
    query = select(article_videos).where(article_videos.c.article_pk.in_(pks))
    with store.connect() as conn:
        for row in conn.execute(query):
            out[row.article_pk] = Video(
                provider=row.provider,
                video_id=row.video_id,
                title=row.title,
                duration=row.duration,
                poster_url=row.poster_url,
            )
    return out


def video_object(video: Video | None) -> dict[str, Any] | None:
    """The API's ``video`` object of an article (None for an article without a video)."""
    if video is None:
        return None
    return {
        "provider": video.provider,
        "id": video.video_id or None,
        "title": video.title or None,
        "duration": video.duration,
        "watch_url": video.watch_url or None,
        "embed_url": video.embed_url or None,
    }
