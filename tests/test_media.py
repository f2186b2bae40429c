"""The image stage: checks, re-encoding, perceptual hash, the library, and the fetch wrapper."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PIL import Image

from httpserver import LoopbackServer
from nashra.config import Settings
from nashra.demo import images as demo_images
from nashra.http.fetch import Fetcher
from nashra.media.fetch import fetch_image, fetch_lead_image
from nashra.media.library import save_image, write_files
from nashra.media.paths import SIZES, media_path
from nashra.media.phash import MAX_DISTANCE, distance, perceptual_hash
from nashra.media.process import ImageRejected, process_image, sniff
from nashra.moderation.queries import find_image
from nashra.moderation.reports import moderate
from nashra.store import Store

COLOUR = (180, 40, 40)


def lead(seed: str = "a", size=(640, 360), quality: int = 85) -> bytes:
    return demo_images.lead_jpeg(seed, "AB", COLOUR, size, quality)


def big_photo_with_metadata() -> bytes:
    """A 1600x900 JPEG carrying EXIF (a camera make, GPS-like text) and an ICC profile."""
    img = Image.open(io.BytesIO(lead("meta"))).resize((1600, 900))
    exif = Image.Exif()
    exif[0x010F] = "SecretCamera"  # Make
    exif[0x9286] = "private comment"  # UserComment
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif.tobytes(), icc_profile=b"\x00" * 128 + b"PRIVATEICC")
    return out.getvalue()


def decode(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


# -- the pure stage ----------------------------------------------------------------------------


def test_jpeg_is_reencoded_to_webp_at_both_sizes_without_metadata() -> None:
    original = big_photo_with_metadata()
    result = process_image(original, "image/jpeg")
    assert (result.width, result.height) == (1600, 900)
    assert result.mime == "image/jpeg"
    import hashlib

    assert result.sha256 == hashlib.sha256(original).hexdigest()
    assert set(result.renditions) == set(SIZES)
    for size, target in SIZES.items():
        data = result.renditions[size]
        assert sniff(data) == "image/webp"
        img = decode(data)
        assert img.format == "WEBP"
        assert img.width == target and img.height == round(900 * target / 1600)
        assert not img.getexif()
        assert "icc_profile" not in img.info and "exif" not in img.info
        assert b"SecretCamera" not in data and b"PRIVATEICC" not in data
    assert len(result.phash) == 16 and int(result.phash, 16) >= 0


def test_small_picture_is_never_enlarged() -> None:
    result = process_image(lead(size=(200, 120)), "image/jpeg")
    assert decode(result.renditions["full"]).size == (200, 120)
    assert decode(result.renditions["thumb"]).size == (200, 120)


def test_png_with_transparency_keeps_alpha_and_gif_gives_first_frame() -> None:
    rgba = Image.new("RGBA", (400, 300), (10, 200, 10, 0))
    rgba.paste((200, 10, 10, 255), (50, 50, 350, 250))
    buf = io.BytesIO()
    rgba.save(buf, "PNG")
    out = decode(process_image(buf.getvalue(), "image/png").renditions["full"])
    assert out.mode == "RGBA" and out.getpixel((5, 5))[3] == 0

    frames = [Image.new("RGB", (100, 80), c) for c in ((255, 0, 0), (0, 0, 255))]
    gif = io.BytesIO()
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    result = process_image(gif.getvalue(), "image/gif")
    first = decode(result.renditions["full"]).convert("RGB").getpixel((50, 40))
    assert first[0] > 200 and first[2] < 50


def test_mislabelled_raster_types_are_decided_by_their_magic_bytes() -> None:
    # A JPEG sent as image/png or as application/octet-stream is still a JPEG.
    for declared in ("image/png", "application/octet-stream", None):
        assert process_image(lead(), declared).mime == "image/jpeg"


@pytest.mark.parametrize(
    ("name", "data", "content_type", "kind"),
    [
        ("truncated jpeg", demo_images.truncated_jpeg("t", "AB", COLOUR), "image/jpeg", "corrupt"),
        ("html served as jpeg", demo_images.html_error_page(), "image/jpeg", "not_an_image"),
        ("svg with script", demo_images.svg_with_script(), "image/svg+xml", "content_type"),
        ("svg as octet-stream", demo_images.svg_with_script(), "application/octet-stream",
         "not_an_image"),
        ("jpeg labelled text/html", lead(), "text/html; charset=utf-8", "content_type"),
        ("empty body", b"", "image/jpeg", "empty"),
        ("png header then garbage", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "image/png", "corrupt"),
    ],
)  # fmt: skip
def test_hostile_or_broken_pictures_are_refused(name, data, content_type, kind) -> None:
    with pytest.raises(ImageRejected) as caught:
        process_image(data, content_type)
    assert caught.value.kind == kind, (name, str(caught.value))


def test_too_wide_picture_is_refused_by_its_header() -> None:
    buf = io.BytesIO()
    Image.new("1", (17000, 2)).save(buf, "PNG")
    with pytest.raises(ImageRejected) as caught:
        process_image(buf.getvalue(), "image/png")
    assert caught.value.kind == "too_many_pixels"


def test_png_bomb_is_refused_without_allocating_it() -> None:
    """A 20000x20000 PNG (400 megapixels) in a child process whose address space is capped at
    700 MB: decoding it would need 400 MB for the pixels alone; the refusal must come first."""
    code = textwrap.dedent(
        """
        import json, resource, sys
        from nashra.demo.images import png_bomb
        from nashra.media.process import ImageRejected, process_image
        data = png_bomb()
        resource.setrlimit(resource.RLIMIT_AS, (700 * 2**20, 700 * 2**20))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        try:
            process_image(data, "image/png")
            kind = "accepted"
        except ImageRejected as exc:
            kind = exc.kind
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"kind": kind, "grew_kb": after - before, "size": len(data)}))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["kind"] == "too_many_pixels"
    assert result["grew_kb"] < 50 * 1024  # far below the 400 MB a decode would take


