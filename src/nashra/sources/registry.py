"""The sources registry: which outlets an instance follows (one YAML file per instance).

The registry is the one home of the slug rules: every outlet's slug becomes the first segment of
the portal's URLs (``/{slug}/{id}``), so it must never shadow a route of the portal itself.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import yaml

from nashra.sections import SECTIONS
from nashra.sources.rules import ExtractRules, parse_rules, rules_to_mapping

if TYPE_CHECKING:
    from nashra.config import Settings


@dataclass
class Source:
    """One outlet. ``slug`` is its name in the portal's URLs (``/{slug}/{id}``)."""

    slug: str
    name_ar: str = ""
    name_fr: str = ""
    name_en: str = ""
    site_url: str = ""
    feeds: list[str] = field(default_factory=list)
    lang: str = "ar"
    default_section: str | None = None
    # A regular expression with one group that captures the origin's numeric id in an article URL.
    id_pattern: str | None = None
    # The outlet's own categories or URL path segments mapped to our sections.
    categories: dict[str, str] = field(default_factory=dict)
    enabled: bool = True
    # How the outlet's pages are read (selectors, date format, feed content): nashra.sources.rules
    extract: ExtractRules | None = None
    # Where the outlet's addresses came from (a list, a page, an operator) and how sure it is.
    provenance: str = ""
    # The date (YYYY-MM-DD) its address last answered `nashra sources check`; "" = not verified.
    verified: str = ""
    # Why the outlet is disabled (closed, no known address…), shown by `sources list`.
    disabled_reason: str = ""

    @classmethod
    def from_row(cls, row: Any) -> Source:
        """An outlet as the ``sources`` table keeps it (names, site, language, default section;
        feeds and category maps live in the registry file)."""
        return cls(
            slug=row.slug,
            name_ar=row.name_ar,
            name_fr=row.name_fr,
            name_en=row.name_en,
            site_url=row.site_url,
            lang=row.lang,
            default_section=row.default_section,
        )

    def name(self, lang: str = "ar") -> str:
        """The outlet's name in ``lang``, falling back to any name it has, then its slug."""
        preferred = {"ar": self.name_ar, "fr": self.name_fr, "en": self.name_en}.get(lang, "")
        return preferred or self.name_ar or self.name_fr or self.name_en or self.slug


# --------------------------------------------------------------------------------------- slugs

#: Every word the portal uses as the first segment of its own URLs. An outlet slug equal to one of
#: them would make ``/{slug}`` ambiguous, so they are refused.
RESERVED_SLUGS: frozenset[str] = frozenset(SECTIONS) | frozenset(
    {
        # pages of the portal (Maghress's page set and ours)
        "video", "videos", "author", "authors", "writer", "writers", "search", "city", "cities",
        "region", "regions", "archive", "archives", "story", "stories", "widget", "widgets",
        "about", "contact", "outlets", "outlet", "newspapers", "sources", "source", "section",
        "sections", "category", "categories", "tag", "tags", "topic", "topics", "page", "pages",
        "privacy", "terms", "home", "index", "latest", "top", "popular", "trending", "today",
        "date", "day", "news", "live", "help", "docs", "image", "images", "photo", "photos",
        "report", "reports", "moderation", "moderate", "share", "embed", "go", "out", "redirect",
        "print", "amp", "new", "all", "random", "my", "view", "most-read",
        # feeds and the API
        "rss", "atom", "feed", "feeds", "opml", "json", "api", "graphql", "websub", "hub",
        "sitemap", "sitemap.xml", "sitemaps", "opensearch", "opensearch.xml",
        # editions (interface languages)
        "fr", "en", "ar", "lang", "edition", "editions",
        # files, assets and operations
        "static", "assets", "media", "thumbs", "thumbnails", "uploads", "favicon.ico",
        "robots.txt", "humans.txt", "manifest.json", "manifest.webmanifest", "sw.js",
        "well-known", ".well-known", "healthz", "readyz", "livez", "health", "status", "metrics",
        "ping", "version",
        # operators and accounts
        "admin", "login", "logout", "signin", "signout", "signup", "register", "account",
        "accounts", "user", "users", "settings", "dashboard", "demo",
    }
)  # fmt: skip

