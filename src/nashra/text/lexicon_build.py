"""Developer tool: learn ``data/native_initial_stems.txt`` from a news corpus.

``python -m nashra.text.lexicon_build ant_multisource_2018-03.jsonl.gz`` (ANT-style JSONL,
one article per line with ``title`` and ``text``).  Nothing calls this at run time; see
``lexicon.py`` for what the list is for and how it is learnt.
"""

from __future__ import annotations

import gzip
import json
import sys
from collections import Counter
from collections.abc import Iterable
from importlib import resources

from nashra.text.fold import tokenize
from nashra.text.lexicon import DATA_FILE
from nashra.text.stem import _strip_suffix

__all__ = ["build_native_initial_stems"]

MIN_COUNT = 3  # occurrences of an article-bearing form
MIN_COUNT_BARE = 8  # occurrences of a bare وX/فX before the remainder test is trusted
RATIO = 0.02  # X alone at most this often (relative to وX) means وX is one word


def build_native_initial_stems(texts: Iterable[str]) -> list[str]:
    """Learn the native-initial stems from raw texts (see the module docstring)."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(tokenize(text))
    stems: Counter[str] = Counter()
    for word, n in counts.items():
        if word.startswith("ال") and len(word) >= 5 and word[2] in "وف":
            stems[_strip_suffix(word[2:])] += n
        elif word[0] in "وف" and len(word) >= 4 and n >= MIN_COUNT_BARE:
            rest = word[1:]
            if rest.startswith("ال") or not rest[0].isalpha():
                continue  # و + article, و + number: always a conjunction
            if counts.get(rest, 0) <= max(1.0, n * RATIO):
                stems[_strip_suffix(word)] += n
    return sorted(s for s, n in stems.items() if n >= MIN_COUNT and len(s) >= 3)


def _read_ant(paths: list[str]) -> Iterable[str]:
    for path in paths:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                yield record.get("title", "")
                yield record.get("text", "")


def main(argv: list[str]) -> int:  # pragma: no cover - developer tool
    """Write the lexicon learnt from ANT-style JSONL files to the package data file."""
    stems = build_native_initial_stems(_read_ant(argv))
    target = resources.files("nashra.text").joinpath("data", DATA_FILE)
    header = (
        "# stems beginning with و/ف that are words; built by nashra.text.lexicon_build from ANT\n"
    )
    with open(str(target), "w", encoding="utf-8") as out:
        out.write(header + "\n".join(stems) + "\n")
    print(f"{len(stems)} stems -> {target}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
