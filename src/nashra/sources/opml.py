"""OPML import and export of the sources registry, so operators can move outlets between readers.

Export writes standard OPML 2.0 (one ``<outline type="rss">`` per feed) that any reader accepts,
plus ``nashra:*`` attributes that other readers ignore and that let a Nashra → Nashra round trip
keep each outlet's slug, names, language and sections. Import accepts what other readers write:
nested folders, missing titles, odd attribute case, several feeds of one site.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.utils import formatdate
from urllib.parse import urlsplit

from lxml import etree

from nashra.sections import SECTIONS
from nashra.sources.discover import FEED_HOSTS
from nashra.sources.registry import (
    LANGS,
    Registry,
    SlugError,
    Source,
    derive_slug,
    source_problems,
    validate_slug,
)
from nashra.sources.rules import parse_rules, rules_to_mapping

NASHRA_NS = "https://github.com/nashra/nashra#opml"
_N = f"{{{NASHRA_NS}}}"

# Second-level labels that name no outlet ("almassae.press.ma", "bbc.co.uk").
_GENERIC_LABELS = frozenset({"co", "com", "net", "org", "gov", "ac", "edu", "press", "info"})
_HOST_PREFIXES = ("www.", "m.", "feeds.", "feed.", "rss.")
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")


# ---------------------------------------------------------------------------------------- export


def export_opml(registry: Registry, title: str = "Nashra sources") -> str:
    """The registry as OPML 2.0: one outline per feed; outlets without feeds as link outlines.

    Outlets that only have a home page (the crawler discovers their feeds) are written as
    ``type="link"`` outlines, which other readers skip, so the file still round-trips whole.
    """
    root = etree.Element("opml", version="2.0", nsmap={"nashra": NASHRA_NS})
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    etree.SubElement(head, "dateCreated").text = formatdate(usegmt=True)
    body = etree.SubElement(root, "body")
    for source in registry.values():
        if source.feeds:
            for feed in source.feeds:
                outline = etree.SubElement(body, "outline", type="rss")
                _describe(outline, source)
                outline.set("xmlUrl", feed)
        else:
            outline = etree.SubElement(body, "outline", type="link")
            _describe(outline, source)
            if source.site_url:
                outline.set("url", source.site_url)
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True).decode(
        "utf-8"
    )


def _describe(outline: etree._Element, source: Source) -> None:
    name = source.name(source.lang)
    outline.set("text", name)
    outline.set("title", name)
    if source.site_url:
        outline.set("htmlUrl", source.site_url)
    outline.set("language", source.lang)
    if source.default_section:
        outline.set("category", f"/{source.default_section}")
    outline.set(_N + "slug", source.slug)
    for lang in LANGS:
        value = getattr(source, f"name_{lang}")
        if value:
            outline.set(f"{_N}name{lang.capitalize()}", value)
    outline.set(_N + "lang", source.lang)
    if source.default_section:
        outline.set(_N + "section", source.default_section)
    if source.id_pattern:
        outline.set(_N + "idPattern", source.id_pattern)
    if source.categories:
        outline.set(_N + "categories", json.dumps(source.categories, ensure_ascii=False))
    for attr, name in (("provenance", "provenance"), ("verified", "verified"),
                       ("disabled_reason", "disabledReason")):  # fmt: skip
        if getattr(source, attr):
            outline.set(_N + name, getattr(source, attr))
    if source.extract is not None and not source.extract.is_empty():
        outline.set(
            _N + "extract", json.dumps(rules_to_mapping(source.extract), ensure_ascii=False)
        )
    if not source.enabled:
        outline.set(_N + "enabled", "false")


# ---------------------------------------------------------------------------------------- import


@dataclass
class OpmlImport:
    """What an OPML file yielded: the sources, and every outline that was skipped or changed."""

    sources: list[Source] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class _Feed:
    xml_url: str
    html_url: str
    title: str
    language: str
    folders: list[str]
    categories: list[str]
    nashra: dict[str, str]
    where: str


def import_opml(text: str | bytes, existing: Iterable[str] = ()) -> list[Source]:
    """The sources in an OPML file (see :func:`read_opml` for the skipped outlines)."""
    return read_opml(text, existing).sources


def read_opml(text: str | bytes, existing: Iterable[str] = ()) -> OpmlImport:
    """Read OPML from any reader into sources whose slugs are valid and not in ``existing``.

    Raises ValueError with a clear message when the file is not OPML at all; outlines that
    cannot become sources are listed in ``problems`` instead of being dropped silently.
    """
    root = _parse(text)
    body = _child(root, "body")
    if body is None:
        raise ValueError("not a usable OPML document: it has no <body> element")
    result = OpmlImport()
    feeds: list[_Feed] = []
    _walk(body, [], feeds, result.problems, "body")
    groups: dict[str, list[_Feed]] = {}
    for feed in feeds:
        groups.setdefault(_group_key(feed), []).append(feed)
    taken = set(existing)
    for members in groups.values():
        source = _to_source(members, taken, result.problems)
        if source is not None:
            taken.add(source.slug)
            result.sources.append(source)
    return result


def _parse(text: str | bytes) -> etree._Element:
    """Parse with entity expansion, DTD loading and network access all off."""
    if isinstance(text, str):
        # lxml refuses str with an encoding declaration; bytes let the declaration speak.
        text = text.encode("utf-8")
        text = re.sub(rb"^\s*<\?xml[^>]*\?>", b"", text, count=1)
    if not text.strip():
        raise ValueError("not an OPML document: the file is empty")
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(text, parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"not well-formed XML, so not OPML: {exc}") from None
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise ValueError("refusing OPML that declares XML entities (<!ENTITY>): OPML needs none")
    if _local(root.tag) != "opml":
        raise ValueError(f"not an OPML document: the root element is <{_local(root.tag)}>")
    return root


def _local(tag: object) -> str:
    return etree.QName(tag).localname.lower() if isinstance(tag, str) else ""


def _child(element: etree._Element, name: str) -> etree._Element | None:
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _attrs(outline: etree._Element) -> tuple[dict[str, str], dict[str, str]]:
    """Plain attributes keyed in lowercase (readers disagree on case) and nashra:* attributes."""
    plain: dict[str, str] = {}
    nashra: dict[str, str] = {}
    for key, value in outline.attrib.items():
        qname = etree.QName(key)
        if qname.namespace == NASHRA_NS:
            nashra[qname.localname] = value
        elif qname.namespace is None:
            plain[qname.localname.lower()] = value.strip()
    return plain, nashra


def _walk(
    element: etree._Element,
    folders: list[str],
    feeds: list[_Feed],
    problems: list[str],
    path: str,
) -> None:
    index = 0
    for child in element:
        if _local(child.tag) != "outline":
            continue
        index += 1
        where = f"{path}/outline[{index}]"
        plain, nashra = _attrs(child)
        label = plain.get("title") or plain.get("text") or ""
        where_named = f"{where} ({label!r})" if label else where
        xml_url = plain.get("xmlurl", "")
        kind = plain.get("type", "").lower()
        if xml_url or (kind == "link" and "slug" in nashra):
            url = _feed_url(xml_url) if xml_url else ""
            if xml_url and url is None:
                problems.append(f"{where_named}: skipped: xmlUrl {xml_url!r} is not http(s)")
            else:
                feeds.append(
                    _Feed(
                        xml_url=url or "",
                        html_url=plain.get("htmlurl") or plain.get("url", ""),
                        title=label,
                        language=plain.get("language", ""),
                        folders=list(folders),
                        categories=_split_categories(plain.get("category", "")),
                        nashra=nashra,
                        where=where_named,
                    )
                )
        elif len(child) == 0 and kind in ("rss", "atom"):
            problems.append(f"{where_named}: skipped: a feed outline without xmlUrl")
        _walk(child, [*folders, label] if label else folders, feeds, problems, where)


def _feed_url(value: str) -> str | None:
    """A usable http(s) feed address, accepting the old ``feed:`` pseudo-scheme."""
    if value.startswith("feed:"):
        value = value[5:]
        value = value if value.startswith(("http:", "https:")) else "http:" + value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in value:
        return None
    return value


def _split_categories(value: str) -> list[str]:
    return [part.strip() for item in value.split(",") for part in item.split("/") if part.strip()]


def _host(url: str) -> str:
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host


def _group_key(feed: _Feed) -> str:
    """Feeds of one site share a key: their explicit slug, else the site's host."""
    if feed.nashra.get("slug"):
        return "slug:" + feed.nashra["slug"]
    host = _host(feed.html_url) or _host(feed.xml_url)
    if not host or host in FEED_HOSTS and not _host(feed.html_url):
        return "feed:" + feed.xml_url
    return "host:" + host


