"""The one analysis of an article (``text.article.analyse_article``) gives every consumer exactly
what its standalone path gives: the search document, the regions, the classifier's lead and the
story features — on the demo's shipped corpus (ANT Arabic articles, the French publisher pages)
and a few edge cases (empty body, a summary that is not the body's opening, a body over the
index's limit)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from nashra.demo.corpus import french_articles, load_ant_rows
from nashra.enrich.classifier import LEAD_CHARS, lead, lead_terms
from nashra.enrich.regions import tag_analysed, tag_regions
from nashra.search.documents import MAX_BODY_CHARS, build_document, document_of
from nashra.stories.features import features_of
from nashra.text import analyse
from nashra.text.article import analyse_article

PUBLISHED = datetime(2018, 3, 1, tzinfo=UTC)


def _over(chars: int, text: str) -> str:
    """``text`` repeated (a paragraph each) until it is longer than ``chars``."""
    return "\n".join([text] * (chars // len(text) + 2))


def _corpus() -> list[tuple[str, str, str, str, str, str]]:
    """(id, lang, title, body, summary, author): every 60th ANT article, every 3rd French page,
    and the edge cases."""
    cases = [
        (row["docno"], "ar", row["title"], row["text"], row.get("abstract") or "", row["author"])
        for row in load_ant_rows()[::60]
    ]
    cases += [
        (a.key, "fr", a.title, "\n".join(a.paragraphs), a.summary, a.author)
        for a in french_articles()[::3]
    ]
    ant = load_ant_rows()[7]
    cases += [
        ("empty-body", "ar", ant["title"], "", "", ""),
        ("other-summary", "ar", ant["title"], ant["text"], "ملخص لا يبدأ به النص في الرباط", ""),
        ("long-body", "ar", ant["title"], _over(MAX_BODY_CHARS, ant["text"]), "", ant["author"]),
    ]
    return cases


CORPUS = _corpus()


def test_the_corpus_covers_both_languages_and_the_index_limit() -> None:
    assert {lang for _, lang, *_ in CORPUS} == {"ar", "fr"} and len(CORPUS) > 60
    assert any(len(body) > MAX_BODY_CHARS for _, _, _, body, _, _ in CORPUS)
    assert any(summary and not body.startswith(summary[:80]) for *_, body, summary, _ in CORPUS)


@pytest.mark.parametrize(
    ("lang", "title", "body", "summary", "author"),
    [case[1:] for case in CORPUS],
    ids=[case[0] for case in CORPUS],
)
def test_shared_analysis_equals_standalone(
    lang: str, title: str, body: str, summary: str, author: str
) -> None:
    analysed = analyse_article(title, body, lang)
    # the search document
    assert document_of(analysed, author, "f") == build_document(title, body, author, lang, "f")
    # the regions
    assert tag_analysed(analysed) == tag_regions(title, body)
    # the section classifier's lead
    assert lead_terms(analysed, summary) == analyse(lead(summary, body)[:LEAD_CHARS], lang)
    # the story features
    fields = {"pk": 1, "source": "s", "published": PUBLISHED, "title": title, "body": body}
    assert features_of(**fields, lang=lang, analysed=analysed) == features_of(**fields, lang=lang)
