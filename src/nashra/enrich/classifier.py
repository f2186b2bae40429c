"""The section classifier: a Naive Bayes text model trained at build time and shipped as JSON.

Why self-written: scikit-learn is a large dependency for what is, here, counting words. The model
is a *complement* Naive Bayes (Rennie et al., 2003) over the terms of :func:`nashra.text.analyse`
(the same analyser search uses, so «والمغرب» and «المغربية» count as one word). Complement NB
estimates each section's weights from every *other* section's articles, which keeps a section with
few examples (religion, health) from winning every long article just because its own counts are
thin. One model per language (Arabic and French share no words); each stores its sections, its
smoothed weights and a temperature that turns scores into a confidence between 0 and 1.

The model file (``sections_model.json.gz`` beside this module) holds sparse term counts; the
weights are computed once when it is loaded (well under a second).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from nashra.text import analyse

MODEL_FILE = "sections_model.json.gz"
MODEL_VERSION = 1
BODY_CHARS = 2000  # the lead says what an article is about; the tail adds noise and time
TITLE_WEIGHT = 2  # a title term counts as much as two body terms
SMOOTHING = 0.1
# Sections are re-weighted towards equal mass by (mean docs / section docs) ** BALANCE: the demo
# corpus has 2,000 international articles and a handful of religion ones.
BALANCE = 0.5


@dataclass(frozen=True)
class Example:
    """One labelled text. ``key`` is stable (a document number), so the split never moves."""

    key: str
    lang: str
    section: str
    title: str
    body: str = ""


@dataclass(frozen=True)
class Prediction:
    """The classifier's answer: the best section and how sure it is (0..1), with runners-up."""

    section: str
    confidence: float
    scores: dict[str, float] = field(default_factory=dict)


def is_held_out(key: str, buckets: int = 5) -> bool:
    """The fixed held-out split: one key in five, chosen by a hash (stable across runs/machines)."""
    return hashlib.sha1(key.encode("utf-8")).digest()[0] % buckets == 0


def _is_calibration(key: str) -> bool:
    # A second, disjoint slice of the training side, used to fit the confidence temperature.
    return hashlib.sha1(key.encode("utf-8")).digest()[1] % 6 == 0


def terms(title: str, body: str, lang: str) -> Counter[str]:
    """The features of an article: analysed terms of the title (weighted) and of the lead."""
    counts: Counter[str] = Counter()
    for weight, text in ((TITLE_WEIGHT, title), (1, body[:BODY_CHARS])):
        for term in analyse(text, lang):
            if len(term) > 1 and not term.isdigit():
                counts[term] += weight
    return counts


def _tf(counts: Counter[str]) -> dict[str, float]:
    # Damped term frequency (the tenth «مباراة» says less than the first), then unit length, so
    # a one-line example and a long article weigh the same in training.
    damped = {t: 1.0 + math.log(c) for t, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in damped.values())) or 1.0
    return {t: v / norm for t, v in damped.items()}


