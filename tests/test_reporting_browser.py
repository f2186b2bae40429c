"""Three readers in three browser contexts report an image on the portal's own article page; the
third report hides it and the page then shows the outlet's logo instead. One more reader without
JavaScript uses the form. The whole portal (``create_app``, page cache included) runs under a
real uvicorn on loopback."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from nashra.config import Settings
from nashra.demo import images as demo_images
from nashra.ingest import save_article
from nashra.media.library import save_image, write_files
from nashra.media.paths import media_url
from nashra.media.process import process_image
from nashra.model import Article
from nashra.moderation.queries import find_image
from nashra.store import Store
from nashra.web.app import create_app
from test_web_support import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
THANKS_AR = "شكرا على الإبلاغ! سيتم حجب هذه الصورة تلقائيا عندما يتم الإبلاغ عنها من طرف عدة أشخاص."

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Chromium at /usr/bin/chromium"),
]

LEAD = "article figure.lead img"


def test_three_browsers_report_and_the_image_is_replaced_by_the_logo(
    settings: Settings, sqlite_store: Store
) -> None:
    from playwright.sync_api import sync_playwright

    settings = settings.override(
        secret_key="browser-test",
        report_threshold=3,
        trusted_proxies="127.0.0.1",
        cache_check_seconds=0.2,
    )
    store = sqlite_store
    store.ensure_source("demo", "نشرة تجريبية")
    processed = process_image(demo_images.lead_jpeg("browser", "NB", (20, 90, 160)), "image/jpeg")
    write_files(settings.media_dir, processed)
    image_id = save_image(store, processed, "http://outlet.test/p.jpg")
    saved = save_article(
        store, Article(source="demo", url="http://o/1", title="خبر", body_text="x")
    )
    store.set_article_image(saved.pk, image_id)

    with LiveServer(create_app(settings, store)) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        try:
            url = f"{base}/demo/{saved.num}"
            # Three people on three networks (the loopback proxy is trusted to say so).
            for n, ip in enumerate(("198.51.100.7", "203.0.113.7", "192.0.2.7"), start=1):
                context = browser.new_context(extra_http_headers={"X-Forwarded-For": ip})
                page = context.new_page()
                page.goto(url)
                lead = page.locator(LEAD)
                assert "/media/" in lead.get_attribute("src") and ".webp" in lead.get_attribute(
                    "src"
                )
                assert page.evaluate(f"document.querySelector('{LEAD}').naturalWidth") == 640
                page.locator("details.report-image summary").click()
                page.select_option("select[name=reason]", "offensive")
                page.locator("details.report-image button[type=submit]").click()
                status = page.locator(".report-status")
                status.wait_for(state="visible", timeout=10_000)
                assert status.inner_text().strip() == THANKS_AR
                assert page.url == url  # in place: no navigation
                assert find_image(store, image_id)["report_count"] == n
                context.close()
            assert find_image(store, image_id)["state"] == "hidden"
            # Cached pages notice the change at their next archive check.
            time.sleep(settings.web.cache_check_seconds + 0.1)
            context = browser.new_context()
            page = context.new_page()
            page.goto(url)
            src = page.locator(LEAD).get_attribute("src")
            assert src == "/media/logo/demo.svg"  # the page cache saw the image hidden
            assert page.evaluate(f"document.querySelector('{LEAD}').naturalWidth") > 0
            assert page.locator("details.report-image").count() == 0
            gone = page.request.get(f"{base}{media_url(processed.sha256, 'full')}")
            assert gone.status == 410
            context.close()
        finally:
            browser.close()


def test_report_form_works_without_javascript(settings: Settings, sqlite_store: Store) -> None:
    from playwright.sync_api import sync_playwright

    settings = settings.override(secret_key="browser-test")
    store = sqlite_store
    store.ensure_source("demo", "نشرة تجريبية")
    processed = process_image(demo_images.lead_jpeg("nojs", "NB", (20, 90, 160)), "image/jpeg")
    write_files(settings.media_dir, processed)
    image_id = save_image(store, processed, "http://outlet.test/q.jpg")
    saved = save_article(
        store, Article(source="demo", url="http://o/2", title="خبر", body_text="x")
    )
    store.set_article_image(saved.pk, image_id)
    with LiveServer(create_app(settings, store)) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM),
                                     args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
        try:
            context = browser.new_context(java_script_enabled=False)
            page = context.new_page()
            page.goto(f"{base}/demo/{saved.num}")
            page.locator("details.report-image summary").click()
            page.locator("details.report-image button[type=submit]").click()
            page.wait_for_load_state()
            assert f"/images/{processed.sha256}/report" in page.url
            assert THANKS_AR in page.inner_text("body")
            assert page.locator(f'a[href="/demo/{saved.num}"]').count() == 1
            assert find_image(store, image_id)["report_count"] == 1
            assert any(c["name"] == "nashra_reporter" and c["httpOnly"] for c in context.cookies())
        finally:
            browser.close()
