"""The sources registry: slug rules, the YAML file, OPML, feed autodiscovery and the CLI."""

from __future__ import annotations

import asyncio
import csv
import json
import os
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from lxml import etree

from httpserver import LoopbackServer
from nashra.config import Settings, load_settings
from nashra.sections import SECTIONS
from nashra.sources.commands import sources as sources_group
from nashra.sources.discover import (
    COMMON_FEED_PATHS,
    discover_feeds,
    find_feed_links,
    looks_like_feed,
)
from nashra.sources.opml import NASHRA_NS, export_opml, import_opml, read_opml
from nashra.sources.registry import (
    RESERVED_SLUGS,
    Registry,
    RegistryError,
    SlugError,
    Source,
    default_registry,
    derive_slug,
    load_registry,
    same_address_key,
    validate_slug,
)

DATA = Path(__file__).parent / "data" / "sources"


def _registry_with_everything() -> Registry:
    return Registry(
        [
            Source(
                slug="hespress",
                name_ar="هسبريس",
                name_fr="Hespress",
                name_en="Hespress",
                site_url="https://www.hespress.com",
                feeds=["https://www.hespress.com/feed", "https://www.hespress.com/politique/feed"],
                default_section="politics",
                id_pattern=r"[/-](\d+)\.html",
                categories={"سياسة": "politics", "economie": "economics"},
            ),
            Source(
                slug="medias24",
                name_fr="Médias24",
                site_url="https://medias24.com",
                feeds=["https://medias24.com/feed"],
                lang="fr",
                enabled=False,
            ),
            Source(slug="alaoual", name_ar="الأول", site_url="https://alaoual.com"),
            Source(slug="iqtissadia", name_ar="الاقتصادية"),
        ]
    )


# ------------------------------------------------------------------------------------ slug rules


@pytest.mark.parametrize("slug", ["hespress", "hespress-fr", "al3omk", "ab", "a" * 64, "map"])
def test_valid_slugs_are_accepted(slug: str) -> None:
    assert validate_slug(slug, existing=["other"]) == slug


@pytest.mark.parametrize(
    ("slug", "expected"),
    [
        ("", "slug is empty"),
        ("a", "has 1 characters: use between 2 and 64"),
        ("a" * 65, "has 65 characters: use between 2 and 64"),
        ("Hespress", "use only lowercase ASCII letters, digits and hyphens (try 'hespress')"),
        ("هسبريس", "use only lowercase ASCII letters, digits and hyphens"),
        ("hes_press", "contains '_'"),
        ("hes press", "contains ' '"),
        ("hespress.ma", "contains '.'"),
        ("24news", "must start with a letter (try 'news-24')"),
        ("-hespress", "must start with a letter"),
        ("politics", "is reserved: the portal uses /politics"),
        ("rss", "is reserved"),
        ("fr", "is reserved"),
    ],
)
def test_bad_slugs_say_what_is_wrong(slug: str, expected: str) -> None:
    with pytest.raises(SlugError) as info:
        validate_slug(slug)
    assert expected in str(info.value)


def test_slug_already_used_is_refused() -> None:
    with pytest.raises(SlugError, match="already used by another outlet"):
        validate_slug("hespress", existing=iter(["goud", "hespress"]))


def test_slug_that_is_not_text_is_refused() -> None:
    with pytest.raises(SlugError, match="must be text"):
        validate_slug(2020)  # type: ignore[arg-type]


def test_reserved_slugs_cover_sections_and_portal_routes() -> None:
    required = set(SECTIONS) | set(
        [
            "video",
            "author",
            "authors",
            "search",
            "rss",
            "atom",
            "feed",
            "feeds",
            "api",
            "fr",
            "en",
            "ar",
            "static",
            "media",
            "images",
            "admin",
            "login",
            "logout",
            "city",
            "cities",
            "region",
            "regions",
            "archive",
            "story",
            "stories",
            "widget",
            "about",
            "contact",
            "outlets",
            "newspapers",
            "sources",
            "sitemap",
            "sitemap.xml",
            "robots.txt",
            "favicon.ico",
            "healthz",
            "readyz",
            "metrics",
            "websub",
            "tag",
            "tags",
            "page",
            "privacy",
            "terms",
        ]
    )
    assert required <= RESERVED_SLUGS
    assert isinstance(RESERVED_SLUGS, frozenset)


