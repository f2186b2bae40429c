"""The section classifier: a linear model over word and character n-grams, shipped as JSON.

Features of an article (one function, :func:`article_features`, for training and the portal):
the terms of :func:`nashra.text.analyse` over the title and the lead (the feed summary and the
first :data:`LEAD_CHARS` characters of the body), in two TF-IDF blocks:

* words — unigrams and bigrams (bigrams stay inside the title or the body), raw counts times
  IDF, scaled to unit length;
* chars — character 2–5-grams of each analysed term, padded with spaces (they catch what a stem
  misses: «الاستثمارات» and «استثمار» share «ستثم»), raw counts times IDF, divided by the number of
  terms (so the block is the mean of the terms' n-gram vectors).

The weights are fitted at build time by ``scripts/train_sections.py`` (a linear SVM from
scikit-learn, see :mod:`nashra.enrich.fitting`) and exported to ``sections_model.json.gz``; this
module scores with plain Python and never imports scikit-learn or numpy. Scores become a
confidence by a softmax whose temperature, like the confidence threshold under which an article
gets no section, was chosen on the training side of the data (see the fitting module).

Speed: both blocks are linear in the terms' occurrences, so each term's contribution to every
section's score (its unigram row, and the sum of its n-grams' rows) is computed once and cached;
an article then costs a cached look-up per term, a dictionary look-up per bigram, the length of
its word vector, and one C-level column sum per section.
"""

from __future__ import annotations

import gzip
import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from importlib import resources
from itertools import chain
from operator import is_not, mul
from pathlib import Path
from typing import Any

from nashra.memo import Memo
from nashra.text import analyse
from nashra.text.article import AnalysedText

MODEL_FILE = "sections_model.json.gz"
MODEL_VERSION = 2
LEAD_CHARS = 2000  # the lead says what an article is about; the tail adds noise and time
CHAR_NGRAMS = (2, 5)
WORDS, CHARS = "words", "chars"
_CACHE_SIZE = 50_000  # terms; one tuple of floats each
_is_not_none = partial(is_not, None)


@dataclass(frozen=True)
class Example:
    """One labelled text. ``key`` is stable (a document number); ``published`` (an ISO date, or
    empty) places it in the split by date; ``outlet``: the slug of the outlet that published it
    (``Source.slug``, as the portal knows it), or empty."""

    key: str
    lang: str
    section: str
    title: str
    body: str = ""
    published: str = ""
    outlet: str = ""


@dataclass(frozen=True)
class Prediction:
    """The classifier's answer: the best section, how sure it is (0..1), whether that clears the
    model's threshold, and every section's probability."""

    section: str
    confidence: float
    sure: bool = True
    scores: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Features:
    """Raw feature counts of one article, per block, and its number of terms."""

    words: Counter[str]
    chars: Counter[str]
    terms: int


def lead(summary: str, body: str) -> str:
    """The text classified besides the title: the feed summary, then the body."""
    return f"{summary}\n{body}" if summary and not body.startswith(summary[:80]) else body


def lead_terms(text: AnalysedText, summary: str) -> list[str]:
    """The analysed terms of ``lead(summary, body)[:LEAD_CHARS]`` taken from the article's one
    analysis (the summary, when it is not the body's own opening, is its only extra text)."""
    if not (summary and not text.body.startswith(summary[:80])):
        return text.body_terms_within(LEAD_CHARS)
    head = analyse(summary[:LEAD_CHARS], text.lang)
    room = LEAD_CHARS - len(summary) - 1
    return head + text.body_terms_within(room) if room > 0 else head


def analysed(title: str, body: str, lang: str) -> tuple[list[str], list[str]]:
    """The analysed terms of the title and of the lead of the body."""
    return analyse(title, lang), analyse(body[:LEAD_CHARS], lang)


def bigrams(terms: Sequence[str]) -> list[str]:
    return list(map(" ".join, zip(terms, terms[1:], strict=False)))


def char_ngrams(term: str) -> list[str]:
    """Character n-grams of one term, padded with a space on each side."""
    padded = f" {term} "
    low, high = CHAR_NGRAMS
    out = []
    for n in range(low, high + 1):
        if len(padded) < n:
            break
        out.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return out


def article_features(title: str, body: str, lang: str) -> Features:
    """The raw counts :class:`LanguageModel` scores, as strings (the training side)."""
    title_terms, body_terms = analysed(title, body, lang)
    terms = title_terms + body_terms
    words = Counter(terms)
    words.update(bigrams(title_terms))
    words.update(bigrams(body_terms))
    chars = Counter(chain.from_iterable(map(char_ngrams, terms)))
    return Features(words, chars, len(terms))


def softmax(values: Sequence[float]) -> list[float]:
    top = max(values)
    exps = [math.exp(v - top) for v in values]
    total = sum(exps)
    return [e / total for e in exps]


