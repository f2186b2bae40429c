"""Rendered pages kept in memory, served with ETags, dropped when the archive changes.

Rendering a page costs ~30x more than sending stored bytes, so every cacheable response (pages,
feeds, API listings: those sent with ``PAGE_CACHE_CONTROL``) is kept once rendered, keyed by host,
path, query and interface language. A cheap archive fingerprint is read at most once per
``interval`` seconds; when it changes every entry is dropped. Conditional requests
(``If-None-Match`` / ``If-Modified-Since``) answer 304 from the entry without rendering. A page
is compressed once, the first time a client that accepts gzip asks for it.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from functools import cached_property
from typing import Any

import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nashra.observe.metrics import PAGE_CACHE_HIT, PAGE_CACHE_MISS
from nashra.web.editions import edition_of_path

log = logging.getLogger("nashra.web.cache")

PAGE_CACHE_CONTROL = "public, max-age=60"
# what never changes under its name (a content hash, a versioned static file)
IMMUTABLE = "public, max-age=31536000, immutable"
_UNSET: Any = object()
GZIP_LEVEL = 6  # a cached page is compressed once and sent many times
QUICK_GZIP_LEVEL = 1  # for the paths whose pages are mostly asked once
GZIP_ABOVE = 1024  # bytes: a smaller body is always sent as it is


@dataclass
class CachedPage:
    status: int
    headers: list[tuple[bytes, bytes]]  # without length, etag and encoding
    body: bytes
    etag: str
    rendered_at: float
    gzip_level: int = GZIP_LEVEL

    @property
    def size(self) -> int:
        """The body and room for its compressed copy (never larger for a body worth
        compressing), counted up front: the copy is made later, when a client asks for it."""
        return 2 * len(self.body)

    @property
    def compressible(self) -> bool:
        return len(self.body) > GZIP_ABOVE

    @cached_property
    def gz(self) -> bytes:
        """The compressed body, made the first time a client that accepts gzip asks for it
        rather than when the page is rendered: a page asked once by a client without gzip (a
        feed reader, a script of the API, most bots) is never compressed."""
        return gzip.compress(self.body, self.gzip_level)

    @cached_property
    def gz_etag(self) -> str:
        return self.etag[:-1] + '-gz"'

    @cached_property
    def _validators(self) -> list[tuple[bytes, bytes]]:
        return [
            (b"last-modified", formatdate(self.rendered_at, usegmt=True).encode()),
            (b"vary", b"Accept-Encoding"),
        ]

    @cached_property
    def plain_headers(self) -> list[tuple[bytes, bytes]]:
        """Every header of a full answer, built once per cached page, not once per request."""
        return [*self.headers, (b"etag", self.etag.encode()), *self._validators,
                (b"content-length", str(len(self.body)).encode())]  # fmt: skip

    @cached_property
    def gz_headers(self) -> list[tuple[bytes, bytes]]:
        return [*self.headers, (b"etag", self.gz_etag.encode()), *self._validators,
                (b"content-length", str(len(self.gz)).encode()),
                (b"content-encoding", b"gzip")]  # fmt: skip


class ArchiveWatch:
    """The archive's current version, probed at most once per ``interval`` seconds."""

    def __init__(self, probe: Callable[[], Hashable], interval: float = 1.0) -> None:
        self.probe = probe
        self.interval = interval
        self.version: Hashable = _UNSET
        self._checked = 0.0
        self._lock = asyncio.Lock()

    async def current(self) -> Hashable:
        if self.version is not _UNSET and time.monotonic() - self._checked < self.interval:
            return self.version
        async with self._lock:
            if self.version is _UNSET or time.monotonic() - self._checked >= self.interval:
                try:
                    self.version = await anyio.to_thread.run_sync(self.probe)
                except Exception:  # the database is down: keep serving what we have
                    log.exception("archive version probe failed")
                    if self.version is _UNSET:
                        self.version = None
                self._checked = time.monotonic()
        return self.version


class PageCache:
    """A bounded LRU of rendered responses, all belonging to one archive version."""

    def __init__(self, max_entries: int = 5000, max_bytes: int = 256 * 1024 * 1024) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.version: Hashable = _UNSET
        self._entries: OrderedDict[Hashable, CachedPage] = OrderedDict()
        self._bytes = 0
        self.on_reset: list[Callable[[], None]] = []
        self.hits = 0
        self.misses = 0
        self.renders = 0

    def __len__(self) -> int:
        return len(self._entries)

    def reset(self, version: Hashable) -> None:
        """Drop every entry (and derived memos) because the archive moved to ``version``."""
        self._entries.clear()
        self._bytes = 0
        self.version = version
        for callback in self.on_reset:
            callback()

    def get(self, key: Hashable) -> CachedPage | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: Hashable, entry: CachedPage) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= old.size
        self._entries[key] = entry
        self._bytes += entry.size
        while self._entries and (
            len(self._entries) > self.max_entries or self._bytes > self.max_bytes
        ):
            _, dropped = self._entries.popitem(last=False)
            self._bytes -= dropped.size


