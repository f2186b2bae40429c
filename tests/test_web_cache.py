"""Rendered pages are cached, served with ETags, and dropped when the archive changes."""

from __future__ import annotations

import asyncio
import gzip
import time
from datetime import timedelta

import httpx
from starlette.testclient import TestClient

from nashra.ingest import save_article
from nashra.model import Article
from nashra.web.app import create_app
from test_web_support import SEED_NUM, T0, LiveServer, build_archive, css, parse


def new_article(store, n: int, title: str):
    return save_article(
        store,
        Article(
            source="hespress",
            url=f"https://www.hespress.com/new-{n}",
            title=title,
            body_html="<p>جديد</p>",
            published=T0 + timedelta(days=30 + n),
            section="sports",
        ),  # fmt: skip
    )


def test_pages_carry_etag_and_answer_304(tmp_path):
    archive = build_archive(tmp_path, fillers=6)
    with TestClient(create_app(archive.settings, archive.store)) as client:
        for path in ["/", f"/hespress/{SEED_NUM}", "/hespress", "/rss", "/api/v1/articles"]:
            first = client.get(path)
            assert first.status_code == 200
            assert first.headers["cache-control"] == "public, max-age=60"
            etag = first.headers["etag"]
            assert etag.startswith('"') and first.headers["last-modified"].endswith("GMT")
            again = client.get(path, headers={"If-None-Match": etag})
            assert again.status_code == 304 and again.content == b""
            assert again.headers["etag"] == etag
            assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
            assert client.get(path, headers={"If-None-Match": f'"x", W/{etag}'}).status_code == 304
            since = client.get(path, headers={"If-Modified-Since": first.headers["last-modified"]})
            assert since.status_code == 304


def test_cached_bytes_are_reused_and_gzip_is_made_once_when_asked(tmp_path):
    archive = build_archive(tmp_path, fillers=6)
    app = create_app(archive.settings, archive.store)
    with TestClient(app) as client:
        plain = client.get("/", headers={"Accept-Encoding": "identity"})
        cache = app.state.page_cache
        [entry] = cache._entries.values()
        assert "gz" not in vars(entry)  # nobody asked for it compressed: never compressed
        hits = cache.hits
        zipped = client.get("/", headers={"Accept-Encoding": "gzip"})
        assert cache.hits == hits + 1
        compressed = vars(entry)["gz"]
        assert client.get("/", headers={"Accept-Encoding": "gzip"}).content == plain.content
        assert vars(entry)["gz"] is compressed  # compressed once, sent again as it is
        assert zipped.headers["content-encoding"] == "gzip"
        assert zipped.content == plain.content  # httpx decodes it
        assert zipped.headers["etag"] != plain.headers["etag"]
        assert zipped.headers["vary"] == "Accept-Encoding"
        # HEAD answers from the same entry, without a body
        head = client.head("/")
        assert head.status_code == 200 and head.content == b""


def test_errors_are_not_cached(tmp_path):
    archive = build_archive(tmp_path, fillers=2)
    app = create_app(archive.settings, archive.store)
    with TestClient(app) as client:
        client.get("/hespress/123456")
        client.get("/api/v1/articles?limit=0")
        assert len(app.state.page_cache) == 0
        missing = client.get("/hespress/123456")
        assert missing.status_code == 404 and "etag" not in missing.headers


def test_cache_is_dropped_when_an_article_is_saved(tmp_path):
    archive = build_archive(tmp_path, fillers=6, check_seconds=1.0)
    with TestClient(create_app(archive.settings, archive.store)) as client:
        before = client.get("/")
        etag = before.headers["etag"]
        new_article(archive.store, 1, "خبر جديد وصل للتو")
        # within the check interval the cached page is still served as is
        assert client.get("/").headers["etag"] == etag
        time.sleep(1.05)
        after = client.get("/")
        assert after.headers["etag"] != etag
        assert "خبر جديد وصل للتو" in after.text
        assert client.get("/", headers={"If-None-Match": etag}).status_code == 200
        # an update of an existing article (same URL, new title) also shows
        new_article(archive.store, 1, "عنوان معدل للخبر")
        time.sleep(1.05)
        doc = parse(client.get("/").text)
        ticker = [a.text_content() for a in css(doc, "nav.ticker a")]
        assert "عنوان معدل للخبر" in ticker and "خبر جديد وصل للتو" not in ticker


def test_real_uvicorn_serves_cached_pages_and_304(tmp_path):
    archive = build_archive(tmp_path, fillers=6)
    with (
        LiveServer(create_app(archive.settings, archive.store)) as base,
        httpx.Client(base_url=base) as http,
    ):
        first = http.get(f"/hespress/{SEED_NUM}")
        assert first.status_code == 200 and "نشر في" in first.text
        assert (
            http.get(
                f"/hespress/{SEED_NUM}", headers={"If-None-Match": first.headers["etag"]}
            ).status_code
            == 304
        )
        with http.stream("GET", "/", headers={"Accept-Encoding": "gzip"}) as raw:
            assert raw.headers["content-encoding"] == "gzip"
            body = b"".join(raw.iter_raw())
        assert gzip.decompress(body).startswith(b"<!doctype html>")
        assert http.get("/nope").status_code == 404
        assert http.get("/healthz").json()["db"] is True


def test_concurrent_misses_render_a_page_once(tmp_path):
    archive = build_archive(tmp_path, fillers=6)
    app = create_app(archive.settings, archive.store)

    async def burst() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://portal") as http:
            return await asyncio.gather(*(http.get(f"/hespress/{SEED_NUM}") for _ in range(20)))

    responses = asyncio.run(burst())
    assert {r.status_code for r in responses} == {200}
    assert len({r.headers["etag"] for r in responses}) == 1
    assert app.state.page_cache.renders == 1


def _counter(text: str, result: str) -> float:
    line = next(
        ln for ln in text.splitlines()
        if ln.startswith(f'nashra_page_cache_requests_total{{result="{result}"}}')
    )  # fmt: skip
    return float(line.rsplit(" ", 1)[1])


def test_cached_answers_are_counted_in_metrics(tmp_path):
    archive = build_archive(tmp_path, fillers=3)
    with TestClient(create_app(archive.settings, archive.store)) as client:
        before = client.get("/metrics").text
        hits, misses = _counter(before, "hit"), _counter(before, "miss")
        client.get("/")  # rendered and kept
        client.get("/")  # from the cache
        after = client.get("/metrics").text
    assert _counter(after, "miss") >= misses + 1
    assert _counter(after, "hit") >= hits + 1
