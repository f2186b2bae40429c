"""Requests per second and p99 latency of the portal's home and article pages, beside nginx
serving a static copy of the same HTML, in the same run; and of search (the page ``/search`` and
``/api/v1/search``): a popular query asked again and again (answered from the caches), and
uncached, every request a different query (``search_uncached``, ``api_search_uncached``).

    .venv/bin/python benchmarks/bench_web.py [--quick] [--duration 10] [--connections 64] [--workers 2]
        [--data-dir nashra-data --query المغرب --article hespress/12]

With ``--data-dir`` it serves an archive that already exists (``make demo`` builds one in
``nashra-data``; it is read, never changed) instead of building one, and ``--query`` and
``--article`` name the popular query and the article page to measure there.

Needs ``wrk`` (Debian package) on PATH, and ``nginx`` for the static copies (without it the
nginx figures are null); without wrk it says so in the JSON. The
archive is built in a temporary directory through ``Store.save_article`` (the seed article and
600 more), the portal runs under uvicorn (``nashra.web.app:app_from_env --factory``) on loopback.
The last line is JSON with both figures and the ratio per page.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx

from nashra.config import Settings
from nashra.ingest import save_article
from nashra.model import Article
from nashra.sources.registry import Source
from nashra.store import Store

SEED_BODY = "".join(
    f"<p>{'فقرة من نص الخبر الطويل تحكي التفاصيل كاملة ' * 12}</p>"
    + ("<h2>عنوان فرعي</h2>" if i % 4 == 0 else "")
    for i in range(24)
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build(data_dir: Path) -> None:
    store = Store.open(Settings(data_dir=data_dir).resolved_database_url)
    store.sync_sources(
        [Source(slug="hespress", name_ar="هسبريس"), Source(slug="alyaoum24", name_ar="اليوم 24")]
    )
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    sections = [
        "politics",
        "economics",
        "international",
        "sports",
        "society",
        "culture",
        "religion",
        "health",
    ]
    for i in range(600):
        save_article(
            store,
            Article(
                source="hespress" if i % 2 else "alyaoum24",
                url=f"https://example.ma/{i}",
                title=f"عنوان الخبر رقم {i} في نشرة اليوم",
                body_html=SEED_BODY,
                body_text="نص",
                summary="ملخص الخبر " * 30,
                num=1000 + i,
                published=t0 + timedelta(minutes=7 * i),
                author="كاتب" if i % 3 else "",
                section=sections[i % 8],
            ),  # fmt: skip
        )
    store.close()


# Every request a different query: the popular word and a number no other request asks (each
# wrk thread counts on its own, so thread k asks k, k + 2, k + 4, ...). The word makes it a
# query of the size that matters (every article a candidate, 200 of them ranked); a number
# alone matched one title.
UNCACHED_LUA = """
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", wrk.path .. (i * 2 + id))
end
"""


def wrk(url: str, duration: int, connections: int, script: Path | None = None) -> dict[str, float]:
    extra = ["-s", str(script)] if script else []
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", *extra, url],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    return {"rps": rps, "p99_ms": round(float(p99.group(1)) * scale, 3)}


def start_nginx(root: Path, port: int) -> subprocess.Popen:
    conf = root / "nginx.conf"
    conf.write_text(
        f"daemon off; worker_processes 2; pid {root}/nginx.pid; error_log {root}/error.log;\n"
        f"events {{ worker_connections 1024; }}\n"
        f"http {{ access_log off; default_type text/html; client_body_temp_path {root}/tmp;\n"
        f"  server {{ listen 127.0.0.1:{port}; root {root}/www; location / {{ try_files $uri $uri/index.html =404; }} }} }}\n"
    )
    (root / "tmp").mkdir(exist_ok=True)
    return subprocess.Popen([shutil.which("nginx"), "-c", str(conf), "-p", str(root)])


def wait_up(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="3 s per measurement (a smoke run)")
    parser.add_argument("--data-dir", type=Path, help="serve this existing archive (not built)")
    parser.add_argument(
        "--query", default="الخبر", help="the popular query (default: in every generated title)"
    )
    parser.add_argument("--article", default="hespress/1599", help="the article page: OUTLET/NUM")
    args = parser.parse_args()
    if args.quick:
        args.duration = 3
    missing = [tool for tool in ("wrk",) if shutil.which(tool) is None]
    if missing:
        print(
            json.dumps(
                {
                    "skipped": f"missing tools: {', '.join(missing)} (apt-get install {' '.join(missing)})"
                }
            )
        )
        return
    root = Path(tempfile.mkdtemp(prefix="nashra-bench-web-"))
    data_dir = args.data_dir.resolve() if args.data_dir else root / "data"
    if not args.data_dir:
        build(data_dir)
    port, nginx_port = free_port(), free_port()
    env = {**os.environ, "NASHRA_DATA_DIR": str(data_dir)}
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "nashra.web.app:app_from_env", "--factory",
                               "--workers", str(args.workers), "--port", str(port), "--log-level", "warning"], env=env)  # fmt: skip
    nginx = None
    try:
        base = f"http://127.0.0.1:{port}"
        wait_up(base + "/healthz")
        word = quote(args.query)
        pages = {"home": "/", "article": f"/{args.article}", "search": f"/search?q={word}",
                 "api_search": f"/api/v1/search?q={word}"}  # fmt: skip
        for path in pages.values():
            target = root / "www" / path.split("?")[0].strip("/") / "index.html"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(httpx.get(base + path).content)
        if shutil.which("nginx"):
            nginx = start_nginx(root, nginx_port)
            wait_up(f"http://127.0.0.1:{nginx_port}/")
        results = {}
        for name, path in pages.items():
            ours = wrk(base + path, args.duration, args.connections)
            static = None
            if nginx:
                static = wrk(
                    f"http://127.0.0.1:{nginx_port}{path}", args.duration, args.connections
                )
            results[name] = {"bytes": len(httpx.get(base + path).content), "nashra": ours, "nginx": static,
                             "throughput_share": round(ours["rps"] / static["rps"], 3) if static else None}  # fmt: skip
        script = root / "uncached.lua"
        script.write_text(UNCACHED_LUA)
        for name, path in (
            ("search_uncached", f"/search?q={word}%20"),
            ("api_search_uncached", f"/api/v1/search?q={word}%20"),
        ):
            results[name] = {"nashra": wrk(base + path, args.duration, args.connections, script)}
        if nginx:
            # Our cost ÷ nginx's for the same page: the inverse of the throughput ratio.
            results["ratio_vs_nginx"] = round(
                results["article"]["nginx"]["rps"] / results["article"]["nashra"]["rps"], 3
            )
            results["ratio_vs_nginx_home"] = round(
                results["home"]["nginx"]["rps"] / results["home"]["nashra"]["rps"], 3
            )
        print(json.dumps(results))
    finally:
        server.terminate()
        if nginx:
            nginx.terminate()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