def _host_slug_hint(host: str) -> str:
    """'fr.hespress.com' → 'hespress-fr'; 'almassae.press.ma' → 'almassae'."""
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix):
            host = host[len(prefix) :]
            break
    labels = host.split(".")[:-1] or host.split(".")
    while len(labels) > 1 and labels[-1] in _GENERIC_LABELS:
        labels.pop()
    return "-".join([labels[-1], *reversed(labels[:-1])])


def _guess_lang(feeds: list[_Feed]) -> str:
    for feed in feeds:
        declared = feed.language.lower()[:2]
        if declared in LANGS:
            return declared
    for feed in feeds:
        first = _host(feed.xml_url).split(".")[0]
        if first in LANGS:
            return first
    titles = " ".join(feed.title for feed in feeds)
    if _ARABIC.search(titles):
        return "ar"
    # Nashra serves Arabic with French beside it: a Latin-script outlet is most likely French.
    return "fr" if _LATIN.search(titles) else "ar"


def _section_for(feeds: list[_Feed]) -> str | None:
    names = {slug: slug for slug in SECTIONS}
    for slug, labels in SECTIONS.items():
        for label in labels.values():
            names[label.casefold()] = slug
    for feed in feeds:
        for label in [*reversed(feed.categories), *reversed(feed.folders)]:
            slug = names.get(label.strip().casefold())
            if slug:
                return slug
    return None


