"""`nashra run` as a real process: it serves the portal, crawls the demo outlets in the same
process, and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from conftest import LOOPBACK_ALLOWED
from httpserver import free_port
from nashra.demo.sites import DemoServer, DemoSites
from nashra.sources.registry import Registry


def test_run_serves_and_crawls_then_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    with DemoServer(DemoSites(limit=30)) as sites:
        registry = tmp_path / "sources.yaml"
        Registry(sites.sites.sources(sites.base_url)).save(registry)
        env = dict(
            os.environ,
            NASHRA_DATA_DIR=str(tmp_path / "data"),
            NASHRA_FETCH_ALLOW_NETWORKS=LOOPBACK_ALLOWED,
            NASHRA_SOURCES_FILE=str(registry),
            NASHRA_WORKER_IDLE_SECONDS="0.2",
        )
        proc = subprocess.Popen(
            [sys.executable, "-m", "nashra.cli", "run", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            items: list = []
            while time.monotonic() < deadline and not items:
                time.sleep(0.3)
                try:
                    items = httpx.get(f"{base}/api/v1/articles?limit=5", timeout=5).json()["items"]
                except (httpx.HTTPError, ValueError, KeyError):
                    continue
            assert items, "the embedded worker stored no article within two minutes"
            assert httpx.get(f"{base}/readyz", timeout=5).status_code == 200
            page = httpx.get(base + items[0]["path"], timeout=5)
            assert page.status_code == 200 and items[0]["title"].split()[0] in page.text
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                code = proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                proc.kill()
                raise
    assert code == 0, proc.stderr.read().decode()[-2000:]
