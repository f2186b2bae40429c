"""Stems that really begin with و, ف or ال (so the stemmer must not strip them).

A light stemmer cannot tell «وزير» (minister) from و + «زير», nor «فلسطين»
from ف + «لسطين», by rules alone.  The list is learnt from a news corpus:

* a stem seen after the article (``ال`` + «وزير» in «الوزير») is a word;
* a frequent word ``وX``/``فX`` whose remainder ``X`` is (almost) never seen
  alone is a word too («واشنطن», «فرنسا», «وزارة»), while «وقال» is not,
  because «قال» is everywhere.

Regenerate with ``python -m nashra.text.lexicon_build ANT.jsonl.gz [...]`` (a
developer step: nothing reads corpora at run time) — the shipped list was
built from the ANT corpus, March 2018 (Chouigui, Ben Khiroun, Elayeb,
AICCSA 2017; Apache-2.0), see ``data/NOTICE.md``.
"""

from __future__ import annotations

from importlib import resources

__all__ = ["CURATED_WORDS", "NATIVE_INITIAL_STEMS", "DATA_FILE"]

DATA_FILE = "native_initial_stems.txt"
# Hand-added words (Maghreb places and news words the March 2018 corpus lacks, and
# ألمانيا whose «ال» is not the article);
# the stemmer folds and stems them when it loads.
CURATED_WORDS = (
    "وجدة", "ورزازات", "وزان", "وادي", "واد", "فكيك", "فجيج", "فنيدق", "فضالة", "فلسطين",
    "وطن", "وطنية", "وثيقة", "وزارة", "وزير", "والي", "ولاية", "وكالة", "وفد", "وفاة", "وباء",
    "وقت", "وضع", "وضعية", "واقع", "وسط", "وسيط", "وسيلة", "وعد", "ورقة", "وحدة", "وجه", "فريق",
    "فرصة", "فترة", "فكرة", "فصل", "فوز", "فيلم", "فندق", "فساد", "فقر", "فلاح", "فلاحة", "فرع",
    "فئة", "فيروس", "فيضان", "فيضانات", "فاتورة", "فضاء", "فعالية", "فنان", "فرنسا",
    "واشنطن", "فيينا", "فنزويلا", "فيسبوك", "فيديو", "فبراير", "ألمانيا",
)  # fmt: skip


def _load() -> frozenset[str]:
    text = resources.files("nashra.text").joinpath("data", DATA_FILE).read_text("utf-8")
    words = (line.strip() for line in text.splitlines())
    return frozenset(w for w in words if w and not w.startswith("#"))


NATIVE_INITIAL_STEMS: frozenset[str] = _load()