_SLUG_RE = re.compile(r"[a-z][a-z0-9-]{1,63}")
SLUG_MIN, SLUG_MAX = 2, 64
LANGS: tuple[str, ...] = ("ar", "fr", "en")


class SlugError(ValueError):
    """A slug that cannot name an outlet; the message says what is wrong and how to fix it."""


def validate_slug(slug: str, existing: Iterable[str] = ()) -> str:
    """Return ``slug`` if it can name a new outlet, else raise :class:`SlugError`.

    Slugs are URL segments, so they are kept to lowercase ASCII letters, digits and hyphens.
    """
    if not isinstance(slug, str):
        raise SlugError(f"slug must be text, got {type(slug).__name__} {slug!r}")
    if not slug:
        raise SlugError("slug is empty: give the outlet a short name such as 'hespress'")
    if len(slug) < SLUG_MIN or len(slug) > SLUG_MAX:
        raise SlugError(
            f"slug {slug!r} has {len(slug)} characters: use between {SLUG_MIN} and {SLUG_MAX}"
        )
    bad = sorted({ch for ch in slug if not ("a" <= ch <= "z" or "0" <= ch <= "9" or ch == "-")})
    if bad:
        hint = slug.lower() if any("A" <= ch <= "Z" for ch in bad) else None
        shown = " ".join(repr(ch) for ch in bad)
        message = (
            f"slug {slug!r} contains {shown}: use only lowercase ASCII letters, digits and hyphens"
        )
        if hint and _SLUG_RE.fullmatch(hint):
            message += f" (try {hint!r})"
        raise SlugError(message)
    if not ("a" <= slug[0] <= "z"):
        rest = slug.lstrip("0123456789-")
        lead = slug[: len(slug) - len(rest)].strip("-")
        hint = f" (try {rest.rstrip('-') + '-' + lead!r})" if len(rest) >= 1 and lead else ""
        raise SlugError(f"slug {slug!r} starts with {slug[0]!r}: it must start with a letter{hint}")
    if slug in RESERVED_SLUGS:
        raise SlugError(
            f"slug {slug!r} is reserved: the portal uses /{slug} for its own pages; "
            f"choose another (for example {slug + '-news'!r})"
        )
    if slug in set(existing):
        raise SlugError(
            f"slug {slug!r} is already used by another outlet: choose another "
            f"(for example {slug + '-2'!r}) or remove the existing one first"
        )
    return slug


def derive_slug(hint: str, existing: Iterable[str] = ()) -> str:
    """Turn free text (a title or host label) into a valid slug not in ``existing``.

    Raises :class:`SlugError` when nothing usable is left (for example an Arabic-only title),
    so the caller can try another hint.
    """
    taken = set(existing)
    ascii_text = unicodedata.normalize("NFKD", hint).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    base = base.lstrip("0123456789-")
    base = base[:SLUG_MAX].rstrip("-")
    if len(base) < SLUG_MIN:
        raise SlugError(f"cannot derive a slug from {hint!r}: it has too few ASCII letters")
    if base in RESERVED_SLUGS:
        base = f"{base}-news"
    candidate, n = base, 2
    while candidate in taken:
        suffix = f"-{n}"
        candidate = base[: SLUG_MAX - len(suffix)].rstrip("-") + suffix
        n += 1
    return validate_slug(candidate, taken)


# ------------------------------------------------------------------------------------ validation


class RegistryError(ValueError):
    """An invalid registry or source; the message lists every problem with its position."""


_FIELDS = [f.name for f in dataclasses.fields(Source)]