# -- perceptual hash ---------------------------------------------------------------------------


def test_same_picture_resized_and_reencoded_matches_and_others_do_not() -> None:
    base = process_image(lead("shared"), "image/jpeg").phash
    for size, quality in (((480, 270), 55), ((400, 225), 40), ((320, 180), 70), ((960, 540), 85)):
        copy = process_image(lead("shared", size, quality), "image/jpeg").phash
        assert distance(base, copy) <= MAX_DISTANCE, (size, quality)
    others = [process_image(lead(f"other-{i}"), "image/jpeg").phash for i in range(12)]
    assert all(distance(base, other) > MAX_DISTANCE for other in others)


def test_hash_is_stable_for_the_same_pixels() -> None:
    img = decode(lead("stable"))
    assert perceptual_hash(img) == perceptual_hash(img.copy())


# -- the library -------------------------------------------------------------------------------


def _store_image(store: Store, settings: Settings, data: bytes, url: str = "http://x/a.jpg"):
    processed = process_image(data, "image/jpeg")
    write_files(settings.media_dir, processed)
    return save_image(store, processed, url), processed


def test_same_bytes_give_one_row_and_near_copies_one_group(
    store: Store, settings: Settings
) -> None:
    first, processed = _store_image(store, settings, lead("shared"))
    again, _ = _store_image(store, settings, lead("shared"), "http://other/a.jpg")
    assert again == first
    for size in SIZES:
        assert media_path(settings.media_dir, processed.sha256, size).is_file()
    copy, _ = _store_image(store, settings, lead("shared", (480, 270), 55))
    other, _ = _store_image(store, settings, lead("unrelated"))
    assert copy != first
    rows = {i: find_image(store, i) for i in (first, copy, other)}
    assert rows[copy]["group_id"] == rows[first]["group_id"] == first
    assert rows[other]["group_id"] == other


def test_a_copy_of_a_hidden_picture_arrives_hidden(store: Store, settings: Settings) -> None:
    first, _ = _store_image(store, settings, lead("shared"))
    assert moderate(store, first, "hide", "tester") == "removed"
    later, _ = _store_image(store, settings, lead("shared", (400, 225), 40))
    assert find_image(store, later)["state"] == "removed"


def test_flat_pictures_are_not_grouped(sqlite_store: Store, settings: Settings) -> None:
    ids = []
    for colour in ((255, 255, 255), (250, 250, 250)):
        buf = io.BytesIO()
        Image.new("RGB", (300, 200), colour).save(buf, "JPEG")
        ids.append(_store_image(sqlite_store, settings, buf.getvalue())[0])
    groups = {find_image(sqlite_store, i)["group_id"] for i in ids}
    assert groups == set(ids)


# -- fetching through the crawler's fetcher ------------------------------------------------------


def test_fetch_lead_image_over_http(sqlite_store: Store, settings: Settings) -> None:
    big = big_photo_with_metadata()
    routes = {
        "/robots.txt": (200, {"Content-Type": "text/plain"}, b""),
        "/ok.jpg": (200, {"Content-Type": "image/jpeg"}, lead("http")),
        "/big.jpg": (200, {"Content-Type": "image/jpeg"}, big),
        "/missing.jpg": (404, {"Content-Type": "text/html"}, b"<h1>no</h1>"),
        "/page.jpg": (200, {"Content-Type": "text/html"}, demo_images.html_error_page()),
        "/logo.svg": (200, {"Content-Type": "image/svg+xml"}, demo_images.svg_with_script()),
    }
    settings = settings.override(max_image_bytes=len(big) - 1)

    async def run() -> dict[str, object]:
        async with Fetcher(settings.fetch) as fetcher:
            out = {}
            for path in routes:
                if path != "/robots.txt":
                    out[path] = await fetch_image(fetcher, sqlite_store, settings, server.url(path))
            out["id"] = await fetch_lead_image(
                fetcher, sqlite_store, settings, server.url("/ok.jpg")
            )
            out["data"] = await fetch_lead_image(
                fetcher, sqlite_store, settings, "data:image/png;base64,AA"
            )
            return out

    with LoopbackServer(routes) as server:
        out = asyncio.run(run())
    assert out["/ok.jpg"].image_id is not None and out["id"] == out["/ok.jpg"].image_id
    assert out["/big.jpg"].image_id is None and out["/big.jpg"].error_kind == "too_large"
    assert out["/missing.jpg"].error_kind == "http"
    assert out["/page.jpg"].error_kind == "content_type"
    assert out["/logo.svg"].error_kind == "content_type"
    assert out["data"] is None
    row = find_image(sqlite_store, out["id"])
    assert (row["width"], row["height"]) == (640, 360)
    assert Path(media_path(settings.media_dir, row["sha256"], "thumb")).is_file()
