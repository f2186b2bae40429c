"""The fetch stage: one polite, bounded HTTP GET per call, and a result instead of an exception.

Everything that can go wrong on the network or in HTTP ends in a :class:`FetchResult` with an
``error_kind`` the pipeline can count and show (timeouts, oversized bodies, redirect loops,
robots.txt refusals, HTTP errors, refused connections, bad URLs); the caller never needs a
``try``. What keeps a crawler of many outlets well-behaved lives here, in one place:

* a clear ``User-Agent`` on every request, robots.txt honoured (see :mod:`.robots`);
* at most ``per_host_concurrency`` requests in flight per host and ``total_concurrency`` overall;
* connect and read timeouts from httpx, plus a total deadline per fetch, because a server that
  drips a byte a second never trips a read timeout;
* a body cap enforced while streaming, on the compressed *and* the decompressed bytes, with our
  own bounded decompressors (httpx's would inflate a whole network chunk at once, and one 16 KB
  chunk of brotli can expand to gigabytes);
* redirects followed by hand so each hop is counted, checked against robots.txt and rate-limited;
* conditional GET (``If-None-Match`` / ``If-Modified-Since``) so an unchanged feed costs a 304.
"""

from __future__ import annotations

import asyncio
import logging
import time
import zlib
from dataclasses import dataclass, field
from typing import Any

import brotli
import httpcore
import httpx

from nashra.config import FetchSettings, Settings
from nashra.http.guard import AddressGuard, BlockedAddress, guarded_client
from nashra.http.robots import (
    ROBOTS_ERROR_TTL,
    ROBOTS_MAX_BYTES,
    ROBOTS_TTL,
    RobotsAnswer,
    RobotsCache,
)
from nashra.text.urls import strip_userinfo

__all__ = ["ACCEPT_ENCODING", "FetchResult", "Fetcher", "fetch_sync"]

log = logging.getLogger(__name__)

ACCEPT_ENCODING = "gzip, deflate, br"
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_READ_CHUNK = 64 * 1024
# WHATWG URL "forbidden host code points" (brackets and ':' belong to IPv6 literals).
_FORBIDDEN_HOST_CHARS = frozenset('\x00#/<>?@\\^|%"')


