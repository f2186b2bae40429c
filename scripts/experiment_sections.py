"""Compare variants of the Arabic section classifier (build-time experiment, needs scikit-learn).

Usage: ``.venv/bin/python scripts/experiment_sections.py [VARIANT ...]`` (no argument: all of
:data:`VARIANTS`). One JSON line per variant.

Every variant is judged the way ``scripts/train_sections.py`` chooses C: fitted on the training
side (ANT 1–21 March and the hand-written Arabic paragraphs) minus its last week, scored on that
week's dated news (``val_macro_f1``); its C, and its other knobs when it has some, are chosen
there and nowhere else. Only then is it refitted on the whole training side (weakest features
dropped to 20,000 per block, as :mod:`nashra.enrich.fitting` does) and scored on ANT 22–31 March
(``held_acc``, ``held_macro_f1``), for the record. ``shipped`` reproduces the shipped model's
held-out figures. With ``EVERY_KNOB=1`` the held-out figure of every grid point is printed too
(``held_by_knob``): a diagnostic of how far a knob could move it, never a way to choose.

Features are built from the analysed terms of :func:`nashra.enrich.classifier.analysed` (title,
lead) and of the next 4,000 characters of the body, cached in /tmp between runs; with no option
they are exactly :func:`nashra.enrich.classifier.article_features`.
"""

from __future__ import annotations

import json
import math
import os
import pickle
import sys
import time
from collections import Counter
from itertools import chain
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.svm import LinearSVC

from nashra.demo.examples import ant_examples
from nashra.enrich.classifier import (
    CHARS,
    LEAD_CHARS,
    WORDS,
    Features,
    analysed,
    bigrams,
    char_ngrams,
    score,
)
from nashra.enrich.fitting import c_judges, validation_split
from nashra.enrich.training import split, tsv_examples
from nashra.text import analyse

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path("/tmp/nashra_sections_terms.pkl")
MAX_FEATURES = 20_000


def load():
    examples = list(ant_examples())
    examples += tsv_examples(ROOT / "tests/data/enrich/ar_sections.tsv", "ar")
    train, test = split(examples)
    train = [e for e in train if e.lang == "ar"]
    test = [e for e in test if e.lang == "ar" and e.published]
    terms = pickle.loads(CACHE.read_bytes()) if CACHE.exists() else {}
    missing = [e for e in train + test if e.key not in terms]
    for e in missing:
        title, body = analysed(e.title, e.body, e.lang)
        rest = analyse(e.body[LEAD_CHARS : LEAD_CHARS + 4000], e.lang)
        terms[e.key] = (title, body, rest)
    if missing:
        CACHE.write_bytes(pickle.dumps(terms))
    return train, test, terms


def features(terms, opts):
    """:func:`article_features` of cached terms, with the variant's changes: the title's terms
    counted ``title`` times, word trigrams, the body after the lead as ``rest:`` words."""
    title, body, rest = terms
    k = opts.get("title", 1)
    words = Counter(body)
    words.update(bigrams(body))
    for _ in range(k):
        words.update(title)
        words.update(bigrams(title))
    if opts.get("trigrams"):
        for part in [body] + [title] * k:
            words.update(map(" ".join, zip(part, part[1:], part[2:], strict=False)))
    if opts.get("title_block"):
        words.update("title:" + t for t in title)
    if opts.get("rest"):
        words.update("rest:" + t for t in rest)
    chars = Counter(chain.from_iterable(map(char_ngrams, body + title * k)))
    return Features(words, chars, len(body) + k * len(title))


class Counts:
    """Raw count matrices of a set of documents over a vocabulary (per block)."""

    def __init__(self, docs, vocab):
        self.n_terms = np.array([d.terms or 1 for d in docs], dtype=float)
        self.m = {}
        for block in (WORDS, CHARS):
            index = {t: i for i, t in enumerate(vocab[block])}
            data, cols, ptr = [], [], [0]
            for d in docs:
                counts = d.words if block == WORDS else d.chars
                for t, c in counts.items():
                    j = index.get(t)
                    if j is not None:
                        cols.append(j)
                        data.append(c)
                ptr.append(len(cols))
            self.m[block] = sp.csr_matrix(
                (np.array(data, float), cols, ptr), shape=(len(docs), len(index))
            )


