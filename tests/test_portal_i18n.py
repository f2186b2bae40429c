"""The words of the story, region and search pages come from the portal's Babel catalogs: every
message is translated in ar/fr/en, the compiled catalogs match their sources, and each edition
shows its own words."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from starlette.testclient import TestClient

from nashra.stories.queries import story_ids
from nashra.web.app import create_app
from nashra.web.i18n import CATALOG_DIR, LANGUAGES, translations
from test_portal_support import PortalArchive, build_portal_archive
from test_web_support import css, parse


def catalog(lang: str):
    with (Path(CATALOG_DIR) / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_translated_and_compiled(lang: str) -> None:
    with (Path(CATALOG_DIR) / "messages.pot").open("rb") as f:
        template = {m.id for m in read_po(f) if m.id}
    po = catalog(lang)
    ids = {m.id for m in po if m.id}
    assert template <= ids, f"run `python -m nashra.web.i18n update`: {template - ids}"
    compiled = translations(lang)
    for message in po:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            assert all(message.string), message.id
            assert compiled.ngettext(*message.id, 1) == message.string[compiled.plural(1)]
        else:
            assert message.string, message.id
            assert compiled.gettext(message.id) == message.string, "run `… compile`"


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Iterator[PortalArchive]:
    from nashra.config import Settings
    from nashra.store import Store

    settings = Settings(data_dir=tmp_path_factory.mktemp("i18n") / "data")
    store = Store.open(settings.resolved_database_url)
    yield build_portal_archive(settings, store)
    store.close()


@pytest.fixture(scope="module")
def client(archive: PortalArchive) -> Iterator[TestClient]:
    with TestClient(create_app(archive.settings, archive.store)) as c:
        yield c


WORDS = {
    "ar": {"story": "القصة", "outlets": "3 منابر", "versions": "كل الروايات",
           "elsewhere": "الخبر نفسه في منابر أخرى", "regions": "الأخبار حسب الجهات",
           "all_regions": "كل الجهات", "modes": ("موضوع", "كاتب", "منطقة"), "search": "بحث في الأرشيف"},
    "fr": {"story": "L'histoire", "outlets": "3 médias", "versions": "Toutes les versions",
           "elsewhere": "La même information ailleurs", "regions": "L'actualité par région",
           "all_regions": "Toutes les régions", "modes": ("Sujet", "Auteur", "Région"),
           "search": "Rechercher dans les archives"},
    "en": {"story": "Story", "outlets": "3 outlets", "versions": "Every version",
           "elsewhere": "The same story elsewhere", "regions": "News by region",
           "all_regions": "All regions", "modes": ("Topic", "Writer", "Region"),
           "search": "Search the archive"},
}  # fmt: skip
PREFIX = {"ar": "", "fr": "/fr", "en": "/en"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_story_region_and_search_pages_speak_the_edition_language(client, archive, lang) -> None:
    words, prefix = WORDS[lang], PREFIX[lang]
    pk = archive.pks["wire_b"]
    sid = story_ids(archive.store, [pk])[pk]
    story = parse(client.get(f"{prefix}/story/{sid}").text)
    kicker = " ".join(css(story, "p.kicker")[0].text_content().split())
    assert kicker.startswith(words["story"]) and words["outlets"] in kicker
    assert css(story, "#versions-h")[0].text_content() == words["versions"]
    source, num = "le360", None
    for a in css(story, "li.teaser a.teaser-title"):
        if "/le360/" in a.get("href"):
            num = a.get("href").rsplit("/", 1)[1]
    article = parse(client.get(f"{prefix}/{source}/{num}").text)
    assert css(article, "#versions-h")[0].text_content() == words["elsewhere"]
    regions = parse(client.get(f"{prefix}/city").text)
    assert css(regions, "main h1")[0].text_content() == words["regions"]
    region = client.get(f"{prefix}/city/tanger-tetouan-al-hoceima").text
    assert words["all_regions"] in region.replace("&#39;", "'")
    search = client.get(f"{prefix}/search", params={"q": "حادث"}).text.replace("&#39;", "'")
    assert words["search"] in search
    for mode in words["modes"]:
        assert mode in search
