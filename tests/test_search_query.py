"""The query language and the highlighter: pure functions, no database."""

from __future__ import annotations

import pytest

from nashra.search.backends import fts_term, ts_term
from nashra.search.highlight import Highlighter
from nashra.search.query import MAX_QUERY_CHARS, MAX_TERMS, parse_query
from nashra.text import analyse


def test_words_phrases_and_prefixes() -> None:
    query = parse_query('والمغربية "رئيس الحكومة" ترام* «الدار البيضاء»')
    assert [t.kind for t in query.terms] == ["word", "phrase", "prefix", "phrase"]
    assert query.terms[0].variants == ((analyse("المغرب")[0],),)
    assert query.terms[1].variants == (tuple(analyse("رئيس الحكومة")),)
    assert len(query.terms[3].variants[0]) == 2
    assert query.prefixes == ("ترام",)
    assert not query.notes


def test_french_words_carry_each_languages_analysis() -> None:
    (term,) = parse_query("économiques").terms
    flat = {v[0] for v in term.variants}
    assert "econom" in flat and "economiques" in flat
    (only_fr,) = parse_query("économiques", ("fr",)).terms
    assert only_fr.variants == (("econom",),)


@pytest.mark.parametrize(
    "raw,note",
    [
        ('"رئيس الحكومة', "unbalanced_quote"),
        ("س*", "prefix_too_short"),
        ("؟!", "no_words"),
        ("", "no_words"),
        ("كلمة " * 200, "shortened"),
        (" ".join(f"كلمة{i}" for i in range(40)), "too_many_words"),
    ],
)
def test_odd_queries_are_parsed_with_a_note(raw: str, note: str) -> None:
    query = parse_query(raw)
    assert note in query.notes
    assert len(query.terms) <= MAX_TERMS
    assert sum(len(t.text) for t in query.terms) <= MAX_QUERY_CHARS


@pytest.mark.parametrize(
    "raw", ["NEAR(a b)", "title:x", "{title}: x", '"a" OR "b"', "x^2", "a - b", 'a"b"c', "*x*"]
)
def test_operators_become_quoted_tokens(raw: str) -> None:
    for term in parse_query(raw).terms:
        expression = fts_term(term, "text")
        # Everything the reader typed sits inside double quotes; only our syntax is outside.
        outside = "".join(expression.split('"')[0::2])
        assert set(outside) <= set("{}: ()*ORtilebodyw_a")
        # Tokens are letters and digits only, so quoting them is enough in tsquery too.
        assert all(tok.isalnum() for v in term.variants for tok in v)
        assert ts_term(term).count("'") == 2 * sum(len(v) for v in term.variants)


def test_highlighter_marks_original_spellings_and_escapes() -> None:
    query = parse_query("الحكومه ترام*")
    marker = Highlighter(query.stems, query.prefixes)
    html = marker.mark('قالت الحُكومةُ <script>x</script> إن "ترامب" والحكومات', "ar")
    assert "<mark>الحُكومةُ</mark>" in html
    assert '"<mark>ترامب</mark>"' in html  # punctuation stays outside the mark
    assert "&lt;script&gt;" in html and "<script>" not in html


def test_snippet_centres_on_the_matches() -> None:
    marker = Highlighter(parse_query("الميزانية").stems, ())
    text = " ".join(["كلام"] * 100 + ["الميزانية"] + ["كلام"] * 100)
    snippet = marker.snippet(text, "ar", words=20)
    assert snippet.startswith("… ") and snippet.endswith(" …")
    assert "<mark>الميزانية</mark>" in snippet
    # A lone match stands in the middle of its window, not at its end.
    before, after = snippet.split("<mark>الميزانية</mark>")
    assert len(before.split()) - 1 == 9 and len(after.split()) - 1 == 10, snippet
    plain = marker.snippet("لا شيء هنا", "ar")
    assert plain == "لا شيء هنا"


