"""A bounded memo of a pure function, for the hot loops of text analysis.

``memo[key]`` is ``compute(key)``, computed on the first read; a hit is one plain dict look-up
(no call into Python), so ``map(memo.__getitem__, keys)`` runs at dict speed. When the memo
holds ``size`` results it forgets them all: cheaper than a least-recently-used order kept up
on every hit, and the words of the press come back within minutes.

Keys are words (or tuples holding words). A key longer than :data:`MAX_KEPT_CHARS` is computed
every time and never kept: no word of the press is that long, and a hostile page made of huge
unique "words" must not fill the memory of the process that reads it (``size`` entries of a
megabyte each).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["MAX_KEPT_CHARS", "Memo", "key_chars"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

MAX_KEPT_CHARS = 100


def key_chars(key: object) -> int:
    """The characters of a key: a string's length, or the sum over a tuple's strings."""
    if isinstance(key, str):
        return len(key)
    if isinstance(key, tuple):
        return sum(len(part) for part in key if isinstance(part, str))
    return 0


class Memo(dict[K, V], Generic[K, V]):
    """``compute``'s results by key, at most ``size`` of them (see the module docstring)."""

    __slots__ = ("compute", "size")

    def __init__(self, compute: Callable[[K], V], size: int) -> None:
        super().__init__()
        self.compute = compute
        self.size = size

    def __missing__(self, key: K) -> V:
        value = self.compute(key)
        if key_chars(key) > MAX_KEPT_CHARS:
            return value
        if len(self) >= self.size:
            self.clear()
        self[key] = value
        return value
