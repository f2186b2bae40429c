"""Filters inside the SQLite index: an article's outlet, section, language and publication day as
tokens of a ``facets`` column of the search index, so that ``source=…``, ``section=…``,
``lang=…`` and day ranges are part of the match and the index intersects them with the words
itself: FTS5's one ``MATCH`` on SQLite; on PostgreSQL a ``facets`` tsvector (migration 0017) that
is a column of the same GIN index as the era and the words.

Joined to ``articles`` instead, every match costs a row read before the filter can drop it: on
SQLite a common word with a selective filter spent 35–45 ms at 100,000 articles reading rows it
then threw away; on PostgreSQL at 5 million articles a common word in one outlet's year read
~13,800 pages cold (the outlet's rows of ``articles``, then each one's index row), 141–1,282 ms.

Tokens (written lower-case, as the analyser writes every token of the index):

* ``s<hex of the outlet slug>``, ``c<hex of the section>`` (``c`` alone: no section),
  ``l<hex of the language>`` — hex keeps any slug one exact token;
* ``y2018``, ``m201803``, ``d20180309``: the UTC year, month and day of publication; a range of
  whole days is the OR of the fewest such tokens that cover it.

PostgreSQL's GIN index pays for each token ORed into a query: at 5 million articles, warm, the
43 day and month tokens of a 365-day range cost 49 ms inside the index, its 13 whole months
15 ms, one year 8 ms. There (:meth:`FacetFilter.covered`) a partial month at either end of the
range is asked as its month token when at least :data:`WHOLE_MONTH_SHARE` of its days are in the
range, and the exact days are checked on the rows the index hands over (a few more rows read).

Migrations 0008 (SQLite) and 0017 (PostgreSQL, ``nashra_facets()``) build the same tokens in SQL
for an index made before them (tests check that they agree with :func:`facet_tokens`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from nashra.store.queries import Filters

__all__ = ["FacetFilter", "day_tokens", "facet_tokens", "month_cover", "split_filters"]

WHOLE_MONTH_SHARE = 1 / 2  # a partial month this much inside a range is asked whole (PostgreSQL)


def _hex(value: str | None) -> str:
    return (value or "").encode("utf-8").hex()


def facet_tokens(source: str, section: str | None, lang: str, published: datetime) -> str:
    """The ``facets`` column of one article."""
    day = published.astimezone(UTC) if published.tzinfo else published
    return f"s{_hex(source)} c{_hex(section)} l{_hex(lang)} y{day:%Y} m{day:%Y%m} d{day:%Y%m%d}"


def _midnight(value: datetime) -> datetime | None:
    """``value`` as a UTC date-time when it falls on a UTC midnight, else None."""
    value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return value if value.time() == time(0) else None


def day_tokens(first: date, end: date) -> list[str]:
    """The fewest year, month and day tokens covering the days ``first`` ≤ day < ``end``."""
    out: list[str] = []
    day = first
    while day < end:
        if day.month == 1 and day.day == 1 and date(day.year + 1, 1, 1) <= end:
            out.append(f"y{day:%Y}")
            day = date(day.year + 1, 1, 1)
            continue
        following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        if day.day == 1 and following <= end:
            out.append(f"m{day:%Y%m}")
            day = following
            continue
        out.append(f"d{day:%Y%m%d}")
        day += timedelta(days=1)
    return out


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def month_cover(first: date, end: date, share: float = WHOLE_MONTH_SHARE) -> tuple[date, date]:
    """The days ``first`` ≤ day < ``end`` widened to whole months at either end where at least
    ``share`` of that month's days are in them (unchanged where not)."""
    if first >= end:
        return first, end
    start = first.replace(day=1)
    if first != start:
        after = _next_month(first)
        if (min(end, after) - first).days >= share * (after - start).days:
            first = start
    last = (end - timedelta(days=1)).replace(day=1)
    after = _next_month(last)
    if end != after and (end - max(first, last)).days >= share * (after - last).days:
        end = after
    return first, end


@dataclass(frozen=True)
class FacetFilter:
    """What of a :class:`Filters` the index answers — ``groups`` of tokens, an article passing
    when it holds a token of every group (none: the index answers nothing) —, what is left for
    SQL on ``articles``, and whether the filters exclude every article."""

    groups: tuple[tuple[str, ...], ...]
    rest: Filters
    empty: bool = False
    # The whole days asked, first and end (excluded), when the last group is their tokens.
    days: tuple[date, date] | None = None

    def covered(self) -> tuple[FacetFilter, FacetFilter | None]:
        """For PostgreSQL: these facets with the days' group widened to :func:`month_cover`'s
        (fewer tokens), and the exact days to check on the rows read (None when the cover is
        exact)."""
        if self.days is None:
            return self, None
        tokens = tuple(day_tokens(*month_cover(*self.days)))
        if tokens == self.groups[-1]:
            return self, None
        exact = FacetFilter(groups=self.groups[-1:], rest=self.rest)
        return replace(self, groups=(*self.groups[:-1], tokens)), exact

    def fts5(self) -> str:
        """The groups as an FTS5 expression on the ``{facets}`` column ("" without groups)."""
        if not self.groups:
            return ""
        parts = [
            f'"{group[0]}"' if len(group) == 1 else "(" + " OR ".join(f'"{t}"' for t in group) + ")"
            for group in self.groups
        ]
        return "{facets} : (" + " AND ".join(parts) + ")"

    def tsquery(self) -> str:
        """The groups as ``tsquery`` text, each token quoted as the lexeme it is."""
        return " & ".join("(" + " | ".join(f"'{t}'" for t in group) + ")" for group in self.groups)


def _date_range(
    filters: Filters, first_day: date | None, last_day: date | None
) -> tuple[date, date] | None:
    """The filter's whole-day range (first, end excluded) clipped to the archive's days, or None
    when a bound is not a UTC midnight or the archive is empty."""
    since = _midnight(filters.since) if filters.since else None
    until = _midnight(filters.until) if filters.until else None
    if (filters.since and not since) or (filters.until and not until):
        return None
    if first_day is None or last_day is None:
        return None
    first = max(since.date(), first_day) if since else first_day
    end = min(until.date(), last_day + timedelta(days=1)) if until else last_day + timedelta(days=1)
    return first, end


def split_filters(filters: Filters, first_day: date | None, last_day: date | None) -> FacetFilter:
    """Move outlet, section, language and whole-day date bounds into the index.

    ``first_day`` and ``last_day`` are the UTC days of the oldest and newest article: they close
    an open date range. A bound that is not a UTC midnight (an ISO date-time) stays in SQL."""
    groups: list[tuple[str, ...]] = []
    rest = filters
    for name, prefix in (("source", "s"), ("section", "c"), ("lang", "l")):
        value = getattr(filters, name)
        if value:
            groups.append((f"{prefix}{_hex(value)}",))
            rest = replace(rest, **{name: None})
    days = _date_range(filters, first_day, last_day) if filters.since or filters.until else None
    if days is not None:
        tokens = day_tokens(*days)
        if not tokens:
            return FacetFilter(groups=(), rest=filters, empty=True)
        groups.append(tuple(tokens))
        rest = replace(rest, since=None, until=None)
    return FacetFilter(groups=tuple(groups), rest=rest, days=days)
