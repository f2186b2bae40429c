"""Feed date strings → aware UTC datetimes.

Both parser paths pass the raw string through this one function, so they agree. Order: the two
cheap standard forms (RFC 822 as RSS uses it, ISO 8601 as Atom uses it), then feedparser's own
collection of odd formats, then the project's ``nashra.text.dates.parse_date`` (Arabic and
Moroccan month names) for what feedparser cannot read.
"""

from __future__ import annotations

import calendar
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

_ISO_HINT = re.compile(r"^\d{4}-\d{2}-\d{2}")
_COLON_ZONE = re.compile(r"([+-]\d\d):(\d\d)$")  # "+02:00": email.utils would ignore it


_project: dict[str, object] = {"fn": None, "next_try": 0.0}


def _project_parser() -> Callable[..., datetime | None] | None:
    """``nashra.text.dates.parse_date`` if importable (it is written separately).

    A failed import is retried at most once a minute, so a module that lands (or is fixed)
    while a long-running crawler is up gets picked up, without an import attempt per date.
    """
    fn = _project["fn"]
    if fn is not None:
        return fn  # type: ignore[return-value]
    now = time.monotonic()
    if now < _project["next_try"]:  # type: ignore[operator]
        return None
    try:
        from nashra.text.dates import parse_date
    except Exception:  # not there yet, or broken: feedparser alone then
        _project["next_try"] = now + 60.0
        return None
    _project["fn"] = parse_date
    return parse_date


def _utc(dt: datetime) -> datetime:
    # Whole seconds: feedparser's struct_time has no fraction, and both paths must agree.
    dt = dt.replace(microsecond=0)
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def parse_feed_date(raw: str | None) -> datetime | None:
    """Parse one date string from a feed; ``None`` when nothing understands it. Never raises."""
    if not raw:
        return None
    value = raw.strip()
    if not value or len(value) > 200:
        return None
    try:
        if _ISO_HINT.match(value):
            return _utc(datetime.fromisoformat(value))
        if value[:1].isalpha() or value[:1].isdigit():
            return _utc(parsedate_to_datetime(_COLON_ZONE.sub(r"\1\2", value)))
    except (TypeError, ValueError, IndexError, OverflowError):
        pass
    try:
        from feedparser.datetimes import _parse_date

        st = _parse_date(value)
        if st is not None:
            return datetime.fromtimestamp(calendar.timegm(st), UTC)
    except (ValueError, OverflowError, OSError, TypeError):
        pass
    parse_date = _project_parser()
    if parse_date is not None:
        try:
            dt = parse_date(value, default_tz=UTC)
        except Exception:  # the project parser must never break the feed stage
            dt = None
        if dt is not None:
            return _utc(dt)
    return None
