"""Crowd reporting and moderation, through real HTTP requests against a real store."""

from __future__ import annotations

import re
import threading

import pytest
from click import Group
from click.testing import CliRunner
from sqlalchemy import select, text
from starlette.applications import Starlette
from starlette.testclient import TestClient

from nashra.config import Settings, load_settings
from nashra.demo import images as demo_images
from nashra.ingest import save_article
from nashra.media import web as media_web
from nashra.media.library import save_image, write_files
from nashra.media.paths import media_url
from nashra.media.process import process_image
from nashra.model import Article
from nashra.moderation import web as moderation_web
from nashra.moderation.commands import admin
from nashra.moderation.identity import (
    client_address,
    instance_secret,
    network_key,
    network_of,
    new_reporter_cookie,
    reporter_from_cookie,
)
from nashra.moderation.queries import find_image
from nashra.moderation.reporting import safe_next
from nashra.moderation.reports import submit_report
from nashra.store import Store
from nashra.store.queries import get_article
from nashra.store.schema import image_reports, moderation_log
from nashra.web.context import web_context

THANKS_AR = "شكرا على الإبلاغ! سيتم حجب هذه الصورة تلقائيا عندما يتم الإبلاغ عنها من طرف عدة أشخاص."
PASSWORD = "correct horse battery"


def picture(store: Store, settings: Settings, seed: str, size=(640, 360), quality=85) -> int:
    data = demo_images.lead_jpeg(seed, "", (90, 90, 90), size, quality)
    processed = process_image(data, "image/jpeg")
    write_files(settings.media_dir, processed)
    return save_image(store, processed, f"http://outlet.test/{seed}.jpg")


@pytest.fixture
def app_settings(settings: Settings) -> Settings:
    return settings.override(
        secret_key="test-secret", report_threshold=3, trusted_proxies="10.0.0.1"
    )


def _moderation_app(settings: Settings, store: Store) -> Starlette:
    """Reporting, moderation and the /media routes they hide, as the portal mounts them."""
    ctx = web_context(settings, store)
    return Starlette(routes=[*moderation_web.routes(ctx), *media_web.routes(ctx)])


@pytest.fixture
def app(app_settings: Settings, store: Store) -> Starlette:
    return _moderation_app(app_settings, store)


def reader(app: Starlette, ip: str) -> TestClient:
    """One browser (its own cookie jar) on one address."""
    return TestClient(app, client=(ip, 40000), follow_redirects=False)


def report(client: TestClient, image_id: int, reason: str = "offensive"):
    return client.post(f"/api/v1/images/{image_id}/reports", json={"reason": reason, "lang": "ar"})


# -- who is a reporter -----------------------------------------------------------------------


def test_client_address_trusts_forwarded_for_only_from_listed_proxies() -> None:
    proxies = ("10.0.0.0/8", "2001:db8::1")
    assert client_address("203.0.113.9", "1.2.3.4", proxies) == "203.0.113.9"
    assert client_address("10.0.0.1", "1.2.3.4", proxies) == "1.2.3.4"
    assert client_address("10.0.0.1", "6.6.6.6, 1.2.3.4, 10.0.0.7", proxies) == "1.2.3.4"
    assert client_address("2001:db8::1", "198.51.100.7", proxies) == "198.51.100.7"
    assert client_address("10.0.0.1", "not-an-ip", proxies) == "10.0.0.1"
    assert client_address("10.0.0.1", "", proxies) == "10.0.0.1"


def test_networks_are_slash_24_and_slash_56_and_stored_only_hashed() -> None:
    assert network_of("192.0.2.77") == "192.0.2.0/24"
    assert network_of("::ffff:192.0.2.77") == "192.0.2.0/24"
    assert network_of("2001:db8:aa:bbcc:1::9") == "2001:db8:aa:bb00::/56"
    secret = b"s"
    assert network_key(secret, "192.0.2.1") == network_key(secret, "192.0.2.254")
    assert network_key(secret, "192.0.2.1") != network_key(secret, "192.0.3.1")
    assert network_key(secret, "192.0.2.1") != network_key(b"other", "192.0.2.1")
    assert "192" not in network_key(secret, "192.0.2.1")


