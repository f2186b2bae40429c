"""parse_date on the date spellings of feeds and pages; the portal's date line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from nashra.text import format_date_line, parse_date
from nashra.text.dates import DISPLAY_TZ

CASA = ZoneInfo("Africa/Casablanca")
PLUS1 = timezone(timedelta(hours=1))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # RFC 822 / 1123
        ("Thu, 01 Mar 2018 00:06:36 +0400", "2018-03-01T00:06:36+04:00"),
        ("Mon, 26 Feb 2018 02:20:10 GMT", "2018-02-26T02:20:10+00:00"),
        ("Mon, 26 Feb 2018 02:20:10 UT", "2018-02-26T02:20:10+00:00"),
        ("Mon, 26 Feb 2018 02:20 EST", "2018-02-26T02:20:00-05:00"),  # no seconds
        ("26 Feb 18 02:20:10 -0000", "2018-02-26T02:20:10+00:00"),  # 2-digit year
        ("Thu,01 Mar 2018 00:06:36 +0100", "2018-03-01T00:06:36+01:00"),
        ("Sat, 01 Jan 2000 00:00:00 XYZ", "2000-01-01T00:00:00+00:00"),  # unknown zone: default
        # ISO 8601
        ("2018-03-01T00:06:36+04:00", "2018-03-01T00:06:36+04:00"),
        ("2018-03-01T00:06:36Z", "2018-03-01T00:06:36+00:00"),
        ("2018-03-01T00:06:36.250-0300", "2018-03-01T00:06:36.250000-03:00"),
        ("2018-03-01 10:11", "2018-03-01T10:11:00+00:00"),
        ("2018-03-01", "2018-03-01T00:00:00+00:00"),
        ("20180301", "2018-03-01T00:00:00+00:00"),
        # Unix timestamps
        ("1519862796", "2018-03-01T00:06:36+00:00"),
        ("1519862796000", "2018-03-01T00:06:36+00:00"),
        ("1519862796.5", "2018-03-01T00:06:36.500000+00:00"),
        # Arabic: Moroccan months, weekday, Arabic-Indic digits, time parts
        ("الجمعة 20 نونبر 2020 - 09:00", "2020-11-20T09:00:00+00:00"),
        ("الجمعة، ٢٠ نونبر ٢٠٢٠ - ٠٩:٠٠", "2020-11-20T09:00:00+00:00"),
        ("الخميس 1 مارس 2018 على الساعة 09:30 مساء", "2018-03-01T21:30:00+00:00"),
        ("14 يوليوز 2019", "2019-07-14T00:00:00+00:00"),
        ("3 غشت 2021 | 11:05", "2021-08-03T11:05:00+00:00"),
        ("9 شتنبر 2017", "2017-09-09T00:00:00+00:00"),
        ("31 دجنبر 2019 23:59", "2019-12-31T23:59:00+00:00"),
        ("5 ماي 2020", "2020-05-05T00:00:00+00:00"),
        ("الأربعاء 2 أبريل 2014", "2014-04-02T00:00:00+00:00"),
        # Egyptian / standard
        ("15 مايو 2020", "2020-05-15T00:00:00+00:00"),
        ("4 يوليو 2020 10:00 ص", "2020-07-04T10:00:00+00:00"),
        ("12 أغسطس 2019 12:15 م", "2019-08-12T12:15:00+00:00"),
        ("7 سبتمبر 2018 - 08:10 م", "2018-09-07T20:10:00+00:00"),
        ("25 ديسمبر 2019 12:30 ص", "2019-12-25T00:30:00+00:00"),
        # Levantine / Iraqi
        ("15 كانون الثاني 2019", "2019-01-15T00:00:00+00:00"),
        ("1 شباط 2019", "2019-02-01T00:00:00+00:00"),
        ("8 آذار 2019", "2019-03-08T00:00:00+00:00"),
        ("22 حزيران 2019", "2019-06-22T00:00:00+00:00"),
        ("5 آب 2020", "2020-08-05T00:00:00+00:00"),
        ("3 تشرين الأول 2019 10:00 ص", "2019-10-03T10:00:00+00:00"),
        ("11 تشرين الثاني 2019", "2019-11-11T00:00:00+00:00"),
        ("24 كانون الأول 2019", "2019-12-24T00:00:00+00:00"),
        ("2 أكتوبر/تشرين الأول 2019", "2019-10-02T00:00:00+00:00"),
        # Algerian / Tunisian
        ("10 جانفي 2021", "2021-01-10T00:00:00+00:00"),
        ("14 فيفري 2021", "2021-02-14T00:00:00+00:00"),
        ("3 أفريل 2021", "2021-04-03T00:00:00+00:00"),
        ("20 جوان 2021", "2021-06-20T00:00:00+00:00"),
        ("12 جويلية 2021", "2021-07-12T00:00:00+00:00"),
        ("15 أوت 2021", "2021-08-15T00:00:00+00:00"),
        # French
        ("vendredi 20 novembre 2020 à 09h00", "2020-11-20T09:00:00+00:00"),
        ("Vendredi 20 Novembre 2020 à 9h", "2020-11-20T09:00:00+00:00"),
        ("1er mars 2018", "2018-03-01T00:00:00+00:00"),
        ("le 3 février 2021 à 14:05", "2021-02-03T14:05:00+00:00"),
        ("17 août 2020", "2020-08-17T00:00:00+00:00"),
        ("5 déc. 2019", "2019-12-05T00:00:00+00:00"),
        ("20/11/2020 09:00", "2020-11-20T09:00:00+00:00"),
        ("20-11-2020", "2020-11-20T00:00:00+00:00"),
        ("14 - 12 - 2023", "2023-12-14T00:00:00+00:00"),  # our own date line reads back
        # English
        ("March 1, 2018 3:05 pm", "2018-03-01T15:05:00+00:00"),
        ("1 March 2018", "2018-03-01T00:00:00+00:00"),
        # numeric year first, inside text
        ("نشر في 2019/05/06", "2019-05-06T00:00:00+00:00"),
    ],
)
def test_parse_date(raw: str, expected: str) -> None:
    parsed = parse_date(raw)
    assert parsed is not None
    assert parsed.tzinfo is not None
    assert parsed == datetime.fromisoformat(expected)
    assert parsed.utcoffset() == datetime.fromisoformat(expected).utcoffset()


def test_parse_date_reads_local_dates_in_default_tz() -> None:
    parsed = parse_date("الجمعة 20 نونبر 2020 - 09:00", CASA)
    assert parsed is not None
    assert parsed.tzinfo is CASA
    assert (parsed.year, parsed.month, parsed.day, parsed.hour) == (2020, 11, 20, 9)
    assert parsed.utcoffset() == timedelta(hours=1)
    # An explicit offset wins over the default zone.
    explicit = parse_date("Thu, 01 Mar 2018 00:06:36 +0400", CASA)
    assert explicit is not None and explicit.utcoffset() == timedelta(hours=4)


def test_parse_date_accepts_datetimes() -> None:
    aware = datetime(2020, 1, 2, 3, tzinfo=UTC)
    assert parse_date(aware) is aware  # type: ignore[arg-type]
    naive = parse_date(datetime(2020, 1, 2, 3), PLUS1)  # type: ignore[arg-type]
    assert naive == datetime(2020, 1, 2, 3, tzinfo=PLUS1)


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "   ",
        "garbage",
        "لا تاريخ هنا",
        "31/02/2020",  # no such day
        "2020-13-45",
        "Thu, 01 Mar 2018 25:06:36 +0400",  # no such hour
        "32 مارس 2020",
        "20 Brumaire 2020",
        "x" * 10000,
        "٢٠ " * 5000,
        "\u200f\u200e",
        12345,  # not a string
        ["2020-01-01"],
    ],
)
def test_parse_date_bad_input_gives_none(raw: object) -> None:
    assert parse_date(raw) is None  # type: ignore[arg-type]


def test_parse_date_never_raises_on_odd_text() -> None:
    odd = [chr(c) * 3 + " 2020" for c in range(0x20, 0x700, 3)] + ["99999999999999999999"]
    for raw in odd:
        result = parse_date(raw)
        assert result is None or result.tzinfo is not None


@pytest.mark.parametrize(
    ("moment", "tz", "expected"),
    [
        (datetime(2023, 12, 14, 10, 0, tzinfo=UTC), None, "14 - 12 - 2023"),
        (datetime(2023, 12, 31, 23, 30, tzinfo=UTC), None, "1 - 1 - 2024"),  # Casablanca is +1
        (datetime(2023, 12, 31, 23, 30, tzinfo=UTC), UTC, "31 - 12 - 2023"),
        (datetime(2020, 3, 5, 8, 0), UTC, "5 - 3 - 2020"),  # naive = UTC
        (datetime(2020, 3, 5, 1, 0, tzinfo=PLUS1), UTC, "5 - 3 - 2020"),
        (datetime(2020, 3, 4, 23, 0, tzinfo=UTC), PLUS1, "5 - 3 - 2020"),
    ],
)
def test_format_date_line(moment: datetime, tz: timezone | None, expected: str) -> None:
    assert format_date_line(moment, tz) == expected


def test_display_tz_is_casablanca_when_tzdata_exists() -> None:
    assert str(DISPLAY_TZ) in ("Africa/Casablanca", "+01")
