"""How good a story grouping is against hand labels: BCubed and pair counts, and the anchors.

BCubed (Bagga and Baldwin 1998; Amigó et al. 2009) averages over articles: an article's
precision is the share of its predicted story that belongs to its labelled story, its recall the
share of its labelled story found in its predicted story. Pair counting is dominated by the few
large stories, so both are reported. The two anchors every system is compared with are computed
here from the same articles: every article alone, and a single-pass TF-IDF centroid clustering
(title twice + the first 1,500 characters, sublinear tf x smoothed idf fitted on the articles,
each article joining the most similar centroid above a threshold), as in the development set's
README. Pure functions: labels in, figures out.
"""

from __future__ import annotations

import gzip
import json
import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from nashra.stories.features import Features, features_of
from nashra.stories.index import StoryConfig, StoryIndex
from nashra.stories.ledger import StoryLedger
from nashra.text import normalize, tokenize

ANCHOR_THRESHOLDS = tuple(round(0.10 + 0.05 * k, 2) for k in range(9))


@dataclass(frozen=True)
class Scores:
    """BCubed and pairwise precision, recall and F1 of one prediction at one level."""

    bcubed_p: float
    bcubed_r: float
    bcubed_f1: float
    pair_p: float
    pair_r: float
    pair_f1: float
    clusters: int

    def rounded(self, digits: int = 4) -> dict[str, float | int]:
        return {k: round(v, digits) if isinstance(v, float) else v for k, v in asdict(self).items()}


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _groups(labels: Mapping[str, Hashable]) -> dict[Hashable, set[str]]:
    out: dict[Hashable, set[str]] = defaultdict(set)
    for item, label in labels.items():
        out[label].add(item)
    return out