def _is_http_url(value: Any) -> bool:
    if not isinstance(value, str) or any(ch.isspace() for ch in value):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def same_address_key(url: str) -> str:
    """What two addresses share when they name the same page: the scheme, a leading ``www.``,
    the host's case and a trailing slash are not told apart (feeds are often listed both ways)."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower().removeprefix("www.")
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return url
    path = parts.path.rstrip("/")
    return f"{host}{port}{path}" + (f"?{parts.query}" if parts.query else "")


def source_problems(source: Source) -> list[str]:
    """Every problem of one source except slug uniqueness (which needs the whole registry)."""
    problems: list[str] = []
    try:
        validate_slug(source.slug)
    except SlugError as exc:
        problems.append(str(exc))
    for attr in ("name_ar", "name_fr", "name_en", "site_url", "provenance", "disabled_reason"):
        if not isinstance(getattr(source, attr), str):
            problems.append(f"{attr} must be text, got {getattr(source, attr)!r}")
    if source.lang not in LANGS:
        problems.append(f"lang {source.lang!r} is not supported: use one of {', '.join(LANGS)}")
    if isinstance(source.site_url, str) and source.site_url and not _is_http_url(source.site_url):
        problems.append(
            f"site_url {source.site_url!r} is not an http(s) address: write it like "
            "'https://www.example.ma' or leave it empty"
        )
    if not isinstance(source.feeds, list):
        problems.append(f"feeds must be a list of addresses, got {source.feeds!r}")
    else:
        seen: set[str] = set()
        for i, feed in enumerate(source.feeds):
            if not _is_http_url(feed):
                problems.append(
                    f"feeds[{i}] {feed!r} is not an http(s) address: write it like "
                    "'https://www.example.ma/feed'"
                )
            elif feed in seen:
                problems.append(f"feeds[{i}] {feed!r} is listed twice: remove the copy")
            else:
                seen.add(feed)
    if source.default_section is not None and source.default_section not in SECTIONS:
        problems.append(_unknown_section("default_section", source.default_section))
    if not isinstance(source.categories, dict):
        problems.append(f"categories must map the outlet's categories to sections, got {source.categories!r}")  # fmt: skip
    else:
        for key, section in source.categories.items():
            if not isinstance(key, str) or not key:
                problems.append(f"categories key {key!r} must be non-empty text")
            if section not in SECTIONS:
                problems.append(_unknown_section(f"categories[{key!r}]", section))
    if source.id_pattern is not None:
        problems.extend(_id_pattern_problems(source.id_pattern))
    if not isinstance(source.enabled, bool):
        problems.append(f"enabled must be true or false, got {source.enabled!r}")
    if not isinstance(source.verified, str) or (
        source.verified and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", source.verified)
    ):
        problems.append(
            f"verified must be the date its address answered a check (YYYY-MM-DD) or empty, "
            f"got {source.verified!r}"
        )
    if source.extract is not None and not isinstance(source.extract, ExtractRules):
        problems.append(f"extract must be extraction rules, got {source.extract!r}")
    return problems


def _unknown_section(where: str, value: Any) -> str:
    close = difflib.get_close_matches(str(value), list(SECTIONS), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"{where} {value!r} is not a section{hint}: use one of {', '.join(SECTIONS)}"


def _id_pattern_problems(pattern: Any) -> list[str]:
    if not isinstance(pattern, str) or not pattern:
        return [f"id_pattern must be a non-empty regular expression, got {pattern!r}"]
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        return [f"id_pattern {pattern!r} is not a valid regular expression: {exc}"]
    if compiled.groups != 1:
        return [
            f"id_pattern {pattern!r} has {compiled.groups} groups: it needs exactly one "
            r"capturing group around the id, e.g. '-(\d+)\.html' (use (?:...) for the others)"
        ]
    return []


def _source_from_mapping(entry: Any, where: str) -> tuple[Source | None, list[str]]:
    """Build a Source from one YAML entry, collecting problems instead of stopping at the first."""
    if not isinstance(entry, dict):
        return None, [f"{where}: each source must be a mapping with at least 'slug', got {entry!r}"]
    problems: list[str] = []
    unknown = [key for key in entry if key not in _FIELDS]
    for key in unknown:
        close = difflib.get_close_matches(str(key), _FIELDS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        problems.append(f"{where}: unknown field {key!r}{hint}")
    if "slug" not in entry:
        problems.append(f"{where}: missing 'slug'")
        return None, problems
    values = {key: entry[key] for key in _FIELDS if key in entry}
    for key in ("name_ar", "name_fr", "name_en", "site_url", "provenance", "disabled_reason"):
        if values.get(key) is None and key in values:
            values[key] = ""
    if "verified" in values:  # YAML reads an unquoted 2026-12-04 as a date
        raw = values["verified"]
        values["verified"] = "" if raw in (None, False) else str(raw)
    for key in ("default_section", "id_pattern"):
        if values.get(key) == "":
            values[key] = None  # an empty value in YAML means "none", as leaving it out does
    if values.get("feeds") is None and "feeds" in values:
        values["feeds"] = []
    if values.get("categories") is None and "categories" in values:
        values["categories"] = {}
    if not isinstance(values.get("slug"), str):
        values["slug"] = "" if values.get("slug") is None else str(values["slug"])
    if "extract" in values:
        values["extract"], rule_problems = parse_rules(values["extract"])
        problems.extend(f"{where}: {problem}" for problem in rule_problems)
    source = Source(**values)
    problems.extend(f"{where}: {problem}" for problem in source_problems(source))
    return source, problems


def source_to_mapping(source: Source) -> dict[str, Any]:
    """The YAML form of a source: always slug, names, address, feeds and lang; the rest if set."""
    data: dict[str, Any] = {"slug": source.slug, "name_ar": source.name_ar}
    if source.name_fr:
        data["name_fr"] = source.name_fr
    if source.name_en:
        data["name_en"] = source.name_en
    data["site_url"] = source.site_url
    data["feeds"] = list(source.feeds)
    data["lang"] = source.lang
    if source.default_section:
        data["default_section"] = source.default_section
    if source.id_pattern:
        data["id_pattern"] = source.id_pattern
    if source.categories:
        data["categories"] = dict(source.categories)
    if not source.enabled:
        data["enabled"] = False
    if source.disabled_reason:
        data["disabled_reason"] = source.disabled_reason
    if source.provenance:
        data["provenance"] = source.provenance
    data["verified"] = source.verified
    if source.extract is not None and not source.extract.is_empty():
        data["extract"] = rules_to_mapping(source.extract)
    return data


# -------------------------------------------------------------------------------------- registry


class Registry(Mapping[str, Source]):
    """The outlets an instance follows, in order: a mapping slug → :class:`Source`.

    Iterating yields slugs (as any mapping); use :meth:`values` or :meth:`enabled` for sources.
    """

    def __init__(self, sources: Iterable[Source] = ()) -> None:
        self._sources: dict[str, Source] = {}
        for source in sources:
            self.add(source)

    # mapping protocol
    def __getitem__(self, slug: str) -> Source:
        try:
            return self._sources[slug]
        except KeyError:
            raise KeyError(self._missing(slug)) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)

    def __contains__(self, slug: object) -> bool:
        return slug in self._sources

    def __repr__(self) -> str:
        return f"Registry({len(self)} sources)"

    def get(self, slug: str, default: Source | None = None) -> Source | None:  # type: ignore[override]
        """The source named ``slug``, or ``default``."""
        return self._sources.get(slug, default)

    def enabled(self) -> list[Source]:
        """The sources the crawler should poll."""
        return [source for source in self._sources.values() if source.enabled]

    def _missing(self, slug: str) -> str:
        close = difflib.get_close_matches(slug, list(self._sources), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"no source with slug {slug!r} in the registry{hint}"

    # changes
    def add(self, source: Source) -> None:
        """Add a source after checking it; raises SlugError or RegistryError saying why not."""
        validate_slug(source.slug, self._sources)
        problems = source_problems(source)
        if problems:
            raise RegistryError(f"cannot add source {source.slug!r}: " + "; ".join(problems))
        self._sources[source.slug] = source

    def remove(self, slug: str) -> Source:
        """Remove and return the source named ``slug``; KeyError with a hint when absent."""
        if slug not in self._sources:
            raise KeyError(self._missing(slug))
        return self._sources.pop(slug)

    def update(self, source: Source) -> None:
        """Replace the source with the same slug, after checking the new version."""
        if source.slug not in self._sources:
            raise KeyError(self._missing(source.slug))
        problems = source_problems(source)
        if problems:
            raise RegistryError(f"cannot update source {source.slug!r}: " + "; ".join(problems))
        self._sources[source.slug] = source

    def feed_owner(self, feed_url: str) -> str | None:
        """The slug of the source that already follows ``feed_url`` (http/https, www. or a
        trailing slash apart), if any."""
        key = same_address_key(feed_url)
        for source in self._sources.values():
            if any(same_address_key(feed) == key for feed in source.feeds):
                return source.slug
        return None

    # files
    @classmethod
    def loads(cls, text: str, origin: str = "<registry>") -> Registry:
        """Parse registry YAML; every problem is reported at once with its position."""
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            problem = getattr(exc, "problem", None) or str(exc)
            raise RegistryError(f"{origin}: not valid YAML{where}: {problem}") from None
        if data is None:
            data = {"sources": []}
        if not isinstance(data, dict) or "sources" not in data:
            raise RegistryError(
                f"{origin}: expected a mapping with a top-level 'sources:' list of outlets"
            )
        extra = [key for key in data if key != "sources"]
        entries = data["sources"] if data["sources"] is not None else []
        if not isinstance(entries, list):
            raise RegistryError(f"{origin}: 'sources' must be a list of outlets")
        problems = [f"unknown top-level key {key!r} (only 'sources' is read)" for key in extra]
        registry = cls()
        first_seen: dict[str, int] = {}
        for index, entry in enumerate(entries):
            slug = entry.get("slug") if isinstance(entry, dict) else None
            where = f"sources[{index}]" + (f" (slug {slug!r})" if slug is not None else "")
            source, entry_problems = _source_from_mapping(entry, where)
            problems.extend(entry_problems)
            if source is None:
                continue
            if source.slug in first_seen:
                problems.append(
                    f"{where}: duplicate slug, already used by sources[{first_seen[source.slug]}]"
                    ": give one of them another slug"
                )
                continue
            first_seen[source.slug] = index
            if not entry_problems:
                registry._sources[source.slug] = source
        if problems:
            count = len(problems)
            raise RegistryError(
                f"{origin}: {count} problem{'s' if count > 1 else ''}:\n"
                + "\n".join(f"  - {problem}" for problem in problems)
            )
        return registry

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Registry:
        """Read and validate a registry file."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise RegistryError(f"{path}: registry file not found") from None
        except UnicodeDecodeError as exc:
            raise RegistryError(
                f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})"
            ) from None
        return cls.loads(text, origin=str(path))

    def dump(self) -> str:
        """The registry as YAML (UTF-8 text, Arabic kept readable)."""
        body = yaml.safe_dump(
            {"sources": [source_to_mapping(s) for s in self._sources.values()]},
            allow_unicode=True,
            sort_keys=False,
            width=100,
        )
        return "# Nashra sources registry: the outlets this instance follows.\n" + body

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the registry atomically, so a crash never leaves a half-written file."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(self.dump())
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def default_registry() -> Registry:
    """The outlets a new instance follows: the packaged ``default.yaml``."""
    text = resources.files("nashra.sources").joinpath("default.yaml").read_text(encoding="utf-8")
    return Registry.loads(text, origin="nashra/sources/default.yaml")


def load_registry(settings: Settings) -> Registry:
    """The instance's registry file if it exists, else the packaged default."""
    path = settings.registry_path
    return Registry.load(path) if path.is_file() else default_registry()
