"""The bounded memo of the analysis's hot loops (``nashra.memo.Memo``): it computes on a miss,
forgets everything when full, and never keeps what a hostile page could use to fill memory."""

from __future__ import annotations

import secrets

from nashra.enrich.authors import _clean_byline, clean_byline
from nashra.memo import MAX_KEPT_CHARS, Memo, key_chars
from nashra.text import stem
from nashra.text.article import _forms_memos, _raw_word_tokens, analyse_article, name_tokens


def test_a_miss_computes_a_hit_reads_and_a_full_memo_starts_again() -> None:
    calls: list[str] = []
    memo: Memo[str, int] = Memo(lambda key: calls.append(key) or len(key), size=2)
    assert [memo["ab"], memo["ab"], memo["abc"]] == [2, 2, 3]
    assert calls == ["ab", "abc"]
    assert memo["abcd"] == 4 and list(memo) == ["abcd"]  # full at two: forgotten, then kept


def test_long_keys_are_computed_every_time_and_never_kept() -> None:
    memo: Memo[object, int] = Memo(key_chars, size=10)
    long_word = "x" * (MAX_KEPT_CHARS + 1)
    assert memo[long_word] == MAX_KEPT_CHARS + 1 and long_word not in memo
    assert memo[(long_word, True)] == MAX_KEPT_CHARS + 1 and (long_word, True) not in memo
    assert memo["word"] == 4 and "word" in memo


def test_a_page_of_huge_unique_words_leaves_the_memos_as_they_were() -> None:
    """Every memo and cache the analysis of one article fills (chunk forms, name tokens, stems,
    cleaned bylines) keeps nothing of a body made of huge random "words"."""
    huge = [("و" + secrets.token_hex(2_000)) for _ in range(20)]
    body = " ".join(huge)
    bylines = _clean_byline.cache_info().currsize
    analyse_article("عنوان", body, "ar")
    name_tokens(body)
    assert clean_byline(" ".join(huge[:3]), ["هسبريس"]).author == ""
    kept = [*_forms_memos["ar"], *_raw_word_tokens, *stem._stems]
    assert kept and max(map(key_chars, kept)) <= MAX_KEPT_CHARS
    assert _clean_byline.cache_info().currsize == bylines
