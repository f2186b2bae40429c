"""Our image library: the files on disk and the ``images`` rows, written together.

Content-addressed by the SHA-256 of the original bytes: the same bytes give the same files and the
same row, however many articles or outlets use them. A new picture joins the perceptual-hash group
of the nearest stored picture within :data:`nashra.media.phash.MAX_DISTANCE` (found through the
``image_bands`` index), and inherits the group's state: a picture the crowd or a moderator hid
stays hidden when another outlet publishes it again, re-encoded or resized.
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from nashra.media.paths import media_path
from nashra.media.phash import MAX_DISTANCE, bands, distance
from nashra.media.process import ProcessedImage
from nashra.store import Store
from nashra.store.schema import image_bands, images

__all__ = ["find_group", "save_image", "write_files"]


def write_files(media_dir: Path, image: ProcessedImage) -> None:
    """Write each rendition atomically (temp file + rename): a reader never sees half a file."""
    for size, data in image.renditions.items():
        path = media_path(media_dir, image.sha256, size)
        if path.is_file() and path.stat().st_size == len(data):
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".webp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def find_group(
    conn: Connection, phash: str, max_distance: int = MAX_DISTANCE
) -> tuple[int, str] | None:
    """``(group_id, state)`` of the nearest stored picture within ``max_distance``, or None."""
    keys = [
        (image_bands.c.band == i) & (image_bands.c.bits == bits)
        for i, bits in enumerate(bands(phash))
    ]
    query = (
        select(images.c.id, images.c.phash, images.c.group_id, images.c.state)
        .join(image_bands, image_bands.c.image_id == images.c.id)
        .where(or_(*keys))
        .distinct()
    )
    best: tuple[int, int, int, str] | None = None
    for row in conn.execute(query):
        d = distance(phash, row.phash)
        if d > max_distance:
            continue
        candidate = (d, row.group_id or row.id, row.id, row.state)
        if best is None or candidate[:3] < best[:3]:
            best = candidate
    if best is None:
        return None
    group_id = best[1]
    state = conn.execute(select(images.c.state).where(images.c.id == group_id)).scalar()
    return group_id, state or best[3]


def save_image(
    store: Store, image: ProcessedImage, source_url: str, max_distance: int = MAX_DISTANCE
) -> int:
    """The id of the row for ``image`` (created, with its group, if new). Files are written by
    the caller first (:func:`write_files`), so a row always has its files."""
    for attempt in range(3):
        try:
            with store.begin() as conn:
                found = conn.execute(
                    select(images.c.id).where(images.c.sha256 == image.sha256)
                ).scalar()
                if found is not None:
                    return int(found)
                return _insert(conn, image, source_url, max_distance)
        except IntegrityError:
            if attempt == 2:  # the same bytes stored concurrently: the next read finds them
                raise
    raise AssertionError("unreachable")


def _insert(conn: Connection, image: ProcessedImage, source_url: str, max_distance: int) -> int:
    now = datetime.now(UTC)
    group = find_group(conn, image.phash, max_distance) if image.informative else None
    state = "visible"
    if group is not None and group[1] != "visible":
        state = group[1]
    image_id = int(
        conn.execute(
            insert(images).values(
                sha256=image.sha256,
                source_url=source_url[:4000],
                mime=image.mime,
                width=image.width,
                height=image.height,
                phash=image.phash,
                state=state,
                created_at=now,
                report_count=0,
                hidden_at=now if state != "visible" else None,
                group_id=group[0] if group else None,
            )
        ).inserted_primary_key[0]
    )
    if group is None:
        conn.execute(update(images).where(images.c.id == image_id).values(group_id=image_id))
    if image.informative:
        conn.execute(
            insert(image_bands),
            [
                {"band": i, "bits": b, "image_id": image_id}
                for i, b in enumerate(bands(image.phash))
            ],
        )
    return image_id
