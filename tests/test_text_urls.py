"""canonical_url, numeric_id and host_of on the URLs of the Arabic and French press."""

from __future__ import annotations

import pytest

from nashra.text import canonical_url, host_of, numeric_id

ALARABIYA_IRI = "https://www.alarabiya.net/ar/sport/2018/03/01/باريس-نيمار.html"
ALARABIYA_URI = (
    "https://www.alarabiya.net/ar/sport/2018/03/01/"
    "%D8%A8%D8%A7%D8%B1%D9%8A%D8%B3-%D9%86%D9%8A%D9%85%D8%A7%D8%B1.html"
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://www.hespress.com/385472.html", "https://www.hespress.com/385472.html"),
        ("HTTPS://WWW.Hespress.COM/385472.html", "https://www.hespress.com/385472.html"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com/a#comments", "https://example.com/a"),
        ("https://example.com/a?", "https://example.com/a"),
        ("https://example.com/a?#", "https://example.com/a"),
        ("https://example.com./a", "https://example.com/a"),
        # tracking parameters go, the others stay in order
        (
            "https://example.com/a?utm_source=fb&id=5&fbclid=XYZ&page=2&utm_medium=social",
            "https://example.com/a?id=5&page=2",
        ),
        (
            "https://example.com/a?gclid=1&dclid=2&mc_cid=3&mc_eid=4&yclid=5&igshid=6&_ga=7",
            "https://example.com/a",
        ),
        ("https://example.com/a?ref=home&ref_src=twsrc&x=1", "https://example.com/a?x=1"),
        ("https://example.com/a?at_medium=rss&at_campaign=x&xtor=RSS-1", "https://example.com/a"),
        ("https://example.com/a?UTM_Source=x&q=1", "https://example.com/a?q=1"),
        ("https://example.com/a?amp=1", "https://example.com/a"),
        ("https://example.com/a?amp", "https://example.com/a"),
        ("https://example.com/a?output=amp&b=1", "https://example.com/a?b=1"),
        ("https://example.com/a?output=json", "https://example.com/a?output=json"),
        ("https://example.com/a?reference=1&b=&c", "https://example.com/a?reference=1&b=&c"),
        ("https://example.com/a?b=2&a=1", "https://example.com/a?b=2&a=1"),  # order kept
        ("https://example.com/a?a=1&&b=2", "https://example.com/a?a=1&b=2"),
        # IRI and URI meet; escapes upper-cased; unreserved escapes decoded
        (ALARABIYA_IRI, ALARABIYA_URI),
        (ALARABIYA_URI, ALARABIYA_URI),
        (ALARABIYA_URI.lower().replace("https://www", "https://www"), ALARABIYA_URI),
        ("https://example.com/%7Euser/%41", "https://example.com/~user/A"),
        ("https://example.com/a%2Fb", "https://example.com/a%2Fb"),  # an escaped / stays escaped
        ("https://example.com/a b", "https://example.com/a%20b"),
        ("https://example.com/100%", "https://example.com/100%25"),
        (
            "https://example.com/?q=المغرب",
            "https://example.com/?q=%D8%A7%D9%84%D9%85%D8%BA%D8%B1%D8%A8",
        ),
        # IDNA hosts
        ("https://موقع.مصر/خبر", "https://xn--4gbrim.xn--wgbh1c/%D8%AE%D8%A8%D8%B1"),
        ("https://XN--4GBRIM.xn--wgbh1c/", "https://xn--4gbrim.xn--wgbh1c/"),
        ("https://bücher.example/", "https://xn--bcher-kva.example/"),
        # paths: dot segments resolved, double slashes kept
        ("https://example.com/a/./b/../c", "https://example.com/a/c"),
        ("https://example.com/a//b", "https://example.com/a//b"),
        ("https://example.com/../a", "https://example.com/a"),
        # whitespace around and inside
        ("  https://example.com/a\n  ", "https://example.com/a"),
        ("https://exa\tmple.com/a", "https://example.com/a"),
        # IPv6, userinfo
        ("http://[::1]:8080/x", "http://[::1]:8080/x"),
        ("http://user:pw@Example.com/x", "http://example.com/x"),
    ],
)
def test_canonical_url(raw: str, expected: str) -> None:
    assert canonical_url(raw) == expected
    assert canonical_url(expected) == expected  # idempotent


