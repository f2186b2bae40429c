"""Shared builders for the portal's tests: a real SQLite archive filled through ``Store``.

(No tests here; the portal's test modules import these helpers.)
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import lxml.html
from PIL import Image
from sqlalchemy import insert

from nashra.config import Settings
from nashra.ingest import save_article
from nashra.media.paths import media_path
from nashra.model import Article
from nashra.sections import SECTIONS
from nashra.sources.registry import Source
from nashra.store import Store
from nashra.store.schema import images

DATA = Path(__file__).parent / "data" / "web"
SEED = json.loads((DATA / "seed_article.json").read_text(encoding="utf-8"))
SEED_NUM = 385472
T0 = datetime(2023, 12, 14, 9, 0, tzinfo=UTC)
AUTHOR = "محمد العلوي"


@dataclass
class Archive:
    settings: Settings
    store: Store
    seed_sha: str
    counts: dict[str, int]


def add_image(
    store: Store, settings: Settings, colour: tuple[int, int, int], size=(1200, 675)
) -> tuple[int, str]:
    """A real re-hosted image: both sizes written as WebP files, plus its ``images`` row."""
    img = Image.new("RGB", size, colour)
    raw = img.tobytes()
    sha = hashlib.sha256(raw).hexdigest()
    for name, width in (("full", 960), ("thumb", 320)):
        path = media_path(settings.media_dir, sha, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        img.resize((width, round(size[1] * width / size[0]))).save(path, "WEBP")
    with store.engine.begin() as conn:
        image_id = conn.execute(
            insert(images).values(
                sha256=sha, source_url=f"https://img.example/{sha[:8]}.jpg", mime="image/jpeg",
                width=size[0], height=size[1], state="visible", created_at=datetime.now(UTC),
            )
        ).inserted_primary_key[0]  # fmt: skip
    return image_id, sha


def build_archive(tmp_path: Path, *, check_seconds: float = 0.0, fillers: int = 45) -> Archive:
    """Three outlets (two Arabic, one French), the seed article with its image, ``fillers``
    more Arabic articles spread over sections and hours, a copy and an untitled item."""
    settings = Settings(data_dir=tmp_path / "data").override(cache_check_seconds=check_seconds)
    store = Store.open(settings.resolved_database_url)
    store.sync_sources(
        [
            Source(
                slug="hespress",
                name_ar="هسبريس",
                name_fr="Hespress",
                site_url="https://www.hespress.com",
            ),
            Source(slug="alyaoum24", name_ar="اليوم 24", site_url="https://www.alyaoum24.com"),
            Source(slug="lematin", name_fr="Le Matin", site_url="https://lematin.ma", lang="fr"),
        ]
    )
    counts = {"hespress": 0, "alyaoum24": 0, "lematin": 0}
    seed = save_article(
        store,
        Article(
            source="hespress",
            url=f"https://www.hespress.com/seed-{SEED_NUM}.html",
            title=SEED["title"],
            body_html=SEED["body_html"],
            body_text=lxml.html.fromstring(SEED["body_html"]).text_content(),
            summary=lxml.html.fromstring(SEED["body_html"]).text_content()[:400],
            num=SEED_NUM,
            published=T0,
            section="politics",
            body_hash="seed-body",
        ),
    )
    counts["hespress"] += 1
    image_id, seed_sha = add_image(store, settings, (200, 30, 30))
    store.set_article_image(seed.pk, image_id)
    headlines = SEED["ticker_sample"]
    sections = [s for s in SECTIONS if s != "technology"]
    for i in range(fillers):
        source = "hespress" if i % 2 == 0 else "alyaoum24"
        result = save_article(
            store,
            Article(
                source=source,
                url=f"https://example.ma/{source}/{i}",
                title=headlines[i % len(headlines)] + f" ({i})",
                body_html=f"<p>{headlines[(i + 1) % len(headlines)]}</p><h2>تفاصيل</h2><p>نص الخبر رقم {i}</p>",
                body_text=f"{headlines[(i + 1) % len(headlines)]}\nنص الخبر رقم {i}",
                summary=" ".join(headlines[(i + k) % len(headlines)] for k in range(1, 5)),
                num=1000 + i if source == "alyaoum24" else None,
                published=T0 + timedelta(hours=i + 1),
                author=AUTHOR if i % 3 == 0 else "",
                section=sections[i % len(sections)],
            ),
        )
        counts[source] += 1
        if i % 4 == 0:
            image_id, _ = add_image(store, settings, (i * 5 % 255, 90, 140))
            store.set_article_image(result.pk, image_id)
    # an exact copy of the seed by another outlet, an untitled item, a French article
    save_article(
        store,
        Article(
            source="alyaoum24",
            url="https://example.ma/copy",
            title="نسخة " + SEED["title"],
            body_html=SEED["body_html"],
            num=777,
            published=T0 + timedelta(minutes=30),
            section="politics",
            body_hash="seed-body",
        ),  # fmt: skip
    )
    counts["alyaoum24"] += 1
    save_article(
        store,
        Article(
            source="alyaoum24",
            url="https://example.ma/untitled",
            title="",
            summary="خبر بلا عنوان يظهر نصه بدلا من العنوان في الشريط",
            num=778,
            published=T0 + timedelta(hours=fillers + 2),
            section="society",
        ),  # fmt: skip
    )
    counts["alyaoum24"] += 1
    save_article(
        store,
        Article(
            source="lematin",
            url="https://lematin.ma/article/42",
            title="Le Maroc et la France renforcent leur coopération",
            body_html="<p>Rabat et Paris ont signé un accord.</p><h2>Un accord</h2><p>Détails.</p>",
            body_text="Rabat et Paris ont signé un accord.",
            lang="fr",
            num=42,
            published=T0 + timedelta(hours=3),
            author="Jean Dupont",
            section="politics",
        ),  # fmt: skip
    )
    counts["lematin"] += 1
    return Archive(settings, store, seed_sha, counts)


def parse(html: str | bytes) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(html)


def position(doc: lxml.html.HtmlElement, element: Any) -> int:
    """Document order of ``element`` (index in a depth-first walk)."""
    for index, node in enumerate(doc.iter()):
        if node is element:
            return index
    raise AssertionError("element not in document")


class LiveServer:
    """The app under a real uvicorn on a loopback port chosen by the OS."""

    def __init__(self, app: Any, **options: Any) -> None:
        import uvicorn

        options = {"log_level": "warning", **options}
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, **options))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(10)


_SIMPLE = re.compile(r"([a-zA-Z0-9*]*)((?:[.#][\w-]+|\[[^\]]+\])*)")


def _simple_xpath(simple: str) -> str:
    match = _SIMPLE.fullmatch(simple)
    if match is None:
        raise ValueError(f"unsupported selector {simple!r}")
    tag, rest = match.group(1) or "*", match.group(2)
    conditions = []
    for part in re.findall(r"[.#][\w-]+|\[[^\]]+\]", rest):
        if part[0] == ".":
            conditions.append(
                f"contains(concat(' ', normalize-space(@class), ' '), ' {part[1:]} ')"
            )
        elif part[0] == "#":
            conditions.append(f"@id='{part[1:]}'")
        else:
            name, _, value = part[1:-1].partition("=")
            value = value.strip("'\"")
            conditions.append(f"@{name}='{value}'" if _ else f"@{name}")
    return tag + "".join(f"[{c}]" for c in conditions)


def css(element: Any, selector: str) -> list[Any]:
    """A small CSS selector engine (tags, classes, ids, attributes, descendant/child, comma)
    over lxml's XPath, enough for the portal's tests."""
    paths = []
    for group in selector.split(","):
        xpath, combinator = ".", "//"
        for token in re.split(r"(\s*>\s*|\s+)", group.strip()):
            if not token.strip():
                combinator = "//" if token else combinator
                continue
            if token.strip() == ">":
                combinator = "/"
                continue
            xpath += combinator + _simple_xpath(token)
            combinator = "//"
        paths.append(xpath)
    found = element.xpath(" | ".join(paths))
    return found