def test_reporter_cookie_is_signed() -> None:
    reporter, cookie = new_reporter_cookie(b"k")
    assert reporter_from_cookie(b"k", cookie) == reporter
    assert reporter_from_cookie(b"other", cookie) is None
    forged = "0" * 32 + cookie[32:]
    assert reporter_from_cookie(b"k", forged) is None
    assert reporter_from_cookie(b"k", "") is None


def test_generated_secret_is_persisted_in_the_data_dir(settings: Settings) -> None:
    settings = settings.override(secret_key="")
    first = instance_secret(settings)
    assert (settings.data_dir / "secret_key").is_file()
    assert len(first) >= 32 and instance_secret(settings) == first


def test_settings_come_from_the_environment(tmp_path) -> None:
    env = {"NASHRA_REPORT_THRESHOLD": "5", "NASHRA_TRUSTED_PROXIES": "10.0.0.1, 10.0.0.2"}
    settings = load_settings(env=env, data_dir=tmp_path)
    assert settings.moderation.report_threshold == 5
    assert settings.web.trusted_proxies == ("10.0.0.1", "10.0.0.2")
    assert load_settings(env={}).moderation.report_threshold == 3


# -- the threshold -----------------------------------------------------------------------------


def test_three_distinct_reporters_hide_the_image_and_repeats_count_once(
    app: Starlette, store: Store, app_settings: Settings
) -> None:
    image_id = picture(store, app_settings, "threshold")
    alice, bob, carol = (reader(app, ip) for ip in ("198.51.100.1", "203.0.113.1", "192.0.2.1"))
    first = report(alice, image_id)
    assert first.status_code == 201 and first.json()["message"] == THANKS_AR
    assert first.json()["reporters"] == 1 and "nashra_reporter" in first.cookies
    for _ in range(3):  # the same reader again and again
        again = report(alice, image_id)
        assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert find_image(store, image_id)["report_count"] == 1
    assert report(bob, image_id).json()["state"] == "visible"
    assert find_image(store, image_id)["state"] == "visible"
    third = report(carol, image_id).json()
    assert third["state"] == "hidden" and third["reporters"] == 3
    assert alice.get(f"/api/v1/images/{image_id}").json()["state"] == "hidden"
    with store.engine.connect() as conn:
        rows = conn.execute(select(image_reports.c.reporter)).all()
        assert len(rows) == 3 and len({r.reporter for r in rows}) == 3


def test_at_most_two_reporters_of_one_network_count(
    app: Starlette, store: Store, app_settings: Settings
) -> None:
    image_id = picture(store, app_settings, "network")
    for host in (1, 2, 3, 4):  # four people behind one /24
        assert report(reader(app, f"198.51.100.{host}"), image_id).status_code == 201
    assert find_image(store, image_id)["report_count"] == 2
    assert find_image(store, image_id)["state"] == "visible"
    # IPv6: one /56 is one network too.
    assert report(reader(app, "2001:db8:0:1::1"), image_id).json()["reporters"] == 3
    assert find_image(store, image_id)["state"] == "hidden"


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(
    app: Starlette, store: Store, app_settings: Settings
) -> None:
    image_id = picture(store, app_settings, "proxy")
    # An untrusted peer claiming three different addresses is still one network.
    for i in range(3):
        client = reader(app, "198.51.100.9")
        client.post(
            f"/api/v1/images/{image_id}/reports",
            json={},
            headers={"X-Forwarded-For": f"{i + 1}.{i + 1}.{i + 1}.{i + 1}"},
        )
    assert find_image(store, image_id)["report_count"] == 2
    # Behind the trusted proxy, the forwarded addresses are three networks.
    other = picture(store, app_settings, "proxy-2")
    for i in range(3):
        reader(app, "10.0.0.1").post(
            f"/api/v1/images/{other}/reports", json={},
            headers={"X-Forwarded-For": f"{i + 1}.{i + 1}.{i + 1}.{i + 1}"},
        )  # fmt: skip
    assert find_image(store, other)["state"] == "hidden"


