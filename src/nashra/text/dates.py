"""Dates as the press writes them, and the portal's date line.

``parse_date`` tries, in order: Unix timestamps, ISO 8601, RFC 822/1123, then
"day month year [time]" with month names from declarative tables (Arabic in
its Moroccan, Egyptian/standard, Levantine/Iraqi and Algerian/Tunisian sets,
French, English), then numeric day-first dates (20/11/2020 09:00); a weekday
name or any other word around the date is simply skipped.  Text is
folded first (Arabic-Indic digits, harakat, alef forms, accents, case), so
one table entry matches every spelling.  Dates without an offset are read
in ``default_tz``.  It never raises: anything it cannot read gives ``None``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_tz

from nashra.text.fold import fold_accents, normalize_arabic

__all__ = [
    "DISPLAY_TZ",
    "EARLIEST",
    "LATEST",
    "checked_instant",
    "format_date_line",
    "parse_date",
    "parse_query_instant",
]

# The moments a request may name: wide enough for any archive, narrow enough that converting
# to UTC and comparing in SQL never overflows (year 1 at +14:00 is before year 1 in UTC).
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2999, 12, 31, 23, 59, 59, tzinfo=UTC)

# Month names; spellings are folded like the input (alef forms → ا, no accents).
MONTHS: dict[int, tuple[str, ...]] = {
    1: ("يناير", "كانون الثاني", "جانفي", "janvier", "janv", "january", "jan"),
    2: ("فبراير", "شباط", "فيفري", "fevrier", "fevr", "fev", "february", "feb"),
    3: ("مارس", "اذار", "mars", "march", "mar"),
    4: ("ابريل", "أبريل", "نيسان", "افريل", "avril", "avr", "april", "apr"),
    5: ("ماي", "مايو", "أيار", "mai", "may"),
    6: ("يونيو", "يونيه", "حزيران", "جوان", "juin", "june", "jun"),
    7: ("يوليوز", "يوليو", "يوليه", "تموز", "جويلية", "juillet", "juil", "july", "jul"),
    8: ("غشت", "أغسطس", "اب", "أوت", "aout", "august", "aug"),
    9: ("شتنبر", "سبتمبر", "أيلول", "septembre", "sept", "september", "sep"),
    10: ("أكتوبر", "تشرين الأول", "octobre", "october", "oct"),
    11: ("نونبر", "نوفمبر", "تشرين الثاني", "novembre", "november", "nov"),
    12: ("دجنبر", "ديسمبر", "كانون الأول", "decembre", "december", "dec"),
}
# Named zones of RFC 822 and the ones feeds use anyway (hours east of UTC).
ZONES: dict[str, float] = {
    "gmt": 0, "ut": 0, "utc": 0, "z": 0, "wet": 0, "bst": 1, "cet": 1, "west": 1, "met": 1,
    "cest": 2, "eet": 2, "eest": 3, "msk": 3, "ast": 3, "gst": 4, "est": -5, "edt": -4,
    "cst": -6, "cdt": -5, "mst": -7, "mdt": -6, "pst": -8, "pdt": -7,
}  # fmt: skip
TIME_WINDOW = 40  # characters after the date where its time may stand ("- 09:00", "à 09h00")
_PM = ("م", "مساء", "مساءا", "ظهرا", "عصرا", "ليلا", "pm", "p.m.")
_AM = ("ص", "صباحا", "فجرا", "am", "a.m.")


def _fold(text: str) -> str:
    """Fold a date string: Arabic letters/digits, accents, case, bidi marks, NBSP."""
    folded = fold_accents(normalize_arabic(text).casefold())
    return " ".join(folded.replace("\u060c", ",").split())


def _alternation(words: list[str]) -> str:
    unique = sorted({_fold(w) for w in words}, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in unique)


_MONTH_OF = {_fold(name): number for number, names in MONTHS.items() for name in names}
_MONTH_RE = _alternation(list(_MONTH_OF))
_TIME = (
    r"(?P<hour>\d{1,2})\s*(?::|h|\s+h\s+)\s*(?P<minute>\d{2})?(?:\s*:\s*(?P<second>\d{2}))?"
    r"(?:\s*(?P<ampm>" + "|".join(re.escape(_fold(x)) for x in _PM + _AM) + r")(?![^\W\d_]))?"
)
_TEXT_DATE = re.compile(
    r"(?<!\d)(?P<day>\d{1,2})(?:er|e)?\s*[-/.,]?\s*(?P<month>" + _MONTH_RE + r")\.?"
    r"(?:\s*/\s*(?:" + _MONTH_RE + r"))?\s*[-/.,]?\s*(?P<year>\d{4})(?!\d)"
)
_TEXT_DATE_MDY = re.compile(
    r"(?<![^\W\d_])(?P<month>" + _MONTH_RE + r")\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+"
    r"(?P<year>\d{4})(?!\d)"
)
_NUMERIC_DMY = re.compile(
    r"(?<!\d)(?P<day>\d{1,2})\s*([-/.])\s*(?P<month>\d{1,2})\s*\2\s*(?P<year>\d{4})(?!\d)"
)
_NUMERIC_YMD = re.compile(
    r"(?<!\d)(?P<year>\d{4})([-/.])(?P<month>\d{1,2})\2(?P<day>\d{1,2})(?!\d)"
)
_PM_FOLDED = frozenset(_fold(x) for x in _PM)
_AM_FOLDED = frozenset(_fold(x) for x in _AM)
_TIME_RE = re.compile(r"(?<!\d)" + _TIME + r"(?!\d)")
_ISO = re.compile(
    r"(?P<year>\d{4})-?(?P<month>\d{2})-?(?P<day>\d{2})"
    r"(?:[t ](?P<hour>\d{2}):?(?P<minute>\d{2})(?::?(?P<second>\d{2})(?:[.,](?P<frac>\d+))?)?)?"
    r"\s*(?P<tz>z|[+-]\d{2}(?::?\d{2})?)?"
)
_RFC822 = re.compile(
    r"(?:[a-z]{3,9},?\s*)?(?P<day>\d{1,2})\s+(?P<month>[a-z]{3,9})\.?\s+(?P<year>\d{2,4})"
    r"(?:\s+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?)?"
    r"\s*(?P<tz>[+-]\d{4}|[a-z]{1,5})?"
)
_TIMESTAMP = re.compile(r"\d{9,13}(?:\.\d+)?")


def _offset(value: str | None, default_tz: tzinfo) -> tzinfo | None:
    """tzinfo for '+0100', '+01:00', '+01', 'Z' or a zone name; None when unknown."""
    if not value:
        return default_tz
    if value in ZONES:
        return timezone(timedelta(hours=ZONES[value]))
    if value[0] in "+-":
        digits = value[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
        if hours > 23 or minutes > 59:
            return None
        delta = timedelta(hours=hours, minutes=minutes)
        return timezone(-delta if value[0] == "-" else delta)
    return None


def _build(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0,
    tz: tzinfo | None = UTC, micro: int = 0,
) -> datetime | None:  # fmt: skip
    if tz is None or not 1 <= year <= 9999:
        return None
    try:
        if hour == 24 and minute == 0 and second == 0:
            return datetime(year, month, day, tzinfo=tz) + timedelta(days=1)
        return datetime(year, month, day, hour, minute, min(second, 59), micro, tzinfo=tz)
    except ValueError:
        return None


def _two_digit_year(year: int) -> int:
    if year >= 100:
        return year
    return year + (2000 if year < 70 else 1900)


def _iso(s: str, default_tz: tzinfo) -> datetime | None:
    m = _ISO.fullmatch(s)
    if not m:
        return None
    g = m.groupdict()
    frac = (g["frac"] or "0")[:6].ljust(6, "0")
    return _build(
        int(g["year"]), int(g["month"]), int(g["day"]), int(g["hour"] or 0),
        int(g["minute"] or 0), int(g["second"] or 0), _offset(g["tz"], default_tz), int(frac),
    )  # fmt: skip


def _rfc822(s: str, default_tz: tzinfo) -> datetime | None:
    m = _RFC822.fullmatch(s)
    if m and m["month"] in _MONTH_OF:
        return _build(
            _two_digit_year(int(m["year"])), _MONTH_OF[m["month"]], int(m["day"]),
            int(m["hour"] or 0), int(m["minute"] or 0), int(m["second"] or 0),
            _offset(m["tz"], default_tz) or default_tz,
        )  # fmt: skip
    return None


def _email(s: str, default_tz: tzinfo) -> datetime | None:
    """Last resort: the standard library's forgiving RFC 2822 reader."""
    parsed = parsedate_tz(s)
    if not parsed:
        return None
    y, mo, d, h, mi, sec = parsed[:6]
    tz = default_tz if parsed[9] is None else timezone(timedelta(seconds=parsed[9]))
    return _build(_two_digit_year(y), mo, d, h, mi, sec, tz)