def make_etag(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return value
    return None


def _etag_matches(header: bytes, etag: str) -> bool:
    wanted = {tag.strip().removeprefix("W/") for tag in header.decode("latin-1").split(",")}
    return "*" in wanted or etag in wanted


def not_modified(scope: Scope, etag: str, rendered_at: float) -> bool:
    """Whether the client's copy (by ETag, else by date) is still the current one."""
    inm = _header(scope, b"if-none-match")
    if inm is not None:
        return _etag_matches(inm, etag)
    ims = _header(scope, b"if-modified-since")
    if ims is not None:
        try:
            return int(rendered_at) <= parsedate_to_datetime(ims.decode("latin-1")).timestamp()
        except (TypeError, ValueError):
            return False
    return False


class PageCacheMiddleware:
    """Serve cached pages, and keep the cacheable responses the app renders."""

    def __init__(
        self,
        app: ASGIApp,
        cache: PageCache,
        watch: ArchiveWatch,
        quick_gzip_paths: Collection[str] = (),
    ) -> None:
        self.app = app
        self.cache = cache
        self.watch = watch
        # Pages mostly asked once (a search nobody asked before): compressed at the quicker
        # level, a third of the time for a few % more bytes, which a page sent once is worth.
        self.quick_gzip_paths = frozenset(quick_gzip_paths)
        # one render per key at a time: concurrent misses wait for it (no thundering herd)
        self._inflight: dict[Hashable, asyncio.Future[CachedPage | None]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        version = await self.watch.current()
        if version != self.cache.version:
            self.cache.reset(version)
        path = scope["path"]
        key = (_header(scope, b"host"), path, scope["query_string"], edition_of_path(path).code)
        entry = self.cache.get(key)
        if entry is not None:
            self.cache.hits += 1
            PAGE_CACHE_HIT.inc()
            await self._send_entry(entry, scope, send)
            return
        self.cache.misses += 1
        PAGE_CACHE_MISS.inc()
        pending = self._inflight.get(key)
        if pending is not None:
            entry = await asyncio.shield(pending)
            if entry is not None:
                await self._send_entry(entry, scope, send)
            else:
                await self.app(scope, receive, send)
            return
        future: asyncio.Future[CachedPage | None] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        self.cache.renders += 1
        entry = None
        try:
            entry = await self._render(scope, receive, send, key, version)
        finally:
            del self._inflight[key]
            future.set_result(entry)

    async def _render(
        self, scope: Scope, receive: Receive, send: Send, key: Hashable, version: Hashable
    ) -> CachedPage | None:
        start: Message | None = None
        chunks: list[bytes] = []
        capturing = False

        async def capture(message: Message) -> None:
            nonlocal start, capturing
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                cc = next((v for k, v in headers if k.lower() == b"cache-control"), b"")
                capturing = message["status"] == 200 and cc == PAGE_CACHE_CONTROL.encode()
                if capturing:
                    start = message
                else:
                    await send(message)
            elif message["type"] == "http.response.body" and capturing:
                chunks.append(message.get("body", b""))
            else:
                await send(message)

        await self.app(scope, receive, capture)
        if not capturing or start is None:
            return None
        body = b"".join(chunks)
        drop = {b"content-length", b"etag", b"content-encoding", b"last-modified", b"vary"}
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() not in drop]
        entry = CachedPage(
            status=start["status"],
            headers=headers,
            body=body,
            etag=make_etag(body),
            rendered_at=time.time(),
            gzip_level=self._gzip_level(scope["path"]),
        )
        if scope["method"] == "GET" and self.cache.version == version:
            self.cache.put(key, entry)
        await self._send_entry(entry, scope, send)
        return entry

    def _gzip_level(self, path: str) -> int:
        return QUICK_GZIP_LEVEL if path in self.quick_gzip_paths else GZIP_LEVEL

    async def _send_entry(self, entry: CachedPage, scope: Scope, send: Send) -> None:
        use_gz = entry.compressible and b"gzip" in (_header(scope, b"accept-encoding") or b"")
        etag = entry.gz_etag if use_gz else entry.etag
        if not_modified(scope, entry.etag, entry.rendered_at) or (
            use_gz and not_modified(scope, etag, entry.rendered_at)
        ):
            keep = [(k, v) for k, v in entry.headers if k in (b"cache-control",)]
            common = [(b"etag", etag.encode()), *entry._validators]
            await send({"type": "http.response.start", "status": 304, "headers": keep + common})
            await send({"type": "http.response.body", "body": b""})
            return
        body = entry.gz if use_gz else entry.body
        headers = entry.gz_headers if use_gz else entry.plain_headers
        await send({"type": "http.response.start", "status": entry.status, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )
