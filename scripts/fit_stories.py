"""Fit the story engine's threshold and weights on the hand-labelled development set.

The labelled articles (tests/data/stories/dev_stories_*.jsonl, texts from the bundled ANT
corpus) stream through the engine in publication order for each candidate setting; the
objective is the mean of story-level BCubed F1 and pair F1 among settings whose BCubed
precision is at least ``--min-precision`` (a false merge on the home page is worse than a
missed one), and every hand-written hard case of the tests must still be judged right. The
search is a grid over threshold x merge threshold x decay, then coordinate ascent over every
field of the grid below until no single change helps: deterministic, a few minutes.

    .venv/bin/python scripts/fit_stories.py                 # fit on both days, print
    .venv/bin/python scripts/fit_stories.py --write         # … and write the settings' defaults
    .venv/bin/python scripts/fit_stories.py --train-day 20180320   # fit on one day, report both

``--write`` rewrites the fitted fields of ``src/nashra/config.py`` (between the ``# fitted``
marks); ``nashra stories rebuild`` then applies them to an archive.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path

from nashra.stories.evaluation import (
    LabelledArticle,
    engine_labels,
    hard_case_outcomes,
    read_labelled,
    report,
)
from nashra.stories.features import Features, features_of
from nashra.stories.index import GUARDS, StoryConfig

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "tests" / "data" / "stories" / "dev_stories_2018-03-20_21.jsonl"
CONFIG = ROOT / "src" / "nashra" / "config.py"
HARD_CASES = ROOT / "tests" / "data" / "stories" / "hard_cases.json"

# StoryConfig field → (settings field, values tried)
GRID: dict[str, tuple[str, tuple[object, ...]]] = {
    "match": ("story_match", (0.27, 0.3, 0.33, 0.36, 0.4)),
    "merge": ("story_merge", (0.45, 0.55, 0.65, 0.75)),
    "title_weight": ("story_title_weight", (1.5, 2.0, 3.0, 4.0)),
    "centroid": ("story_centroid", (0.5, 0.75, 1.0)),
    "entity_weight": ("story_entity_weight", (0.0, 0.02, 0.04)),
    "decay_hours": ("story_decay_hours", (0.0, 24.0, 48.0, 72.0)),
    "guards": (
        "story_guards",
        (
            ("figure", "place", "country", "negation"),
            ("figure", "place", "negation"),
            ("place", "negation"),
            ("negation",),
            (),
        ),
    ),
}


# Where every fit starts (not the current defaults, so a fit on one day owes nothing to a fit on
# both, and re-running the script gives the same answer): plain centroid TF-IDF, every guard.
START: dict[str, object] = {
    "title_weight": 3.0,
    "centroid": 1.0,
    "entity_weight": 0.0,
    "guards": GUARDS,
}


def objective(docs: list[LabelledArticle], config: StoryConfig, floor: float) -> float:
    scores = report(docs, engine_labels(docs, config))["story"]
    if scores.bcubed_p < floor:
        return scores.bcubed_p - 1.0  # below the floor: only more precision helps
    return (scores.bcubed_f1 + scores.pair_f1) / 2


class Search:
    """The objective on the labelled articles, with the hand-written hard cases as a
    constraint: a setting that groups a hard negative or splits a hard positive is refused."""

    def __init__(self, docs: list[LabelledArticle], floor: float) -> None:
        self.docs, self.floor = docs, floor
        cases = json.loads(HARD_CASES.read_text(encoding="utf-8"))["cases"]
        self.cases = cases
        self.background: list[Features] = [
            features_of(pk=i, source=d.source, published=d.published, title=d.title, body=d.text)
            for i, d in enumerate(docs, start=1)
        ]
        self.evaluations = 0

    def value(self, config: StoryConfig) -> float:
        self.evaluations += 1
        return objective(self.docs, config, self.floor)

    def holds(self, config: StoryConfig) -> bool:
        outcomes = hard_case_outcomes(self.cases, self.background, config)
        return all(same == grouped for same, grouped, _ in outcomes)


def fit(search: Search, rounds: int = 4) -> StoryConfig:
    """A grid over the threshold, the merge threshold and the decay first (the three that
    interact most), then coordinate ascent over every field of ``GRID``."""
    base = StoryConfig().tuned(**START)
    ranked = []
    for match in GRID["match"][1]:
        for merge in GRID["merge"][1]:
            for decay in GRID["decay_hours"][1]:
                candidate = base.tuned(match=match, merge=merge, decay_hours=decay)
                ranked.append((search.value(candidate), repr(candidate), candidate))
    ranked.sort(key=lambda r: (-r[0], r[1]))
    best, best_value = base, -math.inf
    for value, _, candidate in ranked:
        if search.holds(candidate):
            best, best_value = candidate, value
            break
    print(f"  grid: objective {best_value:.4f}", file=sys.stderr)
    for _ in range(rounds):
        improved = False
        for name, (_, values) in GRID.items():
            for value in values:
                if getattr(best, name) == value:
                    continue
                candidate = best.tuned(**{name: value})
                got = search.value(candidate)
                if got > best_value + 1e-9 and search.holds(candidate):
                    best, best_value, improved = candidate, got, True
            print(f"  {name} = {getattr(best, name)}  objective {best_value:.4f}", file=sys.stderr)
        if not improved:
            break
    return best


def fitted_values(config: StoryConfig) -> dict[str, object]:
    out: dict[str, object] = {}
    for name, (setting, _) in GRID.items():
        value = getattr(config, name)
        out[setting] = ",".join(value) if isinstance(value, tuple) else value
    return out


def write_defaults(values: dict[str, object], path: Path = CONFIG) -> None:
    """Rewrite the defaults of the ``name: type = setting(value, …)`` declarations between the
    ``# fitted`` marks of config.py (the value first, on the line of ``setting(`` or the next)."""
    text = path.read_text(encoding="utf-8")
    start, end = text.index("# fitted"), text.index("# end fitted")
    block = text[start:end]
    for setting, value in values.items():
        literal = json.dumps(value) if isinstance(value, str) else repr(float(value))
        block, count = re.subn(
            rf'^(\s*{setting}: \w+ = setting\(\s*)("[^"\n]*"|[^,\n]+)(,.*)$',
            lambda m, lit=literal: f"{m.group(1)}{lit}{m.group(3)}",
            block,
            flags=re.M,
        )
        if count != 1:
            raise SystemExit(f"{path}: no single line for {setting} between the fitted marks")
    path.write_text(text[:start] + block + text[end:], encoding="utf-8")


def summary(docs: list[LabelledArticle], config: StoryConfig) -> dict[str, object]:
    rep = report(docs, engine_labels(docs, config))
    return {level: scores.rounded() for level, scores in rep.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--min-precision", type=float, default=0.93)
    parser.add_argument("--train-day", help="fit on this day only (docno suffix, e.g. 20180320)")
    parser.add_argument("--write", action="store_true", help="write the settings' defaults")
    args = parser.parse_args(argv)
    docs = read_labelled(args.labels)
    days = sorted({d.docno.rsplit("-", 1)[1] for d in docs})
    if args.train_day and args.train_day not in days:
        parser.error(f"--train-day: one of {', '.join(days)}")
    train = [d for d in docs if not args.train_day or d.docno.endswith(args.train_day)]
    search = Search(train, args.min_precision)
    config = fit(search)
    values = fitted_values(config)
    result: dict[str, object] = {
        "fitted_on": args.train_day or "all",
        "settings": values,
        "evaluations": search.evaluations,
    }
    result["all"] = summary(docs, config)
    for day in days:
        result[day] = summary([d for d in docs if d.docno.endswith(day)], config)
    if args.write:
        if args.train_day:
            parser.error("--write fits on the whole set: drop --train-day")
        write_defaults(values)
        result["written_to"] = str(CONFIG.relative_to(ROOT))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
