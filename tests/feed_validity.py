"""Structural validation of RSS 2.0 and Atom 1.0 documents with lxml, stricter than feedparser's
``bozo`` flag (which only reports XML that does not parse): the elements each spec requires, RFC
822 / RFC 3339 dates, absolute URLs, unique guids/ids, ``atom:link rel=self``, enclosures with a
length and a type. Each function returns the problems found (an empty list for a valid feed), so
a failing test prints all of them at once.

(No tests here: ``test_web_feed_validity.py`` and ``test_web_demo.py`` use these.)
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from lxml import etree

ATOM = "http://www.w3.org/2005/Atom"
DC = "http://purl.org/dc/elements/1.1/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# RFC 822 as RSS 2.0 uses it (with RFC 1123's four-digit year): "Thu, 14 Dec 2023 09:00:00 GMT"
_RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"(\d{4}) \d{2}:\d{2}:\d{2} (GMT|UT|[+-]\d{4})$"
)
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_MIME = re.compile(r"^[a-z]+/[a-z0-9.+-]+$")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# Elements RSS 2.0 defines (no namespace) for channel and item.
RSS_CHANNEL = {
    "title", "link", "description", "language", "copyright", "managingEditor", "webMaster",
    "pubDate", "lastBuildDate", "category", "generator", "docs", "cloud", "ttl", "image",
    "rating", "textInput", "skipHours", "skipDays", "item",
}  # fmt: skip
RSS_ITEM = {
    "title", "link", "description", "author", "category", "comments", "enclosure", "guid",
    "pubDate", "source",
}  # fmt: skip


def is_absolute(url: str | None) -> bool:
    parts = urlsplit(url or "")
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def rfc822_problem(value: str | None) -> str | None:
    """Why ``value`` is not an RFC 822 date (None when it is one)."""
    match = _RFC822.match(value or "")
    if match is None:
        return f"not an RFC 822 date: {value!r}"
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return f"impossible RFC 822 date: {value!r}"
    if _DAYS[parsed.weekday()] != match.group(1):
        return f"wrong day of the week in {value!r}"
    return None


def rfc3339_problem(value: str | None) -> str | None:
    """Why ``value`` is not an RFC 3339 timestamp (None when it is one)."""
    if not _RFC3339.match(value or ""):
        return f"not an RFC 3339 date: {value!r}"
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))  # type: ignore[union-attr]
    except ValueError:
        return f"impossible RFC 3339 date: {value!r}"
    return None


def _parse(body: bytes) -> tuple[etree._Element | None, list[str]]:
    try:
        return etree.fromstring(body, etree.XMLParser(resolve_entities=False)), []
    except etree.XMLSyntaxError as exc:
        return None, [f"not well-formed XML: {exc}"]


def _one(
    parent: etree._Element, tag: str, where: str, problems: list[str]
) -> etree._Element | None:
    found = parent.findall(tag)
    if len(found) != 1:
        problems.append(f"{where}: expected exactly one <{tag}>, found {len(found)}")
        return None
    return found[0]


def validate_rss(body: bytes, self_url: str | None = None) -> list[str]:
    """Problems of an RSS 2.0 document (https://www.rssboard.org/rss-specification)."""
    root, problems = _parse(body)
    if root is None:
        return problems
    if root.tag != "rss" or root.get("version") != "2.0":
        return [f"root is <{root.tag} version={root.get('version')!r}>, not <rss version='2.0'>"]
    channels = root.findall("channel")
    if len(channels) != 1:
        return [f"expected one <channel>, found {len(channels)}"]
    channel = channels[0]
    for tag in ("title", "description"):
        _one(channel, tag, "channel", problems)
    link = _one(channel, "link", "channel", problems)
    if link is not None and not is_absolute(link.text):
        problems.append(f"channel link is not an absolute URL: {link.text!r}")
    title = channel.find("title")
    if title is not None and not (title.text or "").strip():
        problems.append("channel title is empty")
    for child in channel:
        if isinstance(child.tag, str) and "}" not in child.tag and child.tag not in RSS_CHANNEL:
            problems.append(f"channel: <{child.tag}> is not an RSS 2.0 element")
    language = channel.findtext("language")
    if language is not None and not _LANGUAGE.match(language):
        problems.append(f"channel language is not a language code: {language!r}")
    for tag in ("pubDate", "lastBuildDate"):
        for node in channel.findall(tag):
            if problem := rfc822_problem(node.text):
                problems.append(f"channel {tag}: {problem}")
    selves = [n for n in channel.findall(f"{{{ATOM}}}link") if n.get("rel") == "self"]
    if len(selves) != 1:
        problems.append(f"expected one atom:link rel=self in the channel, found {len(selves)}")
    else:
        href = selves[0].get("href")
        if not is_absolute(href):
            problems.append(f"atom:link rel=self is not absolute: {href!r}")
        if self_url is not None and href != self_url:
            problems.append(f"atom:link rel=self is {href!r}, the feed is at {self_url!r}")
        if selves[0].get("type") != "application/rss+xml":
            problems.append(f"atom:link rel=self has type {selves[0].get('type')!r}")
    guids: list[str] = []
    for i, item in enumerate(channel.findall("item")):
        where = f"item {i}"
        for child in item:
            if isinstance(child.tag, str) and "}" not in child.tag and child.tag not in RSS_ITEM:
                problems.append(f"{where}: <{child.tag}> is not an RSS 2.0 element")
        if not (item.findtext("title") or "").strip() and not (item.findtext("description") or ""):
            problems.append(f"{where}: needs a title or a description")
        for tag in ("title", "link", "description", "guid", "pubDate", "author", "comments"):
            if len(item.findall(tag)) > 1:
                problems.append(f"{where}: more than one <{tag}>")
        link_text = item.findtext("link")
        if link_text is not None and not is_absolute(link_text):
            problems.append(f"{where}: link is not absolute: {link_text!r}")
        guid = item.find("guid")
        if guid is not None:
            guids.append(guid.text or "")
            permalink = guid.get("isPermaLink", "true") == "true"
            if permalink and not is_absolute(guid.text):
                problems.append(f"{where}: permalink guid is not an absolute URL: {guid.text!r}")
        pub = item.find("pubDate")
        if pub is not None and (problem := rfc822_problem(pub.text)):
            problems.append(f"{where} pubDate: {problem}")
        creator = item.find(f"{{{DC}}}creator")
        if creator is not None and not (creator.text or "").strip():
            problems.append(f"{where}: empty dc:creator")
        enclosures = item.findall("enclosure")
        if len(enclosures) > 1:
            problems.append(f"{where}: more than one enclosure")
        for enc in enclosures:
            if not is_absolute(enc.get("url")):
                problems.append(f"{where}: enclosure url is not absolute: {enc.get('url')!r}")
            if not (enc.get("length") or "").isdigit() or int(enc.get("length")) <= 0:
                problems.append(
                    f"{where}: enclosure length is not a byte count: {enc.get('length')!r}"
                )
            if not _MIME.match(enc.get("type") or ""):
                problems.append(f"{where}: enclosure type is not a MIME type: {enc.get('type')!r}")
    for guid, count in Counter(guids).items():
        if count > 1:
            problems.append(f"guid {guid!r} appears {count} times")
    return problems


def _atom_links(parent: etree._Element, where: str, problems: list[str]) -> list[etree._Element]:
    links = parent.findall(f"{{{ATOM}}}link")
    for link in links:
        if not is_absolute(link.get("href")):
            problems.append(f"{where}: link href is not absolute: {link.get('href')!r}")
    alternates = Counter(
        (link.get("type"), link.get("hreflang"))
        for link in links
        if link.get("rel", "alternate") == "alternate"
    )
    for key, count in alternates.items():
        if count > 1:
            problems.append(f"{where}: {count} rel=alternate links with type/hreflang {key}")
    return links


def validate_atom(body: bytes, self_url: str | None = None) -> list[str]:
    """Problems of an Atom 1.0 document (RFC 4287)."""
    root, problems = _parse(body)
    if root is None:
        return problems
    A = lambda tag: f"{{{ATOM}}}{tag}"  # noqa: E731
    if root.tag != A("feed"):
        return [f"root is <{root.tag}>, not atom:feed"]
    feed_id = _one(root, A("id"), "feed", problems)
    if feed_id is not None and not is_absolute(feed_id.text):
        problems.append(f"feed id is not an absolute IRI: {feed_id.text!r}")
    title = _one(root, A("title"), "feed", problems)
    if title is not None and not (title.text or "").strip():
        problems.append("feed title is empty")
    updated = _one(root, A("updated"), "feed", problems)
    feed_updated = None
    if updated is not None:
        if problem := rfc3339_problem(updated.text):
            problems.append(f"feed updated: {problem}")
        else:
            feed_updated = datetime.fromisoformat(updated.text.replace("Z", "+00:00"))
    if root.get(XML_LANG) is None:
        problems.append("feed has no xml:lang")
    links = _atom_links(root, "feed", problems)
    selves = [link for link in links if link.get("rel") == "self"]
    if len(selves) != 1:
        problems.append(f"expected one link rel=self in the feed, found {len(selves)}")
    elif self_url is not None and selves[0].get("href") != self_url:
        problems.append(f"link rel=self is {selves[0].get('href')!r}, the feed is at {self_url!r}")
    feed_has_author = root.find(A("author")) is not None
    for author in root.findall(A("author")):
        if not (author.findtext(A("name")) or "").strip():
            problems.append("feed author has no name")
    ids: list[str] = []
    for i, entry in enumerate(root.findall(A("entry"))):
        where = f"entry {i}"
        entry_id = _one(entry, A("id"), where, problems)
        if entry_id is not None:
            ids.append(entry_id.text or "")
            if not is_absolute(entry_id.text):
                problems.append(f"{where}: id is not an absolute IRI: {entry_id.text!r}")
        title = _one(entry, A("title"), where, problems)
        if title is not None and not (title.text or "").strip():
            problems.append(f"{where}: empty title")
        entry_updated = _one(entry, A("updated"), where, problems)
        up = None
        if entry_updated is not None:
            if problem := rfc3339_problem(entry_updated.text):
                problems.append(f"{where} updated: {problem}")
            else:
                up = datetime.fromisoformat(entry_updated.text.replace("Z", "+00:00"))
                if feed_updated is not None and up > feed_updated:
                    problems.append(f"{where} updated after the feed's own updated")
        for published in entry.findall(A("published")):
            if problem := rfc3339_problem(published.text):
                problems.append(f"{where} published: {problem}")
            elif (
                up is not None
                and datetime.fromisoformat(published.text.replace("Z", "+00:00")) > up
            ):
                problems.append(f"{where}: published after updated")
        if len(entry.findall(A("published"))) > 1 or len(entry.findall(A("summary"))) > 1:
            problems.append(f"{where}: more than one published or summary")
        if not feed_has_author:
            names = [a.findtext(A("name")) for a in entry.findall(A("author"))]
            if not names or not all((n or "").strip() for n in names):
                problems.append(f"{where}: no author (and the feed has none)")
        entry_links = _atom_links(entry, where, problems)
        if entry.find(A("content")) is None and not any(
            link.get("rel", "alternate") == "alternate" for link in entry_links
        ):
            problems.append(f"{where}: no content and no rel=alternate link")
        for link in entry_links:
            if link.get("rel") == "enclosure":
                length = link.get("length") or ""
                if not length.isdigit() or int(length) <= 0:
                    problems.append(f"{where}: enclosure length is not a byte count: {length!r}")
                if not _MIME.match(link.get("type") or ""):
                    problems.append(f"{where}: enclosure type is not a MIME type")
    for entry_id, count in Counter(ids).items():
        if count > 1:
            problems.append(f"entry id {entry_id!r} appears {count} times")
    return problems


def enclosures(body: bytes) -> list[tuple[str, int]]:
    """``(url, length)`` of every enclosure of an RSS or Atom document."""
    root = etree.fromstring(body)
    rss = [(e.get("url"), int(e.get("length"))) for e in root.iter("enclosure")]
    atom = [
        (link.get("href"), int(link.get("length")))
        for link in root.iter(f"{{{ATOM}}}link")
        if link.get("rel") == "enclosure"
    ]
    return rss + atom