def vocabulary(docs, min_df=2):
    vocab, df = {}, {}
    for block in (WORDS, CHARS):
        c = Counter()
        for d in docs:
            c.update((d.words if block == WORDS else d.chars).keys())
        vocab[block] = sorted(t for t, k in c.items() if k >= min_df)
        df[block] = np.array([c[t] for t in vocab[block]], float)
    return vocab, df


def transform(counts: Counts, idf, opts, keep=None):
    """The feature matrix: tf transform, × IDF, words L2-normalised, chars over the number of
    terms (the shipped scheme) unless ``opts`` says otherwise."""
    parts = []
    for block in (WORDS, CHARS):
        m = counts.m[block]
        w = idf[block]
        if keep is not None:
            m = m[:, keep[block]]
            w = w[keep[block]]
        m = m.copy()
        tf = opts.get("tf", "raw")
        if tf == "sublinear":
            m.data = 1 + np.log(m.data)
        elif tf == "binary":
            m.data = np.ones_like(m.data)
        m = m @ sp.diags(w) if opts.get("idf", True) else m
        norm = opts.get(f"norm_{block}", "l2" if block == WORDS else "terms")
        if norm == "l2":
            n = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        elif norm == "terms":
            n = counts.n_terms
        elif norm == "l1":
            n = np.asarray(abs(m).sum(axis=1)).ravel()
        else:
            n = np.ones(m.shape[0])
        n[n == 0] = 1
        m = sp.diags(1 / n) @ m
        parts.append(m * opts.get(f"weight_{block}", 1.0))
    out = sp.hstack(parts).tocsr()
    out.word_width = parts[0].shape[1]
    return out


def idf_of(df, n):
    return {b: np.log((1 + n) / (1 + df[b])) + 1.0 for b in df}


# --------------------------------------------------------------------------- classifiers


def class_weight(y, kind):
    if kind in ("balanced", None):
        return kind
    counts = Counter(y)
    n, k = len(y), len(counts)
    if kind == "sqrt":
        return {c: math.sqrt(n / (k * m)) for c, m in counts.items()}
    if kind.startswith("pow"):  # balanced raised to a power: 0.5 = sqrt, 1 = balanced
        power = float(kind[3:])
        return {c: (n / (k * m)) ** power for c, m in counts.items()}
    if kind.startswith("cap"):
        cap = float(kind[3:])
        return {c: min(cap, n / (k * m)) for c, m in counts.items()}
    raise ValueError(kind)


def fit_svc(x, y, classes, c, opts):
    svm = LinearSVC(
        C=c,
        class_weight=class_weight(y, opts.get("cw", "balanced")),
        multi_class=opts.get("multi_class", "ovr"),
        loss=opts.get("loss", "squared_hinge"),
        max_iter=5000,
    ).fit(x, y)
    assert list(svm.classes_) == classes
    return svm.coef_, svm.intercept_


def fit_nbsvm(x, y, classes, c, opts):
    """One binary NB-SVM per class (Wang & Manning 2012): features scaled by the class's
    log-count ratio r, a linear SVM on them, w interpolated with its mean magnitude (beta);
    exported as one linear model (w' * r) over the unscaled features."""
    alpha, beta = opts.get("alpha", 1.0), opts.get("beta", 0.25)
    y = np.asarray(y)
    xb = x.copy()
    if opts.get("nb_binary", True):
        xb.data = (xb.data > 0).astype(float)
    coef, bias = [], []
    for cls in classes:
        pos = y == cls
        p = alpha + np.asarray(xb[pos].sum(axis=0)).ravel()
        q = alpha + np.asarray(xb[~pos].sum(axis=0)).ravel()
        r = np.log((p / p.sum()) / (q / q.sum()))
        xr = x @ sp.diags(r)
        svm = LinearSVC(C=c, class_weight="balanced" if opts.get("balanced", True) else None)
        svm.fit(xr, pos.astype(int))
        w = svm.coef_[0]
        w = (1 - beta) * np.abs(w).mean() + beta * w
        b = svm.intercept_[0]
        coef.append(w * r)
        bias.append(b)
    return np.vstack(coef), np.array(bias)


