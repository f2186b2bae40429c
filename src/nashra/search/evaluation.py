"""Measuring the ranking on a passage-retrieval set (the ARCD questions of ``tests/data/arcd``):
the set as an import file, MRR@10 and Recall@10, and plain FTS5 BM25 anchors to compare with.

Used by ``benchmarks/eval_search.py`` (end to end through ``nashra import`` and
``/api/v1/search``) and by the tests (a floor on a subset). Nothing here runs in the portal.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "Passage",
    "Question",
    "RetrievalSet",
    "Scores",
    "bm25_anchor",
    "import_records",
    "load_retrieval_set",
    "score",
]

SOURCE = "arcd"
URL_PREFIX = "https://arcd.example/passage/"


@dataclass(frozen=True)
class Passage:
    doc_id: str
    title: str
    text: str

    @property
    def url(self) -> str:
        return URL_PREFIX + self.doc_id


@dataclass(frozen=True)
class Question:
    query_id: str
    text: str
    answer: str  # the doc_id of the relevant passage

    @property
    def tuning(self) -> bool:
        """The half of the questions the weights were tuned on (even ids); the others are
        held out."""
        return int(self.query_id) % 2 == 0


@dataclass(frozen=True)
class RetrievalSet:
    passages: list[Passage]
    questions: list[Question]

    def originals(self) -> dict[str, str]:
        """doc_id → the doc_id of the first passage with the same title and text (ARCD repeats
        some sentences word for word; a copy of the relevant passage is as good an answer)."""
        first: dict[tuple[str, str], str] = {}
        return {p.doc_id: first.setdefault((p.title, p.text), p.doc_id) for p in self.passages}

    def subset(self, articles: int) -> RetrievalSet:
        """The passages of the first ``articles`` Wikipedia articles and their questions."""
        keep = {p.doc_id for p in self.passages if int(p.doc_id.split("_")[0]) < articles}
        return RetrievalSet(
            [p for p in self.passages if p.doc_id in keep],
            [q for q in self.questions if q.answer in keep],
        )


def load_retrieval_set(folder: Path) -> RetrievalSet:
    """``corpus.jsonl``, ``queries.jsonl`` and ``qrels.tsv`` of ``folder``."""
    passages = [
        Passage(r["doc_id"], r["title"], r["text"])
        for r in map(json.loads, (folder / "corpus.jsonl").read_text("utf-8").splitlines())
    ]
    answers = {}
    for line in (folder / "qrels.tsv").read_text("utf-8").splitlines()[1:]:
        query_id, doc_id, _ = line.split("\t")
        answers.setdefault(query_id, doc_id)
    questions = [
        Question(r["query_id"], r["text"], answers[r["query_id"]])
        for r in map(json.loads, (folder / "queries.jsonl").read_text("utf-8").splitlines())
        if r["query_id"] in answers
    ]
    return RetrievalSet(passages, questions)


def import_records(passages: Iterable[Passage]) -> list[dict[str, str]]:
    """The passages as lines of a ``nashra import`` file (one article each)."""
    return [
        {"source": SOURCE, "url": p.url, "title": p.title, "text": p.text, "lang": "ar"}
        for p in passages
    ]


@dataclass(frozen=True)
class Scores:
    mrr: float
    recall: float
    questions: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "mrr@10": round(self.mrr, 4),
            "recall@10": round(self.recall, 4),
            "n": self.questions,
        }


def score(
    questions: Sequence[Question],
    found: Callable[[Question], Sequence[str]],
    same: Mapping[str, str] | None = None,
) -> Scores:
    """MRR@10 and Recall@10 of ``found`` (the doc_ids of a question's results, best first).
    With ``same`` (doc_id → a representative, e.g. :meth:`RetrievalSet.originals`) a result
    counts when it is the relevant passage or a copy of it."""

    def key(doc_id: str) -> str:
        return same.get(doc_id, doc_id) if same else doc_id

    reciprocal = hits = 0.0
    for question in questions:
        top = [key(d) for d in list(found(question))[:10]]
        answer = key(question.answer)
        if answer in top:
            reciprocal += 1 / (top.index(answer) + 1)
            hits += 1
    n = len(questions) or 1
    return Scores(reciprocal / n, hits / n, len(questions))


_WORD = re.compile(r"\w+")


def bm25_anchor(
    passages: Sequence[Passage], tokens: Callable[[str], list[str]], tokenizer: str = "unicode61"
) -> Callable[[Question], list[str]]:
    """Plain FTS5 BM25 over ``passages`` (title weighted 10, body 1, as the search index): the
    text of both sides turned into ``tokens`` (pass ``str.split`` for FTS5's own tokenizer on
    raw text), every query token optional (``t1 OR t2 OR …``)."""
    db = sqlite3.connect(":memory:")
    db.execute(f"CREATE VIRTUAL TABLE passage USING fts5(title, body, tokenize = '{tokenizer}')")
    db.executemany(
        "INSERT INTO passage (rowid, title, body) VALUES (?, ?, ?)",
        ((i, " ".join(tokens(p.title)), " ".join(tokens(p.text))) for i, p in enumerate(passages)),
    )
    ids = [p.doc_id for p in passages]

    def found(question: Question) -> list[str]:
        # Each token quoted: FTS5 splits it with the table's tokenizer (punctuation dropped).
        words = dict.fromkeys(t for t in tokens(question.text) if _WORD.search(t))
        if not words:
            return []
        expression = " OR ".join('"' + w.replace('"', '""') + '"' for w in words)
        rows = db.execute(
            "SELECT rowid FROM passage WHERE passage MATCH ? ORDER BY bm25(passage, 10.0, 1.0) "
            "LIMIT 10",
            (expression,),
        )
        return [ids[r] for (r,) in rows]

    return found
