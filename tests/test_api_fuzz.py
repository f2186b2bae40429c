"""Property-based fuzzing of the whole JSON API from its own OpenAPI document (issue 13 §5):
every generated request, however odd, gets an answer below 500 — on a real crawled archive.

Schemathesis reads ``/api/v1/openapi.json`` and generates requests for every operation; a second
test forges *well-formed* cursors (valid base64 of ``moment|key``) with extreme moments, time
zones and keys, which random strings almost never are.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from demo_portal import build_demo_archive
from nashra.store import Store
from nashra.web.app import create_app

EXAMPLES_PER_OPERATION = 300
MIN_REQUESTS = 2000
SEEN: list[int] = []  # status of every generated request, for the count check at the end


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    settings = build_demo_archive(tmp_path_factory.mktemp("fuzz") / "data", limit=40)
    store = Store.open(settings.resolved_database_url)
    yield create_app(settings, store)
    store.close()


@pytest.fixture(scope="module")
def api_schema(demo_app: object) -> object:
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", demo_app)


OPERATIONS = [
    ("GET", "/api/v1/articles"),
    ("GET", "/api/v1/articles/{source}/{id}"),
    ("GET", "/api/v1/sources"),
    ("GET", "/api/v1/sections"),
    ("GET", "/api/v1/search"),
    ("GET", "/api/v1/stories"),
    ("GET", "/api/v1/stories/{story_id}"),
    ("GET", "/api/v1/images/{ref}"),
    ("POST", "/api/v1/images/{ref}/reports"),
]


def test_the_document_describes_every_operation(api_schema: object) -> None:
    described = {
        (op.method.upper(), op.path)
        for op in (result.ok() for result in api_schema.get_all_operations())
    }
    assert described == set(OPERATIONS)


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_no_generated_request_gets_a_server_error(
    api_schema: object, method: str, path: str
) -> None:
    operation = api_schema[path][method]

    @given(case=operation.as_strategy())
    @hypothesis_settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def check(case: schemathesis.Case) -> None:
        response = case.call()
        SEEN.append(response.status_code)
        assert response.status_code < 500, (case.as_curl_command(), response.text[:300])
        if response.status_code >= 400:
            assert "error" in response.json() or "status" in response.json()

    check()


def _cursor(moment: datetime, key: int) -> str:
    return base64.urlsafe_b64encode(f"{moment.isoformat()}|{key}".encode()).decode().rstrip("=")


MOMENTS = st.datetimes(
    min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)
).flatmap(
    lambda naive: st.sampled_from([-23 * 60 - 59, -14 * 60, 0, 14 * 60, 23 * 60 + 59]).map(
        lambda minutes: naive.replace(tzinfo=timezone(timedelta(minutes=minutes)))
    )
)
KEYS = st.one_of(st.integers(-(2**70), 2**70), st.sampled_from([0, 1, 2**63 - 1, 2**63, -1]))
LISTINGS = ["/api/v1/articles", "/api/v1/stories", "/api/v1/search?q=x&sort=date"]


@given(moment=MOMENTS, key=KEYS, listing=st.sampled_from(LISTINGS))
@hypothesis_settings(
    max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)
def test_forged_well_formed_cursors_get_a_clear_400(
    demo_app: object, moment: datetime, key: int, listing: str
) -> None:
    client = TestClient(demo_app)
    joiner = "&" if "?" in listing else "?"
    response = client.get(f"{listing}{joiner}cursor={_cursor(moment, key)}")
    SEEN.append(response.status_code)
    assert response.status_code in (200, 400), response.text[:300]
    if response.status_code == 400:
        assert "error" in response.json()


@pytest.mark.parametrize("path", ["/api/v1/articles", "/hespress", "/politics"])
@pytest.mark.parametrize(
    "query",
    [
        "since=0001-01-01T00:00:00%2B14:00",
        "until=9999-12-31T23:59:59-23:59",
        f"cursor={_cursor(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))), 5)}",
        f"cursor={_cursor(datetime(2026, 1, 1, tzinfo=UTC), 10**30)}",
    ],
)
def test_the_reported_tampered_requests_are_refused_with_a_4xx(
    demo_app: object, path: str, query: str
) -> None:
    response = TestClient(demo_app).get(f"{path}?{query}")
    if path.startswith("/api/") or query.startswith("cursor="):
        assert 400 <= response.status_code < 500, (path, query, response.status_code)
    else:  # pages take no date range: the parameter is ignored
        assert response.status_code == 200, (path, query, response.status_code)


def test_enough_requests_were_generated() -> None:
    """Runs last in this module: the fuzzing above really sent its share of requests."""
    if not SEEN:
        pytest.skip("run with the fuzz tests above")
    assert len(SEEN) >= MIN_REQUESTS, len(SEEN)
    assert max(SEEN) < 500
