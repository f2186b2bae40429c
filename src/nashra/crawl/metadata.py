"""Article metadata read straight from a page's markup: Open Graph, JSON-LD, meta tags, <time>.

Cheap on purpose (a handful of XPath look-ups on the tree that extraction parses anyway); the
body extractor then needs no metadata pass of its own.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from lxml import etree

from nashra.text.dates import parse_date

log = logging.getLogger("nashra.crawl.metadata")

ARTICLE_TYPES = {"article", "newsarticle", "reportagenewsarticle", "blogposting", "analysisnewsarticle",
                 "opinionnewsarticle", "backgroundnewsarticle", "webpage", "report"}  # fmt: skip


@dataclass
class PageMetadata:
    title: str = ""
    author: str = ""
    published: str = ""  # raw; parsed by nashra.text.dates
    modified: str = ""
    image: str = ""
    canonical: str = ""
    description: str = ""
    site_name: str = ""
    lang: str = ""
    categories: list[str] = field(default_factory=list)


def _meta(tree: etree._Element) -> dict[str, str]:
    found: dict[str, str] = {}
    for el in tree.iterfind(".//meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        value = (el.get("content") or "").strip()
        if key and value and key not in found:
            found[key] = value
    return found


def _jsonld_objects(tree: etree._Element) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for script in tree.iterfind(".//script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except (ValueError, RecursionError):
            log.debug("unreadable JSON-LD block skipped")
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                if "@graph" in item:
                    stack.append(item["@graph"])
                kind = item.get("@type")
                kinds = kind if isinstance(kind, list) else [kind]
                if any(isinstance(k, str) and k.lower() in ARTICLE_TYPES for k in kinds):
                    out.append(item)
    return out


def _name(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        return _name(value.get("name") or value.get("url") or "")
    if isinstance(value, list):
        return ", ".join(n for n in (_name(v) for v in value) if n)
    return ""


def read_metadata(tree: etree._Element, url: str = "") -> PageMetadata:
    """Collect what the page says about itself; the first trustworthy source of each field wins."""
    meta = _meta(tree)
    ld = _jsonld_objects(tree)
    doc = ld[0] if ld else {}
    md = PageMetadata()
    md.title = (
        meta.get("og:title")
        or _name(doc.get("headline"))
        or meta.get("twitter:title")
        or _first_text(tree, ".//h1")
        or _first_text(tree, ".//title")
    )
    md.author = (
        _name(doc.get("author"))
        or meta.get("author")
        or meta.get("article:author")
        or meta.get("dc.creator")
        or ""
    )
    if md.author.startswith(("http://", "https://")):
        md.author = ""
    md.published = (
        meta.get("article:published_time")
        or _name(doc.get("datePublished"))
        or meta.get("pubdate")
        or meta.get("publishdate")
        or meta.get("date")
        or meta.get("dc.date")
        or _time_attr(tree)
    )
    md.modified = meta.get("article:modified_time") or _name(doc.get("dateModified")) or ""
    image = doc.get("image")
    md.image = (
        meta.get("og:image")
        or meta.get("og:image:url")
        or (_name(image) if not isinstance(image, dict) else _name(image.get("url")))
        or meta.get("twitter:image")
        or _link(tree, "image_src")
        or _first_body_image(tree)
    )
    md.canonical = _link(tree, "canonical") or meta.get("og:url") or ""
    md.description = meta.get("og:description") or meta.get("description") or ""
    md.site_name = meta.get("og:site_name") or _name(doc.get("publisher")) or ""
    md.lang = (tree.get("lang") or meta.get("og:locale", "")[:2] or "").split("-")[0].lower()
    section = meta.get("article:section") or _name(doc.get("articleSection"))
    md.categories = [section] if section else []
    if url:
        md.image = urljoin(url, md.image) if md.image else ""
        md.canonical = urljoin(url, md.canonical) if md.canonical else ""
    return md


def _first_text(tree: etree._Element, path: str) -> str:
    el = tree.find(path)
    if el is None:
        return ""
    return " ".join("".join(el.itertext()).split())


def _first_body_image(tree: etree._Element) -> str:
    found = tree.xpath("(//article//img/@src | //figure//img/@src | //main//img/@src)[1]")
    return str(found[0]).strip() if found else ""


def _time_attr(tree: etree._Element) -> str:
    el = tree.find(".//time[@datetime]")
    return (el.get("datetime") or "").strip() if el is not None else ""


def _link(tree: etree._Element, rel: str) -> str:
    for el in tree.iterfind(".//link"):
        if rel in (el.get("rel") or "").lower().split():
            return (el.get("href") or "").strip()
    return ""


def parse_published(md: PageMetadata) -> datetime | None:
    return parse_date(md.published) if md.published else None