def test_rate_limit_answers_429_with_a_message(
    app: Starlette, store: Store, app_settings: Settings
) -> None:
    ids = [picture(store, app_settings, f"rate-{i}") for i in range(11)]
    client = reader(app, "198.51.100.50")
    for image_id in ids[:10]:
        assert report(client, image_id).status_code == 201
    limited = report(client, ids[10])
    assert limited.status_code == 429 and limited.headers["retry-after"] == "3600"
    assert limited.json()["status"] == "rate_limited" and "ساعة" in limited.json()["message"]
    form = client.post(f"/images/{ids[10]}/report", data={"lang": "fr", "next": "/x/1"})
    assert form.status_code == 429 and "trop de signalements" in form.text
    assert find_image(store, ids[10])["report_count"] == 0


def test_concurrent_reporters_are_counted_exactly(store: Store, app_settings: Settings) -> None:
    """32 reporters at once (each twice), on 32 networks: 32 reports, one hide, no more."""
    image_id = picture(store, app_settings, "concurrent")
    config = app_settings.moderation
    secret = instance_secret(app_settings)
    barrier = threading.Barrier(32)
    outcomes = []

    def one(i: int) -> None:
        reporter = f"{i:032x}"
        network = network_key(secret, f"203.0.{i}.1")
        barrier.wait()
        for _ in range(2):
            outcomes.append(submit_report(store, image_id, reporter, network, "other", config))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = [o.status for o in outcomes]
    assert statuses.count("recorded") == 32 and statuses.count("duplicate") == 32
    assert sum(o.hidden_now for o in outcomes) == 1
    assert sorted(o.counted for o in outcomes if o.status == "recorded") == list(range(1, 33))
    row = find_image(store, image_id)
    assert row["report_count"] == 32 and row["state"] == "hidden"
    with store.engine.connect() as conn:
        hides = conn.execute(
            select(moderation_log).where(moderation_log.c.action == "auto_hide")
        ).all()
    assert len(hides) == 1


# -- hidden everywhere ---------------------------------------------------------------------------


def test_hidden_image_is_hidden_everywhere_by_perceptual_hash(
    app: Starlette, store: Store, app_settings: Settings
) -> None:
    store.ensure_source("one", "One")
    store.ensure_source("two", "Two")
    a = picture(store, app_settings, "everywhere", (640, 360), 88)
    b = picture(store, app_settings, "everywhere", (480, 270), 55)  # another outlet's copy
    unrelated = picture(store, app_settings, "something-else")
    pks = []
    for source, image_id in (("one", a), ("two", b), ("two", unrelated)):
        saved = save_article(
            store,
            Article(source=source, url=f"http://{source}/{image_id}", title="t", body_text="b"),
        )
        store.set_article_image(saved.pk, image_id)
        pks.append(saved)
    client = reader(app, "198.51.100.1")
    sha_b = find_image(store, b)["sha256"]
    assert client.get(media_url(sha_b, "full")).status_code == 200
    for ip in ("198.51.100.1", "203.0.113.1", "192.0.2.1"):
        report(reader(app, ip), a)
    states = [get_article(store, s.source, s.num)["image_state"] for s in pks]
    assert states == ["hidden", "hidden", "visible"]
    gone = client.get(media_url(sha_b, "thumb"))
    assert gone.status_code == 410 and gone.headers["cache-control"] == "no-store"
    assert client.get(f"/api/v1/images/{b}").json()["urls"] is None


# -- serving -------------------------------------------------------------------------------------


