"""The fetch guard's cost: a guarded fetch against an unguarded fetch of the same loopback page.

Both clients are httpx ``AsyncClient``s with the same limits, one on the plain transport and one
on :class:`nashra.http.guard.GuardedTransport` (the only one Nashra fetches through), and both
ask for ``http://127.0.0.1:PORT/page``. An address, not a name: for a name the guard's one
lookup replaces the lookup the plain transport makes anyway, so what it adds is the parsing and
checking measured here. Two cases, rounds of each interleaved so that machine noise falls on
both alike:

* ``new_connection``: a fresh connection per fetch (``Connection: close``), so every fetch pays
  the guard's resolve-and-check: the worst case, and what ``ratio_vs_unguarded`` reports;
* ``keep_alive``: connections reused, as the crawler fetches many pages of one outlet.

The last line is one JSON object with per-fetch microseconds and ``ratio_vs_unguarded``
(guarded cost / unguarded cost; the aim is <= 1.05).

    .venv/bin/python benchmarks/bench_fetch_guard.py [--quick] [-n N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import httpx  # noqa: E402

from nashra.http.guard import AddressGuard, GuardedTransport  # noqa: E402

PAGE = ("<html><body>" + "<p>نص الخبر</p>" * 200 + "</body></html>").encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without this, delayed ACKs add 40 ms a fetch.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args: object) -> None:
        pass


def _clients(keep_alive: bool) -> dict[str, httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=8, max_keepalive_connections=8 if keep_alive else 0)
    headers = {} if keep_alive else {"Connection": "close"}
    guard = AddressGuard("127.0.0.1/32")
    return {
        "guarded": httpx.AsyncClient(transport=GuardedTransport(guard, limits), headers=headers),
        "unguarded": httpx.AsyncClient(
            transport=httpx.AsyncHTTPTransport(limits=limits, trust_env=False), headers=headers
        ),
    }


async def _round(client: httpx.AsyncClient, url: str, n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        response = await client.get(url)
        assert response.status_code == 200 and len(response.content) == len(PAGE)
    return (time.perf_counter() - started) / n


async def _measure(url: str, keep_alive: bool, n: int, rounds: int) -> dict[str, float]:
    clients = _clients(keep_alive)
    times: dict[str, list[float]] = {name: [] for name in clients}
    try:
        for client in clients.values():  # warm-up
            await _round(client, url, 20)
        for r in range(rounds):
            order = list(clients) if r % 2 == 0 else list(reversed(clients))
            for name in order:
                times[name].append(await _round(clients[name], url, n))
    finally:
        for client in clients.values():
            await client.aclose()
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer fetches (< 15 s)")
    ap.add_argument("-n", type=int, default=None, help="fetches per round")
    args = ap.parse_args()
    n = args.n or (100 if args.quick else 400)
    rounds = 5 if args.quick else 11
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/page"
    try:
        cold = asyncio.run(_measure(url, keep_alive=False, n=n, rounds=rounds))
        warm = asyncio.run(_measure(url, keep_alive=True, n=n, rounds=rounds))
    finally:
        server.shutdown()
    result = {
        "fetches_per_round": n,
        "rounds": rounds,
        "us_per_fetch_guarded_new_connection": round(cold["guarded"] * 1e6, 1),
        "us_per_fetch_unguarded_new_connection": round(cold["unguarded"] * 1e6, 1),
        "us_per_fetch_guarded_keep_alive": round(warm["guarded"] * 1e6, 1),
        "us_per_fetch_unguarded_keep_alive": round(warm["unguarded"] * 1e6, 1),
        "ratio_vs_unguarded": round(cold["guarded"] / cold["unguarded"], 4),
        "ratio_vs_unguarded_keep_alive": round(warm["guarded"] / warm["unguarded"], 4),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
