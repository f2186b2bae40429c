"""Train the section classifier shipped in ``nashra.enrich`` and report held-out figures.

Usage: ``.venv/bin/python scripts/train_sections.py [--examples DIR] [--out FILE]``

Training data: the ANT corpus of the demo (Arabic, labels mapped to our sections) and the short
French and Arabic news paragraphs in ``tests/data/enrich/`` (written for this project). One article
in five (a fixed hash of its key) is held out; the shipped model never sees those, so the held-out
figures printed here are the ones the test suite recomputes.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from nashra.enrich.classifier import MODEL_FILE, SectionModel, evaluate, train
from nashra.enrich.training import ant_examples, split, tsv_examples

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=Path, default=ROOT / "tests" / "data" / "enrich")
    parser.add_argument("--out", type=Path, default=ROOT / "src" / "nashra" / "enrich" / MODEL_FILE)
    args = parser.parse_args()

    examples = list(ant_examples())
    examples += tsv_examples(args.examples / "fr_sections.tsv", "fr")
    examples += tsv_examples(args.examples / "ar_sections.tsv", "ar")
    train_set, test_set = split(examples)
    started = time.perf_counter()
    model = train(train_set)
    print(f"trained on {len(train_set)} examples in {time.perf_counter() - started:.1f} s")
    for lang, counts in model.meta["examples"].items():
        print(f"  {lang}: {counts}")
    model.save(args.out)
    started = time.perf_counter()
    SectionModel.load_file(args.out)
    print(
        f"wrote {args.out} ({args.out.stat().st_size // 1024} KiB, "
        f"loads in {time.perf_counter() - started:.2f} s)"
    )
    for lang in sorted({e.lang for e in test_set}):
        report = evaluate(model, [e for e in test_set if e.lang == lang])
        print(f"\nheld-out ({lang}, {report.total} examples)\n{report.table()}")
    print(f"\nheld-out (all)\n{evaluate(model, test_set).table()}")


if __name__ == "__main__":
    main()
