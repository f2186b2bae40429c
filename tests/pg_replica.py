"""A real streaming replica of the test PostgreSQL server, made by ``scripts/pg_replica.sh``
(``pg_basebackup -R`` on another port). ``.ci/run`` starts one and sets
``NASHRA_TEST_REPLICA_URL``; without it the tests start their own and stop it afterwards."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "pg_replica.sh"
TOOLS_MISSING = 3  # the script's exit status when PostgreSQL tools or the primary are missing


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_replica(port: int) -> str:
    """Start (or reuse) a replica on ``port`` (its files in the script's default directory,
    /tmp/nashra-replica-PORT, which the server's user can reach); its URL, or a skip when
    PostgreSQL tools miss."""
    done = subprocess.run([str(SCRIPT), "start", str(port)], capture_output=True, text=True)
    if done.returncode == TOOLS_MISSING:
        pytest.skip(f"no streaming replica: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def stop_replica(port: int) -> None:
    subprocess.run([str(SCRIPT), "stop", str(port)], check=True)


def on_database(replica_url: str, primary_db_url: str) -> str:
    """The replica's URL for the database of ``primary_db_url``, once the replica has it (a
    database created on the primary reaches the replica a moment later)."""
    url = make_url(replica_url).set(database=make_url(primary_db_url).database)
    engine = create_engine(url)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    finally:
        engine.dispose()
    return url.render_as_string(hide_password=False)


def shared_replica_url() -> str | None:
    return os.environ.get("NASHRA_TEST_REPLICA_URL") or None
