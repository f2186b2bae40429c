"""What story assignment knows about one article: a pure function of its stored fields.

An article is matched by its headline terms and by the terms of its whole body (the first
``BODY_TERMS`` of them: a long feature does not outweigh a wire report), kept apart so that how
much the headline counts is a setting (``index.py`` weighs them, with how rare each term is in
the time window). Function words are dropped. Entities (figures, places, Latin names, negation)
are read twice: in the headline, where a contradiction keeps two events apart, and in the
headline with the lead, where shared names are evidence for one event.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from nashra.stories.entities import Entities, extract_entities
from nashra.stories.minhash import signature
from nashra.text import analyse
from nashra.text.article import AnalysedText

LEAD_TERMS = 60
BODY_TERMS = 400
LEAD_CHARS = 400  # the lead read for entities: the first sentences, where news names who and where

# Function words (analysed forms are computed at import, so they match ``analyse`` output).
_STOP_RAW = """
في من على إلى الى عن أن إن ان مع بعد قبل عند حتى منذ خلال بين ضد هذا هذه ذلك تلك الذي التي الذين
هو هي هم كان كانت يكون قد لقد ما ماذا كما أو او ثم كل غير أي أيضا وقال قال قالت وأضاف أكد حيث
و ب ل ف ك لـ بـ يوم اليوم أمس الأحد الاثنين الثلاثاء الأربعاء الخميس الجمعة السبت شاهد عاجل فيديو
le la les l de des du d un une et en au aux à a pour par sur dans avec est sont qui que qu ce cette
ces se sa son ses il elle ils elles plus ne pas the of to in and on for is at by with from
"""


def _stop_words(lang: str) -> frozenset[str]:
    cached = _STOP_CACHE.get(lang)
    if cached is None:
        cached = _STOP_CACHE[lang] = frozenset(analyse(_STOP_RAW, lang))
    return cached


_STOP_CACHE: dict[str, frozenset[str]] = {}


@dataclass(frozen=True)
class Draft:
    """An article's story features computed where it was analysed, to wait with it in the
    backlog: ``features`` as :meth:`Features.to_json` writes them, ``minhash`` its signature,
    ``key`` the content key of the title and body they come from (the sweep uses them only
    while the stored text still has that key)."""

    key: str
    features: str
    minhash: bytes


@dataclass
class Features:
    """The matching view of one article (``pk`` is the article's key in the archive)."""

    pk: int
    source: str
    published: datetime
    lang: str
    title_terms: tuple[str, ...]
    vector: dict[str, int]  # body term → count (the first BODY_TERMS content terms)
    entities: Entities  # of the headline: what contradicts another headline
    sig: bytes  # MinHash of the whole analysed body ("" when too short)
    body_chars: int = 0
    partial: bool = False
    exact_copy_of: int | None = None  # set by the store when the normalised body is identical
    keys: tuple[str, ...] = field(default=())  # the terms this article is found by
    context: Entities = field(default_factory=Entities)  # of headline + lead: shared evidence

    def to_json(self) -> str:
        """The stored part that is not a column (reloaded to warm the window after a restart)."""
        return json.dumps(
            {
                "t": list(self.title_terms),
                "b": self.vector,
                "e": self.entities.as_dict(),
                "c": self.context.as_dict(),
                "k": list(self.keys),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(
        cls,
        raw: str,
        *,
        pk: int,
        source: str,
        published: datetime,
        lang: str,
        sig: bytes,
        body_chars: int,
        partial: bool,
        exact_copy_of: int | None,
    ) -> Features:
        data = json.loads(raw)
        return cls(
            pk=pk,
            source=source,
            published=published,
            lang=lang,
            title_terms=tuple(data["t"]),
            # "v" (headline x 3 + lead) is how archives written before whole bodies stored it.
            vector=dict(data["b"] if "b" in data else data["v"]),
            entities=Entities.from_dict(data["e"]),
            context=Entities.from_dict(data.get("c") or data["e"]),
            sig=sig,
            body_chars=body_chars,
            partial=partial,
            exact_copy_of=exact_copy_of,
            keys=tuple(data["k"]),
        )


def features_of(
    *,
    pk: int,
    source: str,
    published: datetime,
    title: str,
    body: str,
    lang: str = "ar",
    partial: bool = False,
    exact_copy_of: int | None = None,
    analysed: AnalysedText | None = None,
) -> Features:
    """Features of one article. Pure: the same fields give the same features on any machine.
    ``analysed``: the article's one analysis (of this ``title`` and ``body``), read instead of
    analysing them again."""
    lang = lang or "ar"
    stop = _stop_words(lang)
    lead_text = f"{title}\n{body[:LEAD_CHARS]}"
    if analysed is not None and analysed.lang == lang:
        all_title_terms, body_terms = analysed.title_terms, analysed.body_terms
        # What ``analyse`` and ``tokenize`` give for the headline and for the headline with the
        # lead, from the analysis (the two texts are joined at a line break: no word spans it).
        title_tokens = analysed.normal_title.split()
        entities = extract_entities(title, lang, terms=all_title_terms, tokens=title_tokens)
        context = extract_entities(
            lead_text,
            lang,
            terms=[*all_title_terms, *analysed.body_terms_within(LEAD_CHARS)],
            tokens=[*title_tokens, *analysed.normal_words_within(LEAD_CHARS)],
        )
    else:
        all_title_terms, body_terms = tuple(analyse(title, lang)), analyse(body, lang)
        entities = extract_entities(title, lang)
        context = extract_entities(lead_text, lang)
    title_terms = tuple(t for t in all_title_terms if t not in stop and len(t) > 1)
    content = [t for t in body_terms[: BODY_TERMS * 2] if t not in stop and len(t) > 1]
    lead = content[:LEAD_TERMS]
    vector: Counter[str] = Counter(content[:BODY_TERMS])
    # Found by its title terms and the first lead terms: a paraphrased headline still shares
    # the lead's names and places with the other outlet's headline.
    keys = tuple(dict.fromkeys([*title_terms, *lead[:15]]))
    return Features(
        pk=pk,
        source=source,
        published=published,
        lang=lang,
        title_terms=title_terms,
        vector=dict(vector),
        entities=entities,
        context=context,
        sig=signature(body_terms),
        body_chars=len(body),
        partial=partial,
        exact_copy_of=exact_copy_of,
        keys=keys,
    )
