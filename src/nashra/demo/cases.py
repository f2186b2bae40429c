"""The demo's special cases: articles and pictures that exercise the pipeline's hard paths.

Each case has a name (the constants below). ``place_cases`` marks deterministic articles of the
selection with them; ``DemoSites.special_cases()`` and ``DemoSites.hostile_images()`` tell tests
which article carries which.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from email.utils import format_datetime

from nashra.demo.corpus import DemoArticle, image_path, slugify

# Page cases
PAYWALL = "paywall"  # the page has no body ("read in the app"); the feed item has a full summary
WIRE_COPY = "wire_copy"  # the same body in two outlets under different headlines
BROKEN_HTML = "broken_html"  # the page's HTML has unclosed tags
PAGE_CASES = (PAYWALL, WIRE_COPY, BROKEN_HTML)

# Image cases
TRUNCATED_JPEG = "truncated_jpeg"  # a JPEG cut in the middle
HTML_AS_JPEG = "html_as_jpeg"  # an HTML error page served as image/jpeg
SVG_SCRIPT = "svg_script"  # an SVG carrying a <script>
PNG_BOMB = "png_bomb"  # a 20000x20000 PNG of a few kilobytes (decompression bomb)
SHARED_PICTURE = "shared_picture"  # one picture, re-encoded at two sizes, in two outlets
IMAGE_CASES = (TRUNCATED_JPEG, HTML_AS_JPEG, SVG_SCRIPT, PNG_BOMB, SHARED_PICTURE)

# Video cases: a video article (a short caption under an embedded player), one kind per outlet
VIDEO_YOUTUBE = "video_youtube"  # a YouTube <iframe> and a JSON-LD VideoObject with a duration
VIDEO_DAILYMOTION = "video_dailymotion"  # a Dailymotion <iframe>
VIDEO_VIMEO = "video_vimeo"  # a poster linked to the Vimeo page (no og:, no JSON-LD)
VIDEO_CASES = {
    VIDEO_YOUTUBE: ("youtube", "M7lc1UVf-VE"),
    VIDEO_DAILYMOTION: ("dailymotion", "x8abc12"),
    VIDEO_VIMEO: ("vimeo", "76979871"),
}

BOMB_SIZE = 20000

# (case, outlet, first index to try in the outlet's date-sorted selection); each article gets at
# most one placed case, and page cases go to articles with a few paragraphs.
_PLACES: list[tuple[str, str, int]] = [
    (PAYWALL, "skynewsarabia", 1),
    (PNG_BOMB, "skynewsarabia", 2),
    (SHARED_PICTURE, "skynewsarabia", 3),
    (BROKEN_HTML, "cnnarabic", 1),
    (TRUNCATED_JPEG, "bbcarabic", 1),
    (SHARED_PICTURE, "bbcarabic", 3),
    (HTML_AS_JPEG, "france24ar", 1),
    (SVG_SCRIPT, "alarabiya", 1),
    (VIDEO_YOUTUBE, "skynewsarabia", 5),
    (VIDEO_DAILYMOTION, "bbcarabic", 5),
    (VIDEO_VIMEO, "alarabiya", 5),
]
_WIRE_SOURCE = ("skynewsarabia", 4)

_EXT = {TRUNCATED_JPEG: "jpg", HTML_AS_JPEG: "jpg", SVG_SCRIPT: "svg", PNG_BOMB: "png"}


def _with_case(article: DemoArticle, case: str) -> DemoArticle:
    changes: dict[str, object] = {"cases": (*article.cases, case)}
    if case == PAYWALL:
        paragraphs = article.paragraphs
        changes["page_mode"] = "paywall"
        changes["summary"] = " ".join(paragraphs[:2]) if len(paragraphs) > 1 else article.summary
    elif case == BROKEN_HTML:
        changes["page_mode"] = "broken"
    elif case in _EXT:
        changes["image_kind"] = case
        changes["image"] = image_path(article.source, article.path, article.published, _EXT[case])
    elif case in VIDEO_CASES:
        caption = article.paragraphs[0]
        changes["blocks"] = (("p", caption),)
        changes["summary"] = caption
        changes["video"] = VIDEO_CASES[case]
    elif case == SHARED_PICTURE:
        changes["image_kind"] = SHARED_PICTURE
        changes["image"] = image_path(article.source, article.path, article.published)
    return replace(article, **changes)  # type: ignore[arg-type]


def wire_copy(original: DemoArticle) -> DemoArticle:
    """An Al Arabiya copy of a Sky News Arabia wire story: same body, another headline."""
    first = original.paragraphs[0] if original.paragraphs else original.title
    words = re.findall(r"\S+", first)[:9]
    title = "عاجل | " + " ".join(words).rstrip("،,.:؛")
    published = original.published + timedelta(minutes=35)
    segment = {
        "sport": "sport",
        "economy": "aswaq",
        "technology": "technology",
        "culture": "culture-and-art",
    }.get(original.category, "arab-and-world")
    path = f"/ar/{segment}/{published:%Y/%m/%d}/{slugify(title)}.html"
    return replace(
        original,
        source="alarabiya",
        key=f"{original.key}-wire",
        path=path,
        title=title,
        published=published,
        author="العربية.نت - وكالات",
        num=None,
        image=image_path("alarabiya", path, published),
        pubdate=format_datetime(published),
        cases=(WIRE_COPY,),
        page_mode="normal",
        image_kind="generated",
    )


def place_cases(by_outlet: dict[str, list[DemoArticle]]) -> dict[str, list[DemoArticle]]:
    """Mark the special-case articles and add the wire copy; the input lists are date-sorted."""
    out = {slug: list(items) for slug, items in by_outlet.items()}
    for case, slug, start in _PLACES:
        items = out.get(slug, [])
        need = 3 if case in PAGE_CASES else 1
        need = 2 if case in VIDEO_CASES else need
        index = next(
            (
                i
                for i in range(start, len(items))
                if not items[i].cases and len(items[i].paragraphs) >= need
            ),
            None,
        )
        if index is not None:
            items[index] = _with_case(items[index], case)
    slug, start = _WIRE_SOURCE
    items = out.get(slug, [])
    index = next(
        (i for i in range(start, len(items)) if not items[i].cases and items[i].paragraphs), None
    )
    if index is not None:
        items[index] = replace(items[index], cases=(*items[index].cases, WIRE_COPY))
        copy = wire_copy(items[index])
        out.setdefault("alarabiya", []).append(copy)
        out["alarabiya"].sort(key=lambda a: (a.published, a.key))
    return out