class Block:
    """One feature block: vocabulary, IDF, and per feature a row of every section's weight
    times the feature's IDF (what one occurrence adds to the scores, before normalising)."""

    def __init__(
        self, terms: list[str], idf: list[float], rows: Sequence[Sequence[float]], sections: int
    ) -> None:
        if len(idf) != len(terms) or len(rows) != len(terms):
            raise ValueError("a feature block needs one IDF and one weight row per term")
        if any(len(row) != sections for row in rows):
            raise ValueError("a feature block needs one weight per section in every row")
        self.terms = terms
        self.idf = idf
        self.idf2 = [i * i for i in idf]
        self.index = {t: i for i, t in enumerate(terms)}
        # bigrams also by their pair of terms: looking up a pair of cached strings is cheaper
        # than joining them into a new one
        self.pairs = {tuple(t.split(" ")): i for t, i in self.index.items() if " " in t}
        self.rows = list(map(tuple, rows))

    def to_json(self) -> dict[str, Any]:
        return {
            "terms": self.terms,
            "idf": [round(v, 5) for v in self.idf],
            "rows": [[float(f"{w:.4g}") for w in row] for row in self.rows],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], sections: int) -> Block:
        return cls(list(data["terms"]), data["idf"], data["rows"], sections)


def _column_sums(rows: Iterable[tuple[float, ...]], width: int) -> list[float]:
    sums = list(map(sum, zip(*rows, strict=True)))
    return sums or [0.0] * width


class LanguageModel:
    """The linear model of one language: two blocks, a bias per section, a temperature for the
    confidence and the threshold under which the answer is not sure enough to show."""

    def __init__(
        self,
        sections: list[str],
        blocks: dict[str, Block],
        bias: list[float],
        temperature: float = 1.0,
        threshold: float = 0.0,
    ) -> None:
        if set(blocks) != {WORDS, CHARS}:
            raise ValueError(f"a section model needs the blocks {WORDS!r} and {CHARS!r}")
        if len(bias) != len(sections):
            raise ValueError("a section model needs one bias per section")
        self.sections = sections
        self.blocks = blocks
        self.bias = bias
        self.temperature = temperature
        self.threshold = threshold
        self._zero = (0.0,) * len(sections)
        self._char_rows: Memo[str, tuple[float, ...]] = Memo(self._char_row, _CACHE_SIZE)

    def _char_row(self, term: str) -> tuple[float, ...]:
        """What one occurrence of ``term`` adds to each section through its n-grams."""
        block = self.blocks[CHARS]
        rows = [block.rows[block.index[g]] for g in char_ngrams(term) if g in block.index]
        return tuple(_column_sums(rows, len(self.sections))) if rows else self._zero

    def known(self, title_terms: list[str], body_terms: list[str]) -> bool:
        """Whether any term of the text is in the word vocabulary."""
        index = self.blocks[WORDS].index
        return any(t in index for t in chain(title_terms, body_terms))

    def scores(self, title_terms: list[str], body_terms: list[str]) -> list[float]:
        """Raw scores, higher is more likely."""
        # Written with map/filter over built-ins: the per-term work stays in C.
        k = len(self.sections)
        words = self.blocks[WORDS]
        terms = title_terms + body_terms
        found = list(
            filter(
                _is_not_none,
                chain(
                    map(words.index.get, terms),
                    map(words.pairs.get, zip(title_terms, title_terms[1:])),  # noqa: B905
                    map(words.pairs.get, zip(body_terms, body_terms[1:])),  # noqa: B905
                ),
            )
        )
        counts = Counter(found)
        squares = map(
            mul, map(mul, counts.values(), counts.values()), map(words.idf2.__getitem__, counts)
        )
        norm = math.sqrt(sum(squares)) or 1.0
        word_sums = _column_sums(map(words.rows.__getitem__, found), k)
        char_sums = _column_sums(map(self._char_rows.__getitem__, terms), k)
        n = len(terms) or 1
        return [
            b + w / norm + c / n for b, w, c in zip(self.bias, word_sums, char_sums, strict=True)
        ]

    def predict(self, title_terms: list[str], body_terms: list[str]) -> Prediction:
        probs = softmax([s * self.temperature for s in self.scores(title_terms, body_terms)])
        best = max(range(len(probs)), key=probs.__getitem__)
        return Prediction(
            self.sections[best],
            probs[best],
            probs[best] >= self.threshold,
            {s: round(p, 4) for s, p in zip(self.sections, probs, strict=True)},
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "sections": self.sections,
            "bias": [round(b, 6) for b in self.bias],
            "temperature": self.temperature,
            "threshold": self.threshold,
            "blocks": {name: block.to_json() for name, block in sorted(self.blocks.items())},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LanguageModel:
        return cls(
            list(data["sections"]),
            {name: Block.from_json(b, len(data["sections"])) for name, b in data["blocks"].items()},
            [float(b) for b in data["bias"]],
            float(data["temperature"]),
            float(data["threshold"]),
        )


class SectionModel:
    """The shipped classifier: one :class:`LanguageModel` per language."""

    def __init__(self, languages: dict[str, LanguageModel], meta: dict[str, Any] | None = None):
        self.languages = languages
        self.meta = meta or {}

    def predict(self, title: str, body: str, lang: str) -> Prediction | None:
        """The section of an article (``body``: see :func:`lead`), or None when the language has
        no model or the text no known word."""
        if lang not in self.languages:
            return None
        return self.predict_terms(*analysed(title, body, lang), lang)

    def predict_terms(
        self, title_terms: Sequence[str], body_terms: Sequence[str], lang: str
    ) -> Prediction | None:
        """:meth:`predict` of terms already analysed (see :func:`lead_terms`)."""
        model = self.languages.get(lang)
        if model is None:
            return None
        title_terms, body_terms = list(title_terms), list(body_terms)
        if not model.known(title_terms, body_terms):
            return None
        return model.predict(title_terms, body_terms)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": MODEL_VERSION,
            "meta": self.meta,
            "languages": {lang: m.to_json() for lang, m in sorted(self.languages.items())},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SectionModel:
        if data.get("version") != MODEL_VERSION:
            raise ValueError(f"section model version {data.get('version')!r} is not supported")
        return cls(
            {lang: LanguageModel.from_json(m) for lang, m in data["languages"].items()},
            data.get("meta", {}),
        )

    def save(self, path: str | Path) -> None:
        raw = json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":"))
        Path(path).write_bytes(gzip.compress(raw.encode("utf-8"), compresslevel=9, mtime=0))

    @classmethod
    def load_file(cls, path: str | Path) -> SectionModel:
        return cls.from_json(json.loads(gzip.decompress(Path(path).read_bytes())))


