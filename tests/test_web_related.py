"""Related articles: ranking by shared analysed title words, and the article page's blocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from starlette.testclient import TestClient

from nashra.ingest import save_article
from nashra.model import Article
from nashra.web.app import create_app
from nashra.web.related import PoolCache, make_pool, rank_related, title_terms
from test_web_support import SEED_NUM, build_archive, css, parse

T = datetime(2024, 3, 1, 12, tzinfo=UTC)


def row(pk: int, title: str, *, source: str = "a", copy_of: int | None = None, hours: int = 0):
    return {"pk": pk, "source": source, "num": pk, "title": title, "lang": "ar",
            "copy_of": copy_of, "published": T - timedelta(hours=hours)}  # fmt: skip


def titles(rows):
    return [r["title"] for r in rows]


ARTICLE = row(1, "نتنياهو يزور واشنطن لبحث الاتفاق النووي مع الحكومة")


def test_rarer_shared_words_rank_first():
    pool = make_pool(
        [
            ARTICLE,
            row(2, "الحكومة تناقش مطالب النقابات"),  # one short common word: not enough
            row(3, "واشنطن تحذر من انهيار الاتفاق النووي", hours=2),
            row(4, "نتنياهو أمام القضاء من جديد", hours=1),
            row(5, "الاتفاق على موعد الانتخابات في واشنطن", hours=3),
        ]
    )
    ranked = titles(rank_related(ARTICLE, pool))
    assert ranked[0] == "واشنطن تحذر من انهيار الاتفاق النووي"  # three shared words
    assert set(ranked) == {
        "واشنطن تحذر من انهيار الاتفاق النووي",
        "نتنياهو أمام القضاء من جديد",  # one long name is enough
        "الاتفاق على موعد الانتخابات في واشنطن",
    }


def test_copies_the_article_itself_and_excluded_keys_are_left_out():
    pool = make_pool(
        [
            ARTICLE,
            row(2, "نتنياهو يزور واشنطن لبحث الاتفاق النووي مع الحكومة", source="b", copy_of=1),
            row(3, "نتنياهو في واشنطن", source="c"),
            row(4, "واشنطن ونتنياهو والاتفاق", source="d"),
        ]
    )
    assert titles(rank_related(ARTICLE, pool, exclude=[("d", 4)])) == ["نتنياهو في واشنطن"]
    copy = row(9, "نسخة: نتنياهو يزور واشنطن", source="e", copy_of=1)
    assert "نتنياهو يزور واشنطن لبحث الاتفاق النووي مع الحكومة" not in titles(
        rank_related(copy, pool)
    )


def test_format_words_and_short_words_do_not_relate_articles():
    article = row(1, "شاهد.. فيديو من مهرجان الرباط")
    pool = make_pool(
        [article, row(2, "شاهد.. فيديو حريق في الميناء"), row(3, "مهرجان الرباط يختتم دورته")]
    )
    assert "شاهد" not in " ".join(title_terms("شاهد", "ar"))
    assert titles(rank_related(article, pool)) == ["مهرجان الرباط يختتم دورته"]


def test_the_same_headline_is_shown_once_and_limits_hold():
    pool = make_pool(
        [ARTICLE] + [row(i, "نتنياهو في واشنطن", source=f"s{i}", hours=i) for i in range(2, 9)]
    )
    assert titles(rank_related(ARTICLE, pool)) == ["نتنياهو في واشنطن"]
    varied = make_pool([ARTICLE] + [row(i, f"نتنياهو في واشنطن {i}x") for i in range(2, 12)])
    assert len(rank_related(ARTICLE, varied, limit=3)) == 3


def test_an_untitled_article_or_an_empty_pool_has_no_related():
    assert rank_related(row(1, ""), make_pool([row(2, "نتنياهو في واشنطن")])) == []
    assert rank_related(ARTICLE, []) == []


def test_french_titles_are_analysed_in_french():
    article = {**row(1, "Les élections municipales à Casablanca"), "lang": "fr"}
    other = {**row(2, "Casablanca : l'élection municipale reportée"), "lang": "fr"}
    assert title_terms(article["title"], "fr") & title_terms(other["title"], "fr") >= {"casablanc"}
    assert titles(rank_related(article, make_pool([other]))) == [other["title"]]


def test_pool_cache_is_bounded_and_cleared_with_the_page_cache(tmp_path):
    cache = PoolCache(max_entries=2)
    for key in "abc":
        cache.get(key, lambda: [])
    assert len(cache) == 2
    archive = build_archive(tmp_path, fillers=12)
    app = create_app(archive.settings, archive.store)
    with TestClient(app) as client:
        assert client.get(f"/hespress/{SEED_NUM}").status_code == 200
        pools = app.state.portal.related_pools
        assert len(pools) == 1
        save_article(archive.store,
            Article(source="hespress", url="https://www.hespress.com/new", title="خبر جديد",
                    body_html="<p>نص</p>", published=datetime.now(UTC), section="sports")
        )  # fmt: skip
        client.get("/")  # the next request sees the new archive version
        assert len(pools) == 0


def test_article_page_blocks_in_order(tmp_path):
    archive = build_archive(tmp_path, fillers=30)
    with TestClient(create_app(archive.settings, archive.store)) as client:
        doc = parse(client.get(f"/hespress/{SEED_NUM}").content)
    section = css(doc, ".byline .section a")[0]
    assert section.get("href") == "/politics"
    more = css(doc, "aside.more")[0]
    assert css(more, ".more-link a")[0].get("href") == "/hespress"
    main_children = [el.tag + "." + (el.get("class") or "") for el in css(doc, "main")[0]]
    assert main_children.index("article.article") < main_children.index("aside.more")
    if css(doc, "aside.related"):
        assert main_children.index("aside.related") < main_children.index("aside.more")
        for link in css(doc, "aside.related .teaser-title"):
            assert link.get("href") not in {a.get("href") for a in css(more, ".teaser-title")}
