"""Trending topics (issue 18): on a synthetic burst the burst's name trends and a frequent but
steady word does not; generic words never trend; the home strip links to topic pages."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from starlette.testclient import TestClient

from nashra.ingest import save_article
from nashra.model import Article
from nashra.sources.registry import Source
from nashra.store import Store
from nashra.trending.detect import Headline, trending_topics
from nashra.web.app import create_app
from nashra.web.i18n import translations
from test_web_support import css, parse

NOW = datetime(2026, 3, 20, 18, 0, tzinfo=UTC)
OUTLETS = ["hespress", "alyaoum24", "goud", "le360"]
FILLER = ("ارتفاع أسعار المحروقات", "مباراة الوداد والرجاء", "افتتاح معرض الكتاب",
          "أمطار غزيرة بالشمال", "تراجع البورصة", "قانون المالية الجديد", "موسم الحصاد",
          "إضراب الأساتذة", "مهرجان موازين", "حملة التلقيح")  # fmt: skip


def _headlines(seed: int = 7) -> list[Headline]:
    """A week of steady news (every fifth headline about the government, every day), then
    an afternoon with an earthquake in Al Haouz in many outlets' headlines."""
    rng = random.Random(seed)
    out = []
    moment = NOW - timedelta(days=7, hours=6)
    i = 0
    while moment < NOW:
        title = rng.choice(FILLER) + " " + rng.choice(FILLER)
        if i % 5 == 0:
            title = "الحكومة تناقش " + title
        if i % 7 == 0:
            title = "فيديو: " + title + " يوم الجمعة"  # format words and a weekday, everywhere
        if i % 9 == 0:
            title += " هسبريس"
        if moment >= NOW - timedelta(hours=4) and i % 2 == 0:
            title = "زلزال قوي يضرب إقليم الحوز " + rng.choice(FILLER)
            title = ("فيديو " if i % 4 == 0 else "") + title + " الجمعة هسبريس"
        out.append(Headline(title, OUTLETS[i % len(OUTLETS)], moment))
        moment += timedelta(minutes=20)
        i += 1
    return out


def test_a_burst_trends_and_a_steady_frequent_word_does_not() -> None:
    topics = trending_topics(_headlines(), NOW, outlet_names=["هسبريس", "hespress"])
    labels = [t.label for t in topics]
    assert labels, "the burst must trend"
    assert any("زلزال" in label or "الحوز" in label for label in labels[:2]), labels
    joined = " ".join(labels)
    for never in ("الحكومة", "فيديو", "الجمعة", "هسبريس", "يوم"):
        assert never not in joined, (never, labels)
    assert len(labels) <= 8


def test_one_outlet_repeating_a_word_is_no_trend() -> None:
    rows = _headlines()
    rows += [Headline(f"تيكتوك {i}", "goud", NOW - timedelta(minutes=10 + i)) for i in range(30)]
    labels = [t.label for t in trending_topics(rows, NOW)]
    assert "تيكتوك" not in labels


def test_nothing_recent_nothing_trends() -> None:
    rows = [h for h in _headlines() if h.published < NOW - timedelta(hours=7)]
    assert trending_topics(rows, NOW) == []


@pytest.fixture
def burst_store(tmp_path):
    from nashra.config import Settings

    settings = Settings(data_dir=tmp_path / "data").override(cache_check_seconds=0.0)
    store = Store.open(settings.resolved_database_url)
    store.sync_sources([Source(slug=s, name_ar=s) for s in OUTLETS])
    now = datetime.now(UTC)
    for i, h in enumerate(_headlines()):
        save_article(
            store,
            Article(
                source=h.source,
                url=f"https://{h.source}.test/{i}",
                title=h.title,
                body_text=h.title,
                published=h.published - NOW + now,
                section="society",
            ),  # fmt: skip
        )
    yield settings, store
    store.close()


