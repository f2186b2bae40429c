"""The demo's articles: read the bundled corpora once and pick a deterministic selection.

The ANT corpus gives the five Arabic outlets (March 2018); ``hespress.json`` one Moroccan article;
``fundus_fr.json`` the French outlets. Everything here is data to data: rows in, ``DemoArticle`` out.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from importlib import resources
from typing import Any
from urllib.parse import unquote, urlsplit

from nashra.demo.outlets import ANT_SOURCE_OUTLET, FUNDUS_OUTLET, OUTLETS

# The selection needs a few articles per ANT outlet to place the special cases on distinct ones.
MIN_LIMIT = 25

_CAPTIONS_AR = ["صورة أرشيفية", "صورة تعبيرية", "أرشيفية - رويترز", "أ ف ب", "من المصدر", "أرشيف"]


@dataclass(frozen=True)
class DemoArticle:
    """One article of one demo outlet, with what its page and feed items show."""

    source: str  # outlet slug
    key: str  # stable id inside the demo (ANT docno or a synthetic one)
    path: str  # path on the outlet's site (unicode, starts with "/"; no outlet prefix)
    title: str
    blocks: tuple[tuple[str, str], ...]  # ("p" | "h2" | "h3", text) in page order
    published: datetime  # aware
    author: str
    lang: str
    category: str  # key into Outlet.categories
    summary: str  # the feed's description
    num: int | None  # the origin's numeric id when its URL carries one
    image: str  # path of the lead image on the outlet's site
    caption: str
    pubdate: str  # RFC 822 date as the origin's feed wrote it
    page_mode: str = (
        "normal"  # "normal" | "paywall" (no body on the page) | "broken" (unclosed tags)
    )
    image_kind: str = "generated"
    cases: tuple[str, ...] = field(default_factory=tuple)
    video: tuple[str, str] | None = None  # (provider, id): a video article's embedded player

    @property
    def paragraphs(self) -> list[str]:
        """The body's paragraphs (sub-headings excluded)."""
        return [text for tag, text in self.blocks if tag == "p"]


def _data(name: str) -> bytes:
    return resources.files("nashra.demo").joinpath("data", name).read_bytes()


def load_ant_rows() -> list[dict[str, Any]]:
    """All ANT rows, deduplicated by URL (the corpus files some articles under two categories)."""
    seen: set[str] = set()
    rows = []
    for line in gzip.decompress(_data("ant.jsonl.gz")).decode("utf-8").split("\n"):
        if not line.strip():
            continue
        row = json.loads(line)
        if row["url"] in seen or row["src"] not in ANT_SOURCE_OUTLET:
            continue
        seen.add(row["url"])
        rows.append(row)
    return rows


def _stride(n: int) -> int:
    """A step coprime with n, so that walking days by it visits them spread out."""
    step = 7
    while n > 1 and math.gcd(step, n) != 1:
        step += 1
    return step


