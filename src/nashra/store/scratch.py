"""A throw-away PostgreSQL database (created on the server of a given URL, dropped afterwards):
what the test suite and the benchmarks that measure both backends run on."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextmanager
def throwaway_database(
    server_url: str, *, prefix: str = "nashra_bench", settings: dict[str, str] | None = None
) -> Iterator[str]:
    """The URL of a new empty database on ``server_url``'s server, dropped on exit;
    its name starts with ``prefix``; ``settings`` are set on the database (``ALTER DATABASE … SET name = value``)."""
    url = make_url(server_url)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        for key, value in (settings or {}).items():
            conn.execute(text(f'ALTER DATABASE "{name}" SET {key} = {value}'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
