"""Which headline terms and names rise: a pure function of (headline, outlet, time) rows.

A term's share of the last ``recent_hours`` (the share of articles whose headline has it) is
compared with its share of the ``baseline_days`` before, with add-one smoothing so a term never
seen before rises only as far as its own count carries it. A topic must be in at least
``min_articles`` recent articles from ``min_outlets`` outlets, so one outlet repeating a word
does not make a trend. Two-word names («الدار البيضاء», «Emmanuel Macron») are candidates beside
single terms; a name that trends absorbs its words. Words that carry no topic never trend:
function words (``nashra.text.stopwords``), the news words of ``nashra.text.newswords``
(reporting verbs such as «قال», «أكد», «يؤكد», «annonce»; weekdays and months; generic news
nouns; words that announce a format: video, breaking) and outlets' own names.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from nashra.text import analyse
from nashra.text.newswords import news_tokens
from nashra.text.stopwords import stop_tokens
from nashra.web.related import title_terms

_WORD = re.compile(r"[\w\u0600-\u06ff'’-]+", re.UNICODE)


@dataclass(frozen=True)
class Headline:
    title: str
    source: str
    published: datetime
    lang: str = "ar"


@dataclass(frozen=True)
class Topic:
    label: str  # as headlines write it (the commonest spelling)
    key: str  # analysed form(s), what matching uses
    recent: int  # recent articles with it
    outlets: int
    rise: float  # recent share / baseline share
    score: float


def _stop_keys(lang: str, outlet_names: Iterable[str]) -> frozenset[str]:
    names = [w for name in outlet_names for w in _WORD.findall(name)]
    return stop_tokens(lang) | news_tokens(lang) | frozenset(analyse(" ".join(names), lang))


def _candidates(title: str, lang: str, stop: frozenset[str]) -> dict[str, str]:
    """key → surface spelling of the headline's topic terms and two-word names."""
    keep = title_terms(title, lang)
    words = []
    for word in _WORD.findall(title or ""):
        keys = analyse(word, lang)
        key = keys[0] if len(keys) == 1 else ""
        words.append((word, key if key in keep and key not in stop else ""))
    out: dict[str, str] = {}
    for i, (word, key) in enumerate(words):
        if not key:
            continue
        out.setdefault(key, word)
        if i + 1 < len(words) and words[i + 1][1]:
            out.setdefault(f"{key} {words[i + 1][1]}", f"{word} {words[i + 1][0]}")
    return out


def trending_topics(
    headlines: Iterable[Headline],
    now: datetime,
    *,
    recent_hours: int = 6,
    baseline_days: int = 7,
    min_articles: int = 3,
    min_outlets: int = 2,
    size: int = 8,
    outlet_names: Iterable[str] = (),
) -> list[Topic]:
    """The ``size`` topics whose share rose most in the last ``recent_hours`` before ``now``."""
    recent_start = now - timedelta(hours=recent_hours)
    base_start = recent_start - timedelta(days=baseline_days)
    names = list(outlet_names)
    stops: dict[str, frozenset[str]] = {}
    recent_docs: Counter[str] = Counter()
    base_docs: Counter[str] = Counter()
    outlets: dict[str, set[str]] = defaultdict(set)
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    n_recent = n_base = 0
    for h in headlines:
        if not base_start <= h.published < now:
            continue
        stop = stops.get(h.lang)
        if stop is None:
            stop = stops[h.lang] = _stop_keys(h.lang, names)
        found = _candidates(h.title, h.lang, stop)
        if h.published >= recent_start:
            n_recent += 1
            recent_docs.update(found.keys())
            for key, word in found.items():
                outlets[key].add(h.source)
                spellings[key][word] += 1
        else:
            n_base += 1
            base_docs.update(found.keys())
    if not n_recent:
        return []
    scored = []
    for key, count in recent_docs.items():
        if count < min_articles or len(outlets[key]) < min_outlets:
            continue
        share = count / n_recent
        base_share = (base_docs[key] + 1) / (n_base + 1)
        rise = share / base_share
        if rise < 2:
            continue
        label = spellings[key].most_common(1)[0][0]
        scored.append(Topic(label, key, count, len(outlets[key]), rise, count * math.log(rise)))
    scored.sort(key=lambda t: (-round(t.score, 6), -t.key.count(" "), t.label))  # names first
    chosen: list[Topic] = []
    for topic in scored:
        parts = topic.key.split(" ")
        # a word of a name already chosen (or a pair overlapping it) adds nothing
        if any(set(parts) & set(c.key.split(" ")) and c.recent >= 0.7 * topic.recent
               for c in chosen):  # fmt: skip
            continue
        if len(parts) == 2:
            chosen = [
                c for c in chosen
                if not (c.key in parts and topic.recent >= 0.7 * c.recent)
            ]  # fmt: skip
        chosen.append(topic)
        if len(chosen) >= size:
            break
    return chosen
