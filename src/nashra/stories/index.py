"""Incremental story assignment over a sliding time window (the engine; no I/O).

Each new article is compared only with the articles of the window (default 48 hours around the
newest publication seen), found through two in-memory indexes: LSH bands of the body's MinHash
(near-duplicate copies) and postings of title and lead terms (other outlets' versions of the same
event). Articles older than the window are evicted, so the work per article does not grow with
the archive. Nothing is re-clustered: an arrival joins the story of its best match, may pull a
weakly attached article over (re-assignment) and may join two stories it strongly matches (merge).

The store (``store.py``) persists what this engine decides; the benchmark and ``rebuild`` drive
the same engine, so what is measured is what runs.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from nashra.stories.entities import Entities, conflict
from nashra.stories.features import Features
from nashra.stories.minhash import band_keys
from nashra.stories.minhash import similarity as sig_similarity

IDF_PRIOR = 100


@dataclass(frozen=True)
class StoryConfig:
    """Thresholds of story assignment (``nashra stories rebuild`` re-applies them to the archive).

    ``match`` is the score an article needs with a member of a story to join it, ``merge`` the
    score with a member of a second story that joins the two stories, ``margin`` how much better
    a new match must be than an article's current attachment to pull it over, ``copy`` the
    estimated Jaccard similarity of body shingles above which an article is a near-copy.
    """

    window: timedelta = timedelta(hours=48)
    match: float = 0.40
    merge: float = 0.55
    margin: float = 0.15
    copy: float = 0.6
    max_key_share: float = 0.03  # a term in more of the window's articles finds nothing
    min_key_df: int = 40
    max_candidates: int = 40
    span: float = 1.5  # a story stops growing once it is this many windows old (no endless chains)
    future_slack: timedelta = timedelta(days=1)

    @classmethod
    def from_settings(cls, extra: dict[str, object]) -> StoryConfig:
        """Read ``story_window_hours``, ``story_match``, ``story_merge``, ``story_margin`` and
        ``story_copy`` (fields of the settings: TOML or ``NASHRA_STORY_*``)."""
        base = cls()
        get = lambda key, default: float(extra.get(key, default))  # noqa: E731
        hours = get("story_window_hours", base.window.total_seconds() / 3600)
        if hours <= 0:
            raise ValueError(f"story_window_hours must be positive, not {hours}")
        return cls(
            window=timedelta(hours=hours),
            match=get("story_match", base.match),
            merge=get("story_merge", base.merge),
            margin=get("story_margin", base.margin),
            copy=get("story_copy", base.copy),
        )


@dataclass
class Member:
    """An article of the window and where it stands."""

    features: Features
    story: int
    link: float  # the score that attached it to its story (1.0 for copies and founders)
    copy_of: int | None
    norm: float = 0.0
    bands: list[int] = field(default_factory=list)


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
        self.postings: dict[str, set[int]] = {}
        self.bands: dict[int, set[int]] = {}
        self.df: Counter[str] = Counter()
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

    def _idf(self, term: str) -> float:
        # ``IDF_PRIOR`` imaginary articles that lack the term: in a nearly empty window (a new
        # instance, a quiet night) every term weighs about the same instead of noise deciding.
        return math.log((len(self.members) + IDF_PRIOR) / (self.df.get(term, 0) + 1)) + 1.0

    def _norm(self, vector: dict[str, int]) -> float:
        return math.sqrt(sum((w * self._idf(t)) ** 2 for t, w in vector.items())) or 1.0

    def add_member(self, features: Features, story: int, link: float, copy_of: int | None) -> None:
        """Put an article with a known story into the window (warming up from the store)."""
        self._advance(features.published)
        if not self.covers(features.published):
            return
        if features.pk in self.members:
            self._forget(features.pk)
        for term in features.vector:
            self.df[term] += 1
        member = Member(features, story, link, copy_of, bands=band_keys(features.sig))
        member.norm = self._norm(features.vector)
        self.members[features.pk] = member
        self.by_story.setdefault(story, set()).add(features.pk)
        self._note_first(story, features.published)
        for key in features.keys:
            self.postings.setdefault(key, set()).add(features.pk)
        for key in member.bands:
            self.bands.setdefault(key, set()).add(features.pk)
        heapq.heappush(self._heap, (aware(features.published), features.pk))
        self._next_story = max(self._next_story, story)

    def _forget(self, pk: int) -> Member | None:
        member = self.members.pop(pk, None)
        if member is None:
            return None
        f = member.features
        for term in f.vector:
            left = self.df[term] - 1
            if left > 0:
                self.df[term] = left
            else:
                del self.df[term]
        for table, keys in ((self.postings, f.keys), (self.bands, member.bands)):
            for key in keys:
                bucket = table.get(key)
                if bucket is not None:
                    bucket.discard(pk)
                    if not bucket:
                        del table[key]
        group = self.by_story.get(member.story)
        if group is not None:
            group.discard(pk)
            if not group:
                del self.by_story[member.story]
                self.story_first.pop(member.story, None)
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
            group = self.by_story.get(member.story)
            if group is not None:
                group.discard(pk)
                if not group:
                    del self.by_story[member.story]
                    self.story_first.pop(member.story, None)
            member.story = story
            self.by_story.setdefault(story, set()).add(pk)
            self._note_first(story, member.features.published)
        member.link, member.copy_of = link, copy_of

    def remove(self, pk: int) -> Member | None:
        """Take an article out of the window (before re-assigning it after an update)."""
        return self._forget(pk)

    # -- scoring ------------------------------------------------------------------------------

    def query_weights(self, f: Features) -> tuple[dict[str, float], float]:
        """The article's terms weighted by ``weight x idf²`` (idf from the window), and its norm:
        computed once per arrival, so scoring a candidate is one set intersection."""
        weights: dict[str, float] = {}
        norm = 0.0
        for term, weight in f.vector.items():
            idf = self._idf(term)
            weights[term] = weight * idf * idf
            norm += (weight * idf) ** 2
        return weights, math.sqrt(norm) or 1.0

    def score(
        self, a: Features, query: tuple[dict[str, float], float], b: Member
    ) -> tuple[float, str | None]:
        """Similarity of two articles (title-weighted cosine, IDF over the window, a bonus for
        shared named things) and the reason they cannot be one story, if any."""
        reason = conflict(a.entities, b.features.entities)
        if reason is not None:
            return 0.0, reason
        weights, norm = query
        other = b.features.vector
        dot = sum(weights[t] * other[t] for t in weights.keys() & other.keys())
        cosine = dot / (norm * b.norm)
        return cosine + _entity_bonus(a.entities, b.features.entities), None

    def _candidates(self, f: Features) -> list[int]:
        limit = max(self.config.min_key_df, self.config.max_key_share * len(self.members))
        counts: Counter[int] = Counter()
        for key in f.keys:
            bucket = self.postings.get(key)
            if bucket and len(bucket) <= limit:
                counts.update(bucket)
        counts.pop(f.pk, None)
        return [pk for pk, n in counts.most_common(self.config.max_candidates) if n >= 2]

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
        query = self.query_weights(f)
        norm = query[1]

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
                reason = conflict(f.entities, m.features.entities)
                if reason:
                    vetoed.append((m.features.pk, reason))
                    continue
                near.append((sim, m))
            if near:
                sim, m = max(near, key=lambda p: (p[0], -p[1].features.pk))
                copy_of = m.copy_of or m.features.pk
                story, link = m.story, 1.0

        # 2. Other outlets' versions: score the candidates found by shared terms.
        scored: list[tuple[float, Member]] = []
        for pk in self._candidates(f):
            m = self.members[pk]
            if not in_window(m):
                continue
            value, reason = self.score(f, query, m)
            if reason:
                vetoed.append((pk, reason))
            elif value >= self.config.match:
                scored.append((value, m))
        scored.sort(key=lambda p: (-p[0], p[1].features.pk))
        best = scored[0][0] if scored else 0.0
        if story is None and scored:
            story, link = scored[0][1].story, scored[0][0]
        created = story is None
        if story is None:
            story, link = self.allocate(f), 1.0

        decision = Decision(f.pk, story, link, copy_of, created=created, best=best, vetoed=vetoed)
        decision.touched.add(story)

        # 3. Merges and re-assignments suggested by the other strong matches.
        for value, m in scored:
            current = self._resolve(decision, story)
            if m.story == current:
                continue
            if value >= self.config.merge or len(self.by_story.get(m.story, ())) == 1:
                into, gone = min(current, m.story), max(current, m.story)
                self._merge(gone, into, decision)
                story = into
            elif value >= m.link + self.config.margin and m.copy_of is None:
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

        self._insert(f, story, link, copy_of, norm, bands)
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
        for pk in self.by_story.pop(gone, set()):
            self.members[pk].story = into
            self.by_story.setdefault(into, set()).add(pk)
        decision.merges.append((gone, into))
        decision.touched.add(into)

    def _move(self, m: Member, into: int, value: float, decision: Decision) -> None:
        old = m.story
        group = self.by_story.get(old)
        if group is not None:
            group.discard(m.features.pk)
            if not group:
                del self.by_story[old]
                self.story_first.pop(old, None)
        m.story, m.link = into, value
        self.by_story.setdefault(into, set()).add(m.features.pk)
        self._note_first(into, m.features.published)
        decision.moves.append((m.features.pk, old, into, value))
        decision.touched |= {old, into}

    def _insert(
        self,
        f: Features,
        story: int,
        link: float,
        copy_of: int | None,
        norm: float,
        bands: list[int],
    ) -> None:
        for term in f.vector:
            self.df[term] += 1
        member = Member(f, story, link, copy_of, norm=norm, bands=bands)
        self.members[f.pk] = member
        self.by_story.setdefault(story, set()).add(f.pk)
        self._note_first(story, f.published)
        for key in f.keys:
            self.postings.setdefault(key, set()).add(f.pk)
        for key in bands:
            self.bands.setdefault(key, set()).add(f.pk)
        heapq.heappush(self._heap, (aware(f.published), f.pk))

    def story_of(self, pk: int) -> int | None:
        member = self.members.get(pk)
        return None if member is None else member.story


def _entity_bonus(a: Entities, b: Entities) -> float:
    """Shared places, names and figures make a match more certain (0.05 each, at most 0.15);
    two casualty counts are one more sign of the same developing event (a toll update)."""
    shared = (
        len(a.cities & b.cities)
        + len(a.countries & b.countries)
        + len(a.names & b.names)
        + len(a.figures & b.figures)
        + (1 if a.tolls and b.tolls else 0)
    )
    return min(0.15, 0.05 * shared)
