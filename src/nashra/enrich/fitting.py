"""Fitting the section classifier (build time, needs the ``train`` extra: scikit-learn).

Per language: the training side is cut once more — dated examples by date (the last week of
the training side), undated ones by a hash — into a fitting part and a validation part. On the
validation part, and never on the held-out split, we choose the SVM's C from a small grid (best
macro-F1 on the dated news of the validation part when it has any, see :func:`c_judges`), the
softmax temperature that makes the scores honest probabilities (least log-loss) and the
confidence threshold under which the portal shows no section (the one that maximises «right
answers − WRONG_COST × wrong answers» among the answers shown: a wrong section costs a reader
more than a missing one). The model is then refitted on the whole training side with the
chosen C, the weakest features are dropped (at most ``max_features`` per block) and it is
refitted on what is left, so the exported model computes exactly what was fitted.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from nashra.enrich.classifier import (
    CHARS,
    WORDS,
    Block,
    Example,
    Features,
    LanguageModel,
    SectionModel,
    article_features,
    score,
    softmax,
)

C_GRID = (0.1, 0.3, 1.0)
WRONG_COST = 2.0
MAX_FEATURES = {WORDS: 20_000, CHARS: 20_000}
VALIDATION_DAYS = 7


def _require_sklearn() -> Any:
    try:
        import numpy
        import scipy.sparse
        import sklearn.svm
    except ImportError:  # pragma: no cover - depends on the environment
        raise RuntimeError(
            "training the section model needs scikit-learn: pip install 'nashra[train]'"
        ) from None
    return numpy, scipy.sparse, sklearn.svm


def validation_split(examples: Sequence[Example]) -> tuple[list[Example], list[Example]]:
    """(fitting, validation) of a training side: the last VALIDATION_DAYS dates of the dated
    examples, and one undated example in six by a hash of its key."""
    days = sorted({e.published for e in examples if e.published})
    late = set(days[-VALIDATION_DAYS:]) if len(days) > VALIDATION_DAYS else set()

    def in_validation(e: Example) -> bool:
        if e.published:
            return e.published in late
        return hashlib.sha1(e.key.encode("utf-8")).digest()[1] % 6 == 0

    return [e for e in examples if not in_validation(e)], [e for e in examples if in_validation(e)]


def c_judges(validation: Sequence[Example]) -> list[int]:
    """The positions of the validation examples C is chosen on: the dated news articles (a real
    week of news) when there are any, else all of them. Hand-written paragraphs are left out when
    news is there: their sections have 1–4 validation examples each, so one paragraph moves
    macro-F1 by whole points and drowns the differences between values of C."""
    dated = [i for i, e in enumerate(validation) if e.published]
    return dated or list(range(len(validation)))


def _counts(features: Features, block: str) -> Counter[str]:
    return features.words if block == WORDS else features.chars


class Vectoriser:
    """Vocabulary and IDF of each block, fitted on documents' features."""

    def __init__(self, docs: Sequence[Features], min_df: int) -> None:
        n = len(docs)
        self.terms: dict[str, list[str]] = {}
        self.idf: dict[str, list[float]] = {}
        for block in (WORDS, CHARS):
            df: Counter[str] = Counter()
            for d in docs:
                df.update(_counts(d, block).keys())
            terms = sorted(t for t, c in df.items() if c >= min_df)
            self.terms[block] = terms
            self.idf[block] = [math.log((1 + n) / (1 + df[t])) + 1.0 for t in terms]

    def keep(self, block: str, kept: Sequence[int]) -> None:
        """Keep only the features at positions ``kept`` of ``block``."""
        self.terms[block] = [self.terms[block][i] for i in kept]
        self.idf[block] = [self.idf[block][i] for i in kept]

    def matrix(self, docs: Sequence[Features]) -> Any:
        """The documents as a sparse matrix, the blocks side by side: what
        :meth:`nashra.enrich.classifier.LanguageModel.scores` multiplies by the weights (words:
        count × IDF with unit length; chars: count × IDF over the number of terms)."""
        _, sparse, _ = _require_sklearn()
        parts = []
        for block in (WORDS, CHARS):
            index = {t: i for i, t in enumerate(self.terms[block])}
            idf = self.idf[block]
            data, cols, ptr = [], [], [0]
            for d in docs:
                counts = _counts(d, block)
                row = [(index[t], c * idf[index[t]]) for t, c in counts.items() if t in index]
                if block == WORDS:
                    norm = math.sqrt(sum(v * v for _, v in row)) or 1.0
                else:
                    norm = d.terms or 1
                cols.extend(i for i, _ in row)
                data.extend(v / norm for _, v in row)
                ptr.append(len(cols))
            parts.append(sparse.csr_matrix((data, cols, ptr), shape=(len(docs), len(index))))
        return sparse.hstack(parts).tocsr()