def test_home_strip_and_topic_pages(burst_store: tuple) -> None:
    settings, store = burst_store
    with TestClient(create_app(settings, store)) as client:
        doc = parse(client.get("/").content)
        strip = css(doc, ".trending a")
        assert 1 <= len(strip) <= 8
        assert css(doc, ".trending-h")[0].text_content() == translations("ar").gettext("Trending")
        quake = next(a for a in strip if "زلزال" in a.text_content() or "الحوز" in a.text_content())
        page = client.get(quake.get("href"))
        assert page.status_code == 200
        topic = parse(page.content)
        titles = [a.text_content() for a in css(topic, ".teaser-title")]
        assert titles and all(quake.text_content() in t for t in titles)
        assert css(topic, ".follow")[0].get("data-follow-kind") == "topic"
        assert client.get("/topic/" + "كلمة لا توجد").status_code == 404
        assert client.get("/en/").status_code == 200 and css(
            parse(client.get("/en/").content), ".trending a"
        )
        assert client.get("/fr/").status_code == 200  # no French article: no strip, no error


def test_a_topic_page_lists_its_stories_ranked_as_top_stories_then_its_articles(
    settings, store
) -> None:
    """«الملك» is in the headlines of two stories (the wire copy of three outlets, a paraphrase
    of two published ten hours later): the page shows the two stories — the fresher one first,
    as on the home (three outlets halved over ten hours weigh less than two now) — then the
    five articles of the topic, newest first; a story without it is absent."""
    from nashra.search.topics import headline_clause
    from nashra.stories.queries import stories_of_articles
    from nashra.stories.store import StoryStore
    from test_portal_support import T0, build_portal_archive, case, put

    archive = build_portal_archive(settings, store)
    stories = StoryStore(store)
    paraphrase = case("paraphrase")
    later = T0 + timedelta(hours=12)
    pks = dict(archive.pks)
    pks["para_a"] = put(store, stories, "goud", paraphrase["a"], later)
    pks["para_b"] = put(store, stories, "hespress", paraphrase["b"], later + timedelta(minutes=5))

    found = stories_of_articles(store, headline_clause(store.dialect, ["الملك"]))
    assert [len(s["also"]) + 1 for s in found] == [2, 3]
    para_story, wire_story = (s["story"]["id"] for s in found)
    members = {s["story"]["id"]: {s["article"]["pk"], *(a["pk"] for a in s["also"])} for s in found}
    assert members[para_story] == {pks["para_a"], pks["para_b"]}
    assert members[wire_story] == {pks["wire_a"], pks["wire_b"], pks["wire_c"]}

    with TestClient(create_app(settings, store)) as client:
        page = client.get("/topic/الملك")
        assert page.status_code == 200
        doc = parse(page.content)
        heading = css(doc, "#topic-stories-h")[0].text_content()
        assert (
            heading
            == translations("ar").gettext("Top stories on this topic")
            != ("Top stories on this topic")
        )
        shown = css(doc, "section.topic-stories article.story")
        assert len(shown) == 2
        assert [a.get("href") for a in css(shown[0], ".also a.coverage")] == [
            f"/story/{para_story}"
        ]
        titles = [a.text_content() for a in css(doc, "ul.teasers .teaser-title")]
        assert titles and all("الملك" in t for t in titles)
        assert titles[0] == paraphrase["b"]["title"]  # newest first
        assert len(titles) == 5
        assert not any("أزيلال" in t for t in titles)
        assert client.get("/fr/topic/الملك").status_code == 200


VERBS_AR = ("قال", "أكد", "أعلن", "يؤكد", "كشف", "دعا", "أكدت", "تعلن", "يدعو", "أوضح")
SUBJECTS = ("وزير الصحة", "رئيس الحكومة", "والي الجهة", "نقابة الأطباء", "مدرب المنتخب",
            "الناطق الرسمي", "عمدة المدينة", "مجلس المنافسة")  # fmt: skip


