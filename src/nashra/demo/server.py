"""``DemoServer``: the demo sites on a loopback port, in a background thread.

The standard library's ThreadingHTTPServer is enough: one thread per connection, keep-alive,
and nothing to install; it starts in milliseconds because ``DemoSites`` renders lazily.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import TYPE_CHECKING

from nashra.demo.responses import reason

if TYPE_CHECKING:  # sites.py re-exports DemoServer, so no import at run time
    from nashra.demo.sites import DemoSites

REQUEST_LOG_MAX = 20000


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "NashraDemo/1.0"
    # Headers and body leave in one write: separate small writes meet delayed ACKs (~40 ms each).
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True
    server: _Server

    def _answer(self) -> None:
        owner = self.server.owner
        target = self.path
        if not target.isascii():
            # A client that sent raw UTF-8: http.server decoded the request line as latin-1.
            target = target.encode("latin-1", "replace").decode("utf-8", "replace")
        if target.startswith(("http://", "https://")):
            target = "/" + target.split("://", 1)[1].partition("/")[2]
        headers = {k.lower(): v for k, v in self.headers.items()}
        if owner.delay:
            time.sleep(owner.delay)  # tests slow the sites down to interrupt a crawl mid-way
        try:
            res = owner.sites.respond(self.command, target, headers, owner.base_url)
        except Exception:  # a demo bug must show as a 500, not a dropped connection
            body = b"internal error\n"
            self.send_response(500)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            owner._log(self.command, target, 500)
            raise
        owner._log(self.command, target, res.status)  # before the answer: tests read it after
        self.send_response(res.status, reason(res.status))
        for name, value in res.headers:
            self.send_header(name, value)
        self.end_headers()
        if res.body:
            self.wfile.write(res.body)

    do_GET = _answer
    do_HEAD = _answer

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self._answer()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - silence stderr
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    owner: DemoServer


class DemoServer:
    """Runs ``DemoSites`` on ``host``:``port`` (0: any free port) in a background thread."""

    def __init__(self, sites: DemoSites, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sites = sites
        self.host = host
        self.port = port
        self.base_url = ""
        self.delay = 0.0  # seconds added to every answer
        self.request_log: list[tuple[str, str, int]] = []
        self._log_lock = threading.Lock()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    def _log(self, method: str, path: str, status: int) -> None:
        with self._log_lock:
            self.request_log.append((method, path, status))
            if len(self.request_log) > REQUEST_LOG_MAX:
                del self.request_log[: REQUEST_LOG_MAX // 2]

    def start(self) -> None:
        """Bind the port and serve in a daemon thread; ``base_url`` is set on return."""
        if self._httpd is not None:
            return
        httpd = _Server((self.host, self.port), _Handler)
        httpd.owner = self
        self._httpd = httpd
        self.port = httpd.server_address[1]
        self.base_url = f"http://{self.host}:{self.port}"
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.name = f"nashra-demo-{self.port}"
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and release the port."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> DemoServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
