"""Function words and question words of Arabic, French and English, as analysed tokens.

Search uses them so that «متى», «من», «هل», a preposition or «le» never decides whether an
article is shown (they still count a little in its score, and inside a quoted phrase). The raw
lists are analysed with the one analyser (``nashra.text.analyse``) on first use, so they meet
the tokens of queries and documents whatever the clitics or spelling.

Words that are also frequent content words once stemmed (years «عام», «سنة») are left out on
purpose: a reader who types them means them.
"""

from __future__ import annotations

from functools import cache

from nashra.text.analyse import analyse

__all__ = ["STOP_WORDS", "is_stop_token", "stop_tokens"]

# Question words (with the conjunctions readers prefix them with), pronouns, prepositions,
# demonstratives, relatives, auxiliaries and particles.
_ARABIC = """
من ما ماذا متى هل كيف كم أين لماذا لم لما أي أية ماهو ماهي وما ومن ومتى وهل وكيف وكم وأين ولماذا
في على إلى الى عن مع بعد قبل عند حتى منذ خلال بين ضد لدى نحو عبر دون
هذا هذه هذان هاتان هؤلاء ذلك تلك أولئك الذي التي الذين اللذان اللتان اللذين اللتين اللواتي
هو هي هم هن هما أنا نحن أنت أنتم كان كانت كانوا يكون تكون قد لقد كما أو او ثم كل غير أيضا حيث
إن أن ان لا لن ليس ليست إذا اذا لكن بل و ب ل ف ك
"""
_FRENCH = """
qui que quoi quel quelle quels quelles quand comment combien pourquoi où ou est-ce
le la les l de des du d un une et en au aux à a pour par sur dans avec est sont ce cette ces
se sa son ses il elle ils elles ne pas y
"""
_ENGLISH = """
who what when where which why how whom whose the of to in and on for is are was were at by
with from a an it its
"""

STOP_WORDS: dict[str, str] = {"ar": _ARABIC, "fr": _FRENCH, "en": _ENGLISH}


@cache
def stop_tokens(lang: str) -> frozenset[str]:
    """The analysed tokens of every list, analysed as ``lang`` text (a French query word is
    analysed with French rules, so «quand» must be too)."""
    return frozenset(tok for words in STOP_WORDS.values() for tok in analyse(words, lang))


def is_stop_token(token: str, langs: tuple[str, ...] = ("ar", "fr", "en")) -> bool:
    """True when ``token`` is a function word's token in one of ``langs``."""
    return any(token in stop_tokens(lang) for lang in langs)
