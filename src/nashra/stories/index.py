"""Incremental story assignment over a sliding time window (the engine; no I/O).

Each new article is compared only with the articles of the window (default 48 hours around the
newest publication seen), found through two in-memory indexes: LSH bands of the body's MinHash
(near-duplicate copies) and postings of title and lead terms (other outlets' versions of the same
event). Articles older than the window are evicted, so the work per article does not grow with
the archive. Nothing is re-clustered: an arrival joins the story it matches best, may pull a
weakly attached article over (re-assignment) and may join two stories it strongly matches (merge).

How an arrival is scored against a story (after Miranda et al. 2018, "Multilingual Clustering
of Streaming News"): the cosine of its TF-IDF vector (headline terms weighted ``title_weight``,
the whole body with sublinear counts, IDF over the window) with the story's **centroid** (the
sum of its members' unit vectors), blended with its best single member; plus ``entity_weight``
for each place, name or figure of its headline and lead that the story's members also name;
times a **time decay** ``exp(-gap / decay_hours)`` where ``gap`` is how far it is from the
story's span. The window stays as the memory bound. A headline that contradicts the story's
closest member (another figure, place, or a negation) vetoes the match when that guard is on.
The threshold and weights are fitted on hand-labelled news by ``scripts/fit_stories.py``.

The store (``store.py``) persists what this engine decides; the benchmark and ``rebuild`` drive
the same engine, so what is measured is what runs.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from functools import cache, partial
from itertools import chain, compress
from operator import lt

import numpy as np

from nashra.config import STORY_GUARDS, StorySettings, parse_guards
from nashra.stories.entities import Entities, conflicts
from nashra.stories.features import Features
from nashra.stories.minhash import band_keys
from nashra.stories.minhash import similarity as sig_similarity
from nashra.stories.vectors import EMPTY, Packed, TermSlots

IDF_PRIOR = 100
_more_than_one = partial(lt, 1)  # 1 < n
GUARDS = STORY_GUARDS
# One home for the defaults: the settings (where scripts/fit_stories.py writes what it fits).
_DEFAULT = StorySettings()


@dataclass(frozen=True)
class StoryConfig:
    """Thresholds and weights of story assignment (``nashra stories rebuild`` re-applies them).

    ``match`` is the score an article needs with a story to join it, ``merge`` the score with a
    second story that joins the two stories, ``margin`` how much better a new match must be than
    an article's current attachment to pull it over, ``copy`` the estimated Jaccard similarity of
    body shingles above which an article is a near-copy. ``title_weight``, ``centroid``,
    ``entity_weight``, ``decay_hours`` and ``guards`` shape the score (see the module docstring).
    """

    window: timedelta = timedelta(hours=_DEFAULT.story_window_hours)
    match: float = _DEFAULT.story_match
    merge: float = _DEFAULT.story_merge
    margin: float = _DEFAULT.story_margin
    copy: float = _DEFAULT.story_copy
    title_weight: float = _DEFAULT.story_title_weight
    centroid: float = _DEFAULT.story_centroid  # the rest of the story score: best member
    entity_weight: float = _DEFAULT.story_entity_weight  # per shared place, name or figure
    entity_cap: int = 3
    decay_hours: float = _DEFAULT.story_decay_hours  # 0: no decay inside the window
    guards: tuple[str, ...] = parse_guards(_DEFAULT.story_guards)
    max_key_share: float = 0.03  # a term in more of the window's articles finds nothing
    min_key_df: int = 40
    max_candidates: int = 20  # 20–40 score the same on the dev set; fewer member dots
    span: float = 1.5  # a story stops growing once it is this many windows old (no endless chains)
    future_slack: timedelta = timedelta(days=1)

    @classmethod
    def of(cls, stories: StorySettings) -> StoryConfig:
        """The engine's configuration from the story settings (checked when they were loaded)."""
        return cls(
            window=timedelta(hours=stories.story_window_hours),
            match=stories.story_match,
            merge=stories.story_merge,
            margin=stories.story_margin,
            copy=stories.story_copy,
            title_weight=stories.story_title_weight,
            centroid=stories.story_centroid,
            entity_weight=stories.story_entity_weight,
            decay_hours=stories.story_decay_hours,
            guards=parse_guards(stories.story_guards),
        )

    def tuned(self, **values: object) -> StoryConfig:
        """A copy with some fields changed (the fitting script's grid)."""
        known = {f.name for f in fields(self)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown story settings: {sorted(unknown)}")
        return StoryConfig(**{**{f.name: getattr(self, f.name) for f in fields(self)}, **values})


@dataclass
class Member:
    """An article of the window and where it stands."""

    features: Features
    story: int
    link: float  # the score that attached it to its story (1.0 for copies and founders)
    copy_of: int | None
    norm: float = 0.0
    bands: list[int] = field(default_factory=list)
    packed: Packed = EMPTY  # its TF-IDF vector (length 1) at the window's term slots

    @property
    def has_vector(self) -> bool:
        return len(self.packed[0]) > 0


@dataclass
class Cluster:
    """A story as the window sees it: the squared length of the sum of its members' unit vectors
    (the centroid, never built: its products are sums of its members'), the names they share
    and the time they span."""

    norm2: float = 0.0
    names: Counter[str] = field(default_factory=Counter)
    first: datetime | None = None
    last: datetime | None = None
    # The one member whose unit vector the centroid is, exactly (added to an empty cluster and
    # nothing since): its cosine with the centroid is its own, no second dot product needed.
    only: int | None = None
    fresh: bool = True

    def add(self, member: Member, sign: float, others: float) -> None:
        """Add (``sign`` 1) or take away (-1) a member; ``others``: the product of its vector with
        the sum of the other members' vectors."""
        self.only = member.features.pk if self.fresh and sign > 0 and member.has_vector else None
        self.fresh = False
        if member.has_vector:  # |c ± u|² = |c|² ± 2 c·u + 1, c·u = others (+ 1 when u is in c)
            shared = others if sign > 0 else others + 1.0
            self.norm2 = max(0.0, self.norm2 + 2.0 * sign * shared + 1.0)
        names = _names(member.features.context)
        if sign > 0:
            self.names.update(names)
            when = aware(member.features.published)
            self.first = when if self.first is None or when < self.first else self.first
            self.last = when if self.last is None or when > self.last else self.last
        else:
            self.names.subtract(names)
            for name in names:
                if self.names[name] <= 0:
                    del self.names[name]

    def absorb(self, other: Cluster, shared: float) -> None:
        """Take in another story; ``shared``: the product of the two centroids."""
        self.only, self.fresh = None, False
        self.norm2 = max(0.0, self.norm2 + other.norm2 + 2.0 * shared)
        self.names.update(other.names)
        for when in (other.first, other.last):
            if when is not None:
                self.first = when if self.first is None or when < self.first else self.first
                self.last = when if self.last is None or when > self.last else self.last


@cache
def _sublinear(count: int) -> float:
    """``1 + ln(count)``: a body term's weight before its idf (counts are small integers)."""
    return 1.0 + math.log(count)


def _names(e: Entities) -> list[str]:
    """What an article names, as one bag: places, Latin names and figures (tolls apart)."""
    return [
        *(f"p:{x}" for x in e.cities | e.countries),
        *(f"n:{x}" for x in e.names),
        *(f"f:{x}" for x in e.figures),
    ]


@dataclass
class Decision:
    """What one assignment changed; the store writes exactly this."""

    pk: int
    story: int
    link: float
    copy_of: int | None
    created: bool = False
    moves: list[tuple[int, int, int, float]] = field(default_factory=list)  # pk, from, to, score
    merges: list[tuple[int, int]] = field(default_factory=list)  # (story, into)
    recopied: list[tuple[int, int | None]] = field(default_factory=list)  # pk, new original
    touched: set[int] = field(default_factory=set)  # stories whose summary changed
    best: float = 0.0
    vetoed: list[tuple[int, str]] = field(default_factory=list)  # candidate pk, reason


def aware(when: datetime) -> datetime:
    """``when`` with UTC as its zone when it has none (SQLite gives naive datetimes)."""
    return when if when.tzinfo else when.replace(tzinfo=UTC)


class StoryIndex:
    """The window's articles, their stories and the indexes that find candidates."""

    def __init__(
        self,
        config: StoryConfig | None = None,
        allocate: Callable[[Features], int] | None = None,
        *,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.config = config or StoryConfig()
        self._next_story = 0
        self.allocate = allocate or self._count_story
        self.now = now
        self.members: dict[int, Member] = {}
        self.by_story: dict[int, set[int]] = {}
        self.clusters: dict[int, Cluster] = {}
        self.postings: dict[str, set[int]] = {}
        self.bands: dict[int, set[int]] = {}
        # a position per term of the window (batched dot products) and how many articles hold it
        self.slots = TermSlots()
        self._heap: list[tuple[datetime, int]] = []
        self.clock: datetime | None = None
        self.pinned = False  # a window loaded around a past date: its clock does not move
        self.story_first: dict[int, datetime] = {}  # stories of the window → first publication

    def _count_story(self, _features: Features) -> int:
        self._next_story += 1
        return self._next_story

    # -- the window ---------------------------------------------------------------------------

    @property
    def floor(self) -> datetime | None:
        """Articles published before this are outside the window."""
        return None if self.clock is None else self.clock - self.config.window

    def covers(self, published: datetime) -> bool:
        """True when ``published`` falls where this window can judge it (not before its floor)."""
        return self.floor is None or aware(published) >= self.floor

    def _advance(self, published: datetime) -> None:
        if self.pinned:
            return
        published = aware(published)
        if self.now is not None:
            published = min(published, self.now() + self.config.future_slack)
        if self.clock is None or published > self.clock:
            self.clock = published
        self.evict_before(self.clock - self.config.window)

    def evict_before(self, floor: datetime) -> None:
        """Forget the articles published before ``floor`` (the window has moved past them)."""
        while self._heap and self._heap[0][0] < floor:
            _, pk = heapq.heappop(self._heap)
            member = self.members.get(pk)
            if member is not None and aware(member.features.published) < floor:
                self._forget(pk)

    def _packed_vector(self, f: Features) -> Packed:
        """The article's TF-IDF vector with length 1, at the window's term slots: headline terms
        ``title_weight`` each, body terms ``1 + ln(count)``, times the idf of the window
        (computed once, on arrival). Its new terms take their slots now; a slot is given back
        when the last article with its term leaves (see ``_forget``)."""
        tw = self.config.title_weight
        raw: dict[str, float] = {t: _sublinear(c) for t, c in f.vector.items() if c > 0}
        for term in f.title_terms:
            raw[term] = raw.get(term, 0.0) + tw
        if not raw:
            return EMPTY
        self.slots.enter(raw)
        slots = self.slots.slots_of(raw)
        # idf: ``IDF_PRIOR`` imaginary articles that lack the term: in a nearly empty window (a
        # new instance, a quiet night) every term weighs about the same instead of noise deciding.
        articles, log = len(self.members) + IDF_PRIOR, math.log
        out = [
            w * (log(articles / (df + 1)) + 1.0)
            for w, df in zip(raw.values(), self.slots.frequencies(slots), strict=True)
        ]
        norm = math.sqrt(sum(x * x for x in out))
        if not norm:
            self.slots.release_unheld(slots)  # no vector: the terms it entered go back now
            return EMPTY
        return slots, np.array(out) / norm

    def add_member(self, features: Features, story: int, link: float, copy_of: int | None) -> None:
        """Put an article with a known story into the window (warming up from the store)."""
        self._advance(features.published)
        if not self.covers(features.published):
            return
        if features.pk in self.members:
            self._forget(features.pk)
        packed = self._packed_vector(features)
        self._insert(features, story, link, copy_of, band_keys(features.sig), packed)
        self._next_story = max(self._next_story, story)

    def _join(self, member: Member, story: int) -> None:
        member.story = story
        group = self.by_story.setdefault(story, set())
        others = math.fsum(self._with_group(member, group))
        group.add(member.features.pk)
        self.clusters.setdefault(story, Cluster()).add(member, 1.0, others)
        self._note_first(story, member.features.published)

    def _leave(self, member: Member) -> None:
        story = member.story
        group = self.by_story.get(story)
        if group is None:
            return
        group.discard(member.features.pk)
        if not group:
            del self.by_story[story]
            self.clusters.pop(story, None)
            self.story_first.pop(story, None)
        else:
            others = math.fsum(self._with_group(member, group))
            self.clusters[story].add(member, -1.0, others)

    def _with_group(self, member: Member, group: Iterable[int]) -> list[float]:
        """The products of a member's vector with each vector of a group (in key order)."""
        return self.slots.dots(member.packed, [self.members[pk].packed for pk in sorted(group)])

    def _product(self, a: Iterable[int], b: Iterable[int]) -> float:
        """The product of the sums of two groups of members' vectors (the two centroids)."""
        other = sorted(b)
        return math.fsum(x for pk in sorted(a) for x in self._with_group(self.members[pk], other))

    def _forget(self, pk: int) -> Member | None:
        member = self.members.pop(pk, None)
        if member is None:
            return None
        f = member.features
        self._leave(member)  # while its terms still have their slots
        self.slots.count_out(member.packed[0])
        for table, keys in ((self.postings, f.keys), (self.bands, member.bands)):
            for key in keys:
                bucket = table.get(key)
                if bucket is not None:
                    bucket.discard(pk)
                    if not bucket:
                        del table[key]
        return member

    def _note_first(self, story: int, published: datetime) -> None:
        when = aware(published)
        known = self.story_first.get(story)
        if known is None or when < known:
            self.story_first[story] = when

    def relocate(self, pk: int, story: int, link: float, copy_of: int | None) -> None:
        """Record that another process moved or merged an article of the window."""
        member = self.members.get(pk)
        if member is None:
            return
        if member.story != story:
            self._leave(member)
            self._join(member, story)
        member.link, member.copy_of = link, copy_of

    def remove(self, pk: int) -> Member | None:
        """Take an article out of the window (before re-assigning it after an update)."""
        return self._forget(pk)

    # -- scoring ------------------------------------------------------------------------------

    def _candidates(self, f: Features) -> list[int]:
        limit = max(self.config.min_key_df, self.config.max_key_share * len(self.members))
        postings = self.postings.get
        buckets = [b for key in f.keys if (b := postings(key)) and len(b) <= limit]
        counts = Counter(chain.from_iterable(buckets))  # one counting pass, in the keys' order
        counts.pop(f.pk, None)
        # The articles sharing two keys or more, most shared first (ties in the order they were
        # counted): what ``most_common`` ranks, without ranking the many that share only one,
        # picked and sorted without a Python-level step per article.
        shared = list(compress(counts, map(_more_than_one, counts.values())))
        shared.sort(key=counts.__getitem__, reverse=True)
        return shared[: self.config.max_candidates]

    def _near_copies(self, f: Features, bands: list[int]) -> list[tuple[float, Member]]:
        seen: set[int] = set()
        found = []
        for key in bands:
            for pk in self.bands.get(key, ()):
                if pk in seen or pk == f.pk:
                    continue
                seen.add(pk)
                member = self.members[pk]
                sim = sig_similarity(f.sig, member.features.sig)
                if sim >= self.config.copy:
                    found.append((sim, member))
        return found

    def _veto(self, a: Entities, b: Entities) -> str | None:
        return next((r for r in conflicts(a, b) if r in self.config.guards), None)

    def _decay(self, published: datetime, cluster: Cluster) -> float:
        hours = self.config.decay_hours
        if not hours or cluster.first is None or cluster.last is None:
            return 1.0
        if published < cluster.first:
            gap = cluster.first - published
        elif published > cluster.last:
            gap = published - cluster.last
        else:
            return 1.0
        return math.exp(-gap.total_seconds() / 3600.0 / hours)

    def _evidence(self, names: set[str], cluster: Cluster) -> float:
        """``entity_weight`` per name of the arrival's (``names``) that the story also names."""
        if not self.config.entity_weight:
            return 0.0
        shared = sum(1 for name in names if cluster.names.get(name, 0) > 0)
        return self.config.entity_weight * min(self.config.entity_cap, shared)

    def _story_scores(
        self,
        f: Features,
        packed: Packed,
        members: list[Member],
        published: datetime,
    ) -> tuple[list[tuple[float, int]], dict[int, float], list[tuple[int, str]]]:
        """Score the stories of the candidate members: (score, story) best first, each
        member's own score, and the vetoes."""
        cfg = self.config
        own: dict[int, float] = {}
        best_member: dict[int, Member] = {}
        sims = self.slots.dots(packed, [m.packed for m in members])
        for m, sim in zip(members, sims, strict=True):
            own[m.features.pk] = sim
            known = best_member.get(m.story)
            if known is None or sim > own[known.features.pk]:
                best_member[m.story] = m
        vetoed: list[tuple[int, str]] = []
        kept: list[tuple[int, Member]] = []
        for story, m in best_member.items():
            reason = self._veto(f.entities, m.features.entities)
            if reason:
                vetoed.append((m.features.pk, reason))
            else:
                kept.append((story, m))
        centroid_dot = self._centroid_dots(packed, kept, own) if cfg.centroid > 0 else {}
        scored: list[tuple[float, int]] = []
        names = set(_names(f.context)) if cfg.entity_weight else set()
        for story, m in kept:
            cluster = self.clusters[story]
            value = own[m.features.pk]
            if story in centroid_dot:
                to_centroid = centroid_dot[story] / math.sqrt(cluster.norm2)
                value = cfg.centroid * to_centroid + (1 - cfg.centroid) * value
            value = (value + self._evidence(names, cluster)) * self._decay(published, cluster)
            scored.append((value, story))
        scored.sort(key=lambda p: (-p[0], p[1]))
        return scored, own, vetoed

    def _centroid_dots(
        self, packed: Packed, kept: list[tuple[int, Member]], own: dict[int, float]
    ) -> dict[int, float]:
        """The arrival's dot product with the centroid of each story of ``kept`` (story, best
        member): the sum of its dot products with the story's members (the centroid is their
        sum), added in the order of their keys, all members in one batch. A story whose
        centroid is its best member's own vector reuses that member's score (``own``)."""
        out: dict[int, float] = {}
        groups: list[tuple[int, list[int]]] = []
        for story, m in kept:
            cluster = self.clusters[story]
            if cluster.norm2 <= 0:
                continue
            if cluster.only == m.features.pk:  # its centroid is this member's vector (norm2 1.0)
                out[story] = own[m.features.pk]
                continue
            groups.append((story, sorted(self.by_story.get(story, ()))))
        values = self.slots.dots(packed, [self.members[pk].packed for _, g in groups for pk in g])
        start = 0
        for story, group in groups:
            out[story] = math.fsum(values[start : start + len(group)])
            start += len(group)
        return out

    def _cluster_cosine(self, a: int, b: int) -> float:
        """Cosine of two stories' centroids: two halves of one event look alike as wholes even
        when no single arrival is close enough to both."""
        ca, cb = self.clusters.get(a), self.clusters.get(b)
        if ca is None or cb is None or not ca.norm2 or not cb.norm2:
            return 0.0
        shared = self._product(self.by_story.get(a, ()), self.by_story.get(b, ()))
        return shared / math.sqrt(ca.norm2 * cb.norm2)

    # -- assignment ---------------------------------------------------------------------------

    def assign(self, f: Features, *, original_story: int | None = None) -> Decision:
        """Assign an article that is not in the window yet; returns what changed.

        ``original_story`` is the story of ``f.exact_copy_of`` when that original has left the
        window (the store looks it up); a copy always joins its original's story.
        """
        if f.pk in self.members:
            self._forget(f.pk)
        self._advance(f.published)
        window = self.config.window
        published = aware(f.published)
        bands = band_keys(f.sig)
        packed = self._packed_vector(f)

        oldest = published - window * self.config.span

        def in_window(m: Member) -> bool:
            if abs(aware(m.features.published) - published) > window:
                return False
            return self.story_first.get(m.story, published) >= oldest

        # 1. Copies: an exact copy (same normalised body, found by the store) or a near-copy.
        copy_of: int | None = None
        story: int | None = None
        link = 0.0
        vetoed: list[tuple[int, str]] = []
        if f.exact_copy_of is not None:
            original = self.members.get(f.exact_copy_of)
            copy_of = f.exact_copy_of
            if original is not None:
                copy_of = original.copy_of or original.features.pk
                story = original.story
            elif original_story is not None:
                story = original_story
            link = 1.0
        if story is None:
            near = []
            for sim, m in self._near_copies(f, bands):
                if not in_window(m):
                    continue
                reason = self._veto(f.entities, m.features.entities)
                if reason:
                    vetoed.append((m.features.pk, reason))
                    continue
                near.append((sim, m))
            if near:
                sim, m = max(near, key=lambda p: (p[0], -p[1].features.pk))
                copy_of = m.copy_of or m.features.pk
                story, link = m.story, 1.0

        # 2. Other outlets' versions: score the stories of the candidates found by shared terms.
        members = [m for pk in self._candidates(f) if in_window(m := self.members[pk])]
        ranked, own, story_vetoes = self._story_scores(f, packed, members, published)
        vetoed.extend(story_vetoes)
        strong = [(value, s) for value, s in ranked if value >= self.config.match]
        best = ranked[0][0] if ranked else 0.0
        if story is None and strong:
            link, story = strong[0]
        created = story is None
        if story is None:
            story, link = self.allocate(f), 1.0

        decision = Decision(f.pk, story, link, copy_of, created=created, best=best, vetoed=vetoed)
        decision.touched.add(story)

        # 3. Merges suggested by the other strong stories; a member that matches the arrival
        #    clearly better than it matched its own story is pulled over.
        for value, other in strong:
            current = self._resolve(decision, story)
            other = self._resolve(decision, other)
            if other == current:
                continue
            if (
                value >= self.config.merge
                or len(self.by_story.get(other, ())) == 1
                or self._cluster_cosine(current, other) >= self.config.merge
            ):
                into, gone = min(current, other), max(current, other)
                self._merge(gone, into, decision)
                story = into
        current = self._resolve(decision, story)
        for m in members:
            value = own[m.features.pk]
            if m.story == current or m.copy_of is not None or m.features.pk not in self.members:
                continue
            clearly = value >= self.config.match and value >= m.link + self.config.margin
            if clearly and self._veto(f.entities, m.features.entities) is None:
                self._move(m, current, value, decision)
        story = self._resolve(decision, story)
        decision.story = story

        # 4. The earliest publisher is the original of a family of copies.
        if copy_of is not None:
            original = self.members.get(copy_of)
            if original is not None and aware(original.features.published) > published:
                family = [pk for pk, m in self.members.items() if m.copy_of == copy_of]
                for pk in [copy_of, *family]:
                    self.members[pk].copy_of = f.pk
                    decision.recopied.append((pk, f.pk))
                copy_of = None
                decision.copy_of = None

        self._insert(f, story, link, copy_of, bands, packed)
        decision.touched = {self._resolve(decision, s) for s in decision.touched}
        decision.touched |= {gone for gone, _ in decision.merges}
        return decision

    def _resolve(self, decision: Decision, story: int) -> int:
        for gone, into in decision.merges:
            if story == gone:
                story = into
        return story

    def _merge(self, gone: int, into: int, decision: Decision) -> None:
        first = self.story_first.pop(gone, None)
        if first is not None:
            self._note_first(into, first)
        absorbed = self.clusters.pop(gone, None)
        if absorbed is not None:
            shared = self._product(self.by_story.get(into, ()), self.by_story.get(gone, ()))
            self.clusters.setdefault(into, Cluster()).absorb(absorbed, shared)
        for pk in self.by_story.pop(gone, set()):
            self.members[pk].story = into
            self.by_story.setdefault(into, set()).add(pk)
        decision.merges.append((gone, into))
        decision.touched.add(into)

    def _move(self, m: Member, into: int, value: float, decision: Decision) -> None:
        old = m.story
        self._leave(m)
        self._join(m, into)
        m.link = value
        decision.moves.append((m.features.pk, old, into, value))
        decision.touched |= {old, into}

    def _insert(
        self,
        f: Features,
        story: int,
        link: float,
        copy_of: int | None,
        bands: list[int],
        packed: Packed,
    ) -> None:
        self.slots.count_in(packed[0])
        member = Member(f, story, link, copy_of, norm=1.0, bands=bands, packed=packed)
        self.members[f.pk] = member
        self._join(member, story)
        for key in f.keys:
            self.postings.setdefault(key, set()).add(f.pk)
        for key in bands:
            self.bands.setdefault(key, set()).add(f.pk)
        heapq.heappush(self._heap, (aware(f.published), f.pk))

    def story_of(self, pk: int) -> int | None:
        member = self.members.get(pk)
        return None if member is None else member.story
