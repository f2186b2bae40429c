"""The outlet health board and the rule editor (issue 19), over a real archive crawled from a real
loopback outlet: failing feeds, silent outlets (also in /metrics), worst first, the same figures
from `nashra sources status --outlets --json`; the operator edits an outlet's rules, previews them
on its last five fetched pages, and saves them to the registry file (audited)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from starlette.testclient import TestClient

from httpserver import LoopbackServer
from nashra.cli import main
from nashra.config import Settings
from nashra.sources.health import outlet_health, silent_outlets, sparkline, usual_gap
from nashra.sources.registry import Registry
from nashra.store import Store
from nashra.store.schema import moderation_log
from nashra.web.app import create_app
from outlet_site import BOARD_SETTINGS, COUNT, RULES, build_board, start_outlet

PASSWORD = "correct horse battery"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.override(**BOARD_SETTINGS)


@pytest.fixture
def outlet() -> Iterator[LoopbackServer]:
    server = start_outlet()
    yield server
    server.stop()


@pytest.fixture
def board(settings: Settings, store: Store, outlet: LoopbackServer) -> Store:
    return build_board(settings, store, outlet)


def test_health_figures_worst_first(settings, board) -> None:
    figures = {h.slug: h for h in outlet_health(board)}
    order = [h.slug for h in outlet_health(board)]
    assert order[0] == "quiet"  # silent first, then the failing feed
    assert order.index("broken") < order.index("lively")
    assert figures["quiet"].silent and not figures["lively"].silent
    assert figures["quiet"].usual_gap_hours == 2.0
    assert silent_outlets(board) == ["quiet"]
    feed = figures["broken"].feeds[0]
    assert feed.error_rate_24h == 1.0 and feed.error_rate_7d == 1.0 and feed.last_success is None
    assert "404" in (feed.last_error or "")
    akhbar = figures["akhbar"]
    assert akhbar.articles_7d == COUNT and akhbar.per_day[-1] == COUNT
    assert akhbar.feeds[0].error_rate_24h == 0.0 and akhbar.feeds[0].last_success
    assert akhbar.no_author_share == 1.0  # the generic extractor misses this outlet's byline
    assert akhbar.partial_share == 0.0 and akhbar.copy_share == 0.0
    assert akhbar.median_body_chars and akhbar.median_body_chars > 200
    assert sparkline([0, 1, 4]) == "▁▃█" and sparkline([0, 0]) == "▁▁"
    assert usual_gap([datetime(2024, 1, 1, tzinfo=UTC)]) is None

    db = ["--data-dir", str(settings.data_dir),
          "--database-url", board.engine.url.render_as_string(hide_password=False)]  # fmt: skip
    out = CliRunner().invoke(main, [*db, "sources", "status", "--outlets", "--json"])
    rows = json.loads(out.output)
    assert [r["slug"] for r in rows] == order
    assert rows[0]["silent"] is True and rows[0]["sparkline"]
    table = CliRunner().invoke(main, [*db, "sources", "status", "--outlets"])
    assert "SILENT" in table.output
    # Plain `sources status --json` carries the same figures on each feed of the outlet.
    feeds = json.loads(CliRunner().invoke(main, [*db, "sources", "status", "--json"]).output)
    by_slug = {r["slug"]: r for r in rows}
    assert feeds
    for feed in feeds:
        assert feed["outlet_health"] == by_slug[feed["source"]]


def test_metrics_count_silent_outlets(settings, board) -> None:
    with TestClient(create_app(settings, board)) as client:
        text = client.get("/metrics").text
    assert re.search(r"^nashra_outlets_silent 1\.0$", text, re.M), text[-2000:]


def _login(client: TestClient, name: str) -> str:
    page = client.get("/admin/login")
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)
    done = client.post("/admin/login", data={"username": name, "password": PASSWORD, "csrf": csrf})
    assert done.status_code == 303
    return re.search(r'name="csrf" value="([0-9a-f]+)"', client.get("/admin").text).group(1)


def test_board_and_rule_editor_are_for_operators(settings, board) -> None:
    with TestClient(create_app(settings, board), follow_redirects=False) as client:
        assert client.get("/admin/outlets").status_code == 303  # sign in first
        csrf = _login(client, "amina")
        assert client.get("/admin/outlets").status_code == 403
        assert client.post("/admin/rules/akhbar", data={"csrf": csrf, "action": "save",
                                                        "body": "div"}).status_code == 403  # fmt: skip
        client.post("/admin/logout", data={"csrf": csrf})

        csrf = _login(client, "omar")
        page = client.get("/admin/outlets")
        assert page.status_code == 200
        rows = re.findall(r'data-slug="([a-z0-9-]+)"', page.text)
        assert rows[0] == "quiet" and set(rows) == {"akhbar", "broken", "lively", "quiet"}
        assert "SILENT" in page.text and 'href="/admin/rules/akhbar"' in page.text

        editor = client.get("/admin/rules/akhbar")
        assert editor.status_code == 200
        assert editor.text.count('class="rule-preview"') == COUNT  # its last five pages
        assert "✎" not in editor.text  # no rules yet: generic on both sides

        form = {"csrf": csrf, "action": "preview", **{k: v for k, v in RULES.items()}}
        tried = client.post("/admin/rules/akhbar", data=form)
        assert tried.status_code == 200 and "not saved" in tried.text
        assert "✎" in tried.text and "سعيد الإدريسي" in tried.text
        assert "extract" not in settings.registry_path.read_text(encoding="utf-8")

        bad = client.post("/admin/rules/akhbar", data={**form, "action": "save", "body": "div[["})
        assert bad.status_code == 400 and "extract.body" in bad.text
        saved = client.post("/admin/rules/akhbar", data={**form, "action": "save"})
        assert saved.status_code == 303
        rules = Registry.load(settings.registry_path)["akhbar"].extract
        assert rules is not None and rules.body == "div.txt-zone"
        assert rules.date_format == RULES["date_format"]
        assert client.get("/admin/rules/nosuch").status_code == 404
    with board.engine.connect() as conn:
        audit = conn.execute(select(moderation_log).where(moderation_log.c.action == "rules")).one()
    assert audit.actor == "omar" and "div.txt-zone" in audit.detail
