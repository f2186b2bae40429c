"""The operator's pages in a real browser (Debian's Chromium driven by Playwright): sign in as an
operator, the outlet health board, and the rule editor previewing a rule on the outlet's last
pages; screenshots saved under ``test-artifacts/`` (issue 19)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nashra.config import Settings
from nashra.store import Store
from nashra.web.app import create_app
from outlet_site import BOARD_SETTINGS, PASSWORD, RULES, build_board, start_outlet
from test_web_support import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.is_file(),
        reason="browser tests need Debian's Chromium at /usr/bin/chromium (apt-get install chromium)",
    ),
]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.override(**BOARD_SETTINGS)


def test_operator_board_and_rule_editor_in_a_browser(settings, sqlite_store: Store) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    outlet = start_outlet()
    try:
        build_board(settings, sqlite_store, outlet)
        ARTIFACTS.mkdir(exist_ok=True)
        with (
            LiveServer(create_app(settings, sqlite_store)) as base,
            sync_api.sync_playwright() as p,
        ):
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            page.goto(base + "/admin/login")
            page.fill("input[name=username]", "omar")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.goto(base + "/admin/outlets")
            rows = page.locator("table.outlet-board tbody tr")
            assert rows.count() == 4
            assert rows.first.get_attribute("data-slug") == "quiet"
            assert "SILENT" in rows.first.inner_text()
            board_png = ARTIFACTS / "admin-outlets.png"
            page.screenshot(path=str(board_png), full_page=True, animations="disabled")

            page.click("tr[data-slug=akhbar] a[href='/admin/rules/akhbar']")
            assert page.locator("section.rule-preview").count() == 5
            for name, value in RULES.items():
                page.fill(f"input[name={name}]", value)
            page.click("button[value=preview]")
            assert "سعيد الإدريسي" in page.locator("section.rule-preview").first.inner_text()
            assert page.locator("tr.changed").count() >= 5
            editor_png = ARTIFACTS / "admin-rules.png"
            page.screenshot(path=str(editor_png), full_page=True, animations="disabled")
            browser.close()
        for shot in (board_png, editor_png):
            assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        outlet.stop()