def fit_split(x, y, classes, c, opts):
    """A word-only and a char-only SVM, their scores mixed with weight ``mix`` for the words
    (a calibrated combination: the softmax of each is a constant shift of its scores, so the
    mixed log-probabilities rank like this one linear model)."""
    words = x.word_width
    a = opts.get("mix", 0.5)
    cw, bw = fit_svc(x[:, :words], y, classes, c, opts)
    cc, bc = fit_svc(x[:, words:], y, classes, c, opts)
    return np.hstack([a * cw, (1 - a) * cc]), a * bw + (1 - a) * bc


FITTERS = {"svc": fit_svc, "nbsvm": fit_nbsvm, "split": fit_split}


def run_fit(kind, x, y, classes, c, opts):
    return FITTERS[kind](x, y, classes, c, opts)


def predict(coef, bias, x, classes):
    s = x @ coef.T + bias
    return [classes[i] for i in np.asarray(s).argmax(axis=1)]


def held_out_score(kind, o, train, test, terms, classes):
    """Refit on the whole training side, drop weak features, refit, score held-out."""
    # refit on the whole training side, drop weak features, refit, score held-out
    docs = [features(terms[e.key], o) for e in train]
    vocab, df = vocabulary(docs, o.get("min_df", 2))
    idf = idf_of(df, len(docs))
    counts = Counts(docs, vocab)
    y = [e.section for e in train]
    x = transform(counts, idf, o)
    coef, bias = run_fit(kind, x, y, classes, o["C"], o)
    strength = np.abs(coef).max(axis=0)
    keep, start = {}, 0
    for block in (WORDS, CHARS):
        size = len(vocab[block])
        limit = o.get("max_features", MAX_FEATURES)
        keep[block] = np.sort(np.argsort(-strength[start : start + size])[:limit])
        start += size
    x = transform(counts, idf, o, keep)
    coef, bias = run_fit(kind, x, y, classes, o["C"], o)
    tcounts = Counts([features(terms[e.key], o) for e in test], vocab)
    guesses = predict(coef, bias, transform(tcounts, idf, o, keep), classes)
    return score([e.section for e in test], guesses)


def experiment(name, kind, opts, grid, data):
    train, test, terms = data
    classes = sorted({e.section for e in train})
    fit_side, validation = validation_split(train)
    judges = c_judges(validation)
    vgold = [validation[i].section for i in judges]
    t0 = time.perf_counter()
    # validation: fit on fit_side, choose the knob(s) on the validation week
    by, prepared = {}, {}
    for knob in grid:
        o = {**opts, **knob}
        key = json.dumps({k: v for k, v in o.items() if k not in FIT_KNOBS}, sort_keys=True)
        if key not in prepared:
            docs = [features(terms[e.key], o) for e in fit_side]
            vocab, df = vocabulary(docs, o.get("min_df", 2))
            idf = idf_of(df, len(docs))
            vdocs = [features(terms[validation[i].key], o) for i in judges]
            prepared[key] = (
                transform(Counts(docs, vocab), idf, o),
                transform(Counts(vdocs, vocab), idf, o),
            )
        xf, xv = prepared[key]
        yf = [e.section for e in fit_side]
        coef, bias = run_fit(kind, xf, yf, classes, o["C"], o)
        by[json.dumps(knob, sort_keys=True)] = score(vgold, predict(coef, bias, xv, classes))
    prepared.clear()
    best_key = max(by, key=lambda k: (round(by[k].macro_f1, 4), -json.loads(k)["C"]))
    best = json.loads(best_key)
    s = held_out_score(kind, {**opts, **best}, train, test, terms, classes).summary()
    diagnostic = {}
    if os.environ.get("EVERY_KNOB"):  # diagnostic only: held-out figure of every grid point
        for knob in grid:
            h = held_out_score(kind, {**opts, **knob}, train, test, terms, classes)
            diagnostic[json.dumps(knob, sort_keys=True)] = [
                round(h.accuracy, 4),
                round(h.macro_f1, 4),
            ]
    val_best = by[best_key]
    line = {
        "variant": name,
        "chosen": best,
        "val_macro_f1": round(val_best.macro_f1, 4),
        "val_acc": round(val_best.accuracy, 4),
        "val_by": {k: round(v.macro_f1, 4) for k, v in by.items()},
        "held_acc": s["accuracy"],
        "held_macro_f1": s["macro_f1"],
        "held_f1": s["f1"],
        "seconds": round(time.perf_counter() - t0, 1),
        **({"held_by_knob": diagnostic} if diagnostic else {}),
    }
    print(json.dumps(line, ensure_ascii=False), flush=True)
    return line


