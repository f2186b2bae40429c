"""What a story shows: its representative article, outlets, size and time span (pure).

The representative is the article whose headline best stands for the story (the one sharing
most words with the other headlines of the story, a medoid), preferring the first to publish, a
complete text, an original and a weighty outlet; its headline is the story's title."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from nashra.text import analyse

COMPLETE_CHARS = 1500  # a body this long counts as complete
CENTRALITY_PEERS = 30


@dataclass(frozen=True)
class StorySummary:
    representative: int
    title: str
    lang: str
    size: int
    outlets: tuple[str, ...]  # earliest first
    first_published: datetime
    last_published: datetime


def headline_centrality(members: list[Mapping[str, Any]]) -> list[float]:
    """For each member, how much its headline shares with the story's other headlines (mean
    Jaccard overlap of analysed terms), scaled so that the most central headline has 1.0.
    Compared with the first ``CENTRALITY_PEERS`` headlines only, so a huge story costs linear
    time on each refresh."""
    terms = [set(analyse(m["title"] or "", m.get("lang") or "ar")) for m in members]
    peers = terms[:CENTRALITY_PEERS]
    raw = []
    for i, mine in enumerate(terms):
        others = [t for j, t in enumerate(peers) if j != i]
        if not mine or not others:
            raw.append(0.0)
            continue
        raw.append(sum(len(mine & t) / len(mine | t) for t in others if t) / len(others))
    top = max(raw, default=0.0)
    return [r / top if top else 0.0 for r in raw]


def representative_score(
    member: Mapping[str, Any],
    earliest: datetime,
    weights: Mapping[str, float],
    centrality: float = 0.0,
) -> float:
    """Why this article stands for its story: a headline like the others', the first to
    publish, complete, from a weighty outlet, an original rather than a copy."""
    score = centrality + min(1.0, (member["chars"] or 0) / COMPLETE_CHARS)
    if member["published"] == earliest:
        score += 0.5
    if member["partial"]:
        score -= 1.0
    if member["copy_of"] is not None:
        score -= 0.5
    return score + weights.get(member["source"], 0.0)


def summarise(
    members: list[Mapping[str, Any]], weights: Mapping[str, float] | None = None
) -> StorySummary:
    """The summary of a non-empty story from its members' ``pk``, ``source``, ``published``,
    ``chars``, ``partial``, ``copy_of``, ``title`` and ``lang``."""
    if not members:
        raise ValueError("a story without articles has no summary")
    weights = weights or {}
    ordered = sorted(members, key=lambda m: (m["published"], m["pk"]))
    earliest = ordered[0]["published"]
    central = dict(zip((m["pk"] for m in ordered), headline_centrality(ordered), strict=True))
    best = max(
        ordered,
        key=lambda m: (
            representative_score(m, earliest, weights, central[m["pk"]]),
            -m["published"].timestamp(),
        ),
    )
    outlets = tuple(dict.fromkeys(m["source"] for m in ordered))
    return StorySummary(
        representative=best["pk"],
        title=best["title"],
        lang=best["lang"] or "ar",
        size=len(ordered),
        outlets=outlets,
        first_published=earliest,
        last_published=ordered[-1]["published"],
    )
