"""Labelled examples for the section classifier: hand-written TSV files and the moderators'
corrections of an archive; the held-out split. The demo's corpora (ANT, the French pages) give
theirs through :mod:`nashra.demo.examples`.

Build-time only (``scripts/train_sections.py``, the benchmark and the tests): nothing here runs
in the portal.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from sqlalchemy import func, select

from nashra.enrich.classifier import Example, lead
from nashra.sections import SECTIONS
from nashra.store.schema import articles, section_corrections
from nashra.store.store import Store

# ANT March 2018 is split by date: the first three weeks train, the rest of the month (22–31
# March, 1,587 articles) is held out, so the test is on news the model has not seen yet.
HELD_OUT_FROM = "2018-03-22"
CORRECTION_PREFIX = "correction:"


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


def correction_examples(store: Store) -> list[Example]:
    """The articles a moderator re-filed in ``/admin``, under the section of the last
    correction: extra training data (never held out)."""
    last = (
        select(func.max(section_corrections.c.id))
        .group_by(section_corrections.c.article_pk)
        .scalar_subquery()
    )
    query = (
        select(
            articles.c.source, articles.c.num, articles.c.lang, articles.c.title,
            articles.c.summary, articles.c.body_text, section_corrections.c.section,
        )
        .select_from(section_corrections.join(articles, articles.c.pk == section_corrections.c.article_pk))
        .where(section_corrections.c.id.in_(last))
        .order_by(articles.c.pk)
    )  # fmt: skip
    with store.connect() as conn:
        rows = conn.execute(query).all()
    return [
        Example(
            f"{CORRECTION_PREFIX}{r.source}/{r.num}",
            r.lang or "ar",
            r.section,
            r.title or "",
            lead(r.summary or "", r.body_text or ""),
        )
        for r in rows
        if r.section in SECTIONS
    ]


def write_jsonl(examples: Iterable[Example], path: str | Path) -> int:
    """Write examples one JSON object a line; returns how many."""
    count = 0
    with Path(path).open("w", encoding="utf-8") as out:
        for e in examples:
            record = {"key": e.key, "lang": e.lang, "section": e.section, "title": e.title}
            out.write(json.dumps({**record, "body": e.body}, ensure_ascii=False) + "\n")
            count += 1
    return count


def jsonl_examples(path: str | Path) -> Iterator[Example]:
    """Examples written by :func:`write_jsonl` (a bad line raises ValueError with its number)."""
    path = Path(path)
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            example = Example(
                str(row["key"]), str(row["lang"]), str(row["section"]), str(row.get("title", "")),
                str(row.get("body", "")),
            )  # fmt: skip
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not an example ({exc})") from None
        if example.section not in SECTIONS:
            raise ValueError(f"{path}:{number}: unknown section {example.section!r}")
        yield example


def is_held_out(key: str, buckets: int = 5) -> bool:
    """The fixed held-out split of undated examples: one key in five, by a hash."""
    return hashlib.sha1(key.encode("utf-8")).digest()[0] % buckets == 0


def held_out(example: Example) -> bool:
    """Whether ``example`` is in the test split: by date when it has one (ANT), by a fixed hash of
    its key otherwise; moderators' corrections always train."""
    if example.key.startswith(CORRECTION_PREFIX):
        return False
    if example.published:
        return example.published >= HELD_OUT_FROM
    return is_held_out(example.key)


def split(examples: list[Example]) -> tuple[list[Example], list[Example]]:
    """(training, held-out) by :func:`held_out`."""
    train = [e for e in examples if not held_out(e)]
    test = [e for e in examples if held_out(e)]
    return train, test
