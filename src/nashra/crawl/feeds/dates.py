"""Feed date strings → aware UTC datetimes.

Both parser paths pass the raw string through this one function, so they agree. Order: the two
cheap standard forms (RFC 822 as RSS uses it, ISO 8601 as Atom uses it), then feedparser's own
collection of odd formats, then the project's ``nashra.text.dates.parse_date`` (Arabic and
Moroccan month names) for what feedparser cannot read.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from nashra.text.dates import parse_date

_ISO_HINT = re.compile(r"^\d{4}-\d{2}-\d{2}")
_COLON_ZONE = re.compile(r"([+-]\d\d):(\d\d)$")  # "+02:00": email.utils would ignore it


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
    dt = parse_date(value, default_tz=UTC)  # never raises
    return _utc(dt) if dt is not None else None
