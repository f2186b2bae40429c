"""A bounded memo of a pure function, for the hot loops of text analysis.

``memo[key]`` is ``compute(key)``, computed on the first read; a hit is one plain dict look-up
(no call into Python), so ``map(memo.__getitem__, keys)`` runs at dict speed. When the memo
holds ``size`` results it forgets them all: cheaper than a least-recently-used order kept up
on every hit, and the words of the press come back within minutes.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["Memo"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Memo(dict[K, V], Generic[K, V]):
    """``compute``'s results by key, at most ``size`` of them (see the module docstring)."""

    __slots__ = ("compute", "size")

    def __init__(self, compute: Callable[[K], V], size: int) -> None:
        super().__init__()
        self.compute = compute
        self.size = size

    def __missing__(self, key: K) -> V:
        if len(self) >= self.size:
            self.clear()
        value = self[key] = self.compute(key)
        return value
