"""``enrich_article``: sections, regions and authors of one article, as a pure function.

The crawl calls it between ``build_article`` and ``Store.save_article``; ``nashra enrich
rebuild`` calls it again over the archive when the rules or the model change.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from nashra.enrich.authors import clean_byline
from nashra.enrich.classifier import lead, lead_terms
from nashra.enrich.regions import RegionMatch, tag_analysed
from nashra.enrich.sections import MAPPING, SectionChoice, choose_section
from nashra.model import Article
from nashra.sources.registry import Source
from nashra.text.article import AnalysedText, analyse_article


@dataclass(frozen=True)
class Enrichment:
    """What enrichment decided for one article (the store keeps every field)."""

    section: str | None
    section_source: str | None  # "mapping" | "classifier" | "moderator" | None
    section_confidence: float | None
    regions: tuple[RegionMatch, ...] = ()
    author: str = ""  # a person's name, or empty
    author_key: str = ""
    agency: str = ""  # an agency code (nashra.enrich.authors.AGENCIES) or empty
    byline: str = ""  # the raw byline the outlet gave

    def apply(self, article: Article) -> Article:
        """A copy of ``article`` with the enriched section and the cleaned author (the rest
        of the labels are written beside it by :func:`nashra.enrich.store.write_enrichment`)."""
        return dataclasses.replace(article, section=self.section, author=self.author)


def outlet_names(source: Source) -> list[str]:
    """Every name an outlet goes by in bylines (never an author)."""
    return [source.name_ar, source.name_fr, source.name_en, source.slug]


def kept_author(article: Article, source: Source) -> str:
    """The author :func:`enrich_article` keeps for ``article`` (its byline cleaned): what a
    bulk import compares with the stored row without analysing the article."""
    return clean_byline(article.author, outlet_names(source)).author


def enrich_article(
    article: Article,
    source: Source,
    *,
    byline: str | None = None,
    analysed: AnalysedText | None = None,
    section: str | None = None,
) -> Enrichment:
    """Section, regions and author/agency of ``article`` (``byline``: the raw byline when the
    article's ``author`` was already cleaned, as in a rebuild; ``analysed``: the article's one
    analysis, :func:`nashra.text.article.analyse_article` of its title and body or summary;
    ``section``: an importer's explicit label, which overrides the rules — filed as the
    outlet's own mapping, confidence 1 — so that the classifier is not asked at all)."""
    raw = article.author if byline is None else byline
    if analysed is None:
        analysed = analyse_article(
            article.title, article.body_text or article.summary, article.lang
        )
    if section:
        choice = SectionChoice(section, MAPPING, 1.0)
    else:
        choice = choose_section(
            source,
            article.categories,
            article.url,
            article.title,
            lead(article.summary, article.body_text),
            article.lang,
            terms=(analysed.title_terms, lead_terms(analysed, article.summary)),
        )
    cleaned = clean_byline(raw, outlet_names(source))
    return Enrichment(
        section=choice.section,
        section_source=choice.source,
        section_confidence=choice.confidence,
        regions=tuple(tag_analysed(analysed)),
        author=cleaned.author,
        author_key=cleaned.author_key,
        agency=cleaned.agency,
        byline=(raw or "").strip(),
    )