def _svm(c: float) -> Any:
    _, _, svm = _require_sklearn()
    return svm.LinearSVC(C=c, class_weight="balanced")


def _decisions(svm: Any, x: Any) -> Any:
    """One score column per section (scikit-learn gives a single column for two)."""
    numpy, _, _ = _require_sklearn()
    found = svm.decision_function(x)
    return found if found.ndim == 2 else numpy.column_stack([-found, found])


def _temperature(decisions: Any, gold: Sequence[int]) -> float:
    best, best_loss = 1.0, float("inf")
    for step in range(-10, 41):
        t = 10 ** (step / 10)
        loss = -sum(
            math.log(max(softmax([s * t for s in row])[g], 1e-12))
            for row, g in zip(decisions.tolist(), gold, strict=True)
        )
        if loss < best_loss:
            best, best_loss = t, loss
    return best


def _threshold(confidences: Sequence[float], right: Sequence[bool]) -> float:
    """The confidence under which an answer is not shown (see the module docstring)."""
    ranked = sorted(zip(confidences, right, strict=True), reverse=True)
    best_t, best_gain, gain = 1.0, 0.0, 0.0
    for conf, ok in ranked:
        gain += 1.0 if ok else -WRONG_COST
        if gain > best_gain:
            best_t, best_gain = conf, gain
    return round(best_t, 4)


@dataclass
class LanguageReport:
    """What fitting one language chose, and its validation figures."""

    examples: dict[str, int]
    c: float
    temperature: float
    threshold: float
    validation: int
    validation_macro_f1: dict[float, float] = field(default_factory=dict)
    features: dict[str, int] = field(default_factory=dict)