def _to_source(feeds: list[_Feed], taken: set[str], problems: list[str]) -> Source | None:
    first = feeds[0]
    meta = first.nashra
    slug = _choose_slug(feeds, taken, problems)
    if slug is None:
        return None
    urls = list(dict.fromkeys(feed.xml_url for feed in feeds if feed.xml_url))
    html_url = _site_url(feeds, derive="slug" not in meta)
    if html_url and _feed_url(html_url) is None:
        problems.append(f"{first.where}: ignored htmlUrl {html_url!r}: not an http(s) address")
        html_url = ""
    lang = meta.get("lang") if meta.get("lang") in LANGS else _guess_lang(feeds)
    source = Source(slug=slug, site_url=html_url, feeds=urls, lang=lang)
    if "slug" in meta:
        source.name_ar = meta.get("nameAr", "")
        source.name_fr = meta.get("nameFr", "")
        source.name_en = meta.get("nameEn", "")
        source.default_section = meta.get("section") or None
        source.id_pattern = meta.get("idPattern") or None
        source.enabled = meta.get("enabled", "true").lower() != "false"
        source.provenance = meta.get("provenance", "")
        source.verified = meta.get("verified", "")
        source.disabled_reason = meta.get("disabledReason", "")
        if meta.get("categories"):
            try:
                categories = json.loads(meta["categories"])
                source.categories = categories if isinstance(categories, dict) else {}
            except json.JSONDecodeError:
                problems.append(f"{first.where}: ignored nashra:categories: not JSON")
        if meta.get("extract"):
            try:
                rules, rule_problems = parse_rules(json.loads(meta["extract"]))
            except json.JSONDecodeError:
                rules, rule_problems = None, ["not JSON"]
            if rule_problems:
                problems.append(
                    f"{first.where}: ignored nashra:extract: " + "; ".join(rule_problems)
                )
            else:
                source.extract = rules
    else:
        title = next((feed.title for feed in feeds if feed.title), "")
        if title:
            key = "ar" if _ARABIC.search(title) else lang
            setattr(source, f"name_{key}", title)
        source.default_section = _section_for(feeds)
    bad = [p for p in source_problems(source) if not p.startswith("slug ")]
    if bad:
        problems.append(f"{first.where}: skipped {slug!r}: " + "; ".join(bad))
        return None
    return source


def _site_url(feeds: list[_Feed], derive: bool) -> str:
    """The outlet's home page: its one htmlUrl, the origin of several, or of its feed address."""
    pages = list(dict.fromkeys(feed.html_url for feed in feeds if feed.html_url))
    if len(pages) == 1 or (pages and not derive):
        return pages[0]
    if pages:
        return _origin(pages[0])
    if derive:
        xml_url = next((feed.xml_url for feed in feeds if feed.xml_url), "")
        if xml_url and _host(xml_url) not in FEED_HOSTS:
            return _origin(xml_url)
    return ""


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else url


def _choose_slug(feeds: list[_Feed], taken: set[str], problems: list[str]) -> str | None:
    first = feeds[0]
    explicit = first.nashra.get("slug")
    if explicit:
        try:
            return validate_slug(explicit, taken)
        except SlugError as exc:
            problems.append(f"{first.where}: {exc}; deriving another slug")
    hints: list[str] = []
    for feed in feeds:
        host = _host(feed.html_url) or (
            _host(feed.xml_url) if _host(feed.xml_url) not in FEED_HOSTS else ""
        )
        if host:
            hints.append(_host_slug_hint(host))
            break
    hints.extend(feed.title for feed in feeds if feed.title)
    for hint in hints:
        try:
            return derive_slug(hint, taken)
        except SlugError:
            continue
    problems.append(f"{first.where}: skipped: no title or address to name the outlet by")
    return None