class LanguageModel:
    """Complement NB weights for one language."""

    def __init__(
        self,
        sections: list[str],
        counts: dict[str, list[float]],
        docs: list[int],
        temperature: float = 1.0,
        smoothing: float = SMOOTHING,
        balance: float = BALANCE,
    ) -> None:
        self.sections = sections
        self.counts = counts
        self.docs = docs
        self.temperature = temperature
        self.smoothing = smoothing
        self.balance = balance
        k = len(sections)
        mean = sum(docs) / k
        scale = [(mean / max(n, 1)) ** balance for n in docs]
        counts = {t: [c * scale[i] for i, c in enumerate(row)] for t, row in counts.items()}
        totals = [0.0] * k
        for row in counts.values():
            for i, c in enumerate(row):
                totals[i] += c
        grand = sum(totals)
        vocab = len(counts)
        # weight[t][c] = log θ(t | not c), normalised so that long classes do not dominate.
        raw: dict[str, list[float]] = {}
        norms = [0.0] * k
        for term, row in counts.items():
            all_count = sum(row)
            weights = []
            for i in range(k):
                comp = all_count - row[i]
                comp_total = grand - totals[i]
                w = math.log((comp + smoothing) / (comp_total + smoothing * vocab))
                weights.append(w)
                norms[i] += abs(w)
            raw[term] = weights
        self.weights = {t: [w[i] / norms[i] for i in range(k)] for t, w in raw.items()}

    def scores(self, features: dict[str, float]) -> list[float]:
        """Higher is more likely (the negated complement likelihood)."""
        k = len(self.sections)
        out = [0.0] * k
        for term, value in features.items():
            row = self.weights.get(term)
            if row is None:
                continue
            for i in range(k):
                out[i] -= value * row[i]
        return out

    def predict(self, features: dict[str, float]) -> Prediction:
        raw = self.scores(features)
        probs = _softmax([s * self.temperature for s in raw])
        best = max(range(len(probs)), key=probs.__getitem__)
        return Prediction(
            self.sections[best],
            probs[best],
            {s: round(p, 4) for s, p in zip(self.sections, probs, strict=True)},
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "sections": self.sections,
            "docs": self.docs,
            "temperature": self.temperature,
            "smoothing": self.smoothing,
            "balance": self.balance,
            "counts": {t: [round(c, 3) for c in row] for t, row in sorted(self.counts.items())},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LanguageModel:
        return cls(
            list(data["sections"]),
            {t: list(map(float, row)) for t, row in data["counts"].items()},
            [int(n) for n in data["docs"]],
            float(data["temperature"]),
            float(data["smoothing"]),
            float(data["balance"]),
        )


def _softmax(values: Sequence[float]) -> list[float]:
    top = max(values)
    exps = [math.exp(v - top) for v in values]
    total = sum(exps)
    return [e / total for e in exps]


class SectionModel:
    """The shipped classifier: one :class:`LanguageModel` per language."""

    def __init__(self, languages: dict[str, LanguageModel], meta: dict[str, Any] | None = None):
        self.languages = languages
        self.meta = meta or {}

    def predict(self, title: str, body: str, lang: str) -> Prediction | None:
        """The section of an article, or None when the language has no model or no known word."""
        model = self.languages.get(lang)
        if model is None:
            return None
        features = _tf(terms(title, body, lang))
        if not any(t in model.weights for t in features):
            return None
        return model.predict(features)

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
        Path(path).write_bytes(gzip.compress(raw.encode("utf-8"), mtime=0))

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


# --------------------------------------------------------------------------------- training


def _count(
    examples: Iterable[Example], min_df: int
) -> tuple[list[str], dict[str, list[float]], list[int]]:
    examples = list(examples)
    sections = sorted({e.section for e in examples})
    index = {s: i for i, s in enumerate(sections)}
    docs = [0] * len(sections)
    df: Counter[str] = Counter()
    feats = []
    for e in examples:
        f = _tf(terms(e.title, e.body, e.lang))
        feats.append((index[e.section], f))
        docs[index[e.section]] += 1
        df.update(f.keys())
    counts: dict[str, list[float]] = {}
    for i, f in feats:
        for term, value in f.items():
            if df[term] < min_df:
                continue
            row = counts.get(term)
            if row is None:
                row = counts[term] = [0.0] * len(sections)
            row[i] += value
    return sections, counts, docs


def _fit_temperature(model: LanguageModel, examples: list[Example]) -> float:
    """The scale that minimises the log-loss of the confidence on held-aside examples."""
    rows = []
    for e in examples:
        if e.section not in model.sections:
            continue
        raw = model.scores(_tf(terms(e.title, e.body, e.lang)))
        rows.append((raw, model.sections.index(e.section)))
    if not rows:
        return 1.0
    best, best_loss = 1.0, float("inf")
    # Scores are small (unit-length features, normalised weights): search T on a log scale.
    for step in range(0, 161):
        t = 10 ** (step / 20)
        loss = 0.0
        for raw, gold in rows:
            probs = _softmax([s * t for s in raw])
            loss -= math.log(max(probs[gold], 1e-12))
        if loss < best_loss:
            best, best_loss = t, loss
    return best


def train(examples: Iterable[Example], *, min_df: int | None = None) -> SectionModel:
    """A model trained on ``examples`` (all of them: split before calling).

    ``min_df``: a term seen in fewer documents is dropped; by default 2 for a language with
    over a thousand examples (keeps the file small) and 1 below (every word counts)."""
    by_lang: dict[str, list[Example]] = {}
    for e in examples:
        by_lang.setdefault(e.lang, []).append(e)
    languages = {}
    meta: dict[str, Any] = {"examples": {}}
    for lang, items in sorted(by_lang.items()):
        lang_min_df = min_df if min_df is not None else (2 if len(items) > 1000 else 1)
        fit = [e for e in items if not _is_calibration(e.key)]
        calib = [e for e in items if _is_calibration(e.key)]
        sections, counts, docs = _count(fit, lang_min_df)
        temperature = _fit_temperature(LanguageModel(sections, counts, docs), calib)
        sections, counts, docs = _count(items, lang_min_df)
        languages[lang] = LanguageModel(sections, counts, docs, temperature)
        meta["examples"][lang] = dict(sorted(Counter(e.section for e in items).items()))
    return SectionModel(languages, meta)


@dataclass
class Evaluation:
    """Accuracy and per-section precision/recall/F1 of a model on labelled examples."""

    total: int
    correct: int
    per_section: dict[str, dict[str, float]]

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def macro_f1(self) -> float:
        f1s = [v["f1"] for v in self.per_section.values() if v["support"]]
        return sum(f1s) / len(f1s) if f1s else 0.0

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


def evaluate(model: SectionModel, examples: Iterable[Example]) -> Evaluation:
    """Score ``model`` on ``examples``; an example the model cannot classify counts as wrong."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    total = correct = 0
    for e in examples:
        total += 1
        prediction = model.predict(e.title, e.body, e.lang)
        guess = prediction.section if prediction else None
        if guess == e.section:
            correct += 1
            tp[e.section] += 1
        else:
            fn[e.section] += 1
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
    return Evaluation(total, correct, per_section)