@pytest.mark.parametrize(
    ("raw", "base", "expected"),
    [
        ("/p/1?x=1#z", "https://Example.com/a/b", "https://example.com/p/1?x=1"),
        ("c?utm_source=x", "https://example.com/a/b", "https://example.com/a/c"),
        ("../d", "https://example.com/a/b/c", "https://example.com/a/d"),
        ("//cdn.example.com/i.jpg", "https://example.com/", "https://cdn.example.com/i.jpg"),
        ("https://other.com/x", "https://example.com/", "https://other.com/x"),
    ],
)
def test_canonical_url_with_base(raw: str, base: str, expected: str) -> None:
    assert canonical_url(raw, base=base) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        (None, "empty"),
        ("ftp://example.com/a", "not an http(s) URL"),
        ("mailto:a@example.com", "not an http(s) URL"),
        ("javascript:alert(1)", "not an http(s) URL"),
        ("/relative/path", "not an http(s) URL"),
        ("//example.com/a", "not an http(s) URL"),
        ("example.com/a", "not an http(s) URL"),
        ("http:///path", "no host"),
        ("https://", "no host"),
        ("http://[::1", "malformed URL"),
        ("http://example.com:99999/", "malformed URL"),
        ("https://" + "a" * 70 + ".com/", "not a valid domain name"),
        ("x" * 10000, "not an http(s) URL"),
    ],
)
def test_canonical_url_rejects(raw: object, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        canonical_url(raw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.bbc.com/arabic/world-43193332", 43193332),
        ("http://www.bbc.co.uk/arabic/world-43193332", 43193332),
        ("https://www.hespress.com/385472.html", 385472),
        (ALARABIYA_IRI, None),
        (ALARABIYA_URI, None),
        ("https://www.elbotola.com/article/2018/03/22/1803221451", 1803221451),
        ("https://www.skynewsarabia.com/sport/1029381-abc", 1029381),
        ("https://www.skynewsarabia.com/sport/1029381-abc/amp", 1029381),
        ("https://www.hespress.com/385472.html?utm_source=x", 385472),
        ("https://example.com/news/2019-report-12345", 12345),  # the year is not the id
        ("https://example.com/2018/03/01/", None),  # a date is not an id
        ("https://example.com/news/2018", None),
        ("https://example.com/tag/123", None),  # fewer than 4 digits
        ("https://example.com/a/1234", 1234),  # 4 digits, not a year
        ("https://example.com/?p=12345", 12345),
        ("https://example.com/index.php?id=987654", 987654),
        ("https://example.com/read?article=55555&page=2", 55555),
        ("https://example.com/read?page=55555", None),
        ("https://example.com/a/99999999999999999999", None),  # over 64 bits
        ("https://example.com/a/9223372036854775807", 9223372036854775807),
        ("https://example.com/a/0000", None),
        ("", None),
        ("not a url", None),
        ("http://[::1", None),
    ],
)
def test_numeric_id(url: str, expected: int | None) -> None:
    assert numeric_id(url) == expected


@pytest.mark.parametrize(
    ("url", "pattern", "expected"),
    [
        ("https://le360.ma/politique/abc-def-123456_XYZ", r"-(\d+)_", 123456),
        ("https://example.com/n/2018/03/01/77", r"/(\d+)$", 77),  # the pattern decides
        ("https://example.com/n/abc", r"/(\d+)$", None),
        ("https://example.com/n/4567", r"\d+$", 4567),  # no group: whole match
        ("https://example.com/n/99999999999999999999", r"(\d+)", None),
    ],
)
def test_numeric_id_with_pattern(url: str, pattern: str, expected: int | None) -> None:
    assert numeric_id(url, pattern) == expected


def test_numeric_id_bad_pattern() -> None:
    with pytest.raises(ValueError, match="invalid id pattern"):
        numeric_id("https://example.com/1", r"(\d+")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://WWW.Hespress.com:8080/x", "www.hespress.com"),
        ("http://example.com./", "example.com"),
        ("https://موقع.مصر/", "xn--4gbrim.xn--wgbh1c"),
        ("garbage", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_host_of(url: str | None, expected: str) -> None:
    assert host_of(url) == expected  # type: ignore[arg-type]