def select_ant(rows: list[dict[str, Any]], limit: int, seed: int) -> list[dict[str, Any]]:
    """``limit`` rows spread evenly over the five outlets and over the days of the month."""
    by_src: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_src[row["src"]].append(row)
    srcs = sorted(by_src)
    quota = {s: 0 for s in srcs}
    remaining = limit
    while remaining > 0:
        open_srcs = [s for s in srcs if quota[s] < len(by_src[s])]
        if not open_srcs:
            break
        share = max(1, remaining // len(open_srcs))
        for s in open_srcs:
            add = min(share, len(by_src[s]) - quota[s], remaining)
            quota[s] += add
            remaining -= add
            if remaining == 0:
                break
    chosen: list[dict[str, Any]] = []
    for s in srcs:
        days: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in sorted(by_src[s], key=lambda r: (r["time_iso"], r["docno"])):
            days[row["time_iso"][:10]].append(row)
        day_keys = sorted(days)
        for d in day_keys:
            random.Random(f"{seed}:{s}:{d}").shuffle(days[d])
        n = len(day_keys)
        step = _stride(n)
        order = [day_keys[(i * step) % n] for i in range(n)]
        picked: list[dict[str, Any]] = []
        while len(picked) < quota[s]:
            for d in order:
                if days[d] and len(picked) < quota[s]:
                    picked.append(days[d].pop())
        chosen.extend(picked)
    return chosen


def slugify(title: str, words: int = 8) -> str:
    """A URL slug as Arabic sites write them: the title's first words joined by hyphens."""
    return "-".join(re.findall(r"[^\W_]+", title)[:words])


def image_key(source: str, path: str) -> str:
    """A short stable name for an article's picture."""
    return hashlib.sha1(f"{source}{path}".encode()).hexdigest()[:16]


def image_path(source: str, path: str, published: datetime, ext: str = "jpg") -> str:
    """Where an article's lead image lives on its outlet's site."""
    prefix = OUTLETS[source].image_prefix
    return f"{prefix}/{published:%Y/%m/%d}/{image_key(source, path)}.{ext}"


def _paragraphs(text: str) -> tuple[tuple[str, str], ...]:
    return tuple(("p", p.strip()) for p in text.split("\n") if p.strip())


def _ant_path(row: dict[str, Any], source: str, segment: str) -> tuple[str, int | None]:
    url_path = unquote(urlsplit(row["url"]).path)
    if source == "skynewsarabia":
        match = re.search(r"/(\d+)$", url_path)
        num = (
            int(match.group(1))
            if match
            else int(hashlib.sha1(row["url"].encode()).hexdigest()[:6], 16)
        )
        return f"/{segment}/{num}-{slugify(row['title'])}", num
    if source == "bbcarabic":
        match = re.search(r"-(\d+)$", url_path)
        return url_path, int(match.group(1)) if match else None
    return url_path, None


def ant_article(row: dict[str, Any]) -> DemoArticle:
    """One ANT row as an article of its demo outlet."""
    source = ANT_SOURCE_OUTLET[row["src"]]
    outlet = OUTLETS[source]
    segment = outlet.categories[row["cat"]][0]
    path, num = _ant_path(row, source, segment)
    published = datetime.fromisoformat(row["time_iso"])
    rng = random.Random(row["docno"])
    return DemoArticle(
        source=source,
        key=row["docno"],
        path=path,
        title=row["title"].strip(),
        blocks=_paragraphs(row["text"]),
        published=published,
        author=(row.get("author") or "").strip(),
        lang="ar",
        category=row["cat"],
        summary=" ".join((row.get("abstract") or "").split()),
        num=num,
        image=image_path(source, path, published),
        caption=rng.choice(_CAPTIONS_AR),
        pubdate=row["time"].strip(),
    )


def hespress_articles() -> list[DemoArticle]:
    """The one Hespress article of the demo (from the Maghress seed page)."""
    data = json.loads(_data("hespress.json"))
    published = datetime.fromisoformat(data["published"])
    path = f"/{slugify(data['title'], 7)}-{data['num']}.html"
    blocks = tuple((tag, text) for tag, text in data["blocks"])
    first = next(text for tag, text in blocks if tag == "p")
    return [
        DemoArticle(
            source="hespress",
            key=f"hespress-{data['num']}",
            path=path,
            title=data["title"],
            blocks=blocks,
            published=published,
            author=data.get("author", ""),
            lang="ar",
            category="politique",
            summary=first,
            num=data["num"],
            image=image_path("hespress", path, published),
            caption="عبد اللطيف حموشي - صورة أرشيفية",
            pubdate=format_datetime(published),
        )
    ]


def french_articles() -> list[DemoArticle]:
    """The French outlets' articles (fundus gold values)."""
    out = []
    for item in json.loads(_data("fundus_fr.json")):
        source = FUNDUS_OUTLET[item["publisher"]]
        outlet = OUTLETS[source]
        path = urlsplit(item["url"]).path
        first_segment = path.strip("/").split("/")[0]
        category = next(
            (k for k, (seg, _label) in outlet.categories.items() if seg == first_segment),
            next(iter(outlet.categories)),
        )
        blocks: list[tuple[str, str]] = []
        for section in item["sections"]:
            blocks.extend(("h2", h) for h in section["headline"])
            blocks.extend(("p", p) for p in section["paragraphs"])
        published = datetime.fromisoformat(item["publishing_date"])
        match = re.search(outlet.id_pattern, path) if outlet.id_pattern else None
        out.append(
            DemoArticle(
                source=source,
                key=f"{source}-{image_key(source, path)}",
                path=path,
                title=item["title"],
                blocks=tuple(blocks),
                published=published,
                author=", ".join(item["authors"]),
                lang="fr",
                category=category,
                summary=" ".join(item["summary"]),
                num=int(match.group(1)) if match else None,
                image=image_path(source, path, published),
                caption=item.get("image_caption", ""),
                pubdate=format_datetime(published),
            )
        )
    return out


def archive_records(limit: int | None = None) -> list[dict[str, Any]]:
    """The ANT rows as lines of a ``nashra import`` archive (what an operator moving an archive
    in would write): the bulk import's tests and benchmark read these."""
    return [
        {
            "source": ANT_SOURCE_OUTLET[row["src"]],
            "url": row["url"],
            "title": row["title"],
            "text": row["text"],
            "summary": row["abstract"],
            "published": row["time_iso"],
            "author": row["author"],
            "lang": "ar",
        }
        for row in load_ant_rows()[:limit]
    ]