@lru_cache(maxsize=1)
def shipped_model() -> SectionModel | None:
    """The model shipped in the package (None if the file is missing: sections then fall back to
    the outlet's mapping alone)."""
    resource = resources.files("nashra.enrich").joinpath(MODEL_FILE)
    if not resource.is_file():
        return None
    return SectionModel.from_json(json.loads(gzip.decompress(resource.read_bytes())))


# ------------------------------------------------------------------------------- evaluation


@dataclass
class Evaluation:
    """Accuracy and per-section precision/recall/F1 of answers to labelled examples; an example
    left without an answer (None) counts as wrong."""

    total: int
    correct: int
    answered: int
    per_section: dict[str, dict[str, float]]

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def macro_f1(self) -> float:
        f1s = [v["f1"] for v in self.per_section.values() if v["support"]]
        return sum(f1s) / len(f1s) if f1s else 0.0

    @property
    def coverage(self) -> float:
        return self.answered / self.total if self.total else 0.0

    @property
    def precision(self) -> float:
        """Correct among the answered."""
        return self.correct / self.answered if self.answered else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "n": self.total,
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "f1": {s: round(v["f1"], 4) for s, v in sorted(self.per_section.items())},
        }

    def table(self) -> str:
        lines = [f"{'section':<14} {'prec':>6} {'rec':>6} {'f1':>6} {'n':>5}"]
        for section, v in sorted(self.per_section.items()):
            lines.append(
                f"{section:<14} {v['precision']:6.3f} {v['recall']:6.3f} {v['f1']:6.3f}"
                f" {int(v['support']):5d}"
            )
        lines.append(
            f"accuracy {self.accuracy:.3f} ({self.correct}/{self.total}), "
            f"macro-F1 {self.macro_f1:.3f}"
        )
        return "\n".join(lines)


def score(gold: Sequence[str], guesses: Sequence[str | None]) -> Evaluation:
    """Compare ``guesses`` with ``gold`` (same order)."""
    if len(gold) != len(guesses):
        raise ValueError(f"{len(gold)} labels but {len(guesses)} answers")
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for truth, guess in zip(gold, guesses, strict=True):
        if guess == truth:
            tp[truth] += 1
        else:
            fn[truth] += 1
            if guess:
                fp[guess] += 1
    per_section = {}
    for section in sorted(set(tp) | set(fp) | set(fn)):
        p = tp[section] / (tp[section] + fp[section]) if tp[section] + fp[section] else 0.0
        r = tp[section] / (tp[section] + fn[section]) if tp[section] + fn[section] else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        per_section[section] = {
            "precision": p,
            "recall": r,
            "f1": f1,
            "support": float(tp[section] + fn[section]),
        }
    answered = sum(1 for g in guesses if g)
    return Evaluation(len(gold), sum(tp.values()), answered, per_section)


def evaluate(
    model: SectionModel, examples: Iterable[Example], *, sure_only: bool = False
) -> Evaluation:
    """Score ``model``'s best guesses on ``examples`` (``sure_only``: only the answers above the
    model's threshold count as answers, as the portal shows them)."""
    gold, guesses = [], []
    for e in examples:
        prediction = model.predict(e.title, e.body, e.lang)
        gold.append(e.section)
        keep = prediction is not None and (prediction.sure or not sure_only)
        guesses.append(prediction.section if keep and prediction else None)
    return score(gold, guesses)