@dataclass
class FetchResult:
    """The outcome of one fetch; ``error``/``error_kind`` say what went wrong, if anything."""

    url: str  # as requested
    final_url: str  # after redirects
    status: int  # 0 when no HTTP response
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names
    content: bytes = b""  # decompressed; b"" on error or 304
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False  # True on 304: nothing to parse downstream
    error: str | None = None  # human-readable, None when ok
    error_kind: str | None = None
    # "timeout" | "too_large" | "too_many_redirects" | "robots" | "http" | "connection"
    # | "content_type" | "invalid_url" | "blocked" (the address guard refused the host)
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        """A 2xx with content, or a 304."""
        if self.error is not None:
            return False
        return self.not_modified or (200 <= self.status < 300 and bool(self.content))

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-case (``""`` when absent)."""
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


@dataclass
class _Walk:
    """State of one fetch across its redirect hops."""

    deadline: float | None = None  # loop time; set when the first request gets its slots
    response: httpx.Response | None = None  # of the current hop, once its headers arrived


class _FetchError(Exception):
    """Internal: ends a fetch with an error result (carries what we know so far)."""

    def __init__(
        self,
        kind: str,
        message: str,
        response: httpx.Response | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.response = response


class Fetcher:
    """An HTTP client for the crawler; use one per event loop (``async with Fetcher(s) as f``).

    ``robots_ttl`` / ``robots_error_ttl`` say how long a host's robots.txt answer is reused
    (defaults: a day, and ten minutes when robots.txt could not be reached).
    """

    def __init__(
        self,
        settings: FetchSettings,
        *,
        robots_ttl: float = ROBOTS_TTL,
        robots_error_ttl: float = ROBOTS_ERROR_TTL,
    ) -> None:
        self.settings = settings
        limits = httpx.Limits(
            max_connections=max(1, settings.total_concurrency),
            max_keepalive_connections=max(1, settings.total_concurrency),
        )
        self._guard = AddressGuard(settings.fetch_allow_networks)
        self._client = guarded_client(
            self._guard,
            limits=limits,
            headers={
                "User-Agent": settings.user_agent,
                "Accept-Encoding": ACCEPT_ENCODING,
            },
            timeout=httpx.Timeout(
                connect=settings.connect_timeout,
                read=settings.read_timeout,
                write=settings.read_timeout,
                pool=settings.total_timeout,
            ),
        )  # redirects are followed by hand: counted, robots-checked, rate-limited, guarded
        self._global_slots = asyncio.Semaphore(max(1, settings.total_concurrency))
        self._host_slots: dict[str, asyncio.Semaphore] = {}
        self._robots = RobotsCache(
            self._fetch_robots, settings.user_agent, robots_ttl, robots_error_ttl
        )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self._client.aclose()

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
        max_bytes: int | None = None,
        check_robots: bool = True,
    ) -> FetchResult:
        """GET ``url``; never raises for network or HTTP trouble (see :class:`FetchResult`).

        ``etag``/``last_modified`` make the request conditional (a 304 gives
        ``not_modified=True`` and keeps them). ``accept`` is sent as the Accept header and a
        response whose Content-Type matches none of its media ranges ends in
        ``error_kind="content_type"`` before its body is read (a missing Content-Type passes).
        ``max_bytes`` overrides ``settings.max_body_bytes`` for this call.
        """
        started = time.monotonic()
        limit = max_bytes if max_bytes is not None else self.settings.max_body_bytes
        result = await self._fetch(
            url,
            etag=etag,
            last_modified=last_modified,
            accept=accept,
            max_bytes=limit,
            check_robots=check_robots and self.settings.respect_robots,
            truncate=False,
        )
        result.elapsed = time.monotonic() - started
        if result.error:
            log.info("fetch %s failed (%s): %s", url, result.error_kind, result.error)
        return result

    async def refusal(self, url: str) -> str | None:
        """Why the guard would refuse ``url`` (its host resolved and checked), without fetching
        it; None if it may be fetched or its name does not resolve now. For addresses that are
        recorded before they are fetched, such as feeds a home page declares."""
        try:
            self._guard.check_url(url)
            parts = httpx.URL(url)
            await self._guard.resolve(parts.host, parts.port or 443)
        except BlockedAddress as exc:
            return str(exc)
        except (httpx.InvalidURL, httpcore.ConnectError, ValueError):
            return None
        return None

    # the walk along redirects ------------------------------------------------------------
    async def _fetch(
        self,
        url: str,
        *,
        etag: str | None,
        last_modified: str | None,
        accept: str | None,
        max_bytes: int,
        check_robots: bool,
        truncate: bool,
    ) -> FetchResult:
        headers: dict[str, bytes] = {}
        if etag:
            headers["If-None-Match"] = _header_bytes(etag)
        if last_modified:
            headers["If-Modified-Since"] = _header_bytes(last_modified)
        if accept:
            headers["Accept"] = _header_bytes(accept)

        current = url = strip_userinfo(url) if isinstance(url, str) else url
        try:
            self._guard.check_url(url)
        except BlockedAddress as exc:
            return _failure(url, url, "blocked", str(exc))
        problem = _url_problem(url)
        if problem:
            return _failure(url, url, "invalid_url", problem)
        walk = _Walk()
        redirects = 0
        while True:
            if check_robots and not await self._robots.allowed(current):
                return _failure(url, current, "robots", f"robots.txt disallows {current}")
            try:
                outcome = await self._request(current, headers, accept, max_bytes, truncate, walk)
            except _FetchError as exc:
                return _failure(url, current, exc.kind, exc.message, exc.response)
            except BlockedAddress as exc:
                return _failure(url, current, "blocked", str(exc))
            except TimeoutError:
                message = f"no complete response within {self.settings.total_timeout:g} s"
                return _failure(url, current, "timeout", message, walk.response)
            except httpx.TimeoutException as exc:
                return _failure(url, current, "timeout", _describe_timeout(exc), walk.response)
            except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
                return _failure(url, current, "invalid_url", f"invalid URL: {exc}")
            except (httpx.HTTPError, OSError) as exc:
                return _failure(url, current, "connection", _describe(exc), walk.response)

            if isinstance(outcome, str):  # a redirect to follow
                if redirects >= self.settings.max_redirects:
                    return _failure(
                        url,
                        current,
                        "too_many_redirects",
                        f"more than {self.settings.max_redirects} redirects (last to {outcome})",
                    )
                try:
                    self._guard.check_url(outcome)
                except BlockedAddress as exc:
                    return _failure(url, outcome, "blocked", f"redirect to {outcome}: {exc}")
                problem = _url_problem(outcome)
                if problem:
                    return _failure(url, outcome, "invalid_url", f"redirect to {problem}")
                redirects += 1
                current = strip_userinfo(outcome)
                continue
            return _result(url, outcome, etag, last_modified)

    # one request -------------------------------------------------------------------------
    async def _request(
        self,
        url: str,
        headers: dict[str, bytes],
        accept: str | None,
        max_bytes: int,
        truncate: bool,
        walk: _Walk,
    ) -> str | tuple[httpx.Response, bytes]:
        """One GET; returns the next URL for a redirect, else ``(response, body)``."""
        host = httpx.URL(url).host.lower()
        host_slots = self._host_slots.setdefault(
            host, asyncio.Semaphore(max(1, self.settings.per_host_concurrency))
        )
        # Host first: a request waiting for a busy host must not hold a global slot.
        async with host_slots, self._global_slots:
            if walk.deadline is None:
                walk.deadline = asyncio.get_running_loop().time() + self.settings.total_timeout
            walk.response = None
            async with asyncio.timeout_at(walk.deadline):
                request = self._client.build_request("GET", url, headers=headers)
                response = walk.response = await self._client.send(request, stream=True)
                try:
                    return await self._handle(response, accept, max_bytes, truncate)
                finally:
                    await response.aclose()

    async def _handle(
        self, response: httpx.Response, accept: str | None, max_bytes: int, truncate: bool
    ) -> str | tuple[httpx.Response, bytes]:
        status = response.status_code
        if status in _REDIRECT_STATUSES:
            location = response.headers.get("location")
            if not location:
                raise _FetchError("http", f"HTTP {status} redirect without Location", response)
            try:
                return str(response.url.join(location.strip()))
            except (httpx.InvalidURL, ValueError) as exc:
                raise _FetchError(
                    "invalid_url", f"bad redirect Location {location!r}: {exc}", response
                ) from exc
        if status == 304:
            return response, b""
        if not 200 <= status < 300:
            reason = response.reason_phrase or ""
            raise _FetchError("http", f"HTTP {status} {reason}".strip(), response)
        media_type = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if accept and media_type and not _accepts(accept, media_type):
            raise _FetchError("content_type", f"got {media_type}, wanted {accept}", response)
        declared = response.headers.get("content-length", "")
        if not truncate and declared.isascii() and declared.isdigit() and int(declared) > max_bytes:
            raise _FetchError(
                "too_large", f"Content-Length {declared} exceeds {max_bytes} bytes", response
            )
        body = await _read_body(response, max_bytes, truncate)
        if not body and not truncate:  # (an empty robots.txt is fine: it allows everything)
            raise _FetchError("http", f"HTTP {status} with an empty body", response)
        return response, body

    # robots ------------------------------------------------------------------------------
    async def _fetch_robots(self, robots_url: str) -> RobotsAnswer:
        """Fetch robots.txt through the same limits as any page, parsing at most 500 KiB."""
        result = await self._fetch(
            robots_url,
            etag=None,
            last_modified=None,
            accept=None,
            max_bytes=min(ROBOTS_MAX_BYTES, self.settings.max_body_bytes),
            check_robots=False,
            truncate=True,
        )
        if result.error:
            log.info("robots.txt %s: %s (%s)", robots_url, result.error, result.error_kind)
        return RobotsAnswer(result.status, result.content, result.error_kind)


def fetch_sync(url: str, settings: Settings, **kw: Any) -> FetchResult:
    """Fetch one URL from synchronous code (the CLI): a fresh event loop and client per call."""

    async def run() -> FetchResult:
        async with Fetcher(settings.fetch) as fetcher:
            return await fetcher.fetch(url, **kw)

    return asyncio.run(run())


# body reading and decompression ------------------------------------------------------------
async def _read_body(response: httpx.Response, max_bytes: int, truncate: bool) -> bytes:
    """Stream the body, decompressing as we go, and stop as soon as either size passes the cap.

    With ``truncate`` (robots.txt) the first ``max_bytes`` are returned instead of an error.
    """
    decoder = _Decoder(response.headers.get("content-encoding", ""), response)
    raw_total = 0
    body = bytearray()
    async for chunk in response.aiter_raw(_READ_CHUNK):
        raw_total += len(chunk)
        body += decoder.feed(chunk, max_bytes - len(body) + 1)
        if decoder.overflowed or len(body) > max_bytes or raw_total > max_bytes:
            if truncate:
                return bytes(body[:max_bytes])
            raise _FetchError(
                "too_large", f"body exceeds {max_bytes} bytes (stopped reading)", response
            )
    return bytes(body)


class _Decoder:
    """Undo Content-Encoding (gzip, deflate, br, in any chain) never producing more than asked.

    Each stage is given the room left under the cap (plus one byte); a stage that fills it sets
    ``overflowed`` and the caller stops, so a decompression bomb costs at most the cap in memory.
    """

    def __init__(self, header: str, response: httpx.Response) -> None:
        codings = [c.strip().lower() for c in header.split(",") if c.strip()]
        # Applied in the order listed, so undone in reverse. Unknown codings pass through,
        # as httpx and browsers do ("Content-Encoding: utf-8" is a common misconfiguration).
        stages = [_make_stage(c) for c in reversed(codings)]
        self._stages = [s for s in stages if s is not None]
        self._response = response
        self.overflowed = False

    def feed(self, data: bytes, room: int) -> bytes:
        try:
            for stage in self._stages:
                data = stage.feed(data, room)
                if len(data) >= room:
                    self.overflowed = True
                    return data
        except (zlib.error, brotli.error) as exc:
            raise _FetchError("http", f"corrupt compressed body: {exc}", self._response) from exc
        return data


class _ZlibStage:
    """gzip (with concatenated members) or deflate (zlib-wrapped or raw, as servers vary)."""

    def __init__(self, coding: str) -> None:
        self._coding = coding
        self._wbits = zlib.MAX_WBITS | 16 if coding == "gzip" else zlib.MAX_WBITS
        self._obj = zlib.decompressobj(self._wbits)
        self._started = False

    def feed(self, data: bytes, room: int) -> bytes:
        out = bytearray()
        pending = data
        while pending and len(out) < room:
            try:
                out += self._obj.decompress(pending, room - len(out))
            except zlib.error:
                if self._coding == "deflate" and not self._started:
                    # Many servers send raw deflate under "deflate": retry without a header.
                    self._wbits = -zlib.MAX_WBITS
                    self._obj = zlib.decompressobj(self._wbits)
                    self._started = True
                    continue
                raise
            self._started = True
            if self._obj.unconsumed_tail:
                pending = self._obj.unconsumed_tail
            elif self._obj.eof and self._obj.unused_data:
                pending = self._obj.unused_data  # the next gzip member
                self._obj = zlib.decompressobj(self._wbits)
            else:
                pending = b""
        return bytes(out)


class _BrotliStage:
    def __init__(self) -> None:
        self._obj = brotli.Decompressor()

    def feed(self, data: bytes, room: int) -> bytes:
        # Output beyond ``room`` stays inside the decompressor; we never ask for it because
        # filling ``room`` ends the read.
        return bytes(self._obj.process(data, output_buffer_limit=max(1, room))) if data else b""


def _make_stage(coding: str) -> _ZlibStage | _BrotliStage | None:
    if coding in ("gzip", "x-gzip"):
        return _ZlibStage("gzip")
    if coding == "deflate":
        return _ZlibStage("deflate")
    if coding == "br":
        return _BrotliStage()
    return None


# helpers -----------------------------------------------------------------------------------
def _header_bytes(value: str) -> bytes:
    """Header values as bytes: validators echoed back from a server may hold non-ASCII."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


