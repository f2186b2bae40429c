"""Shared fixtures: real stores (SQLite in a temp dir, and PostgreSQL when configured)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from nashra.config import Settings, load_settings
from nashra.store import Store

PG_URL = os.environ.get("NASHRA_TEST_DATABASE_URL", "")
DATA = Path(__file__).parent / "data"
# The fetch guard refuses loopback; tests allow only the addresses their servers listen on:
# 127.0.0.1 and the feed farm's 127.0.0.2 … 127.0.0.16.
LOOPBACK_ALLOWED = "127.0.0.0/27"


def _pg_database() -> Iterator[str]:
    """A throw-away database on the test server, dropped afterwards."""
    url = make_url(PG_URL)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    name = f"nashra_t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each store test runs on SQLite and, when NASHRA_TEST_DATABASE_URL is set, on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'nashra.db'}"
        return
    if not PG_URL:
        pytest.skip("PostgreSQL tests need NASHRA_TEST_DATABASE_URL (set by .ci/run)")
    yield from _pg_database()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    s = Store.open(database_url)
    yield s
    s.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(f"sqlite:///{tmp_path / 'nashra.db'}")
    yield s
    s.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for a throw-away instance, with short timeouts so failing cases end quickly."""
    return load_settings(
        env={},
        data_dir=tmp_path / "data",
        connect_timeout=2.0,
        read_timeout=3.0,
        total_timeout=8.0,
        per_host_concurrency=8,
        fetch_allow_networks=LOOPBACK_ALLOWED,
    )
