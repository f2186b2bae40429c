"""The batched dot products of the story engine (``nashra.stories.vectors``) against the exact
dict product they replace, and the slots of terms entering and leaving the window."""

from __future__ import annotations

import math
import random

import pytest

from nashra.stories.vectors import EMPTY, TermSlots


def dot(a: dict[str, float], b: dict[str, float]) -> float:
    """The exact sparse product the batched one replaces."""
    return math.fsum(a[t] * b[t] for t in a.keys() & b.keys())


def _vector(rng: random.Random, vocabulary: list[str], size: int) -> dict[str, float]:
    return {t: rng.random() for t in rng.sample(vocabulary, size)}


def test_batched_dots_equal_the_exact_sparse_products() -> None:
    rng = random.Random(7)
    vocabulary = [f"t{i}" for i in range(600)]
    slots = TermSlots(capacity=8)  # grows as terms enter
    members = [_vector(rng, vocabulary, rng.randint(1, 150)) for _ in range(40)]
    for vector in members:
        slots.enter(vector)
    query = _vector(rng, vocabulary + ["new-a", "new-b"], 120)
    slots.enter(query)
    packed = [slots.pack(v) for v in members] + [EMPTY]
    found = slots.dots(slots.pack(query), packed)
    expected = [dot(query, v) for v in members] + [0.0]
    assert found == pytest.approx(expected, rel=1e-12, abs=1e-15)
    # The dense array is left clean: a second query sees nothing of the first.
    other = {"t1": 1.0}
    slots.enter(other)
    assert slots.dots(slots.pack(other), packed[:-1]) == pytest.approx(
        [v.get("t1", 0.0) for v in members]
    )


def test_a_term_that_leaves_gives_its_slot_back_and_nothing_else_moves() -> None:
    slots = TermSlots(capacity=2)
    slots.enter(["a", "b", "c"])
    kept = slots.pack({"a": 0.5, "c": 2.0})
    slots.leave("b")
    slots.leave("b")  # leaving twice is harmless
    slots.enter(["d"])  # takes b's slot
    assert len(set(slots.slot.values())) == 3
    query = slots.pack({"a": 1.0, "c": 1.0, "d": 5.0})
    assert slots.dots(query, [kept]) == [2.5]
    assert slots.dots(slots.pack({}), [kept]) == [0.0]
    assert slots.dots(query, []) == []


def test_articles_counted_in_and_out_give_a_slot_back_when_no_article_holds_its_term() -> None:
    slots = TermSlots(capacity=2)  # grows as terms enter
    slots.enter(["a", "b", "c"])
    first, second = slots.slots_of(["a", "b"]), slots.slots_of(["b", "c"])
    slots.count_in(first)
    slots.count_in(second)
    assert slots.frequencies(slots.slots_of(["a", "b", "c"])) == [1, 2, 1]
    slots.count_out(first)
    assert "a" not in slots.slot
    assert slots.frequencies(slots.slots_of(["b", "c"])) == [1, 1]
    slots.enter(["d"])  # takes the slot "a" gave back, with no article counted in it
    assert slots.frequencies(slots.slots_of(["d"])) == [0]
    slots.count_out(second)
    assert set(slots.slot) == {"d"}