def _url_problem(url: str) -> str | None:
    """Why ``url`` cannot be fetched, or None."""
    if not isinstance(url, str) or not url:
        return f"invalid URL {url!r}"
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        return f"invalid URL {url!r}: {exc}"
    if parsed.scheme not in ("http", "https"):
        return f"unsupported URL scheme in {url!r} (only http and https)"
    if not parsed.host:
        return f"URL without a host: {url!r}"
    if any(ch.isspace() or ch in _FORBIDDEN_HOST_CHARS for ch in parsed.host):
        return f"invalid host in {url!r}"
    return None


def _accepts(accept: str, media_type: str) -> bool:
    """Does ``media_type`` match one of the media ranges (with q > 0) in an Accept value?"""
    main = media_type.split("/", 1)[0]
    for item in accept.split(","):
        parts = [p.strip() for p in item.split(";")]
        wanted = parts[0].lower()
        quality = 1.0
        for param in parts[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 1.0
        if quality <= 0 or not wanted:
            continue
        if wanted in ("*/*", "*", media_type) or wanted == f"{main}/*":
            return True
    return False


def _failure(
    url: str,
    final_url: str,
    kind: str,
    message: str,
    response: httpx.Response | None = None,
) -> FetchResult:
    result = FetchResult(url=url, final_url=final_url, status=0, error=message, error_kind=kind)
    if response is not None:
        result.status = response.status_code
        result.headers = _headers(response)
        result.final_url = str(response.url)
    return result


def _result(
    url: str,
    outcome: tuple[httpx.Response, bytes],
    etag: str | None,
    last_modified: str | None,
) -> FetchResult:
    response, body = outcome
    headers = _headers(response)
    not_modified = response.status_code == 304
    return FetchResult(
        url=url,
        final_url=str(response.url),
        status=response.status_code,
        headers=headers,
        content=b"" if not_modified else body,
        etag=headers.get("etag") or (etag if not_modified else None),
        last_modified=headers.get("last-modified") or (last_modified if not_modified else None),
        not_modified=not_modified,
    )


def _headers(response: httpx.Response) -> dict[str, str]:
    merged: dict[str, str] = {}
    for name, value in response.headers.multi_items():
        key = name.lower()
        merged[key] = f"{merged[key]}, {value}" if key in merged else value
    return merged


def _describe_timeout(exc: httpx.TimeoutException) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return "connect timeout"
    if isinstance(exc, httpx.ReadTimeout):
        return "read timeout (server stopped sending)"
    if isinstance(exc, httpx.PoolTimeout):
        return "timed out waiting for a free connection"
    return f"timeout: {exc.__class__.__name__}"


def _describe(exc: BaseException) -> str:
    text = str(exc) or exc.__class__.__name__
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect: {text}"
    return f"{exc.__class__.__name__}: {text}"