def test_reporting_verbs_and_news_words_never_trend() -> None:
    """An afternoon whose commonest headline word is «قال», the other reporting verbs (Arabic
    and French, in several inflections) as common as any topic, with a weekday and «بلاغ»: none
    of them trends, the burst's place does."""
    rows = [h for h in _headlines() if h.published < NOW - timedelta(hours=6)]
    moment = NOW - timedelta(hours=5)
    for i in range(60):
        verb = "قال" if i % 2 else VERBS_AR[(i // 2) % len(VERBS_AR)]
        title = f"{verb} {SUBJECTS[i % len(SUBJECTS)]}: {FILLER[i % len(FILLER)]}"
        if i % 3 == 0:
            title = f"بلاغ: {title} في الحوز يوم الخميس"
        rows.append(Headline(title, OUTLETS[i % len(OUTLETS)], moment + timedelta(minutes=4 * i)))
    french = ("annonce", "affirme", "annoncent", "affirment", "déclare", "révèle")
    for i in range(24):
        title = f"Le ministre {french[i % len(french)]} un plan pour Al Haouz ce jeudi"
        published = moment + timedelta(minutes=9 * i)
        rows.append(Headline(title, OUTLETS[i % len(OUTLETS)], published, lang="fr"))
    words = Counter(w for h in rows if h.published >= moment for w in h.title.split())
    assert words.most_common(1)[0][0] == "قال"
    assert all(words[v] >= 3 for v in VERBS_AR)
    labels = [t.label for t in trending_topics(rows, NOW, size=12)]
    assert any("الحوز" in label for label in labels), labels
    joined = " ".join(labels).split()
    for never in (*VERBS_AR, *french, "الخميس", "jeudi", "بلاغ", "Le"):
        assert never not in joined, (never, labels)


def test_the_strip_is_computed_on_its_own_clock_not_on_every_archive_change(
    burst_store: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crawler changes the archive every few seconds and the portal then drops its memos;
    the strip (a week of headlines read) is computed again only after STRIP_SECONDS."""
    import nashra.trending.web as trending_web
    from nashra.web.editions import EDITIONS

    settings, store = burst_store
    computed = []

    def counted(*args, **kwargs):
        computed.append(1)
        return trending_topics(*args, **kwargs)

    monkeypatch.setattr(trending_web, "trending_topics", counted)
    portal = create_app(settings, store).state.portal
    now = [1000.0]
    trending = trending_web.Trending(portal, clock=lambda: now[0])
    edition = EDITIONS["ar"]
    first = trending.topics(edition)
    assert first and len(computed) == 1
    portal.clear_memos()  # what an archive change does
    now[0] += trending_web.STRIP_SECONDS - 1
    assert trending.topics(edition) is first and len(computed) == 1
    now[0] += 2  # stale: shown once more while a thread computes the next strip
    assert trending.topics(edition) is first
    trending.wait_refreshed()
    assert len(computed) == 2
    second = trending.topics(edition)
    assert second == first and second is not first and len(computed) == 2


def test_a_stale_strip_is_shown_while_the_next_is_computed_once(
    burst_store: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past STRIP_SECONDS the home page does not wait for the week of headlines to be read
    again (0.7 s at five million articles): the old strip is shown, one thread computes the
    next, and a computation that fails leaves the old strip for another STRIP_SECONDS."""
    import threading

    import nashra.trending.web as trending_web
    from nashra.web.editions import EDITIONS

    settings, store = burst_store
    portal = create_app(settings, store).state.portal
    now = [1000.0]
    trending = trending_web.Trending(portal, clock=lambda: now[0])
    edition = EDITIONS["ar"]
    first = trending.topics(edition)
    assert first
    release, started, computed = threading.Event(), threading.Event(), []

    def slow(*args, **kwargs):
        computed.append(1)
        started.set()
        assert release.wait(10)
        return trending_topics(*args, **kwargs)

    monkeypatch.setattr(trending_web, "trending_topics", slow)
    now[0] += trending_web.STRIP_SECONDS
    assert trending.topics(edition) is first  # answered while the computation waits
    assert started.wait(10)
    assert trending.topics(edition) is first and len(computed) == 1  # one thread, not two
    release.set()
    trending.wait_refreshed()
    assert trending.topics(edition) == first and len(computed) == 1

    failures = []

    def broken(*args, **kwargs):
        failures.append(1)
        raise RuntimeError("database went away")

    monkeypatch.setattr(trending_web, "trending_topics", broken)
    now[0] += trending_web.STRIP_SECONDS
    kept = trending.topics(edition)
    trending.wait_refreshed()
    assert trending.topics(edition) is kept  # still shown
    trending.wait_refreshed()
    assert failures == [1]  # and not tried again before another STRIP_SECONDS
