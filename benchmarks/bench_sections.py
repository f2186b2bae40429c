"""Speed of the section classifier on the ANT held-out articles, against TF-IDF + LinearSVC.

Loads the model shipped in the package (timed, cold: a fresh cache), then classifies the ANT
articles of 22–31 March (title + lead, one article at a time as the crawl does) first cold
(analyser and n-gram caches empty), then warm. The baseline is scikit-learn's TfidfVectorizer +
LinearSVC (defaults) trained on the training side in this run and asked about the same articles
one at a time (and, for reference, all at once). Also prints the held-out accuracy of both.
Rates are per CPU second of this process (``time.process_time``: on a shared machine the wall
clock counts other people's work); the wall-clock rate and the load average are printed beside.
Last line: one JSON object with load_s, articles_per_s (warm), cold_articles_per_s,
baseline_articles_per_s and ratio_vs_tfidf_svc = our seconds per article / the baseline's.
Run: .venv/bin/python benchmarks/bench_sections.py [--quick]  (needs the [train] extra)
"""

from __future__ import annotations

import argparse
import json
import os
import time

from nashra.demo.examples import ant_examples
from nashra.enrich.classifier import score, shipped_model
from nashra.enrich.training import split, tsv_examples
from nashra.text.analyse import clear_cache


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer articles and repetitions")
    args = parser.parse_args()
    from pathlib import Path

    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    data = Path(__file__).resolve().parent.parent / "tests" / "data" / "enrich"
    examples = list(ant_examples()) + list(tsv_examples(data / "ar_sections.tsv", "ar"))
    train, test = split(examples)
    train = [e for e in train if e.lang == "ar"]
    test = [e for e in test if e.published]
    if args.quick:
        test = test[:400]
    repeats = 2 if args.quick else 5

    shipped_model.cache_clear()
    clear_cache()
    started = time.perf_counter()
    model = shipped_model()
    load_s = time.perf_counter() - started
    assert model is not None, "no section model in the package"

    started = time.process_time()
    ours = [model.predict(e.title, e.body, e.lang) for e in test]
    cold_s = time.process_time() - started
    warm_s = wall_s = float("inf")
    for _ in range(repeats):
        started, wall = time.process_time(), time.perf_counter()
        for e in test:
            model.predict(e.title, e.body, e.lang)
        warm_s = min(warm_s, time.process_time() - started)
        wall_s = min(wall_s, time.perf_counter() - wall)

    vectoriser = TfidfVectorizer()
    svm = LinearSVC().fit(
        vectoriser.fit_transform([f"{e.title}\n{e.body}" for e in train]),
        [e.section for e in train],
    )
    texts = [f"{e.title}\n{e.body}" for e in test]
    base_s = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        baseline = [svm.predict(vectoriser.transform([t]))[0] for t in texts]
        base_s = min(base_s, time.process_time() - started)
    started = time.process_time()
    svm.predict(vectoriser.transform(texts))
    batch_s = time.process_time() - started

    gold = [e.section for e in test]
    ours_eval = score(gold, [p.section if p else None for p in ours])
    base_eval = score(gold, [str(s) for s in baseline])
    n = len(test)
    print(
        f"model loads in {load_s:.3f} s; {n} held-out ANT articles; load average {os.getloadavg()[0]:.1f}"
    )
    print(f"ours, wall clock: {n / wall_s:,.0f} articles/s warm")
    print(
        f"ours: {n / warm_s:,.0f} articles/s warm, {n / cold_s:,.0f} cold; accuracy {ours_eval.accuracy:.3f}, macro-F1 {ours_eval.macro_f1:.3f}"
    )
    print(
        f"TF-IDF + LinearSVC: {n / base_s:,.0f} articles/s one at a time, {n / batch_s:,.0f} in one batch; accuracy {base_eval.accuracy:.3f}, macro-F1 {base_eval.macro_f1:.3f}"
    )
    result = {
        "articles": n,
        "load_s": round(load_s, 3),
        "articles_per_s": round(n / warm_s),
        "wall_articles_per_s": round(n / wall_s),
        "cold_articles_per_s": round(n / cold_s),
        "baseline_articles_per_s": round(n / base_s),
        "baseline_batch_articles_per_s": round(n / batch_s),
        "accuracy": round(ours_eval.accuracy, 4),
        "baseline_accuracy": round(base_eval.accuracy, 4),
        "ratio_vs_tfidf_svc": round(warm_s / base_s, 3),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