def _time_after(s: str, start: int) -> tuple[int, int, int] | None:
    m = _TIME_RE.search(s, start, start + TIME_WINDOW)
    if not m:
        return None
    hour, minute, second = int(m["hour"]), int(m["minute"] or 0), int(m["second"] or 0)
    if m["minute"] is None and "h" not in m.group(0):
        return None  # a lone number is not a time
    ampm = m["ampm"]
    if ampm in _PM_FOLDED and hour < 12:
        hour += 12
    elif ampm in _AM_FOLDED and hour == 12:
        hour = 0
    return hour, minute, second


def _textual(s: str, default_tz: tzinfo) -> datetime | None:
    for pattern in (_TEXT_DATE, _TEXT_DATE_MDY, _NUMERIC_DMY, _NUMERIC_YMD):
        m = pattern.search(s)
        if not m:
            continue
        month_text = m["month"]
        month = int(month_text) if month_text.isdigit() else _MONTH_OF[" ".join(month_text.split())]
        hms = _time_after(s, m.end()) or (0, 0, 0)
        return _build(int(m["year"]), month, int(m["day"]), *hms, tz=default_tz)
    return None


def _timestamp(s: str) -> datetime | None:
    if not _TIMESTAMP.fullmatch(s):
        return None
    value = float(s)
    if value > 1e11:  # milliseconds
        value /= 1000
    return datetime.fromtimestamp(value, UTC)