def score(gold: Mapping[str, Hashable], predicted: Mapping[str, Hashable]) -> Scores:
    """Scores of ``predicted`` (item → cluster) against ``gold`` (item → cluster). An item of
    ``gold`` that ``predicted`` lacks counts as alone; items only in ``predicted`` are ignored."""
    if not gold:
        raise ValueError("no labelled items to score against")
    pred = {item: predicted.get(item, ("missing", item)) for item in gold}
    gold_groups, pred_groups = _groups(gold), _groups(pred)
    p_sum = r_sum = 0.0
    for item in gold:
        c, g = pred_groups[pred[item]], gold_groups[gold[item]]
        inter = len(c & g)
        p_sum += inter / len(c)
        r_sum += inter / len(g)
    bp, br = p_sum / len(gold), r_sum / len(gold)

    def pairs(groups: dict[Hashable, set[str]]) -> int:
        return sum(len(g) * (len(g) - 1) // 2 for g in groups.values())

    both = Counter((gold[item], pred[item]) for item in gold)
    tp = sum(k * (k - 1) // 2 for k in both.values())
    n_pred, n_gold = pairs(pred_groups), pairs(gold_groups)
    pp = tp / n_pred if n_pred else 1.0
    pr = tp / n_gold if n_gold else 1.0
    return Scores(bp, br, _f1(bp, br), pp, pr, _f1(pp, pr), len(pred_groups))


@dataclass(frozen=True)
class LabelledArticle:
    """One article of a labelled set: its text, date and the two gold labels."""

    docno: str
    source: str
    published: datetime
    title: str
    text: str
    story: str
    thread: str
    url: str = ""
    lang: str = "ar"


def singletons(docs: Sequence[LabelledArticle]) -> dict[str, str]:
    """The first anchor: every article alone."""
    return {d.docno: d.docno for d in docs}


def _anchor_vectors(docs: Sequence[LabelledArticle]) -> list[dict[str, float]]:
    # Words of the folded text, unstemmed: the anchor is the development set's own baseline.
    toks = [tokenize(normalize(f"{d.title} {d.title} {d.text[:1500]}")) for d in docs]
    n = len(toks)
    df = Counter(t for ts in toks for t in set(ts))
    idf = {t: math.log((1 + n) / (1 + c)) + 1 for t, c in df.items()}
    out = []
    for ts in toks:
        v = {t: (1 + math.log(c)) * idf[t] for t, c in Counter(ts).items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        out.append({t: x / norm for t, x in v.items()})
    return out


def tfidf_centroid(docs: Sequence[LabelledArticle], threshold: float) -> dict[str, str]:
    """The second anchor: single-pass TF-IDF centroid clustering in time order (see the module
    docstring). Returns docno → cluster label."""
    vectors = _anchor_vectors(docs)
    order = sorted(range(len(docs)), key=lambda i: (docs[i].published, docs[i].docno))
    postings: dict[str, dict[int, float]] = defaultdict(dict)  # term → cluster → weight
    norms: list[float] = []
    sums: list[float] = []  # squared norms of the centroids
    labels: dict[str, str] = {}
    for i in order:
        v = vectors[i]
        dots: dict[int, float] = defaultdict(float)
        for t, x in v.items():
            for k, w in postings.get(t, {}).items():
                dots[k] += x * w
        best, best_sim = -1, -1.0
        for k, dot in sorted(dots.items()):
            sim = dot / norms[k] if norms[k] else 0.0
            if sim > best_sim:
                best, best_sim = k, sim
        if best < 0 or best_sim < threshold:
            norms.append(0.0)
            sums.append(0.0)
            best = len(norms) - 1
        # |c + v|^2 = |c|^2 + 2 c.v + |v|^2, with |v| = 1
        sums[best] += 2 * dots.get(best, 0.0) + 1.0
        norms[best] = math.sqrt(sums[best])
        for t, x in v.items():
            cluster = postings[t]
            cluster[best] = cluster.get(best, 0.0) + x
        labels[docs[i].docno] = f"c{best}"
    return labels


def best_anchor(
    docs: Sequence[LabelledArticle], thresholds: Sequence[float] = ANCHOR_THRESHOLDS
) -> tuple[float, dict[str, str], Scores]:
    """The TF-IDF centroid anchor at its best threshold for story-level BCubed F1."""
    gold = {d.docno: d.story for d in docs}
    best: tuple[float, dict[str, str], Scores] | None = None
    for threshold in thresholds:
        labels = tfidf_centroid(docs, threshold)
        scores = score(gold, labels)
        if best is None or scores.bcubed_f1 > best[2].bcubed_f1:
            best = (threshold, labels, scores)
    assert best is not None, "no threshold to try"
    return best


def read_labelled(labels: Path) -> list[LabelledArticle]:
    """A labelled set (one ``{"docno", "story", "thread"}`` line per article) joined with the
    texts of the ANT corpus bundled with the demo, in time order."""
    gold: dict[str, dict[str, str]] = {}
    for n, line in enumerate(labels.read_text(encoding="utf-8").split("\n"), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if "docno" not in row or "story" not in row:
            raise ValueError(f"{labels}:{n}: needs 'docno' and 'story'")
        gold[row["docno"]] = row
    raw = resources.files("nashra.demo").joinpath("data", "ant.jsonl.gz").read_bytes()
    docs = []
    for line in gzip.decompress(raw).decode("utf-8").split("\n"):
        if not line.strip():
            continue
        row = json.loads(line)
        label = gold.get(row["docno"])
        if label is None:
            continue
        docs.append(
            LabelledArticle(
                docno=row["docno"],
                source=row["src"],
                published=datetime.fromisoformat(row["time_iso"]),
                title=row["title"],
                text=row["text"],
                story=label["story"],
                thread=label.get("thread") or label["story"],
                url=row["url"],
            )
        )
    missing = sorted(set(gold) - {d.docno for d in docs})
    if missing:
        raise ValueError(
            f"{len(missing)} labelled articles are not in the ANT corpus: {missing[:3]}"
        )
    return sorted(docs, key=lambda d: (d.published, d.docno))


def engine_labels(
    docs: Sequence[LabelledArticle], config: StoryConfig | None = None
) -> dict[str, int]:
    """Stream the articles through the story engine in time order, as the crawl would; returns
    docno → story. An article filed twice under one address is one article in the archive (the
    store keys articles by address), so the second filing gets the first one's story."""
    index = StoryIndex(config)
    ledger = StoryLedger()
    first_at: dict[str, int] = {}
    pks: dict[str, int] = {}
    for d in sorted(docs, key=lambda d: (d.published, d.docno)):
        if d.url and d.url in first_at:
            pks[d.docno] = first_at[d.url]
            continue
        pk = len(first_at) + 1
        first_at[d.url or d.docno] = pks[d.docno] = pk
        f = features_of(
            pk=pk, source=d.source, published=d.published, title=d.title, body=d.text, lang=d.lang
        )
        ledger.apply(index.assign(f))
    return {docno: ledger.story[pk] for docno, pk in pks.items()}


def report(docs: Sequence[LabelledArticle], labels: Mapping[str, Hashable]) -> dict[str, Scores]:
    """Story-level and thread-level scores of one prediction."""
    return {
        "story": score({d.docno: d.story for d in docs}, labels),
        "thread": score({d.docno: d.thread for d in docs}, labels),
    }


def hard_case_outcomes(
    cases: Sequence[Mapping[str, Any]],
    background: Sequence[Features],
    config: StoryConfig | None = None,
) -> list[tuple[bool, bool, str]]:
    """(labelled same, grouped, kind) of each hand-written pair (``{"same", "kind", "lang",
    "a": {"title", "body"}, "b": …}``), each judged in a window already holding ``background``
    (real news, for how rare each term is), the second article four hours after the first."""
    start = max((f.published for f in background), default=datetime(2018, 3, 1, tzinfo=UTC))
    out = []
    for case in cases:
        index = StoryIndex(config)
        for f in background:
            index.add_member(f, f.pk, 1.0, None)
        pair = ((10_000_001, "a", 1), (10_000_002, "b", 5))
        for pk, side, hours in pair:
            f = features_of(
                pk=pk,
                source=f"outlet-{side}",
                published=start + timedelta(hours=hours),
                title=case[side]["title"],
                body=case[side]["body"],
                lang=case["lang"],
            )
            index.assign(f)
        grouped = index.story_of(pair[0][0]) == index.story_of(pair[1][0])
        out.append((bool(case["same"]), grouped, str(case["kind"])))
    return out