def fit_language(
    examples: Sequence[Example],
    *,
    c_grid: Sequence[float] = C_GRID,
    max_features: dict[str, int] | None = None,
) -> tuple[LanguageModel, LanguageReport]:
    """Fit one language's model on ``examples`` (its training side)."""
    numpy, _, _ = _require_sklearn()
    sections = sorted({e.section for e in examples})
    if len(sections) < 2:
        raise ValueError(f"a section model needs examples of two sections at least: {sections}")
    max_features = max_features or MAX_FEATURES
    min_df = 2 if len(examples) > 1000 else 1
    fit_side, validation = validation_split(examples)
    if not validation or len({e.section for e in fit_side}) < len(sections):
        fit_side, validation = list(examples), []

    # choose C, the temperature and the threshold on the validation part
    fit_feats = [article_features(e.title, e.body, e.lang) for e in fit_side]
    vectoriser = Vectoriser(fit_feats, min_df)
    x_fit = vectoriser.matrix(fit_feats)
    y_fit = [e.section for e in fit_side]
    c_best, temperature, threshold, by_c = c_grid[0], 1.0, 0.0, {}
    if validation:
        x_val = vectoriser.matrix([article_features(e.title, e.body, e.lang) for e in validation])
        gold = [sections.index(e.section) for e in validation]
        judges = c_judges(validation)
        decisions = {}
        for c in c_grid:
            decisions[c] = _decisions(_svm(c).fit(x_fit, y_fit), x_val)
            guesses = [sections[i] for i in decisions[c][judges].argmax(axis=1)]
            by_c[c] = round(score([validation[i].section for i in judges], guesses).macro_f1, 4)
        c_best = max(c_grid, key=lambda c: (by_c[c], -c))
        temperature = _temperature(decisions[c_best], gold)
        confidences = [
            max(softmax([s * temperature for s in row])) for row in decisions[c_best].tolist()
        ]
        right = [int(i) == g for i, g in zip(decisions[c_best].argmax(axis=1), gold, strict=True)]
        threshold = _threshold(confidences, right)

    # refit on the whole training side, drop the weakest features, refit on the rest
    feats = [article_features(e.title, e.body, e.lang) for e in examples]
    y = [e.section for e in examples]
    vectoriser = Vectoriser(feats, min_df)
    svm = _svm(c_best).fit(vectoriser.matrix(feats), y)
    strength = numpy.abs(svm.coef_).max(axis=0)
    start = 0
    for block in (WORDS, CHARS):
        size = len(vectoriser.terms[block])
        block_strength = strength[start : start + size]
        start += size
        kept = sorted(numpy.argsort(-block_strength)[: max_features[block]].tolist())
        vectoriser.keep(block, kept)
    svm = _svm(c_best).fit(vectoriser.matrix(feats), y)
    if list(svm.classes_) != sections:
        raise AssertionError("scikit-learn ordered the sections differently")
    coef = svm.coef_
    if len(sections) == 2:  # binary: one row of weights, for the second class
        coef = numpy.vstack([-coef[0], coef[0]])
        bias = [-float(svm.intercept_[0]), float(svm.intercept_[0])]
    else:
        bias = [float(b) for b in svm.intercept_]
    blocks, start = {}, 0
    for block in (WORDS, CHARS):
        size = len(vectoriser.terms[block])
        idf = vectoriser.idf[block]
        rows = (coef[:, start : start + size] * numpy.asarray(idf)).T.tolist()
        start += size
        blocks[block] = Block(vectoriser.terms[block], idf, rows, len(sections))
    model = LanguageModel(sections, blocks, bias, temperature, threshold)
    report = LanguageReport(
        dict(sorted(Counter(y).items())), c_best, temperature, threshold, len(validation), by_c,
        {b: len(vectoriser.terms[b]) for b in (WORDS, CHARS)},
    )  # fmt: skip
    return model, report


def fit(
    examples: Sequence[Example], *, max_features: dict[str, int] | None = None
) -> tuple[SectionModel, dict[str, LanguageReport]]:
    """A model trained on ``examples`` (all of them: split before calling), one per language."""
    by_lang: dict[str, list[Example]] = {}
    for e in examples:
        by_lang.setdefault(e.lang, []).append(e)
    languages, reports = {}, {}
    for lang, items in sorted(by_lang.items()):
        languages[lang], reports[lang] = fit_language(items, max_features=max_features)
    meta = {
        "examples": {lang: r.examples for lang, r in reports.items()},
        "c": {lang: r.c for lang, r in reports.items()},
    }
    return SectionModel(languages, meta), reports


def baseline_guesses(train: Sequence[Example], test: Sequence[Example]) -> list[str]:
    """The plain baseline the model must beat: scikit-learn's TfidfVectorizer (defaults) over the
    raw title and whole body, and a LinearSVC (defaults), trained per language on ``train``."""
    _require_sklearn()
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    guesses: dict[int, str] = {}
    for lang in sorted({e.lang for e in test}):
        train_lang = [e for e in train if e.lang == lang]
        test_pos = [i for i, e in enumerate(test) if e.lang == lang]
        vectoriser = TfidfVectorizer()
        x = vectoriser.fit_transform([f"{e.title}\n{e.body}" for e in train_lang])
        svm = LinearSVC().fit(x, [e.section for e in train_lang])
        found = svm.predict(
            vectoriser.transform([f"{test[i].title}\n{test[i].body}" for i in test_pos])
        )
        guesses.update(zip(test_pos, (str(s) for s in found), strict=True))
    return [guesses[i] for i in range(len(test))]