@pytest.mark.parametrize(
    ("hint", "existing", "expected"),
    [
        ("Le Matin", [], "le-matin"),
        ("Médias 24", [], "medias-24"),
        ("hespress", ["hespress"], "hespress-2"),
        ("hespress", ["hespress", "hespress-2"], "hespress-3"),
        ("Video", [], "video-news"),
        ("24 Heures", [], "heures"),
        ("x" * 80, [], "x" * 64),
    ],
)
def test_derive_slug(hint: str, existing: list[str], expected: str) -> None:
    assert derive_slug(hint, existing) == expected


def test_derive_slug_from_arabic_only_text_fails_clearly() -> None:
    with pytest.raises(SlugError, match="too few ASCII letters"):
        derive_slug("هسبريس")


# -------------------------------------------------------------------------------------- registry


def test_default_registry_has_every_maghress_outlet_and_the_known_feeds() -> None:
    registry = default_registry()
    assert len(registry) >= 115
    with (DATA / "sources-morocco.tsv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert len(rows) == 115
    for row in rows:
        assert registry[row["slug"]].name_ar == row["name_ar"]
    # issue 19: the addresses of sources-morocco.tsv, with where they came from, unverified
    packaged = Path(__file__).parents[1] / "src" / "nashra" / "sources" / "data"
    with (packaged / "sources-morocco.tsv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    for row in rows:
        source = registry[row["slug"]]
        if row["feed_url"]:
            assert source.feeds == [row["feed_url"]]
        if row["site_url"]:
            assert source.site_url == row["site_url"]
            assert f"confidence {row['confidence']}" in source.provenance
        if row["note"].startswith("CLOSED"):
            assert not source.enabled and source.disabled_reason == row["note"]
    assert all(source.verified == "" for source in registry.values())
    known = {
        "hespress": ("https://www.hespress.com/feed", "ar"),
        "hespress-fr": ("https://fr.hespress.com/feed", "fr"),
        "le360": ("https://ar.le360.ma/rss.xml", "ar"),
        "rue20": ("https://www.rue20.com/feed", "ar"),
        "medias24": ("https://medias24.com/feed", "fr"),
        "lematin": ("https://lematin.ma/rss", "fr"),
    }
    for slug, (feed, lang) in known.items():
        assert registry[slug].feeds == [feed]
        assert registry[slug].lang == lang
        assert registry[slug].provenance
    # Outlets without a known address stay in the registry, disabled, with no address to crawl.
    assert registry["alboussala"].site_url == ""
    assert registry["alboussala"].feeds == []
    assert not registry["alboussala"].enabled
    assert registry["alboussala"].disabled_reason == "no known address"
    assert not registry["attajdid"].enabled  # closed in 2017
    enabled = registry.enabled()
    assert len([s for s in enabled if s.feeds]) >= 46
    assert all(s.site_url or s.feeds for s in enabled)


def test_default_registry_file_validates_when_loaded_from_disk() -> None:
    path = Path(__file__).parents[1] / "src" / "nashra" / "sources" / "default.yaml"
    assert list(Registry.load(path).values()) == list(default_registry().values())


def test_load_reports_every_problem_with_its_position() -> None:
    with pytest.raises(RegistryError) as info:
        Registry.load(DATA / "invalid-registry.yaml")
    message = str(info.value)
    expected = [
        "sources[1] (slug 'Bad_Slug'): slug 'Bad_Slug' contains",
        "sources[2] (slug 'good'): duplicate slug, already used by sources[0]",
        "sources[3] (slug 'unknown-section'): default_section 'sport' is not a section "
        "(did you mean 'sports'?)",
        "sources[4] (slug 'bad-category'): categories['economie'] 'economy' is not a section",
        "sources[5] (slug 'bad-lang'): lang 'es' is not supported: use one of ar, fr, en",
        "sources[6] (slug 'bad-feed'): feeds[0] 'ftp://example.ma/feed' is not an http(s) address",
        "sources[7] (slug 'bad-regex'): id_pattern '([0-9]+' is not a valid regular expression",
        "sources[8] (slug 'no-group'): id_pattern '\\\\d+\\\\.html' has 0 groups",
        "sources[9] (slug 'two-groups'): id_pattern '(\\\\d+)-(\\\\d+)' has 2 groups",
        "sources[10] (slug 'typo-field'): unknown field 'feed' (did you mean 'feeds'?)",
        "sources[11] (slug 'rss'): slug 'rss' is reserved",
        "sources[12]: missing 'slug'",
        "sources[13] (slug 'bad-site'): site_url 'www.example.ma' is not an http(s) address",
    ]
    for line in expected:
        assert line in message, line
    assert f"{len(expected)} problems:" in message
    assert "sources[0]" not in message.replace("already used by sources[0]", "")


def test_load_reports_yaml_syntax_errors_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - slug: a\n    feeds: [unclosed\n", encoding="utf-8")
    with pytest.raises(RegistryError, match=r"not valid YAML at line \d+, column \d+"):
        Registry.load(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- slug: hespress\n", "expected a mapping with a top-level 'sources:' list"),
        ("outlets: []\n", "expected a mapping with a top-level 'sources:' list"),
        ("sources: {slug: hespress}\n", "'sources' must be a list"),
        ("sources:\n  - hespress\n", "sources[0]: each source must be a mapping"),
        ("sources: []\nextra: 1\n", "unknown top-level key 'extra'"),
        ("sources:\n  - slug: 12\n", "slug '12' starts with '1'"),
        ("sources:\n  - slug: ab\n    enabled: maybe\n", "enabled must be true or false"),
        ("sources:\n  - slug: ab\n    feeds: https://a.ma/feed\n", "feeds must be a list"),
        ("sources:\n  - slug: ab\n    feeds: [https://a.ma/f, https://a.ma/f]\n", "listed twice"),
    ],
)
def test_load_rejects_malformed_structure(text: str, expected: str) -> None:
    with pytest.raises(RegistryError) as info:
        Registry.loads(text)
    assert expected in str(info.value)


def test_empty_optional_values_mean_none() -> None:
    text = "sources:\n  - slug: ab\n    default_section: ''\n    id_pattern:\n    feeds:\n"
    [source] = Registry.loads(text).values()
    assert (source.default_section, source.id_pattern, source.feeds) == (None, None, [])


def test_load_of_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="registry file not found"):
        Registry.load(tmp_path / "nope.yaml")


def test_load_of_a_non_utf8_file_says_so(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_bytes("sources:\n  - slug: ab\n    name_ar: هسبريس\n".encode("cp1256"))
    with pytest.raises(RegistryError, match="not UTF-8 text"):
        Registry.load(path)


def test_empty_file_is_an_empty_registry(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text("# nothing yet\n", encoding="utf-8")
    assert len(Registry.load(path)) == 0


def test_dump_and_load_round_trip_keeps_every_field() -> None:
    registry = _registry_with_everything()
    text = registry.dump()
    assert "هسبريس" in text  # Arabic stays readable, not \u escapes
    again = Registry.loads(text)
    assert list(again.values()) == list(registry.values())
    assert list(again) == ["hespress", "medias24", "alaoual", "iqtissadia"]


def test_save_replaces_the_file_atomically(tmp_path: Path) -> None:
    path = tmp_path / "instance" / "sources.yaml"
    first = Registry([Source(slug="goud", site_url="https://www.goud.ma")])
    first.save(path)
    with path.open(encoding="utf-8") as reader:
        second = _registry_with_everything()
        second.save(path)
        # The reader still sees the old file whole: the new one was renamed over it, not
        # written into it.
        assert "goud" in reader.read()
    assert list(Registry.load(path)) == list(second)
    assert sorted(p.name for p in path.parent.iterdir()) == ["sources.yaml"]


def test_mapping_behaviour() -> None:
    registry = _registry_with_everything()
    assert len(registry) == 4
    assert "hespress" in registry and "goud" not in registry
    assert list(registry) == ["hespress", "medias24", "alaoual", "iqtissadia"]
    assert registry.get("hespress") is registry["hespress"]
    assert registry.get("goud") is None
    assert [s.slug for s in registry.enabled()] == ["hespress", "alaoual", "iqtissadia"]
    assert registry.feed_owner("https://medias24.com/feed") == "medias24"
    assert registry.feed_owner("https://nowhere.ma/feed") is None
    with pytest.raises(KeyError, match="no source with slug 'hesprss'.*did you mean 'hespress'"):
        registry["hesprss"]


def test_add_validates_the_source() -> None:
    registry = _registry_with_everything()
    registry.add(Source(slug="goud", feeds=["https://www.goud.ma/feed"]))
    assert list(registry)[-1] == "goud"
    with pytest.raises(SlugError, match="already used"):
        registry.add(Source(slug="goud"))
    with pytest.raises(SlugError, match="reserved"):
        registry.add(Source(slug="video"))
    with pytest.raises(RegistryError, match="lang 'de' is not supported"):
        registry.add(Source(slug="zeitung", lang="de"))
    with pytest.raises(RegistryError, match="feeds\\[0\\].*default_section 'sport'"):
        registry.add(Source(slug="sport24", default_section="sport", feeds=["feed.xml"]))
    assert "zeitung" not in registry and "sport24" not in registry


def test_remove_returns_the_source_and_explains_unknown_slugs() -> None:
    registry = _registry_with_everything()
    removed = registry.remove("alaoual")
    assert removed.name_ar == "الأول" and "alaoual" not in registry
    with pytest.raises(KeyError, match="no source with slug 'alaoual'"):
        registry.remove("alaoual")


def test_update_replaces_a_source_after_checking_it() -> None:
    registry = _registry_with_everything()
    registry.update(Source(slug="alaoual", name_ar="الأول", feeds=["https://alaoual.com/feed"]))
    assert registry["alaoual"].feeds == ["https://alaoual.com/feed"]
    assert list(registry)[2] == "alaoual"  # keeps its place
    with pytest.raises(RegistryError, match="cannot update source 'alaoual': lang 'xx'"):
        registry.update(Source(slug="alaoual", lang="xx"))
    with pytest.raises(KeyError, match="no source with slug 'goud'"):
        registry.update(Source(slug="goud"))
    assert registry["alaoual"].lang == "ar"


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("https://www.hespress.com/feed", "http://hespress.com/feed/", True),
        ("https://HESPRESS.com/feed", "https://hespress.com/feed", True),
        ("https://hespress.com/feed", "https://fr.hespress.com/feed", False),
        ("https://hespress.com/feed?x=1", "https://hespress.com/feed?x=2", False),
        ("https://hespress.com:8443/feed", "https://hespress.com/feed", False),
    ],
)
def test_same_address_key(a: str, b: str, same: bool) -> None:
    assert (same_address_key(a) == same_address_key(b)) is same


def test_load_registry_prefers_the_instance_file(tmp_path: Path) -> None:
    settings = load_settings(env={}, data_dir=tmp_path / "data")
    assert len(load_registry(settings)) == len(default_registry())
    Registry([Source(slug="goud", feeds=["https://www.goud.ma/feed"])]).save(settings.registry_path)
    assert list(load_registry(settings)) == ["goud"]
    explicit = load_settings(env={}, sources_file=tmp_path / "mine.yaml")
    Registry([Source(slug="rue20")]).save(tmp_path / "mine.yaml")
    assert list(load_registry(explicit)) == ["rue20"]


# ------------------------------------------------------------------------------------------ OPML


def test_opml_round_trip_keeps_every_field() -> None:
    registry = _registry_with_everything()
    again = import_opml(export_opml(registry))
    assert again == list(registry.values())


def test_opml_round_trip_of_the_default_registry() -> None:
    registry = default_registry()
    result = read_opml(export_opml(registry).encode("utf-8"))
    assert result.problems == []
    assert result.sources == list(registry.values())


def test_exported_opml_is_plain_opml_2_for_other_readers() -> None:
    root = etree.fromstring(export_opml(_registry_with_everything()).encode("utf-8"))
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/title") == "Nashra sources"
    outlines = root.findall("body/outline")
    feeds = [o for o in outlines if o.get("type") == "rss"]
    assert [o.get("xmlUrl") for o in feeds] == [
        "https://www.hespress.com/feed",
        "https://www.hespress.com/politique/feed",
        "https://medias24.com/feed",
    ]
    first = feeds[0]
    assert first.get("title") == first.get("text") == "هسبريس"
    assert first.get("htmlUrl") == "https://www.hespress.com"
    assert first.get("language") == "ar"
    assert first.get(f"{{{NASHRA_NS}}}slug") == "hespress"
    assert feeds[2].get("title") == "Médias24"
    links = [o for o in outlines if o.get("type") == "link"]
    assert [o.get(f"{{{NASHRA_NS}}}slug") for o in links] == ["alaoual", "iqtissadia"]


def test_import_of_another_readers_opml() -> None:
    result = read_opml((DATA / "reader-export.opml").read_bytes(), existing=["hesport"])
    by_slug = {s.slug: s for s in result.sources}
    assert list(by_slug) == [
        "hesport-2",
        "hespress",
        "hespress-fr",
        "medias24",
        "blog-one",
        "blog-two",
        "example-video",
    ]
    # Feeds in a "Sports" folder land in the sports section; the slug avoids `existing`.
    assert by_slug["hesport-2"].default_section == "sports"
    assert by_slug["hesport-2"].name_fr == "Hesport"
    # Two feeds of one site become one source; its home page is the site's origin.
    hespress = by_slug["hespress"]
    assert hespress.feeds == [
        "https://www.hespress.com/feed",
        "https://www.hespress.com/politique/feed",
    ]
    assert hespress.name_ar == "هسبريس" and hespress.lang == "ar"
    assert hespress.site_url == "https://www.hespress.com"
    # No title: the slug comes from the host, the language from its subdomain.
    assert by_slug["hespress-fr"].lang == "fr"
    assert by_slug["hespress-fr"].name_fr == ""
    # feed: pseudo-scheme, section from a French folder name (latin-1 file).
    assert by_slug["medias24"].feeds == ["http://medias24.com/feed"]
    assert by_slug["medias24"].default_section == "economics"
    assert by_slug["medias24"].name_fr == "Médias 24"
    # FeedBurner feeds of different blogs are not grouped by their shared host.
    assert by_slug["blog-one"].feeds == ["https://feeds.feedburner.com/BlogOne"]
    assert by_slug["blog-one"].site_url == ""
    assert by_slug["example-video"].site_url == "https://video.example.org"
    assert any("'javascript:alert(1)' is not http(s)" in p for p in result.problems)
    assert any("'No address'" in p and "without xmlUrl" in p for p in result.problems)


def test_import_accepts_text_with_an_encoding_declaration() -> None:
    text = (
        '<?xml version="1.0" encoding="UTF-8"?><opml version="2.0"><body>'
        '<outline text="كود" xmlUrl="https://www.goud.ma/feed"/></body></opml>'
    )
    [source] = import_opml(text)
    assert (source.slug, source.name_ar, source.site_url) == ("goud", "كود", "https://www.goud.ma")


def test_import_renames_explicit_slugs_that_are_taken() -> None:
    text = export_opml(Registry([Source(slug="goud", feeds=["https://www.goud.ma/feed"])]))
    result = read_opml(text, existing=["goud"])
    assert [s.slug for s in result.sources] == ["goud-2"]
    assert "already used" in result.problems[0]


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (b"", "the file is empty"),
        (b"<opml><body><outline text='a'></body></opml>", "not well-formed XML"),
        (b"\x00\x01binary", "not well-formed XML"),
        (b'<rss version="2.0"><channel/></rss>', "root element is <rss>"),
        (b'<opml version="2.0"><head/></opml>', "has no <body> element"),
        (
            b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<opml><body><outline text="&x;" xmlUrl="https://a.ma/feed"/></body></opml>',
            "not well-formed XML",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<opml><body><outline xmlUrl="https://a.ma/feed">&x;</outline></body></opml>',
            "declares XML entities",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa">'
            + b"".join(
                b'<!ENTITY a%d "%s">' % (i, (b"&a%d;" % (i - 1) if i > 1 else b"&a;") * 10)
                for i in range(1, 9)
            )
            + b']><opml><body><outline text="&a8;"/></body></opml>',
            "amplification|declares XML entities",
        ),
    ],
)
def test_import_refuses_what_is_not_safe_opml(payload: bytes, expected: str) -> None:
    with pytest.raises(ValueError, match=expected):
        import_opml(payload)


