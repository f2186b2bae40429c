"""Many sparse dot products against one vector, as one gather (the story engine's hot loop).

An arrival is compared with up to ``max_candidates`` articles of the window. As Python dicts,
each comparison is a set intersection over ~125 terms whose entries are scattered in memory:
about 15 µs each, half of an assignment. Here every term of the window has a **slot** (a
position in one dense array, taken when the term enters the window and given back when its last
article leaves), each article keeps its unit vector packed as (slots, values) arrays in its own
term order, and the arrival's vector is written once into the dense array: the dot product with
every candidate is then one gather, one multiplication and one segmented sum.

Each sum adds a member's products in that member's term order (fixed by its text), so the result
does not depend on the process's string hashing nor on which slots the terms were given.

The slots also count the window's articles that hold each term (its document frequency, the idf
of the arrival's weights): an article entering or leaving the window updates the counts of its
packed slots in one step, and a slot whose count falls to zero is given back.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from itertools import accumulate

import numpy as np

Packed = tuple[np.ndarray, np.ndarray]  # (slots, values) of one unit vector
EMPTY: Packed = (np.zeros(0, dtype=np.intp), np.zeros(0))


class TermSlots:
    """The window's terms, each at a position of one dense array."""

    def __init__(self, capacity: int = 4096) -> None:
        self.slot: dict[str, int] = {}
        self._free: list[int] = []
        self._dense = np.zeros(capacity)
        self._df = np.zeros(capacity, dtype=np.int64)  # window articles holding each slot's term
        self._term_at: list[str | None] = [None] * capacity

    def enter(self, terms: Iterable[str]) -> None:
        """Give a slot to each term that has none (terms of an article entering the window;
        which free slot a term takes changes no result)."""
        slot = self.slot
        for term in set(terms).difference(slot):
            position = slot[term] = self._free.pop() if self._free else self._grow()
            self._term_at[position] = term

    def _grow(self) -> int:
        taken = len(self.slot)
        if taken >= len(self._dense):
            size = len(self._dense)
            self._dense = np.concatenate([self._dense, np.zeros(size)])
            self._df = np.concatenate([self._df, np.zeros(size, dtype=np.int64)])
            self._term_at.extend([None] * size)
        return taken

    def leave(self, term: str) -> None:
        """Give back the slot of a term no article of the window has any more."""
        position = self.slot.pop(term, None)
        if position is not None:
            self._term_at[position] = None
            self._df[position] = 0
            self._free.append(position)

    def frequencies(self, slots: np.ndarray) -> list[int]:
        """How many of the window's articles hold the term of each slot."""
        return self._df[slots].tolist()

    def count_in(self, slots: np.ndarray) -> None:
        """An article holding the terms of these (distinct) slots enters the window."""
        self._df[slots] += 1

    def count_out(self, slots: np.ndarray) -> None:
        """An article holding the terms of these (distinct) slots leaves the window: a term that
        no article holds any more gives its slot back."""
        self._df[slots] -= 1
        self.release_unheld(slots)

    def release_unheld(self, slots: np.ndarray) -> None:
        """Give back those of these slots whose term no article of the window holds."""
        for position in slots[self._df[slots] <= 0].tolist():
            self.leave(self._term_at[position])  # type: ignore[arg-type]

    def slots_of(self, terms: Collection[str]) -> np.ndarray:
        """The slots of terms that all have one, in the terms' order."""
        return np.fromiter(map(self.slot.__getitem__, terms), dtype=np.intp, count=len(terms))

    def pack(self, unit: Mapping[str, float]) -> Packed:
        """A unit vector whose terms all have slots, as (slots, values) in its own term order."""
        if not unit:
            return EMPTY
        return self.slots_of(unit), np.fromiter(unit.values(), dtype=float, count=len(unit))

    def dots(self, query: Packed, packed: Sequence[Packed]) -> list[float]:
        """The dot product of the packed ``query`` with each packed vector (0.0 for an empty
        one)."""
        q_slots, q_values = query
        filled = [i for i, (slots, _) in enumerate(packed) if len(slots)]
        out = [0.0] * len(packed)
        if not len(q_slots) or not filled:
            return out
        dense = self._dense
        dense[q_slots] = q_values
        try:
            slots = np.concatenate([packed[i][0] for i in filled])
            values = np.concatenate([packed[i][1] for i in filled])
            products = dense[slots]
            products *= values
            lengths = [len(packed[i][0]) for i in filled[:-1]]
            starts = np.fromiter(accumulate(lengths, initial=0), dtype=np.intp, count=len(filled))
            sums = np.add.reduceat(products, starts)
        finally:
            dense[q_slots] = 0.0
        for i, value in zip(filled, sums.tolist(), strict=True):
            out[i] = value
        return out
