"""Every article's story, kept in memory: what the store's tables hold, for streams that do not
touch a database (the benchmark, the evaluation) and to state the invariants the store keeps."""

from __future__ import annotations

from nashra.stories.index import Decision


class StoryLedger:
    """``pk → story`` and ``story → pks`` for every article ever assigned, merges applied."""

    def __init__(self) -> None:
        self.story: dict[int, int] = {}
        self.members: dict[int, set[int]] = {}
        self.copy_of: dict[int, int | None] = {}
        self.merged_into: dict[int, int] = {}

    def apply(self, decision: Decision) -> None:
        """Record one assignment exactly as the store writes it."""
        for gone, into in decision.merges:
            moved = self.members.pop(gone, set())
            for pk in moved:
                self.story[pk] = into
            self.members.setdefault(into, set()).update(moved)
            self.merged_into[gone] = into
        for pk, old, new, _score in decision.moves:
            self._place(pk, new, old)
        if decision.recopied:
            # The store rewrites every copy of a dethroned original, in the window or not.
            old = {pk for pk, _ in decision.recopied}
            for pk, original in self.copy_of.items():
                if original in old:
                    self.copy_of[pk] = decision.pk
            for pk, original in decision.recopied:
                self.copy_of[pk] = original
        self._place(decision.pk, decision.story, self.story.get(decision.pk))
        self.copy_of[decision.pk] = decision.copy_of

    def _place(self, pk: int, story: int, old: int | None) -> None:
        if old is not None and old in self.members:
            self.members[old].discard(pk)
            if not self.members[old]:
                del self.members[old]
        self.story[pk] = story
        self.members.setdefault(story, set()).add(pk)

    def story_of(self, pk: int) -> int | None:
        return self.story.get(pk)

    def check(self) -> None:
        """Every article in exactly one story, every story non-empty and agreeing with it."""
        seen: set[int] = set()
        for sid, pks in self.members.items():
            assert pks, f"story {sid} is empty"
            assert not (pks & seen), f"story {sid} shares articles with another story"
            seen |= pks
            for pk in pks:
                assert self.story[pk] == sid, f"article {pk} points at {self.story[pk]}, not {sid}"
        assert seen == set(self.story), "an article is missing from every story"
