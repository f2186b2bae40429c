"""Client addresses behind proxies (issue 13 §4), under a real uvicorn started the way
``nashra serve`` / ``run`` start it: a forged ``X-Forwarded-For`` is believed only from
``NASHRA_TRUSTED_PROXIES``, and what it carries must be an address."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from nashra.config import Settings
from nashra.moderation.accounts import create_user
from nashra.store import Store
from nashra.web.app import create_app
from nashra.web.serving import uvicorn_options
from test_web_support import LiveServer

PASSWORD = "a long enough password"


def _login(base: str, password: str, forwarded: str | None) -> int:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    with httpx.Client(base_url=base, headers=headers) as client:
        page = client.get("/admin/login")
        token = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)
        answer = client.post(
            "/admin/login", data={"username": "mod", "password": password, "csrf": token}
        )
        return answer.status_code


@pytest.fixture
def portal(settings: Settings, sqlite_store: Store) -> Iterator[tuple[Settings, Store]]:
    create_user(sqlite_store, "mod", PASSWORD)
    yield settings.override(secret_key="test-secret"), sqlite_store


def test_forged_forwarded_for_is_not_believed_without_trusted_proxies(portal) -> None:
    settings, store = portal
    settings = settings.override(trusted_proxies="")
    assert uvicorn_options(settings)["proxy_headers"] is False
    with LiveServer(create_app(settings, store), **uvicorn_options(settings)) as base:
        for n in range(5):  # each attempt claims another network
            assert _login(base, "wrong password!", f"198.51.{n}.7") == 401
        # Still the one client it really is: limited, whatever it claims next.
        assert _login(base, PASSWORD, "203.0.113.50") == 429


def test_trusted_proxy_forwards_real_addresses_and_garbage_counts_as_one(portal) -> None:
    settings, store = portal
    settings = settings.override(trusted_proxies="127.0.0.1")
    options = uvicorn_options(settings)
    assert options["proxy_headers"] is True and options["forwarded_allow_ips"] == ["127.0.0.1"]
    with LiveServer(create_app(settings, store), **options) as base:
        for _ in range(5):
            assert _login(base, "wrong password!", "198.51.100.7") == 401
        assert _login(base, PASSWORD, "198.51.100.7") == 429  # that network is limited
        assert _login(base, PASSWORD, "203.0.113.50") == 303  # another client is not
        # Strings that are no address all share one network: inventing them gains nothing.
        for word in ("foo", "bar", "baz", "qux", "quux"):
            assert _login(base, "wrong password!", word) == 401
        assert _login(base, PASSWORD, "another-word") == 429