def test_media_is_served_immutable_and_unknown_names_404(
    app: Starlette, store: Store, app_settings: Settings
) -> None:
    image_id = picture(store, app_settings, "serve")
    sha = find_image(store, image_id)["sha256"]
    client = reader(app, "198.51.100.1")
    response = client.get(media_url(sha, "full"))
    assert response.status_code == 200 and response.headers["content-type"] == "image/webp"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.content[8:12] == b"WEBP"
    for path in (
        media_url("0" * 64, "full"), f"/media/{sha}-huge.webp", f"/media/{sha}-full.png",
        "/media/..%2f..%2fetc%2fpasswd", f"/media/{sha.upper()}-full.webp",
    ):  # fmt: skip
        assert client.get(path).status_code == 404, path
    api = client.get(f"/api/v1/images/{image_id}").json()
    assert api["state"] == "visible" and api["width"] == 640 and api["threshold"] == 3
    assert api["urls"]["thumb"] == media_url(sha, "thumb")
    assert client.get("/api/v1/images/999999").status_code == 404
    assert client.post("/api/v1/images/999999/reports", json={}).status_code == 404


def test_outlet_logo_is_a_safe_monogram(app: Starlette, store: Store) -> None:
    store.ensure_source("evil", '<script>alert(1)</script> "News"', lang="en")
    client = reader(app, "198.51.100.1")
    logo = client.get("/media/logo/evil.svg")
    assert logo.status_code == 200 and logo.headers["content-type"].startswith("image/svg+xml")
    assert b"<script" not in logo.content and b"&lt;script&gt;" in logo.content
    assert "default-src 'none'" in logo.headers["content-security-policy"]
    assert client.get("/media/logo/unknown.svg").status_code == 404
    assert client.get("/media/logo/..%2Fx.svg").status_code == 404


def test_report_form_without_javascript_answers_with_the_sentence(
    app: Starlette, store: Store, app_settings: Settings
) -> None:
    image_id = picture(store, app_settings, "form")
    sha = find_image(store, image_id)["sha256"]
    client = reader(app, "198.51.100.1")
    page = client.post(
        f"/images/{sha}/report",
        data={"reason": "violence", "next": "/one/12", "lang": "ar"},
        headers={"Origin": "http://testserver"},
    )
    assert page.status_code == 201 and THANKS_AR in page.text
    assert 'href="/one/12"' in page.text and 'dir="rtl"' in page.text
    assert "nashra_reporter" in page.cookies
    hostile = client.post(f"/images/{sha}/report", data={"next": "//evil.example/"})
    assert "evil.example" not in hostile.text
    cross = reader(app, "203.0.113.1").post(
        f"/images/{image_id}/report", data={}, headers={"Origin": "https://evil.example"}
    )
    assert cross.status_code == 403
    with store.engine.connect() as conn:
        reasons = [r.reason for r in conn.execute(select(image_reports.c.reason))]
    assert reasons == ["violence"]


def test_no_raw_ip_address_is_stored(app: Starlette, store: Store, app_settings: Settings) -> None:
    image_id = picture(store, app_settings, "privacy")
    report(reader(app, "198.51.100.77"), image_id)
    with store.engine.connect() as conn:
        for table in ("image_reports", "moderation_log", "login_attempts"):
            for row in conn.execute(text(f"SELECT * FROM {table}")):
                joined = " ".join(str(v) for v in row)
                assert "198.51.100" not in joined


# -- moderation ----------------------------------------------------------------------------------


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert match, html
    return match.group(1)


def _login(client: TestClient, password: str = PASSWORD):
    page = client.get("/admin/login")
    return client.post(
        "/admin/login",
        data={"username": "mod", "password": password, "csrf": _csrf(page.text)},
    )


