"""Choosing an article's section: the outlet's own labels first, then the shipped classifier.

Order (each step only when the previous one gave nothing):

1. the outlet's feed categories, then its URL path segments, mapped by the registry
   (``Source.categories``; :func:`section_for` is the one home of that rule)
   — source "mapping", confidence 1.0;
2. the classifier, when its confidence clears the threshold stored in the model (chosen by
   ``scripts/train_sections.py`` on the training data) — "classifier";
3. the outlet's ``default_section`` (a sports outlet files everything under sports) — "mapping";
4. otherwise no section: a reader is better served by none than by a wrong one. The source is
   still "classifier" and its (low) confidence is stored, so moderators can find these articles.

A moderator's correction (source "moderator") is never overwritten; see ``store.py``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from nashra.enrich.classifier import SectionModel, shipped_model
from nashra.sections import SECTIONS
from nashra.sources.registry import Source

MAPPING, CLASSIFIER, MODERATOR = "mapping", "classifier", "moderator"


@dataclass(frozen=True)
class SectionChoice:
    section: str | None
    source: str | None  # "mapping" | "classifier" | "moderator" | None
    confidence: float | None


def section_for(source: Source, categories: list[str], url: str) -> str | None:
    """The outlet's own labels (feed categories, then URL path segments) mapped to our
    sections, else the outlet's default section."""
    mapping = {k.strip().lower(): v for k, v in source.categories.items()}
    for label in categories:
        section = mapping.get(label.strip().lower())
        if section in SECTIONS:
            return section
    for segment in urlsplit(url).path.lower().split("/"):
        section = mapping.get(segment)
        if section in SECTIONS:
            return section
    return source.default_section if source.default_section in SECTIONS else None


def mapped_section(source: Source, categories: list[str], url: str) -> str | None:
    """The section the outlet's own labels give, without its default section."""
    return section_for(dataclasses.replace(source, default_section=None), categories, url)


def choose_section(
    source: Source,
    categories: list[str],
    url: str,
    title: str,
    body: str,
    lang: str,
    *,
    model: SectionModel | None = None,
    terms: tuple[Sequence[str], Sequence[str]] | None = None,
) -> SectionChoice:
    """The section of one article (see the module docstring for the order); ``model``: the
    classifier to ask (the shipped one by default); ``terms``: the title's and the lead's
    analysed terms when the article was analysed already (``title`` and ``body`` are then not
    read again)."""
    mapped = mapped_section(source, categories, url)
    if mapped:
        return SectionChoice(mapped, MAPPING, 1.0)
    model = model or shipped_model()
    if model is None:
        prediction = None
    elif terms is not None:
        prediction = model.predict_terms(*terms, lang)
    else:
        prediction = model.predict(title, body, lang)
    if prediction and prediction.section not in SECTIONS:
        prediction = None
    if prediction and prediction.sure:
        return SectionChoice(prediction.section, CLASSIFIER, round(prediction.confidence, 4))
    if source.default_section in SECTIONS:
        return SectionChoice(source.default_section, MAPPING, 1.0)
    if prediction:
        return SectionChoice(None, CLASSIFIER, round(prediction.confidence, 4))
    return SectionChoice(None, None, None)
