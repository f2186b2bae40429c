"""The demo's corpora as labelled examples for the section classifier
(:mod:`nashra.enrich.training`): the ANT articles under the sections their labels map to, and the
real French publisher pages under their outlet's sections.

Build-time only (``scripts/train_sections.py``, the benchmark and the tests).
"""

from __future__ import annotations

from collections.abc import Iterator

from nashra.demo.corpus import french_articles, load_ant_rows

# The ANT corpus's labels → our sections (the demo outlets declare the same mapping).
from nashra.demo.outlets import ANT_SECTIONS, ANT_SOURCE_OUTLET, OUTLETS
from nashra.enrich.classifier import Example, lead
from nashra.sections import SECTIONS

__all__ = ["ant_examples", "french_page_examples"]


def ant_examples() -> Iterator[Example]:
    """The ANT articles shipped with the demo (deduplicated by URL), labelled with our sections;
    the body is the feed description, then the article."""
    for row in load_ant_rows():
        section = ANT_SECTIONS.get(row["cat"])
        if section:
            yield Example(
                row["docno"],
                "ar",
                section,
                row["title"],
                lead(row.get("abstract") or "", row["text"]),
                row["time_iso"][:10],
                ANT_SOURCE_OUTLET[row["src"]],
            )


def french_page_examples() -> list[Example]:
    """The real French publisher pages of the demo (fundus gold text), labelled with the section
    their outlet files them under: held out (dated after ANT), never trained on."""
    return [
        Example(
            a.key,
            "fr",
            OUTLETS[a.source].section_of(a.category),
            a.title,
            lead(a.summary, "\n".join(a.paragraphs)),
            a.published.date().isoformat(),
        )
        for a in french_articles()
        if OUTLETS[a.source].section_of(a.category) in SECTIONS
    ]
