"""Evaluation of story assignment on labelled pairs: same-event pairs across outlets of the demo
corpus (ANT, March 2018) and hand-written hard negatives (a figure, a place or a negation apart).

The whole corpus streams through the engine in publication order, so every labelled pair is
judged among ~4,800 distractors, exactly as the crawl would meet them. Pair precision and recall
are printed (run with ``-s`` to see them) and must stay above the floors below.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from nashra.demo.corpus import load_ant_rows
from nashra.stories.evaluation import hard_case_outcomes
from nashra.stories.features import features_of
from nashra.stories.index import StoryIndex
from nashra.stories.ledger import StoryLedger
from test_stories_support import ant_pairs, hard_cases

PRECISION_FLOOR = 0.9
RECALL_FLOOR = 0.85


def _score(outcomes: list[tuple[bool, bool]]) -> tuple[float, float, dict[str, int]]:
    tp = sum(1 for label, got in outcomes if label and got)
    fp = sum(1 for label, got in outcomes if not label and got)
    fn = sum(1 for label, got in outcomes if label and not got)
    tn = sum(1 for label, got in outcomes if not label and not got)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, {"tp": tp, "fp": fp, "fn": fn, "tn": tn}


@pytest.fixture(scope="module")
def corpus_run() -> tuple[dict[str, int], StoryLedger, list[dict]]:
    rows = sorted(load_ant_rows(), key=lambda r: (r["time_iso"], r["docno"]))
    index = StoryIndex()
    ledger = StoryLedger()
    pk_of = {}
    for i, row in enumerate(rows, start=1):
        pk_of[row["docno"]] = i
        f = features_of(
            pk=i,
            source=row["src"],
            published=datetime.fromisoformat(row["time_iso"]),
            title=row["title"],
            body=row["text"],
        )
        ledger.apply(index.assign(f))
    return pk_of, ledger, rows


def _hard_outcomes(rows: list[dict]) -> list[tuple[bool, bool, str]]:
    """Each hard case is judged against a background of a day of real news (for term rarity)."""
    background = [
        features_of(
            pk=i,
            source=row["src"],
            published=datetime.fromisoformat(row["time_iso"]),
            title=row["title"],
            body=row["text"],
        )
        for i, row in enumerate(rows[:300], start=1)
    ]
    return hard_case_outcomes(hard_cases(), background)


def test_labelled_pairs_are_all_present(corpus_run) -> None:
    pk_of, _, _ = corpus_run
    pairs = ant_pairs()
    assert len(pairs) >= 70
    missing = [p for p in pairs if p["a"] not in pk_of or p["b"] not in pk_of]
    assert not missing
    assert sum(p["same"] for p in pairs) > 50 and sum(not p["same"] for p in pairs) >= 10


def test_pair_precision_and_recall(corpus_run) -> None:
    pk_of, ledger, rows = corpus_run
    ledger.check()
    corpus = [
        (p["same"], ledger.story_of(pk_of[p["a"]]) == ledger.story_of(pk_of[p["b"]]))
        for p in ant_pairs()
    ]
    hard = _hard_outcomes(rows)
    p_corpus, r_corpus, c_corpus = _score(corpus)
    p_hard, r_hard, c_hard = _score([(a, b) for a, b, _ in hard])
    p_all, r_all, c_all = _score(corpus + [(a, b) for a, b, _ in hard])
    print(
        f"\nstories eval: corpus pairs P={p_corpus:.3f} R={r_corpus:.3f} {c_corpus}"
        f"\nstories eval: hard cases  P={p_hard:.3f} R={r_hard:.3f} {c_hard}"
        f"\nstories eval: all pairs   P={p_all:.3f} R={r_all:.3f} {c_all}"
    )
    # Every hand-written hard negative must be kept apart: that is what they are for.
    wrongly_joined = [kind for label, got, kind in hard if not label and got]
    assert not wrongly_joined
    assert p_all >= PRECISION_FLOOR and r_all >= RECALL_FLOOR


def test_stories_group_outlets_not_just_one_outlet(corpus_run) -> None:
    _, ledger, rows = corpus_run
    source_of = {i: row["src"] for i, row in enumerate(rows, start=1)}
    multi = [pks for pks in ledger.members.values() if len({source_of[p] for p in pks}) > 1]
    assert len(multi) > 100
    # No runaway story: a month-long conflict must not swallow its whole coverage.
    assert max(len(pks) for pks in ledger.members.values()) < 100
