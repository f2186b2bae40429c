"""Security headers and plain titles (issue 13 §7), on the real app over a real archive."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from starlette.testclient import TestClient

from nashra.config import Settings
from nashra.ingest import save_article
from nashra.model import Article
from nashra.store import Store
from nashra.text.display import BIDI_CONTROLS
from nashra.web.app import create_app

TRICK = "\u202eأخبار\u202c عاجلة \u2066gpj.exe\u2069"


def _archive(settings: Settings, store: Store) -> str:
    store.ensure_source("hespress", "هسبريس", "ar")
    save_article(store,
        Article(source="hespress", url="https://www.hespress.com/a/385472.html", num=385472,
                title=TRICK, body_text="نص الخبر " * 30, body_html="<p>" + "نص الخبر " * 30 + "</p>",
                published=datetime(2026, 12, 1, 9, tzinfo=UTC), lang="ar")
    )  # fmt: skip
    return "/hespress/385472"


def test_pages_send_a_strict_policy_and_the_widget_can_be_framed(
    settings: Settings, store: Store
) -> None:
    path = _archive(settings, store)
    client = TestClient(create_app(settings, store))
    for url in ("/", path, "/fr/", "/search?q=x", "/no-such-page"):
        response = client.get(url)
        policy = response.headers["content-security-policy"]
        assert "frame-ancestors 'self'" in policy and "script-src 'self'" in policy, url
        assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
        assert response.headers["x-frame-options"] == "SAMEORIGIN"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    for url in ("/widget", "/widget/box"):
        response = client.get(url)
        assert "frame-ancestors" not in response.headers["content-security-policy"]
        assert "x-frame-options" not in response.headers
    api = client.get("/api/v1/articles")
    assert api.headers["x-content-type-options"] == "nosniff"
    # Cached answers carry the same headers.
    again = client.get(path)
    assert "frame-ancestors 'self'" in again.headers["content-security-policy"]


def test_titles_keep_no_bidi_overrides(settings: Settings, store: Store) -> None:
    path = _archive(settings, store)
    html = TestClient(create_app(settings, store)).get(path).text
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    og = re.search(r'<meta property="og:title" content="([^"]*)"', html).group(1)
    alts = re.findall(r'alt="([^"]*)"', html)
    for text in (title, og, *alts):
        assert not set(text) & BIDI_CONTROLS, text
    assert "أخبار عاجلة gpj.exe" in title
