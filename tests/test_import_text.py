"""An archive line's ``text`` is written as its body directly (``sanitize.text_body``) instead of
going through HTML, the sanitiser and the parser: the same body, the same article, on every
character (the others take the long way)."""

from __future__ import annotations

import json

import pytest

from nashra.crawl import importer
from nashra.crawl.importer import article_of
from nashra.crawl.sanitize import _NOT_PLAIN, html_to_text, sanitize_html, text_body
from nashra.crawl.sanitize import text_paragraphs_html as paragraphs_html
from nashra.demo.corpus import archive_records


def _long_way(text: str) -> tuple[str, str]:
    body_html = sanitize_html(paragraphs_html(text))
    return body_html, html_to_text(body_html) if body_html else ""


def _texts() -> list[str]:
    """Every code point the fast way takes, 64 at a time, inside and at the edges of words and
    lines, with the characters the sanitiser escapes."""
    points = [*range(0x10000), *range(0x10000, 0x110000, 61)]
    plain = [chr(p) for p in points if not _NOT_PLAIN.match(chr(p))]
    out = []
    for i in range(0, len(plain), 64):
        chunk = plain[i : i + 64]
        out.append("a" + "".join(chunk) + "b\n" + " ".join(chunk) + "\n\n  \xa0&amp; <p> x\n")
    return out + ["", "\n\n", " \xa0 ", "&nbsp;<b>&lt;\n<script>x</script>", "«نص» — ١٢\u200c"]


def test_text_body_is_the_long_way_on_every_character() -> None:
    texts = _texts()
    assert len(texts) > 1000
    for text in texts:
        assert text_body(text) == _long_way(text), repr(text)


@pytest.mark.parametrize("char", ["\x00", "\t", "\r", "\x0b", "\x0c", "\x85", "\u2028", "\ufeff"])
def test_a_text_with_another_character_takes_the_long_way(char: str) -> None:
    assert text_body(f"a{char}b") is None


def test_the_articles_are_the_long_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    records = archive_records(300)
    records += [
        {
            "source": "akhbar",
            "url": "https://a.ma/1",
            "title": "t",
            "published": "2024-03-01T12:00:00Z",
            "text": "x\r\ny\tz &amp;",
        },
        {
            "source": "akhbar",
            "url": "https://a.ma/2",
            "title": "t",
            "published": "2024-03-01T12:00:00Z",
            "text": "  \n ",
        },
        {
            "source": "akhbar",
            "url": "https://a.ma/3",
            "title": "t",
            "published": "2024-03-01T12:00:00Z",
            "text": 12,
        },
        {
            "source": "akhbar",
            "url": "https://a.ma/4",
            "title": "t",
            "published": "2024-03-01T12:00:00Z",
            "text": "a <b> \xa0 c",
            "html": "",
        },
        {
            "source": "akhbar",
            "url": "https://a.ma/5",
            "title": "t",
            "published": "2024-03-01T12:00:00Z",
            "summary": "s",
            "text": "x",
        },
    ]
    records = [json.loads(json.dumps(r)) for r in records]
    assert sum(text_body(str(r.get("text") or "")) is not None for r in records) > 250
    fast = [article_of(r, {}) for r in records]
    monkeypatch.setattr(importer, "text_body", lambda text: None)
    assert [article_of(r, {}) for r in records] == fast