def test_import_never_reads_local_files_through_entities(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    payload = (
        f'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY s SYSTEM "{secret.as_uri()}">]>'
        '<opml><body><outline text="x" xmlUrl="https://a.ma/feed">&s;</outline></body></opml>'
    ).encode()
    with pytest.raises(ValueError) as info:
        import_opml(payload)
    assert "TOP-SECRET" not in str(info.value)


# ---------------------------------------------------------------------------------- autodiscovery


def test_find_feed_links_in_a_wordpress_home_page() -> None:
    html = (DATA / "wordpress-home.html").read_text(encoding="utf-8")
    assert find_feed_links(html, "https://www.example.ma/") == [
        "https://www.example.ma/feed/",
        "https://www.example.ma/feed/atom/",
        "https://www.example.ma/feed.json",
    ]


def test_find_feed_links_honours_base_href_and_rel_tokens() -> None:
    html = (
        '<?xml version="1.0" encoding="utf-8"?><html><head><base href="/ar/">'
        '<link rel="Alternate feed" type="Application/RSS+XML; charset=utf-8" href="rss">'
        '<link rel="alternate" type="application/json" href="/feed.json#top">'
        '<link rel="alternate" type="text/html" href="/fr/">'
        '<link rel="alternate" type="application/rss+xml">'
        "</head></html>"
    )
    assert find_feed_links(html, "https://x.ma/") == [
        "https://x.ma/ar/rss",
        "https://x.ma/feed.json",
    ]


def test_find_feed_links_falls_back_to_anchors_that_clearly_name_a_feed() -> None:
    html = (DATA / "anchors-home.html").read_text(encoding="utf-8")
    assert find_feed_links(html, "https://lequotidien.example.ma/") == [
        "https://lequotidien.example.ma/rss.xml",
        "https://feeds.feedburner.com/LeQuotidien",
    ]


@pytest.mark.parametrize("html", ["", "   \n", "<html></html>", "plain text, no markup"])
def test_find_feed_links_on_pages_without_feeds(html: str) -> None:
    assert find_feed_links(html, "https://x.ma/") == []


@pytest.mark.parametrize(
    ("content", "content_type", "expected"),
    [
        (b"<html><body>soft 404</body></html>", "text/html", False),
        (b"", "application/rss+xml", True),
        (b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- c -->\n<rss version="2.0">', "text/xml", True),
        (b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">', "text/html", True),
        (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">', None, True),
        (b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/">', "text/xml", False),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": []}', "application/json", True),
        (b'{"posts": []}', "application/json", False),
        ('<rss version="2.0">'.encode("utf-16"), "text/xml", True),
    ],
)
def test_looks_like_feed(content: bytes, content_type: str | None, expected: bool) -> None:
    assert looks_like_feed(content, content_type) is expected


RSS = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>t</title>'
    b"<item><title>a</title><link>https://x.ma/1</link></item></channel></rss>"
)
HOME_WITHOUT_FEEDS = b"<html><head><title>home</title></head><body><p>news</p></body></html>"


def _discover(settings: Settings, site_url: str) -> list[str]:
    from nashra.http.fetch import Fetcher

    async def run() -> list[str]:
        async with Fetcher(settings.fetch) as fetcher:
            return await discover_feeds(fetcher, site_url)

    return asyncio.run(run())


def test_discover_feeds_reads_the_links_of_the_home_page(settings: Settings) -> None:
    html = (DATA / "wordpress-home.html").read_bytes()
    with LoopbackServer({"/": (200, {"Content-Type": "text/html; charset=utf-8"}, html)}) as srv:
        # The fixture's links are absolute to www.example.ma except the relative ones.
        found = _discover(settings, srv.url("/"))
        assert found == [
            "https://www.example.ma/feed/",
            srv.url("/feed/atom/"),
            srv.url("/feed/"),
            srv.url("/feed.json"),
        ]
        assert all(srv.hits(path) == 0 for path in COMMON_FEED_PATHS)


def test_discover_feeds_decodes_legacy_arabic_pages(settings: Settings) -> None:
    html = (
        '<html><head><meta charset="windows-1256"><title>الأخبار</title>'
        '<link rel="alternate" type="application/rss+xml" title="الخلاصة" href="/اخبار/feed">'
        "</head><body>مرحبا</body></html>"
    ).encode("cp1256")
    with LoopbackServer({"/": (200, {"Content-Type": "text/html"}, html)}) as srv:
        assert _discover(settings, srv.url("/")) == [srv.url("/اخبار/feed")]


def test_discover_feeds_probes_common_paths_when_the_page_links_none(settings: Settings) -> None:
    routes = {
        "/": (200, {"Content-Type": "text/html"}, HOME_WITHOUT_FEEDS),
        # /feed is missing (404 by default); /rss redirects to the real feed.
        "/rss": (301, {"Location": "/feed.xml"}, b""),
        "/feed.xml": (200, {"Content-Type": "text/xml; charset=utf-8"}, RSS),
        # A soft 404: 200 with an HTML page is not a feed.
        "/rss.xml": (200, {"Content-Type": "text/html"}, HOME_WITHOUT_FEEDS),
        # An honest content type with a body we do not look at.
        "/atom.xml": (200, {"Content-Type": "application/atom+xml"}, b"<feed/>"),
        "/index.xml": (200, {"Content-Type": "text/xml"}, b"<urlset></urlset>"),
    }
    with LoopbackServer(routes) as srv:
        found = _discover(settings, srv.url("/"))
        assert found == [srv.url("/feed.xml"), srv.url("/atom.xml")]
        assert all(srv.hits(path) >= 1 for path in COMMON_FEED_PATHS)


def test_discover_feeds_when_the_site_address_is_a_feed(settings: Settings) -> None:
    with LoopbackServer({"/news": (200, {"Content-Type": "application/xml"}, RSS)}) as srv:
        assert _discover(settings, srv.url("/news")) == [srv.url("/news")]


def test_discover_feeds_probes_paths_after_an_http_error(settings: Settings) -> None:
    routes = {
        "/": (503, {"Content-Type": "text/html"}, b"busy"),
        "/feed": (200, {"Content-Type": "application/rss+xml"}, RSS),
    }
    with LoopbackServer(routes) as srv:
        assert _discover(settings, srv.url("/")) == [srv.url("/feed")]


def test_discover_feeds_gives_up_at_once_when_nothing_answers(settings: Settings) -> None:
    with LoopbackServer() as srv:
        dead = srv.url("/")
    # The server is stopped: the connection is refused and no path is probed.
    assert _discover(settings, dead) == []


def test_discover_feeds_finds_nothing_on_a_site_without_feeds(settings: Settings) -> None:
    with LoopbackServer({"/": (200, {"Content-Type": "text/html"}, HOME_WITHOUT_FEEDS)}) as srv:
        assert _discover(settings, srv.url("/")) == []


# ------------------------------------------------------------------------------------------- CLI


def _cli(settings: Settings, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(sources_group, list(args), obj=settings)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_cli_list_shows_the_default_registry_until_there_is_a_file(settings: Settings) -> None:
    code, out, _ = _cli(settings, "list")
    assert code == 0
    assert f"{len(default_registry())} sources (default)" in out
    for expected in ("hespress", "1 feed", "autodiscovery", "no address", "Médias24"):
        assert expected in out
    assert not settings.registry_path.exists()


def test_cli_list_json(settings: Settings) -> None:
    code, out, _ = _cli(settings, "list", "--json")
    assert code == 0
    rows = {row["slug"]: row for row in json.loads(out)}
    assert len(rows) == len(default_registry())
    assert rows["hespress"]["feeds"] == ["https://www.hespress.com/feed"]
    assert rows["hespress"]["status"] == "1 feed"
    assert rows["profvb"]["status"] == "autodiscovery"
    assert rows["alboussala"]["status"] == "no address"


def test_cli_add_starts_from_the_default_and_remove_edits_the_file(settings: Settings) -> None:
    code, out, _ = _cli(
        settings,
        *("add", "yabiladi", "--name-ar", "يابلادي", "--name-fr", "Yabiladi"),
        *("--site-url", "https://www.yabiladi.com", "--lang", "fr", "--section", "society"),
        *(
            "--feed",
            "https://www.yabiladi.com/rss/a.xml",
            "--feed",
            "https://www.yabiladi.com/rss/b.xml",
        ),
    )
    assert code == 0, out
    assert "added yabiladi (2 feeds)" in out
    saved = Registry.load(settings.registry_path)
    assert len(saved) == len(default_registry()) + 1
    assert saved["yabiladi"] == Source(
        slug="yabiladi",
        name_ar="يابلادي",
        name_fr="Yabiladi",
        site_url="https://www.yabiladi.com",
        feeds=["https://www.yabiladi.com/rss/a.xml", "https://www.yabiladi.com/rss/b.xml"],
        lang="fr",
        default_section="society",
    )
    code, out, _ = _cli(settings, "remove", "goud")
    assert code == 0 and "removed goud" in out
    assert "goud" not in Registry.load(settings.registry_path)
    code, out, _ = _cli(settings, "list", "--json")
    assert "yabiladi" in {row["slug"] for row in json.loads(out)}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["add", "video"], "slug 'video' is reserved"),
        (["add", "Yabiladi"], "(try 'yabiladi')"),
        (["add", "hespress"], "slug 'hespress' is already used"),
        (["add", "yabiladi", "--feed", "ftp://yabiladi.com/rss"], "is not an http(s) address"),
        (["add", "yabiladi", "--site-url", "yabiladi.com"], "site_url 'yabiladi.com' is not"),
        (["add", "hespress2", "--feed", "https://www.hespress.com/feed"], "already followed by source 'hespress'"),
        (["add", "yabiladi", "--lang", "de"], "Invalid value for '--lang'"),
        (["add", "yabiladi", "--section", "sport"], "Invalid value for '--section'"),
        (["remove", "hesprss"], "no source with slug 'hesprss' in the registry (did you mean 'hespress'?)"),
        (["import-opml", "/nonexistent/file.opml"], "does not exist"),
    ],
)  # fmt: skip
def test_cli_refuses_bad_input_with_a_clear_message(
    settings: Settings, args: list[str], expected: str
) -> None:
    code, _, err = _cli(settings, *args)
    assert code != 0
    assert expected in err
    assert not settings.registry_path.exists()


def test_cli_reports_a_broken_registry_file(settings: Settings) -> None:
    settings.registry_path.parent.mkdir(parents=True)
    settings.registry_path.write_text("sources:\n  - slug: rss\n", encoding="utf-8")
    code, _, err = _cli(settings, "list")
    assert code == 1
    assert "slug 'rss' is reserved" in err


def test_cli_import_opml_adds_new_outlets_and_skips_followed_ones(settings: Settings) -> None:
    code, out, err = _cli(settings, "import-opml", str(DATA / "reader-export.opml"))
    assert code == 0, err
    # Outlets already followed gain the feeds they lacked; nothing is duplicated.
    assert "skipped hesport: already followed as hesport" in out  # its feed is in the registry
    assert "added 1 feed to hespress" in out  # its politics feed
    assert "skipped hespress-fr: already followed as hespress-fr" in out
    # feed://medias24.com/feed is the https feed of the default registry.
    assert "skipped medias24: already followed as medias24" in out
    assert "added blog-one (1 feed)" in out
    assert "added example-video (1 feed)" in out
    assert "imported 3 new and 1 updated of 7 outlets" in out
    assert "'javascript:alert(1)' is not http(s)" in err
    saved = Registry.load(settings.registry_path)
    assert saved["hesport"].feeds == ["https://hesport.com/feed"]  # the TSV's address, kept
    assert saved["hespress"].feeds == [
        "https://www.hespress.com/feed",
        "https://www.hespress.com/politique/feed",
    ]
    assert saved["medias24"].feeds == ["https://medias24.com/feed"]
    assert len(saved) == len(default_registry()) + 3
    code, out, _ = _cli(settings, "import-opml", str(DATA / "reader-export.opml"))
    assert code == 0 and "imported 0 new and 0 updated of 7" in out
    assert list(Registry.load(settings.registry_path).values()) == list(saved.values())


def test_cli_import_opml_renames_a_new_outlet_whose_slug_is_taken(
    settings: Settings, tmp_path: Path
) -> None:
    opml = tmp_path / "other.opml"
    opml.write_text(
        '<opml version="2.0"><body><outline text="Goud" xmlUrl="https://www.goud.fr/rss"/>'
        "</body></opml>",
        encoding="utf-8",
    )
    code, out, _ = _cli(settings, "import-opml", str(opml))
    assert code == 0
    assert "slug goud is taken: using goud-2" in out
    assert Registry.load(settings.registry_path)["goud-2"].site_url == "https://www.goud.fr"


def test_cli_import_opml_refuses_a_malformed_file(settings: Settings, tmp_path: Path) -> None:
    bad = tmp_path / "bad.opml"
    bad.write_text("<opml><body>", encoding="utf-8")
    code, _, err = _cli(settings, "import-opml", str(bad))
    assert code == 1
    assert "not well-formed XML" in err
    assert not settings.registry_path.exists()


def test_cli_export_then_import_into_a_new_instance(settings: Settings, tmp_path: Path) -> None:
    _cli(settings, "add", "yabiladi", "--site-url", "https://www.yabiladi.com")
    code, out, _ = _cli(settings, "export-opml")
    assert code == 0 and out.startswith("<?xml")
    target = tmp_path / "export" / "sources.opml"
    target.parent.mkdir()
    code, _, err = _cli(settings, "export-opml", str(target))
    assert code == 0 and "wrote" in err
    assert target.read_text(encoding="utf-8").split("<head>")[1].split("</dateCreated>")[0] != ""
    fresh = load_settings(env={}, sources_file=tmp_path / "fresh" / "sources.yaml")
    fresh.registry_path.parent.mkdir()
    fresh.registry_path.write_text("sources: []\n", encoding="utf-8")
    code, out, _ = _cli(fresh, "import-opml", str(target))
    assert code == 0
    assert list(Registry.load(fresh.registry_path).values()) == list(
        Registry.load(settings.registry_path).values()
    )


def test_cli_uses_the_settings_object_it_is_given(tmp_path: Path) -> None:
    settings = load_settings(env={}, data_dir=tmp_path / "one")
    other = load_settings(env={}, data_dir=tmp_path / "two")
    _cli(settings, "remove", "goud")
    assert settings.registry_path.exists() and not other.registry_path.exists()
    assert os.path.commonpath([settings.registry_path, tmp_path / "one"]) == str(tmp_path / "one")
    assert "goud" in load_registry(other)
    assert yaml.safe_load(settings.registry_path.read_text(encoding="utf-8"))["sources"]