@pytest.fixture
def moderator(store: Store, app_settings: Settings) -> str:
    """``nashra admin create-user`` run through click, on the test's database."""
    cli_settings = app_settings.override(
        database_url=store.engine.url.render_as_string(hide_password=False)
    )
    runner = CliRunner()
    group = Group(commands={"admin": admin})
    result = runner.invoke(
        group, ["admin", "create-user", "mod", "--password", PASSWORD], obj=cli_settings,
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "mod" in result.output
    short = runner.invoke(group, ["admin", "create-user", "x", "--password", "short"],
                          obj=cli_settings)  # fmt: skip
    assert short.exit_code != 0 and "at least" in short.output
    return "mod"


def test_admin_needs_a_login_and_csrf(app: Starlette, store: Store, moderator: str) -> None:
    client = reader(app, "198.51.100.1")
    assert client.get("/admin").status_code == 303
    assert client.post("/admin/images/1/hide", data={}).status_code == 401
    # A login without the form's token is refused.
    client.get("/admin/login")
    no_token = client.post("/admin/login", data={"username": "mod", "password": PASSWORD})
    assert no_token.status_code == 403
    assert _login(client, "wrong password!").status_code == 401
    ok = _login(client)
    assert ok.status_code == 303 and ok.headers["location"] == "/admin"
    session = ok.headers["set-cookie"]
    assert "HttpOnly" in session and "SameSite=strict" in session and "Path=/admin" in session
    queue = client.get("/admin")
    assert queue.status_code == 200 and "Reported images" in queue.text
    assert queue.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in queue.headers["content-security-policy"]
    assert client.post("/admin/images/1/hide", data={"csrf": "0" * 64}).status_code == 403
    assert client.post("/admin/images/1/hide", data={}).status_code == 403


def test_secure_cookie_flag_when_served_over_https(
    app_settings: Settings, store: Store, moderator: str
) -> None:
    app = _moderation_app(app_settings, store)
    client = TestClient(app, base_url="https://portal.test", follow_redirects=False)
    assert "Secure" in _login(client).headers["set-cookie"]


def test_login_attempts_are_rate_limited(app: Starlette, store: Store, moderator: str) -> None:
    client = reader(app, "198.51.100.1")
    for _ in range(5):
        assert _login(client, "wrong password!").status_code == 401
    limited = _login(client)  # even the right password waits now, on this network
    assert limited.status_code == 429 and "Too many" in limited.text
    # Failures elsewhere lock nobody out: the moderator's own network still logs in.
    assert _login(reader(app, "203.0.113.1")).status_code == 303


def test_queue_confirm_restore_hide_and_audit_log(
    app: Starlette, store: Store, app_settings: Settings, moderator: str
) -> None:
    hidden = picture(store, app_settings, "queue-hidden")
    reported = picture(store, app_settings, "queue-reported")
    quiet = picture(store, app_settings, "queue-quiet")
    for ip in ("198.51.100.1", "203.0.113.1", "192.0.2.1"):
        report(reader(app, ip), hidden, "violence")
    report(reader(app, "198.51.100.1"), reported, "wrong_image")
    client = reader(app, "198.51.100.9")
    _login(client)
    page = client.get("/admin").text
    assert f'data-image="{hidden}" data-state="hidden"' in page
    assert f'data-image="{reported}" data-state="visible"' in page
    assert f'data-image="{quiet}"' not in page and "violence" in page
    sha = find_image(store, hidden)["sha256"]
    assert client.get(f"/admin/media/{sha}-thumb.webp").status_code == 200  # moderators see it
    csrf = _csrf(page)
    assert client.post(f"/admin/images/{hidden}/restore", data={"csrf": csrf}).status_code == 303
    assert find_image(store, hidden)["state"] == "visible"
    assert find_image(store, hidden)["report_count"] == 0
    # The same readers cannot hide it again; new ones can.
    assert report(reader(app, "198.51.100.1"), hidden).json()["status"] == "recorded"
    assert find_image(store, hidden)["state"] == "visible"
    client.post(f"/admin/images/{reported}/confirm", data={"csrf": csrf})
    assert find_image(store, reported)["state"] == "removed"
    client.post("/admin/hide", data={"csrf": csrf, "image_id": str(quiet)})
    assert find_image(store, quiet)["state"] == "removed"
    assert client.post(f"/admin/images/{quiet}/explode", data={"csrf": csrf}).status_code == 404
    log = client.get("/admin/log").text
    for action in ("auto_hide", "restore", "confirm", "hide", "login", "create_user"):
        assert f"<td>{action}</td>" in log, action
    with store.engine.connect() as conn:
        entries = conn.execute(
            select(moderation_log.c.actor, moderation_log.c.action, moderation_log.c.created_at)
        ).all()
    assert ("mod", "restore") in {(e.actor, e.action) for e in entries}
    assert ("crowd", "auto_hide") in {(e.actor, e.action) for e in entries}
    assert all(e.created_at is not None for e in entries)
    out = client.post("/admin/logout", data={"csrf": csrf})
    assert out.status_code == 303 and client.get("/admin").status_code == 303


# -- no lockouts, no flooding (issue 13) -------------------------------------------------------


def test_failures_from_many_networks_lock_the_moderator_out_of_none(
    app: Starlette, store: Store, moderator: str
) -> None:
    for network in ("198.51.100.1", "198.51.101.1", "198.51.102.1", "198.51.103.1"):
        client = reader(app, network)
        for _ in range(5):
            assert _login(client, "wrong password!").status_code == 401
        assert _login(client).status_code == 429  # that network waits
    assert _login(reader(app, "203.0.113.7")).status_code == 303  # the moderator does not


def test_one_network_trying_many_user_names_is_limited(
    app: Starlette, store: Store, moderator: str
) -> None:
    client = reader(app, "198.51.100.9")
    for n in range(20):
        page = client.get("/admin/login")
        tried = client.post(
            "/admin/login",
            data={"username": f"guess{n}", "password": "wrong password!", "csrf": _csrf(page.text)},
        )
        assert tried.status_code == 401
    assert _login(client).status_code == 429
    assert _login(reader(app, "203.0.113.8")).status_code == 303


def test_refused_logins_are_aggregated_in_the_audit_log(
    app: Starlette, store: Store, moderator: str
) -> None:
    for network in ("198.51.100.1", "198.51.101.1", "198.51.102.1"):
        client = reader(app, network)
        for _ in range(8):  # 5 failures, then refusals
            _login(client, "wrong password!")
        for n in range(3):
            page = client.get("/admin/login")
            client.post(
                "/admin/login",
                data={"username": f"nobody{n}", "password": "x" * 12, "csrf": _csrf(page.text)},
            )
    with store.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT actor, action, detail FROM moderation_log WHERE action LIKE 'login_%'")
        ).all()
    refused = [r for r in rows if r.action in ("login_failed", "login_rate_limited")]
    # One row per (moderator or unknown name, action) for the whole flood of 33 attempts.
    assert len(refused) <= 4, refused
    counts = {(r.actor, r.action): int(r.detail.split("=")[1]) for r in refused}
    assert counts[("mod", "login_failed")] == 15
    assert counts[("mod", "login_rate_limited")] == 9
    assert _login(reader(app, "203.0.113.9")).status_code == 303


@pytest.mark.parametrize(
    "value",
    [
        "/\t/evil.example/x",
        "/\n/evil.example",
        "//evil.example",
        "/\\evil.example",
        "\\/evil.example",
        "/%09/evil.example",
        "/%2F/evil.example",
        "/%5Cevil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "evil.example",
        " /x",
        "/" + "a" * 600,
    ],
)
def test_back_links_never_leave_the_site(value: str) -> None:
    assert safe_next(value) == ""


def test_back_links_keep_same_site_paths() -> None:
    for value in ("/", "/hespress/385472", "/search?q=%D8%A7&page=2", "/fr/sport"):
        assert safe_next(value) == value
