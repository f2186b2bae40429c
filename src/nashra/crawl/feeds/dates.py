"""Feed date strings → aware UTC datetimes.

Both parser paths pass the raw string through this one function, so they agree. Order: the two
cheap standard forms (RFC 822 as RSS uses it, ISO 8601 as Atom uses it), then feedparser's own
collection of odd formats, then the project's ``nashra.text.dates.parse_date`` (Arabic and
Moroccan month names) for what feedparser cannot read.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from nashra.text.dates import parse_date

_ISO_HINT = re.compile(r"^\d{4}-\d{2}-\d{2}")
_COLON_ZONE = re.compile(r"([+-]\d\d):(\d\d)$")  # "+02:00": email.utils would ignore it
# The form nearly every RSS feed uses ("Sun, 29 Nov 2026 15:30:00 +0000"), read in one match;
# anything else (named zones but GMT, two-digit years, odd spacing) goes to email.utils.
_RFC822 = re.compile(
    r"(?:[A-Za-z]{3},\s*)?(\d{1,2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2})(?::(\d{2}))?"
    r"(?: ?(?:([+-])(\d{2}):?(\d{2})|GMT|UTC|UT|Z))?"
)
_MONTHS = {
    m: n
    for n, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}


def _rfc822(value: str) -> datetime | None:
    m = _RFC822.fullmatch(value)
    month = _MONTHS.get(m[2].lower()) if m else None
    if m is None or month is None:
        return None
    dt = datetime(int(m[3]), month, int(m[1]), int(m[4]), int(m[5]), int(m[6] or 0), tzinfo=UTC)
    if m[7]:
        minutes = int(m[8]) * 60 + int(m[9])
        dt -= timedelta(minutes=minutes if m[7] == "+" else -minutes)
    return dt


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
            return _rfc822(value) or _utc(parsedate_to_datetime(_COLON_ZONE.sub(r"\1\2", value)))
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
