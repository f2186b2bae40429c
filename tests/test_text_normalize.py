"""Normalisation, tokens, the Arabic light stemmer, the analyser, fingerprints, snippets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nashra.text import (
    analyse,
    detect_lang,
    fingerprint,
    normalize,
    normalize_arabic,
    snippet,
    stem_arabic,
    tokenize,
)
from nashra.text.article import analyse_article, name_tokens, split_lead
from nashra.text.normalize import analyse as analyse_from_normalize
from nashra.text.stem import is_arabic_token, stem_folded

DATA = Path(__file__).parent / "data" / "text"


def _tsv(name: str) -> list[tuple[str, str]]:
    rows = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            a, b = line.split("\t")
            rows.append((a, b))
    return rows


# ---------------------------------------------------------------- normalize_arabic


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("الْحُكُومَةُ", "الحكومه"),  # fatha, damma, sukun, ta marbuta
        ("مُحَمَّدٌ", "محمد"),  # shadda, tanwin damm
        ("كِتَابًا", "كتابا"),  # tanwin fath
        ("هٰذا", "هذا"),  # superscript alef U+0670
        ("الرَّحِيمِ ۝ ذَٰلِكَ ۖ", "الرحيم  ذلك "),  # Quranic marks U+06D6.., end of ayah U+06DD
        ("المغـــرب", "المغرب"),  # tatweel
        ("أحمد إبراهيم آمال ٱلله", "احمد ابراهيم امال الله"),  # alef forms
        ("مستشفى على", "مستشفي علي"),  # alef maqsura
        ("مدرسة", "مدرسه"),
        ("مسؤول مسئول", "مسءول مسءول"),  # hamza seats fold to bare hamza
        ("٠١٢٣٤٥٦٧٨٩", "0123456789"),
        ("۰۱۲۳۴۵۶۷۸۹", "0123456789"),
        ("ﻣﺮﺣﺒﺎ", "مرحبا"),  # presentation forms B
        ("ﻻ", "لا"),  # lam-alef ligature
        ("ﷲ", "الله"),  # presentation forms A
        ("\u200fالرباط\u200e\u061c", "الرباط"),  # RLM, LRM, ALM
        ("مغ\u200cرب\u200d", "مغرب"),  # ZWNJ, ZWJ
        ("«المغرب»، 2020!", "«المغرب»، 2020!"),  # punctuation kept
        ("", ""),
    ],
)
def test_normalize_arabic(raw: str, expected: str) -> None:
    assert normalize_arabic(raw) == expected


# ---------------------------------------------------------------- normalize / tokenize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  «المغرب»،   الرباط؛ ", "المغرب الرباط"),
        ("Élections : le GOUVERNEMENT démissionne!", "elections le gouvernement demissionne"),
        ("L’École Œuvre", "l ecole oeuvre"),
        ("Straße", "strasse"),
        ("foo_bar-baz", "foo bar baz"),
        ("a\u00a0b\u2003c\td\ne", "a b c d e"),  # NBSP, em space, tab, newline
        ("خبر 😀 عاجل", "خبر عاجل"),  # astral symbol
        ("Covid-19 ٢٠٢٠م", "covid 19 2020م"),
        ("İstanbul", "istanbul"),
        ("...!!!", ""),
        ("", ""),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_is_the_same_for_every_language() -> None:
    text = "Le Maroc والمغرب Élections"
    assert normalize(text, "ar") == normalize(text, "fr") == normalize(text, "en")


def test_normalize_is_idempotent() -> None:
    text = (DATA / "ant_sample.txt").read_text(encoding="utf-8")[:20000]
    once = normalize(text)
    assert normalize(once) == once


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("الحُكُومَة", ["الحكومه"]),  # a haraka never splits a word
        ("مغ\u200cرب", ["مغرب"]),  # nor a zero-width non-joiner
        ("كلمـــة", ["كلمه"]),
        ("قال: «نعم»، ثم", ["قال", "نعم", "ثم"]),
        ("l'État a dit", ["l", "etat", "a", "dit"]),
        ("2018/03/01", ["2018", "03", "01"]),
        ("\u200f\u200e", []),
        ("", []),
    ],
)
def test_tokenize(raw: str, expected: list[str]) -> None:
    assert tokenize(raw) == expected


def test_bad_input_none_and_huge() -> None:
    assert normalize(None) == ""  # type: ignore[arg-type]
    assert normalize_arabic(None) == ""  # type: ignore[arg-type]
    assert tokenize(None) == []  # type: ignore[arg-type]
    assert analyse(None) == []  # type: ignore[arg-type]
    assert fingerprint(None) == ""  # type: ignore[arg-type]
    assert snippet(None) == ""  # type: ignore[arg-type]
    big = "كلمة " * 2000
    assert len(big) == 10000
    assert tokenize(big) == ["كلمه"] * 2000
    assert analyse(big) == ["كلم"] * 2000
    word = "ب" * 10000  # one 10,000-letter word
    assert tokenize(word) == [word]
    assert len(stem_arabic(word)) > 0
    garbage = "".join(chr(c) for c in range(0x20, 0x3000, 7))
    assert normalize(normalize(garbage)) == normalize(garbage)


def test_mixed_scripts_and_rtl_marks() -> None:
    text = "\u202bقال Emmanuel Macron\u202c إنّ «فرنسا» ستدعم\u200f المغرب"
    assert tokenize(text) == ["قال", "emmanuel", "macron", "ان", "فرنسا", "ستدعم", "المغرب"]


# ---------------------------------------------------------------- stem_arabic


def test_light_stemmer_meets_95_percent_of_variants() -> None:
    pairs = _tsv("arabic_variants.tsv")
    assert len(pairs) >= 500
    met = [stem_arabic(variant) == stem_arabic(base) for variant, base in pairs]
    share = sum(met) / len(met)
    misses = [p for p, ok in zip(pairs, met, strict=True) if not ok]
    assert share >= 0.95, f"{share:.3f}; misses: {misses[:30]}"


def test_light_stemmer_keeps_distinct_words_apart() -> None:
    pairs = _tsv("arabic_distinct.tsv")
    assert len(pairs) >= 40
    merged = [(a, b, stem_arabic(a)) for a, b in pairs if stem_arabic(a) == stem_arabic(b)]
    assert merged == []


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("المغرب", "مغرب"),
        ("والمغرب", "مغرب"),
        ("المغربية", "مغرب"),
        ("مغربي", "مغرب"),
        ("للحكومة", "حكوم"),
        ("وزير", "وزير"),  # و belongs to the word
        ("والوزير", "وزير"),
        ("فريقها", "فريق"),  # ف belongs to the word
        ("وقال", "قال"),  # و is the conjunction
        ("انتخابات", "انتخاب"),
        ("الفلسطينيين", "فلسط"),
        ("فلسطين", "فلسط"),
        ("ألمانيا", "الم"),  # its «ال» is not the article
        ("الألمانية", "الم"),
        ("ولاية", "ولاي"),  # the ي of ـاية is not a nisba
        ("بيتها", "بيت"),  # a real final ت
        ("حكومتها", "حكوم"),  # ة seen as ت before a pronoun
    ],
)
def test_stem_examples(word: str, stem: str) -> None:
    assert stem_arabic(word) == stem


@pytest.mark.parametrize("word", ["في", "من", "هو", "ال", "و", "", "Maroc", "2020"])
def test_stem_leaves_short_and_non_arabic_words(word: str) -> None:
    assert stem_arabic(word) == normalize(word)


def test_stem_minimum_length_guard() -> None:
    # Every stem of every token of real text keeps at least two letters.
    text = (DATA / "ant_sample.txt").read_text(encoding="utf-8")
    short = {t for t in set(tokenize(text)) if is_arabic_token(t) and len(t) >= 3}
    assert all(len(stem_folded(t)) >= 2 for t in short)


# ---------------------------------------------------------------- analyse


def test_analyse_is_normalise_tokenize_stem() -> None:
    # The chunk cache must give exactly what the plain pipeline gives.
    text = (DATA / "ant_sample.txt").read_text(encoding="utf-8")
    expected = [stem_folded(t) if is_arabic_token(t) else t for t in tokenize(text)]
    assert analyse(text, "ar") == expected
    assert analyse(text, "ar") == expected  # warm cache, same answer


def test_analyse_query_meets_document() -> None:
    doc = analyse("أعلنت الحكومةُ المغربيّة عن برنامج جديد للانتخابات")
    for query in ("الحكومة", "حكومة المغرب", "انتخابات", "الانتخابية"):
        assert set(analyse(query)) <= set(doc), query


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Les élections législatives", "fr", ["le", "elect", "legisl"]),
        ("élection", "fr", ["elect"]),
        ("électeurs électeur", "fr", ["electeur", "electeur"]),
        ("gouvernements gouvernement", "fr", ["gouvern", "gouvern"]),
        ("The elections were running", "en", ["the", "elect", "were", "run"]),
        ("Les élections", "ar", ["les", "elections"]),  # Latin in Arabic text: folded only
        ("Le Maroc et المغربية", "fr", ["le", "maroc", "et", "مغرب"]),  # Arabic stemmer
        ("العاصمة Rabat", "ar", ["عاصم", "rabat"]),
        ("2020 ٢٠٢٠", "fr", ["2020", "2020"]),
    ],
)
def test_analyse_languages(text: str, lang: str, expected: list[str]) -> None:
    assert analyse(text, lang) == expected


def test_analyse_is_exported_from_normalize() -> None:
    assert analyse_from_normalize is analyse


# ---------------------------------------------------------------- fingerprint


def test_fingerprint_ignores_typography() -> None:
    base = "قال وزير الداخلية، يوم الجمعة 20 نونبر 2020، إن الحكومة ستعلن القرار."
    variants = [
        "قال  وزير الداخليّة - يوم الجمعة ٢٠ نونبر ٢٠٢٠ - إن الحكومة ستعلن القرار",
        "قَالَ وَزِيرُ الدَّاخِلِيَّةِ يوم الجمعـــة 20 نونبر 2020 إن الحكومة ستعلن القرار!!",
        "\u200fقال وزير الداخلية\nيوم الجمعة 20 نونبر ۲۰۲۰ إن الحكومة ستعلن القرار...",
    ]
    print_ = fingerprint(base)
    assert re.fullmatch(r"[0-9a-f]{40}", print_)
    assert all(fingerprint(v) == print_ for v in variants)
    assert (
        fingerprint("قال وزير الخارجية يوم الجمعة 20 نونبر 2020 إن الحكومة ستعلن القرار") != print_
    )


@pytest.mark.parametrize("text", ["", "   ", "،؛!?...", "\u200f\u200e"])
def test_fingerprint_empty(text: str) -> None:
    assert fingerprint(text) == ""


# ---------------------------------------------------------------- detect_lang


@pytest.mark.parametrize(
    ("text", "default", "expected"),
    [
        ("أعلنت الحكومة المغربية عن برنامج جديد", "fr", "ar"),
        ("Le gouvernement a annoncé un nouveau programme pour les élections", "ar", "fr"),
        ("The government announced a new programme for the elections", "ar", "en"),
        ("قال Emmanuel Macron إن فرنسا ستدعم المغرب", "ar", "ar"),
        ("OCP Maroc Telecom", "ar", "fr"),  # Latin, no stopword: the portal's second language
        ("OCP Maroc Telecom", "en", "en"),
        ("", "ar", "ar"),
        ("", "fr", "fr"),
        ("2020 - 09:00 !!", "ar", "ar"),
    ],
)
def test_detect_lang(text: str, default: str, expected: str) -> None:
    assert detect_lang(text, default) == expected


# ---------------------------------------------------------------- snippet

# An article body (the first line of each sample article is its docno and URL).
LONG = (DATA / "ant_sample.txt").read_text(encoding="utf-8").split("\n\n")[0].split("\n", 1)[1]


@pytest.mark.parametrize("limit", [20, 50, 120, 200, 333])
def test_snippet_cuts_at_word_boundary(limit: int) -> None:
    flat = " ".join(LONG.split())
    cut = snippet(LONG, limit)
    assert cut.endswith(" (...)")
    assert len(cut) <= limit
    body = cut[: -len(" (...)")]
    words = body.split()
    assert words and flat.split()[: len(words) - 1] == words[:-1]
    # the last word is whole (perhaps minus trailing punctuation)
    assert flat.split()[len(words) - 1].startswith(words[-1])


def test_snippet_short_text_is_kept_whole() -> None:
    assert snippet("  خبر   قصير  ", 200) == "خبر قصير"
    assert snippet("abc", 3) == "abc"


def test_snippet_strips_trailing_punctuation() -> None:
    assert snippet("قال الوزير، إن الحكومة ستعلن", 18) == "قال الوزير (...)"


def test_snippet_first_word_too_long() -> None:
    word = "ا" * 300
    assert snippet(word + " ب", 200) == word + " (...)"


@pytest.mark.parametrize(("text", "limit"), [("", 200), ("abc def", 0), ("abc def", -5)])
def test_snippet_empty(text: str, limit: int) -> None:
    assert snippet(text, limit) == ""


@pytest.mark.parametrize(
    "body",
    [
        "ﷺ كلمة ﹰ ¨x وﻻ ﷲ ﷽",  # presentation forms whose NFKC holds a space
        "a\u00a0b\u202fc İstanbul ΣΑΣ l’État Œuvre",  # no-break spaces, casefold expansions
        "\u0301abc \u0651\u064b مُحَمَّد ـــ",  # marks at a word's start, harakat, tatweel
        "x" * 700 + " " + "y" * 10,  # a lead cut inside a word
        "الرباط " * 200 + "\n\n" + "Rabat Casablanca\nفاس",
        "",
        # one-word chunks, bare and in punctuation (their name tokens skip the second fold)
        " ".join(
            f"{before}{letter}{word}{after}"
            for letter in "aZ9ßÀÖØöøÿœŒءآأؤإئابةتغفقكلمنهوىي٠٩"
            for word in ("", "l", "لم")
            for before, after in (("", ""), ('"', '".'), ("(", ")"), ("«", "»،"), ("", "؟!"))
        ),
        "(Le «Maroc», l'État: ÉCOLE. Rabat?",
        (DATA / "ant_sample.txt").read_text(encoding="utf-8"),
    ],
    ids=lambda body: body[:12],
)
def test_an_article_is_folded_chunk_by_chunk_as_a_whole_text_would_be(body: str) -> None:
    """analyse_article folds each whitespace chunk once (cached across articles); the result
    must be what folding the whole text gives."""
    lead, rest = split_lead(body)
    for lang in ("fr", "ar"):
        text = analyse_article("Le titre", body, lang)
        assert text.normal_body == normalize(body)
        assert (text.lead_names, text.rest_names) == (name_tokens(lead), name_tokens(rest))
        assert text.body_terms == analyse(body, lang)
        for chars in (0, 1, 7, 50, 600, len(body)):
            assert text.body_terms_within(chars) == analyse(body[:chars], lang)
            assert text.normal_words_within(chars) == tokenize(body[:chars])
