"""A real HTTP/1.1 server on loopback for tests: routes in, recorded requests out.

Tests across the project use it instead of mocking HTTP: the code under test opens real sockets,
parses real headers and reads real (possibly chunked, slow or compressed) bodies.

    routes = {
        "/feed.xml": (200, {"Content-Type": "application/rss+xml"}, rss_bytes),
        "/moved": lambda req: (301, {"Location": "/feed.xml"}, b""),
        "/slow": lambda req: (200, {}, drip(b"x" * 10, delay=1.0)),   # body as an iterable
    }
    with LoopbackServer(routes) as server:
        fetch(server.url("/feed.xml"))
        assert server.hits("/feed.xml") == 1

A route is either a fixed ``(status, headers, body)`` or a callable taking a :class:`Request` and
returning one. A body is ``bytes`` (sent with Content-Length unless the route sets its own) or an
iterable of ``bytes`` chunks, sent one by one and flushed (chunked transfer encoding unless the
route sets Content-Length), so a generator that sleeps between chunks makes a slow server. Routes
are matched on the full target (path and query, raw then percent-decoded) first, then on the
decoded path; anything else is a 404.
``server.routes`` may be changed while the server runs.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = ["LoopbackServer", "Request", "Response", "Route", "drip"]

Body = bytes | Iterable[bytes]
Response = tuple[int, dict[str, str], Body]
Route = Response | Callable[["Request"], Response]


@dataclass
class Request:
    """One request as the server saw it."""

    method: str
    target: str  # path with query, as sent (percent-encoded)
    path: str  # percent-decoded, so routes may be written "/أخبار/feed"
    query: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    client: tuple[str, int]


def free_port() -> int:
    """A loopback port nobody listens on (for servers that need one up front, or refusals)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def drip(data: bytes, delay: float, chunk: int = 1) -> Iterator[bytes]:
    """Yield ``data`` ``chunk`` bytes at a time, sleeping ``delay`` seconds before each piece."""
    for start in range(0, len(data), chunk):
        time.sleep(delay)
        yield data[start : start + chunk]


class LoopbackServer:
    """Serve ``routes`` from a background thread on ``host`` (loopback) and an ephemeral port."""

    def __init__(self, routes: dict[str, Route] | None = None, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.host = host
        self.requests: list[Request] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle -----------------------------------------------------------------------------
    def start(self) -> LoopbackServer:
        handler = _make_handler(self)
        server_class = _QuietServer6 if ":" in self.host else _QuietServer
        httpd = server_class((self.host, 0), handler)
        httpd.daemon_threads = True
        httpd.block_on_close = False  # slow handlers must not hold up the end of a test
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # addresses -----------------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("server is not running")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def url(self, path: str = "/") -> str:
        """Absolute URL of ``path`` on this server."""
        if not path.startswith("/"):
            path = "/" + path
        return self.base_url + path

    # inspection ----------------------------------------------------------------------------
    def hits(self, path: str) -> int:
        """How many requests asked for ``path`` (matched on path, or on target if it has '?')."""
        with self._lock:
            if "?" in path:
                return sum(1 for r in self.requests if path in (r.target, unquote(r.target)))
            return sum(1 for r in self.requests if r.path == path)

    def requests_for(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    # internals -----------------------------------------------------------------------------
    def _record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _done(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def _route(self, request: Request) -> Response:
        route = None
        for key in (request.target, unquote(request.target), request.path):
            route = self.routes.get(key)
            if route is not None:
                break
        if route is None:
            return 404, {"Content-Type": "text/plain"}, b"not found"
        if callable(route):
            return route(request)
        return route


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that hang up (timeouts, size caps, closed keep-alive) are normal in these tests.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


class _QuietServer6(_QuietServer):
    address_family = socket.AF_INET6


def _make_handler(server: LoopbackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
            pass  # keep test output clean

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            request = Request(
                method=self.command,
                target=self.path,
                path=unquote(parts.path),
                query=parts.query,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
                client=self.client_address[:2],
            )
            server._record(request)
            try:
                status, headers, payload = server._route(request)
                self._send(status, headers, payload)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (timeouts, size caps)
            finally:
                server._done()

        def _send(self, status: int, headers: dict[str, str], payload: Body) -> None:
            self.send_response(status)
            names = {k.lower() for k in headers}
            for name, value in headers.items():
                self.send_header(name, value)
            head_only = self.command == "HEAD" or status in (204, 304) or status < 200
            if isinstance(payload, bytes | bytearray):
                if "content-length" not in names and status not in (204, 304):
                    self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if not head_only:
                    self.wfile.write(payload)
                return
            chunked = "content-length" not in names and not head_only
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.flush()
            if head_only:
                return
            for piece in payload:
                if not piece:
                    continue
                if chunked:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                else:
                    self.wfile.write(piece)
                self.wfile.flush()
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
            else:
                self.close_connection = True

        do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

    return Handler
