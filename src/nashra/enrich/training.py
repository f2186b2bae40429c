"""Labelled examples for the section classifier: the demo's ANT corpus and hand-written TSV files.

Build-time only (``scripts/train_sections.py`` and the tests): nothing here runs in the portal.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

# The ANT corpus's labels → our sections (the demo outlets declare the same mapping).
from nashra.demo.outlets import ANT_SECTIONS
from nashra.enrich.classifier import Example, is_held_out
from nashra.sections import SECTIONS


def ant_examples() -> Iterator[Example]:
    """The ANT articles shipped with the demo (deduplicated by URL), labelled with our sections."""
    from nashra.demo.corpus import load_ant_rows

    for row in load_ant_rows():
        section = ANT_SECTIONS.get(row["cat"])
        if section:
            yield Example(row["docno"], "ar", section, row["title"], row["text"])


def tsv_examples(path: str | Path, lang: str) -> Iterator[Example]:
    """``section<TAB>text`` lines (one short news paragraph each) written for this project.

    A bad line (no tab, unknown section) raises ValueError with its line number: training on a
    typo would silently create a section the portal does not have.
    """
    path = Path(path)
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        section, sep, text = line.partition("\t")
        if not sep or not text.strip():
            raise ValueError(f"{path}:{number}: expected 'section<TAB>text'")
        if section not in SECTIONS:
            raise ValueError(f"{path}:{number}: unknown section {section!r}")
        yield Example(f"{path.stem}:{number}", lang, section, "", text.strip())


def split(examples: list[Example]) -> tuple[list[Example], list[Example]]:
    """(training, held-out) by the fixed hash split of :func:`is_held_out`."""
    train = [e for e in examples if not is_held_out(e.key)]
    test = [e for e in examples if is_held_out(e.key)]
    return train, test
