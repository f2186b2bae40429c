"""decode_html on real fixture files (tests/data/encoding/, made by make_fixtures.py).

Each fixture states its own expectation in expected.json (the Content-Type header to pass and the
encoding to reach) and beside it, in ``<name>.txt``, the text it must decode to.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nashra.http.encoding import charset_from_content_type, decode_html, normalize_label

DATA = Path(__file__).parent / "data" / "encoding"
EXPECTED = json.loads((DATA / "expected.json").read_text(encoding="utf-8"))
ARABIC_WORDS = ["الحكومة", "الفلاحين", "الجفاف", "مليارات"]
FRENCH_WORDS = ["sécheresse", "présenté", "rééchelonnement", "d’eau", "“Il faut agir vite”"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_decodes_to_its_text(name):
    case = EXPECTED[name]
    raw = (DATA / name).read_bytes()
    text, encoding = decode_html(raw, case["content_type"])
    assert encoding == case["encoding"]
    assert text == (DATA / f"{name}.txt").read_text(encoding="utf-8")
    words = FRENCH_WORDS if name.startswith("fr-") else ARABIC_WORDS
    for word in words:
        assert word in text


def test_all_required_situations_have_a_fixture():
    required = {
        "ar-windows-1256-meta.html",  # correct meta
        "ar-windows-1256-undeclared.html",  # no declaration
        "ar-windows-1256-header-utf8.html",  # wrong declaration (header utf-8)
        "ar-iso-8859-6-meta.html",
        "ar-utf8-bom.html",
        "ar-utf8-meta-1256.html",  # UTF-8 mislabelled windows-1256
        "fr-windows-1252.html",
    }
    assert required <= set(EXPECTED)
    for name in required:
        assert (DATA / name).is_file()


def test_windows_1256_bytes_really_differ_from_utf8():
    # Guard against a fixture accidentally saved as UTF-8.
    raw = (DATA / "ar-windows-1256-undeclared.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")


def test_latin1_label_means_windows_1252():
    # 0x92 is a right single quote in windows-1252 but a C1 control in real ISO-8859-1.
    text, encoding = decode_html(b"<p>l\x92eau</p>", "text/html; charset=ISO-8859-1")
    assert encoding == "windows-1252"
    assert text == "<p>l’eau</p>"


def test_meta_is_used_when_the_header_has_no_charset():
    raw = '<meta charset="windows-1256"><p>مرحبا</p>'.encode("cp1256")
    assert decode_html(raw, "text/html") == (
        '<meta charset="windows-1256"><p>مرحبا</p>',
        "windows-1256",
    )


def test_meta_inside_a_comment_is_ignored():
    raw = '<!-- <meta charset="koi8-r"> --><meta charset="utf-8"><p>سلام</p>'.encode()
    assert decode_html(raw)[1] == "utf-8"


def test_meta_beyond_4kb_is_not_read():
    # Only the first 4 KB are scanned; the late meta is not a declaration, detection decides.
    raw = (
        b"<!-- "
        + b"x" * 5000
        + b' --><meta charset="iso-8859-6"><p>'
        + "نص عربي قصير".encode("cp1256")
    )
    text, encoding = decode_html(raw)
    assert encoding == "windows-1256"
    assert "نص عربي قصير" in text


def test_meta_claiming_utf16_in_ascii_bytes_means_utf8():
    raw = '<meta charset="utf-16"><p>خبر</p>'.encode()
    assert decode_html(raw) == ('<meta charset="utf-16"><p>خبر</p>', "utf-8")


def test_xml_declaration_counts_as_a_declaration():
    raw = '<?xml version="1.0" encoding="windows-1256"?><rss><title>أخبار</title></rss>'.encode(
        "cp1256"
    )
    text, encoding = decode_html(raw)
    assert encoding == "windows-1256" and "أخبار" in text


def test_utf8_cut_mid_character_is_still_utf8():
    # A body capped by the fetcher can end in half a character.
    raw = "<p>المغرب</p><p>ب".encode()[:-1]
    assert decode_html(raw) == ("<p>المغرب</p><p>", "utf-8")


def test_unknown_and_non_text_labels_are_ignored():
    raw = "<p>تونس</p>".encode()
    assert decode_html(raw, "text/html; charset=no-such-charset") == ("<p>تونس</p>", "utf-8")
    assert decode_html(raw, "text/html; charset=base64") == ("<p>تونس</p>", "utf-8")


@pytest.mark.parametrize(
    "raw", [b"", b"\x00\x01\x02\xff\xfe\xfd", bytes(range(256)) * 4, b"\xef\xbb\xbf"]
)
def test_never_raises_on_odd_bytes(raw):
    text, encoding = decode_html(raw, "text/html; charset=")
    assert isinstance(text, str)
    assert encoding


def test_utf16_header_on_ascii_compatible_bytes_is_distrusted():
    raw = "<p>الرباط</p>".encode()
    assert decode_html(raw, "text/html; charset=utf-16") == ("<p>الرباط</p>", "utf-8")
    assert decode_html(b"<p>plain</p>", "text/html; charset=utf-16") == ("<p>plain</p>", "utf-8")


def test_ascii_only_page():
    assert decode_html(b"<p>plain</p>") == ("<p>plain</p>", "utf-8")


@pytest.mark.parametrize(
    "value, label",
    [
        ("text/html; charset=UTF-8", "utf-8"),
        ('text/html; charset="windows-1256"', "windows-1256"),
        ("text/html;charset=iso-8859-6", "iso-8859-6"),
        ("text/html; boundary=x; Charset = 'ISO-8859-1'", "iso-8859-1"),
        ("text/html", None),
        ("text/html; charset=", None),
        ("", None),
        (None, None),
    ],
)
def test_charset_from_content_type(value, label):
    assert charset_from_content_type(value) == label


@pytest.mark.parametrize(
    "label, codec",
    [
        ("utf8", "utf-8"),
        ("ISO-8859-1", "cp1252"),
        ("us-ascii", "cp1252"),
        ("arabic", "iso8859-6"),
        ("ASMO-708", "iso8859-6"),
        ("iso-8859-6-i", "iso8859-6"),
        ("x-cp1256", "cp1256"),
        ("windows-1256", "cp1256"),
        ("rot13", None),
        ("nonsense", None),
        (None, None),
    ],
)
def test_normalize_label(label, codec):
    assert normalize_label(label) == codec