def test_a_phrase_is_marked_where_it_stands_whole_and_its_snippet_goes_there() -> None:
    """«الأمم المتحدة»: «المتحدة» of «المملكة المتحدة» and a lone «الأمم» are not the phrase;
    the snippet shows where the phrase is, even after a denser run of its words apart."""
    query = parse_query('"الأمم المتحدة" الميزانية')
    marker = Highlighter(query.stems, query.prefixes, query.phrases)
    title = marker.mark("المملكة المتحدة ترحب بقرار للأمم المتحدة حول الميزانية", "ar")
    assert title == (
        "المملكة المتحدة ترحب بقرار <mark>للأمم</mark> <mark>المتحدة</mark> حول "
        "<mark>الميزانية</mark>"
    )
    words = ["كلام"] * 60 + ["المتحدة", "الأمم", "المتحدة،"] + ["كلام"] * 60
    apart = ["المملكة", "المتحدة", "والأمم", "كلام", "المتحدة", "الأمم"] * 3
    text = " ".join(apart + words)
    snippet = marker.snippet(text, "ar", words=20)
    assert snippet.count("<mark>") == 2, snippet
    assert "<mark>الأمم</mark> <mark>المتحدة</mark>،" in snippet
    # The same on the fast scan and the folded reference, and in a title marked whole.
    folded = Highlighter(query.stems, query.prefixes, query.phrases)
    folded._raw_keys = None
    assert folded.snippet(text, "ar", words=20) == snippet
    assert marker.mark(" ".join(apart), "ar").count("<mark>") == 0


def test_a_long_body_is_read_on_to_its_first_match() -> None:
    """An article that names the query late (past the first block of words scanned) shows that
    place, a phrase across the seam of two blocks included; past the seek limit, its head."""
    from nashra.search.highlight import MAX_SCAN_WORDS, MAX_SEEK_WORDS

    query = parse_query('"الأمم المتحدة"')
    marker = Highlighter(query.stems, query.prefixes, query.phrases)

    def body(at: int, total: int = 8000) -> str:
        words = [f"كلمة{i}" for i in range(total)]
        words[at : at + 2] = ["الأمم", "المتحدة"]
        return " ".join(words)

    for at in (1421, MAX_SCAN_WORDS - 1, 3 * MAX_SCAN_WORDS - 20):
        snippet = marker.snippet(body(at), "ar", words=20)
        assert snippet.startswith("… ") and snippet.endswith(" …"), snippet
        assert "<mark>الأمم</mark> <mark>المتحدة</mark>" in snippet, at
        assert f"كلمة{at - 1} " in snippet
    head = marker.snippet(body(MAX_SEEK_WORDS + MAX_SCAN_WORDS), "ar", words=20)
    assert head.startswith("كلمة0 ") and "<mark>" not in head
    assert marker.snippet("   ", "ar") == ""


def test_snippet_finds_diacritised_and_hamza_spellings_without_folding_the_body() -> None:
    # Marks inside a word, alef and ta marbuta variants: the scan of the unfolded body (marks
    # removed, letters matched by class) must flag the same words as folding it first.
    query = parse_query("الحكومه اسلامي المغر*")
    fast = Highlighter(query.stems, query.prefixes)
    folded = Highlighter(query.stems, query.prefixes)
    folded._raw_keys = None  # the reference path: normalize_arabic over the whole body
    words = ["كلام"] * 50 + ["الحُكُومَةُ", "ّ", "الإسلاميّة", "المـغرب", "٣"] + ["كلام"] * 50
    for text in (" ".join(words), " ".join(["ﻻ", *words])):  # the second is not NFKC: folded
        snippet = fast.snippet(text, "ar", words=20)
        assert snippet == folded.snippet(text, "ar", words=20)
        for word in ("الحُكُومَةُ", "الإسلاميّة", "المـغرب"):
            assert f"<mark>{word}</mark>" in snippet


def test_function_and_question_words_are_optional() -> None:
    query = parse_query("متى وُلد جمال خاشقجي في المدينة؟")
    optional = {t.text.strip("؟") for t in query.terms if t.optional}
    assert optional == {"متى", "في"}
    assert [t.text for t in query.words] == ["وُلد", "جمال", "خاشقجي", "المدينة؟"]
    # Clitic and spelling variants of a function word are function words too.
    *function, content = parse_query("ومتى وهل إلى الى الزلزال").terms
    assert all(t.optional for t in function) and not content.optional
    french = parse_query("quand est né Macron")
    assert [t.text for t in french.words] == ["Macron"]
    # Highlighting leaves the optional words alone.
    assert analyse("متى")[0] not in parse_query("متى الزلزال").stems


def test_a_query_of_function_words_only_looks_for_them() -> None:
    query = parse_query("من هو")
    assert query.terms and not any(t.optional for t in query.terms)
    assert len(query.words) == 2


def test_phrases_and_prefixes_are_required_and_keep_their_function_words() -> None:
    query = parse_query('"في المغرب" ترام* من')
    phrase, prefix, word = query.terms
    assert phrase.required and prefix.required and not word.required
    assert phrase.variants[0][0] == analyse("في")[0] and not phrase.optional
    assert word.optional and query.words == ()
