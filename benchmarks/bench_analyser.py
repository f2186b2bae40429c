"""Speed of the search analyser on real Arabic news text, against PyStemmer's Arabic stemmer.

Reads tests/data/text/ant_sample.txt (ANT corpus sample, see its NOTICE.md), analyses it
cold (empty caches) and warm, and stems the same tokens with PyStemmer's Snowball Arabic
stemmer for comparison.  Prints a few lines, then one JSON object on its last line:
words_per_s (warm analyse), cold_words_per_s, pystemmer_words_per_s and
ratio_vs_pystemmer_arabic = our seconds per word / PyStemmer's seconds per word.
Run: .venv/bin/python benchmarks/bench_analyser.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import Stemmer

from nashra.text.analyse import analyse, clear_cache
from nashra.text.fold import tokenize

SAMPLE = Path(__file__).resolve().parent.parent / "tests" / "data" / "text" / "ant_sample.txt"


def best_of(repeats: int, func) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    repeats = 3 if args.quick else 10
    copies = 2 if args.quick else 8

    text = SAMPLE.read_text(encoding="utf-8")
    unique = [a for a in text.split("\n\n") if a.strip()]
    articles = unique * copies
    words = sum(len(a.split()) for a in articles)

    # Cold: every cache empty, each article seen for the first time.
    clear_cache()
    start = time.perf_counter()
    for article in unique:
        analyse(article, "ar")
    cold = time.perf_counter() - start
    unique_words = sum(len(a.split()) for a in unique)

    warm = best_of(repeats, lambda: [analyse(a, "ar") for a in articles])

    token_lists = [tokenize(a) for a in articles]
    tokens = sum(len(t) for t in token_lists)
    snowball = Stemmer.Stemmer("arabic")  # its own cache, like ours, warm after one run
    for t in token_lists:
        snowball.stemWords(t)
    theirs = best_of(repeats, lambda: [snowball.stemWords(t) for t in token_lists])

    ours_per_word = warm / words
    theirs_per_word = theirs / tokens
    result = {
        "words": words,
        "words_per_s": round(words / warm),
        "cold_words_per_s": round(unique_words / cold),
        "pystemmer_words_per_s": round(tokens / theirs),
        "ratio_vs_pystemmer_arabic": round(ours_per_word / theirs_per_word, 3),
        "quick": args.quick,
    }
    print(f"sample: {SAMPLE.name}, {len(articles)} articles, {words} words")
    print(f"analyse warm: {result['words_per_s']:,} words/s; cold: {result['cold_words_per_s']:,}")
    print(f"PyStemmer arabic stemWords: {result['pystemmer_words_per_s']:,} words/s")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
