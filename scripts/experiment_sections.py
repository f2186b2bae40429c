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

Outlet variants (``outlet_*``, ``prior_*``) also use the outlet of each ANT article (its slug in
the portal, :data:`nashra.demo.outlets.ANT_SOURCE_OUTLET`; the hand-written paragraphs have
none). ``outlet_*``: one indicator column per outlet, of value ``outlet_scale`` (a per-outlet
per-section bias), left out of a fraction ``outlet_dropout`` of the training articles (by a hash
of their key) so that the text weights also work alone; ``outlet_conj``: besides, the word
block copied once per outlet (× ``conj``; Daumé's feature augmentation, the 5,000 strongest
outlet-word pairs kept in the refit); ``prior_*``: the text model unchanged,
plus ``prior`` × log(P(section | outlet) / P(section)) (add-one smoothed counts of the training
side) added to its scores. Their knobs are chosen on the validation week by the mean of its
macro-F1 with the outlet given and with it withheld (an unseen outlet, as every Moroccan one is,
gets no outlet term at all); both held-out figures are printed (``held_*``: outlet given,
``withheld_*``: every held-out article's outlet unknown).

Ensemble variants (``nb``, ``nb_knobs``, ``ens_*``) put the previous model beside the shipped
SVM: the complement Naive Bayes of commit 902ec0b (Rennie et al. 2003; its own features: the
title's terms counted twice, the lead's once, damped and unit length; smoothing 0.1, classes
balanced to the power 0.5), refitted here in numpy on the same side as the SVM. ``nb`` is that
NB alone (it reproduces the figures of its own code), ``nb_knobs`` the same with its smoothing,
balance and title weight chosen on the validation week. ``ens_prob`` mixes the two models'
probabilities, (1 − a) P_svm + a P_nb, ``ens_logprob`` their log-probabilities (a geometric
mean), ``ens_add`` adds a × log P_nb to the SVM's raw decision values; each softmax temperature
is fitted (least log-loss) on the whole validation part, then C and ``a`` are chosen by the
week's macro-F1, or with ``_logloss`` by the mixed probabilities' log-loss on the week's news;
``ens_prob_nb_knobs`` also chooses the NB's smoothing and balance there. The held-out figures
refit both models on the whole training side (the SVM pruned as shipped) with the validation
temperatures.

Features are built from the analysed terms of :func:`nashra.enrich.classifier.analysed` (title,
lead) and of the next 4,000 characters of the body, cached in /tmp between runs; with no option
they are exactly :func:`nashra.enrich.classifier.article_features`.
"""

from __future__ import annotations

import hashlib
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
            rows = [d.words if block == WORDS else d.chars for d in docs]
            self.m[block] = count_matrix(rows, index)


def count_matrix(rows, index):
    """A sparse matrix of one row per ``{term: value}`` mapping, over ``index``'s columns
    (terms outside it are dropped)."""
    data, cols, ptr = [], [], [0]
    for row in rows:
        for t, v in row.items():
            j = index.get(t)
            if j is not None:
                cols.append(j)
                data.append(v)
        ptr.append(len(cols))
    return sp.csr_matrix((np.array(data, float), cols, ptr), shape=(len(rows), len(index)))


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


OUTLET_KNOBS = {"outlet_scale", "outlet_dropout", "prior", "conj", "conj_max"}


def dropped(key, fraction):
    """Whether a training example's outlet is left out (a fixed hash of its key)."""
    digest = hashlib.sha1(f"outlet:{key}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < fraction


def outlets_of(examples, opts, *, training=False, withheld=False):
    """The outlet each example's features see ("" = none)."""
    if withheld:
        return [""] * len(examples)
    fraction = opts.get("outlet_dropout", 0.0) if training else 0.0
    return ["" if dropped(e.key, fraction) else e.outlet for e in examples]


def with_outlets(x, outlets, names, opts, conj_keep=None):
    """``x`` with one indicator column per outlet of ``names`` (value ``outlet_scale``), then,
    with ``conj``, the word block again once per outlet (× ``conj``, zero for the articles of
    the other outlets: outlet-conjoined words), only its columns ``conj_keep`` when given."""
    scale, conj = opts.get("outlet_scale"), opts.get("conj")
    if not scale and not conj:
        return x
    index = {o: i for i, o in enumerate(names)}
    rows = [i for i, o in enumerate(outlets) if o in index]
    parts = [x]
    if scale:
        cols = [index[outlets[i]] for i in rows]
        parts.append(
            sp.csr_matrix(
                (np.full(len(rows), float(scale)), (rows, cols)), shape=(x.shape[0], len(names))
            )
        )
    if conj:
        words = x[:, : x.word_width]
        copies = []
        for o in names:
            mask = np.array([float(conj) if v == o else 0.0 for v in outlets])
            copies.append(sp.diags(mask) @ words)
        block = sp.hstack(copies).tocsc()
        parts.append(block[:, conj_keep] if conj_keep is not None else block)
    out = sp.hstack(parts).tocsr()
    out.word_width = x.word_width
    return out


def prior_shift(train, classes, outlets, opts):
    """Per example, ``prior`` × log(P(section | outlet) / P(section)) from ``train``'s counts
    (add-one smoothed); zero for an example without outlet or of an outlet never seen."""
    weight = opts.get("prior", 0.0)
    shift = np.zeros((len(outlets), len(classes)))
    if not weight:
        return shift
    total = Counter(e.section for e in train)
    by_outlet = {}
    for e in train:
        if e.outlet:
            by_outlet.setdefault(e.outlet, Counter())[e.section] += 1
    n, k = len(train), len(classes)
    base = np.log([(total[c] + 1) / (n + k) for c in classes])
    rows = {}
    for o, counts in by_outlet.items():
        m = sum(counts.values())
        rows[o] = weight * (np.log([(counts[c] + 1) / (m + k) for c in classes]) - base)
    for i, o in enumerate(outlets):
        if o in rows:
            shift[i] = rows[o]
    return shift


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


def predict(coef, bias, x, classes, shift=None):
    s = np.asarray(x @ coef.T + bias)
    if shift is not None:
        s = s + shift
    return [classes[i] for i in s.argmax(axis=1)]


def held_out_score(kind, o, train, test, terms, classes):
    """Refit on the whole training side, drop weak features, refit, score held-out: with each
    article's outlet given, and with every outlet withheld (the same figures for a variant that
    does not use the outlet)."""
    docs = [features(terms[e.key], o) for e in train]
    vocab, df = vocabulary(docs, o.get("min_df", 2))
    idf = idf_of(df, len(docs))
    counts = Counts(docs, vocab)
    y = [e.section for e in train]
    names = sorted({e.outlet for e in train if e.outlet})
    train_outlets = outlets_of(train, o, training=True)
    x = with_outlets(transform(counts, idf, o), train_outlets, names, o)
    coef, bias = run_fit(kind, x, y, classes, o["C"], o)
    strength = np.abs(coef).max(axis=0)
    keep, start = {}, 0
    for block in (WORDS, CHARS):
        size = len(vocab[block])
        limit = o.get("max_features", MAX_FEATURES)
        keep[block] = np.sort(np.argsort(-strength[start : start + size])[:limit])
        start += size
    conj_keep = None
    if o.get("conj"):  # the strongest outlet-conjoined words among the words kept
        start += len(names) if o.get("outlet_scale") else 0
        width, kept = len(vocab[WORDS]), len(keep[WORDS])
        position = {int(j): i for i, j in enumerate(keep[WORDS])}
        conj_keep = []
        for j in np.argsort(-strength[start:]):
            outlet, word = divmod(int(j), width)
            if word in position:
                conj_keep.append(outlet * kept + position[word])
                if len(conj_keep) == o.get("conj_max", 5000):
                    break
        conj_keep = np.sort(conj_keep)
    x = with_outlets(transform(counts, idf, o, keep), train_outlets, names, o, conj_keep)
    coef, bias = run_fit(kind, x, y, classes, o["C"], o)
    xt = transform(Counts([features(terms[e.key], o) for e in test], vocab), idf, o, keep)
    gold = [e.section for e in test]
    out = []
    for withheld in (False, True):
        outlets = outlets_of(test, o, withheld=withheld)
        shift = prior_shift(train, classes, outlets, o)
        xto = with_outlets(xt, outlets, names, o, conj_keep)
        guesses = predict(coef, bias, xto, classes, shift)
        out.append(score(gold, guesses))
    return tuple(out)


def uses_outlet(opts, grid):
    return any(k in OUTLET_KNOBS for k in chain(opts, *grid))


def experiment(name, kind, opts, grid, data):
    train, test, terms = data
    classes = sorted({e.section for e in train})
    fit_side, validation = validation_split(train)
    judges = c_judges(validation)
    judged = [validation[i] for i in judges]
    vgold = [e.section for e in judged]
    names = sorted({e.outlet for e in fit_side if e.outlet})
    outlet_variant = uses_outlet(opts, grid)
    t0 = time.perf_counter()
    # validation: fit on fit_side, choose the knob(s) on the validation week
    by, by_withheld, prepared, fitted = {}, {}, {}, {}
    for knob in grid:
        o = {**opts, **knob}
        key = json.dumps(
            {k: v for k, v in o.items() if k not in FIT_KNOBS | OUTLET_KNOBS}, sort_keys=True
        )
        if key not in prepared:
            docs = [features(terms[e.key], o) for e in fit_side]
            vocab, df = vocabulary(docs, o.get("min_df", 2))
            idf = idf_of(df, len(docs))
            vdocs = [features(terms[e.key], o) for e in judged]
            prepared[key] = (
                transform(Counts(docs, vocab), idf, o),
                transform(Counts(vdocs, vocab), idf, o),
            )
        xf, xv = prepared[key]
        fit_key = json.dumps([key, {k: v for k, v in o.items() if k != "prior"}], sort_keys=True)
        if fit_key not in fitted:
            xfo = with_outlets(xf, outlets_of(fit_side, o, training=True), names, o)
            yf = [e.section for e in fit_side]
            fitted[fit_key] = run_fit(kind, xfo, yf, classes, o["C"], o)
        coef, bias = fitted[fit_key]
        results = []
        for withheld in (False, True):
            outlets = outlets_of(judged, o, withheld=withheld)
            shift = prior_shift(fit_side, classes, outlets, o)
            xvo = with_outlets(xv, outlets, names, o)
            results.append(score(vgold, predict(coef, bias, xvo, classes, shift)))
        knob_key = json.dumps(knob, sort_keys=True)
        by[knob_key], by_withheld[knob_key] = results
    prepared.clear()
    fitted.clear()

    def judged_f1(k):  # outlet variants: the mean of the outlet given and withheld
        if outlet_variant:
            return round((by[k].macro_f1 + by_withheld[k].macro_f1) / 2, 4)
        return round(by[k].macro_f1, 4)

    best_key = max(by, key=lambda k: (judged_f1(k), -json.loads(k)["C"]))
    best = json.loads(best_key)
    given, withheld = held_out_score(kind, {**opts, **best}, train, test, terms, classes)
    s = given.summary()
    diagnostic = {}
    if os.environ.get("EVERY_KNOB"):  # diagnostic only: held-out figure of every grid point
        for knob in grid:
            h, hw = held_out_score(kind, {**opts, **knob}, train, test, terms, classes)
            diagnostic[json.dumps(knob, sort_keys=True)] = [
                round(h.accuracy, 4),
                round(h.macro_f1, 4),
                *([round(hw.accuracy, 4), round(hw.macro_f1, 4)] if outlet_variant else []),
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
    if outlet_variant:
        line["val_withheld_macro_f1"] = round(by_withheld[best_key].macro_f1, 4)
        line["val_withheld_by"] = {k: round(v.macro_f1, 4) for k, v in by_withheld.items()}
        line["withheld_acc"] = round(withheld.accuracy, 4)
        line["withheld_macro_f1"] = round(withheld.macro_f1, 4)
        line["withheld_f1"] = withheld.summary()["f1"]
    print(json.dumps(line, ensure_ascii=False), flush=True)
    return line


# --------------------------------------------------------------------------- ensembles

NB_TITLE_WEIGHT, NB_SMOOTHING, NB_BALANCE = 2, 0.1, 0.5  # the previous model's (commit 902ec0b)


def nb_features(terms, title_weight=NB_TITLE_WEIGHT):
    """The previous complement NB's features of cached terms (commit 902ec0b's ``terms`` and
    ``_tf``): title terms counted twice, lead terms once, one-letter and digit terms dropped,
    damped (1 + log count) and scaled to unit length."""
    title, body, _ = terms
    counts = Counter()
    for weight, part in ((title_weight, title), (1, body)):
        for t in part:
            if len(t) > 1 and not t.isdigit():
                counts[t] += weight
    damped = {t: 1.0 + math.log(c) for t, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in damped.values())) or 1.0
    return {t: v / norm for t, v in damped.items()}


def fit_cnb(train, terms, classes, opts):
    """The previous model's complement NB (Rennie et al. 2003, as commit 902ec0b fits it),
    in numpy: (vocabulary index, weights V×k); its score is ``-x @ weights``."""
    smoothing = opts.get("nb_smoothing", NB_SMOOTHING)
    balance = opts.get("nb_balance", NB_BALANCE)
    title_weight = opts.get("nb_title", NB_TITLE_WEIGHT)
    feats = [nb_features(terms[e.key], title_weight) for e in train]
    df = Counter()
    for f in feats:
        df.update(f.keys())
    min_df = 2 if len(train) > 1000 else 1
    vocab = sorted(t for t, c in df.items() if c >= min_df)
    index = {t: i for i, t in enumerate(vocab)}
    x = count_matrix(feats, index)
    y = np.array([classes.index(e.section) for e in train])
    k = len(classes)
    onehot = sp.csr_matrix((np.ones(len(y)), (np.arange(len(y)), y)), shape=(len(y), k))
    counts = np.asarray((x.T @ onehot).todense())  # V × k
    docs = np.bincount(y, minlength=k).astype(float)
    counts = counts * ((docs.mean() / np.maximum(docs, 1)) ** balance)
    totals = counts.sum(axis=0)
    comp = counts.sum(axis=1, keepdims=True) - counts
    w = np.log((comp + smoothing) / (totals.sum() - totals + smoothing * len(vocab)))
    return index, w / np.abs(w).sum(axis=0)


def nb_scores(model, examples, terms, opts):
    index, w = model
    feats = [nb_features(terms[e.key], opts.get("nb_title", NB_TITLE_WEIGHT)) for e in examples]
    return -np.asarray(count_matrix(feats, index) @ w)


def log_softmax(s):
    s = s - s.max(axis=1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=1, keepdims=True))


def temperature_of(s, gold):
    """The softmax scale of least log-loss (the grid of :func:`fitting._temperature` widened to
    the NB's small scores)."""
    best, best_loss = 1.0, float("inf")
    for step in range(-10, 81):
        t = 10 ** (step / 10)
        loss = -log_softmax(s * t)[np.arange(len(gold)), gold].sum()
        if loss < best_loss:
            best, best_loss = t, loss
    return best


def mixed(kind, a, svm, nb, t_svm, t_nb):
    """The ensemble's scores (argmax = its answer): ``prob``, (1 − a) P_svm + a P_nb;
    ``logprob``, (1 − a) log P_svm + a log P_nb (a linear model: both are linear); ``add``, the
    SVM's raw decision values + a × log P_nb."""
    if kind == "nb":
        return nb
    ls, ln = log_softmax(svm * t_svm), log_softmax(nb * t_nb)
    if kind == "prob":
        return (1 - a) * np.exp(ls) + a * np.exp(ln)
    if kind == "logprob":
        return (1 - a) * ls + a * ln
    if kind == "add":
        return svm + a * ln
    raise ValueError(kind)


def svm_decisions(train, test, terms, classes, c, opts, prune):
    """The shipped SVM's decision values on ``test``, fitted on ``train`` (with ``prune``: refit
    after keeping the 20,000 strongest features per block, as the shipped model)."""
    docs = [features(terms[e.key], opts) for e in train]
    vocab, df = vocabulary(docs, opts.get("min_df", 2))
    idf = idf_of(df, len(docs))
    counts = Counts(docs, vocab)
    y = [e.section for e in train]
    coef, bias = fit_svc(transform(counts, idf, opts), y, classes, c, opts)
    keep = None
    if prune:
        strength = np.abs(coef).max(axis=0)
        keep, start = {}, 0
        for block in (WORDS, CHARS):
            size = len(vocab[block])
            keep[block] = np.sort(np.argsort(-strength[start : start + size])[:MAX_FEATURES])
            start += size
        coef, bias = fit_svc(transform(counts, idf, opts, keep), y, classes, c, opts)
    xt = transform(Counts([features(terms[e.key], opts) for e in test], vocab), idf, opts, keep)
    return np.asarray(xt @ coef.T + bias)


_ENSEMBLE_FITS = {}  # the fits the ensemble variants share in one run


def ensemble_experiment(name, kind, opts, grid, data):
    """An SVM (the shipped one) and the previous complement NB, fitted on the same side, their
    scores mixed (see :func:`mixed`). On the validation week: both fitted on the rest of the
    training side, each one's softmax temperature fitted on the whole validation part (as
    :mod:`nashra.enrich.fitting` fits the SVM's), then C and the weight ``a`` chosen by
    macro-F1 on the week's news. Held out: both refitted on the whole training side (the SVM
    pruned to 20,000 features per block and refitted), the validation temperatures kept."""
    train, test, terms = data
    classes = sorted({e.section for e in train})
    fit_side, validation = validation_split(train)
    judges = c_judges(validation)
    gold_all = np.array([classes.index(e.section) for e in validation])
    vgold = [validation[i].section for i in judges]
    t0 = time.perf_counter()

    def nb_key(knob):  # the NB's own knobs (``nb_*``: smoothing, balance, title weight)
        o = {**opts, **knob}
        return json.dumps({k: v for k, v in o.items() if k.startswith("nb_")}, sort_keys=True)

    by, temps, t_nbs, losses = {}, {}, {}, {}
    for knob in grid:
        c, nb_o = knob["C"], {**opts, **knob}
        if ("nb_val", nb_key(knob)) not in _ENSEMBLE_FITS:
            nb = nb_scores(fit_cnb(fit_side, terms, classes, nb_o), validation, terms, nb_o)
            _ENSEMBLE_FITS[("nb_val", nb_key(knob))] = (nb, temperature_of(nb, gold_all))
        nb_val, t_nb = _ENSEMBLE_FITS[("nb_val", nb_key(knob))]
        t_nbs[nb_key(knob)] = t_nb
        if ("svm_val", c) not in _ENSEMBLE_FITS:
            s = svm_decisions(fit_side, validation, terms, classes, c, {}, prune=False)
            _ENSEMBLE_FITS[("svm_val", c)] = (s, temperature_of(s, gold_all))
        svm_val, t_svm = _ENSEMBLE_FITS[("svm_val", c)]
        temps[c] = t_svm
        s = mixed(kind, knob.get("a", 0.0), svm_val, nb_val, t_svm, t_nb)[judges]
        knob_key = json.dumps(knob, sort_keys=True)
        by[knob_key] = score(vgold, [classes[i] for i in s.argmax(1)])
        if kind in ("prob", "logprob"):  # the mixed probabilities' log-loss on the week
            logp = np.log(np.maximum(s, 1e-12)) if kind == "prob" else log_softmax(s)
            losses[knob_key] = round(-logp[np.arange(len(judges)), gold_all[judges]].mean(), 4)

    def judged(k):  # ties: the smaller C, then the smaller weight of the NB
        knob = json.loads(k)
        first = -losses[k] if opts.get("choose") == "logloss" else round(by[k].macro_f1, 4)
        return (first, -knob["C"], -knob.get("a", 0.0))

    best_key = max(by, key=judged)
    best = json.loads(best_key)
    gold = [e.section for e in test]

    def held(knob):
        c = knob["C"]
        if ("svm_held", c) not in _ENSEMBLE_FITS:
            _ENSEMBLE_FITS[("svm_held", c)] = svm_decisions(
                train, test, terms, classes, c, {}, prune=True
            )
        nb_o = {**opts, **knob}
        if ("nb_held", nb_key(knob)) not in _ENSEMBLE_FITS:
            _ENSEMBLE_FITS[("nb_held", nb_key(knob))] = nb_scores(
                fit_cnb(train, terms, classes, nb_o), test, terms, nb_o
            )
        s = mixed(kind, knob.get("a", 0.0), _ENSEMBLE_FITS[("svm_held", c)],
                  _ENSEMBLE_FITS[("nb_held", nb_key(knob))], temps[c], t_nbs[nb_key(knob)])  # fmt: skip
        return score(gold, [classes[i] for i in s.argmax(1)])

    s = held(best).summary()
    diagnostic = {}
    if os.environ.get("EVERY_KNOB"):  # diagnostic only: held-out figure of every grid point
        for knob in grid:
            h = held(knob)
            diagnostic[json.dumps(knob, sort_keys=True)] = [
                round(h.accuracy, 4), round(h.macro_f1, 4)
            ]  # fmt: skip
    line = {
        "variant": name,
        "chosen": best,
        "temperatures": {"svm": temps[best["C"]], "nb": t_nbs[nb_key(best)]},
        "val_macro_f1": round(by[best_key].macro_f1, 4),
        "val_acc": round(by[best_key].accuracy, 4),
        "val_by": {k: round(v.macro_f1, 4) for k, v in by.items()},
        **({"val_logloss_by": losses} if losses else {}),
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
NB_S, NB_B = (0.01, 0.1, 1.0), (0.0, 0.5, 1.0)  # the NB's smoothing and class balance
MIX = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)  # the NB's weight in an ensemble
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
    "outlet_indicator": ("svc", {}, grid(outlet_scale=(0.1, 0.3, 1.0))),
    "outlet_dropout": (
        "svc",
        {},
        grid(outlet_scale=(0.1, 0.3, 1.0), outlet_dropout=(0.0, 0.25, 0.5)),
    ),
    "prior_outlet": ("svc", {}, grid(prior=(0.0, 0.05, 0.1, 0.2, 0.3, 0.5))),
    "outlet_conj": ("svc", {"outlet_dropout": 0.5}, grid(conj=(0.3, 1.0), outlet_scale=(0.1, 1.0))),
    "nb": ("nb", {}, grid(C=(0.1,))),
    "ens_prob": ("prob", {}, grid(a=MIX)),
    "ens_logprob": ("logprob", {}, grid(a=MIX)),
    "ens_prob_logloss": ("prob", {"choose": "logloss"}, grid(a=MIX)),
    "ens_logprob_logloss": ("logprob", {"choose": "logloss"}, grid(a=MIX)),
    "nb_knobs": ("nb", {}, grid(C=(0.1,), nb_smoothing=NB_S, nb_balance=NB_B, nb_title=(1, 2, 3))),
    "ens_prob_nb_knobs": (
        "prob",
        {},
        grid(a=(0.0, 0.2, 0.4, 0.6, 0.8, 1.0), nb_smoothing=NB_S, nb_balance=NB_B),
    ),  # fmt: skip
    "ens_add": ("add", {}, grid(a=(0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0))),
}
ENSEMBLES = {"nb", "prob", "logprob", "add"}


def main() -> None:
    data = load()
    names = sys.argv[1:] or list(VARIANTS)
    for name in names:
        kind, opts, grid = VARIANTS[name]
        run = ensemble_experiment if kind in ENSEMBLES else experiment
        run(name, kind, opts, grid, data)


if __name__ == "__main__":
    main()