FIT_KNOBS = {"C", "cw", "mix", "beta", "alpha", "balanced", "nb_binary", "multi_class", "loss"}


def grid(**knobs):
    """Every combination of C in (0.1, 0.3, 1.0) and the given knobs' values."""
    out = [{"C": c} for c in knobs.pop("C", (0.1, 0.3, 1.0))]
    for k, values in knobs.items():
        out = [{**g, k: v} for g in out for v in values]
    return out


CS = grid()
VARIANTS = {
    "shipped": ("svc", {}, CS),
    "sublinear": ("svc", {"tf": "sublinear"}, CS),
    "binary": ("svc", {"tf": "binary"}, CS),
    "chars_l2": ("svc", {"norm_chars": "l2"}, CS),
    "nbsvm": ("nbsvm", {}, grid(beta=(0.25, 0.5, 1.0))),
    "nbsvm_b25": ("nbsvm", {"beta": 0.25}, CS),
    "nbsvm_tfidf_r": ("nbsvm", {"nb_binary": False}, grid(beta=(0.25, 0.5, 1.0))),
    "nbsvm_tfidf_r_alpha": (
        "nbsvm",
        {"nb_binary": False},
        grid(alpha=(0.01, 0.1), beta=(0.25, 0.5, 1.0)),
    ),
    "nbsvm_small_c": ("nbsvm", {}, grid(C=(0.01, 0.03, 0.1), beta=(0.5, 1.0))),
    "nbsvm_pure": (
        "nbsvm",
        {"tf": "binary", "idf": False, "norm_words": "none", "norm_chars": "none"},
        grid(C=(0.01, 0.1, 1.0), beta=(0.25, 1.0)),
    ),
    "crammer_singer": ("svc", {"multi_class": "crammer_singer"}, CS),
    "hinge": ("svc", {"loss": "hinge"}, CS),
    "chars_weight": ("svc", {}, grid(weight_chars=(0.5, 1.0, 2.0, 3.0))),
    "title_grid": ("svc", {}, grid(title=(1, 2, 3))),
    "trigrams": ("svc", {"trigrams": True}, CS),
    "rest": ("svc", {"rest": True}, CS),
    "title_block": ("svc", {"title_block": True}, CS),
    "min_df": ("svc", {}, grid(min_df=(1, 2, 3))),
    "fine_c": ("svc", {}, grid(C=(0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0))),
    "sublinear_chars_l2": ("svc", {"tf": "sublinear", "norm_chars": "l2"}, CS),
    "class_weight": ("svc", {}, grid(cw=(None, "sqrt", "cap3", "balanced"))),
    "class_weight_power": ("svc", {}, grid(cw=("pow1.0", "pow1.25", "pow1.5", "pow2.0"))),
    "split_mix": ("split", {}, grid(mix=(0.3, 0.5, 0.7))),
    "max_features_all": ("svc", {"max_features": 10**9}, CS),
}


def main() -> None:
    data = load()
    names = sys.argv[1:] or list(VARIANTS)
    for name in names:
        kind, opts, grid = VARIANTS[name]
        experiment(name, kind, opts, grid, data)


if __name__ == "__main__":
    main()