def parse_date(value: str | None, default_tz: tzinfo = UTC) -> datetime | None:
    """An aware datetime for a date string as feeds and pages write it, or None.

    Never raises.  Accepts ``datetime`` objects too (a naive one is read in
    ``default_tz``).  Examples: "Thu, 01 Mar 2018 00:06:36 +0400",
    "2018-03-01T00:06:36Z", "1519862796", "الجمعة 20 نونبر 2020 - 09:00",
    "vendredi 20 novembre 2020 à 09h00", "20/11/2020 09:00".
    """
    try:
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=default_tz)
        if not isinstance(value, str) or len(value) > 500:
            return None
        s = _fold(value).strip(" ,.-|")
        if not s:
            return None
        return (
            _timestamp(s)
            or _iso(s, default_tz)
            or _rfc822(s, default_tz)
            or _textual(s, default_tz)
            or _email(s, default_tz)
        )
    except (ValueError, OverflowError, OSError, TypeError, IndexError, KeyError):
        return None


def _display_tz() -> tzinfo:
    """Africa/Casablanca from the system's tz database, or a fixed +01:00 without one.

    Morocco has kept UTC+1 since October 2018 except during Ramadan (UTC+0);
    the fixed fallback is therefore off by an hour only in that month.
    """
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Africa/Casablanca")
    except Exception:  # zoneinfo raises several types when tzdata is missing
        return timezone(timedelta(hours=1), "+01")


DISPLAY_TZ: tzinfo = _display_tz()


def format_date_line(dt: datetime, tz: tzinfo | None = None) -> str:
    """The portal's date line "14 - 12 - 2023" (d - m - yyyy, no zero padding).

    Shown in ``tz`` (default: the portal's display zone, Africa/Casablanca).
    A naive datetime is taken as UTC, as the store keeps them.
    """
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    local = dt.astimezone(tz or DISPLAY_TZ)
    return f"{local.day} - {local.month} - {local.year}"


def checked_instant(value: datetime) -> datetime:
    """``value`` in UTC (naive means UTC), or ``ValueError`` if it lies outside EARLIEST..LATEST."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc <= LATEST:
        raise ValueError(f"{value.isoformat()} is out of range ({EARLIEST.year}-{LATEST.year})")
    return utc


def parse_query_instant(raw: str, *, end_of_day: bool = False) -> datetime:
    """A date (``YYYY-MM-DD``; with ``end_of_day`` the next midnight) or an ISO 8601 date-time
    from a URL, in UTC and in range; ``ValueError`` with a reader's message otherwise."""
    raw = raw.strip()
    try:
        if len(raw) == 10:
            day = datetime.fromisoformat(raw).date()
            value = datetime(day.year, day.month, day.day, tzinfo=UTC)
            if end_of_day and value < LATEST - timedelta(days=1):
                value += timedelta(days=1)
        else:
            value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(
            f"must be a date (YYYY-MM-DD) or an ISO 8601 date-time, got {raw[:40]!r}"
        ) from None
    return checked_instant(value)
