"""HTTP semantics of the demo sites: validators (ETag, Last-Modified), 304 and gzip.

Kept apart from routing so that the same rules apply to pages, feeds and pictures.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime


@dataclass
class Response:
    """A complete HTTP response (the body is already encoded)."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive)."""
        lname = name.lower()
        return next((v for k, v in self.headers if k.lower() == lname), None)


@dataclass(frozen=True)
class Resource:
    """What a route produced before content negotiation and validators."""

    body: bytes
    content_type: str
    last_modified: datetime | None = None
    compressible: bool = True
    status: int = 200

    @property
    def etag(self) -> str:
        """A strong validator: the body's digest."""
        return '"' + hashlib.sha1(self.body).hexdigest()[:20] + '"'


_REASONS = {200: "OK", 304: "Not Modified", 404: "Not Found", 405: "Method Not Allowed"}


def reason(status: int) -> str:
    """The reason phrase of a status code."""
    return _REASONS.get(status, "")


def accepts_gzip(accept_encoding: str) -> bool:
    """True when the client's Accept-Encoding allows gzip (and does not give it q=0)."""
    for part in accept_encoding.split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "x-gzip", "*"):
            q = params.strip().lower()
            if q.startswith("q="):
                try:
                    return float(q[2:]) > 0
                except ValueError:
                    return False
            return True
    return False


def _etags(value: str) -> set[str]:
    out = set()
    for tag in value.split(","):
        tag = tag.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        out.add(tag.replace("-gzip", ""))
    return out


def _not_modified(res: Resource, headers: Mapping[str, str]) -> bool:
    inm = headers.get("if-none-match")
    if inm is not None:
        tags = _etags(inm)
        return "*" in tags or res.etag in tags
    ims = headers.get("if-modified-since")
    if ims and res.last_modified is not None:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            return False
        return res.last_modified.replace(microsecond=0) <= since
    return False


def finish(res: Resource, method: str, headers: Mapping[str, str]) -> Response:
    """Apply validators and gzip to ``res`` for a request with ``headers`` (lower-case keys)."""
    out = [("Content-Type", res.content_type), ("Vary", "Accept-Encoding")]
    etag = res.etag
    if res.last_modified is not None:
        out.append(
            ("Last-Modified", format_datetime(res.last_modified.astimezone(UTC), usegmt=True))
        )
    if res.status == 200 and _not_modified(res, headers):
        out.append(("ETag", etag))
        return Response(304, out, b"")
    body = res.body
    if res.compressible and len(body) > 256 and accepts_gzip(headers.get("accept-encoding", "")):
        body = gzip.compress(body, compresslevel=6, mtime=0)
        out.append(("Content-Encoding", "gzip"))
        etag = etag[:-1] + '-gzip"'
    if res.status == 200:
        out.append(("ETag", etag))
    out.append(("Content-Length", str(len(body))))
    return Response(res.status, out, b"" if method == "HEAD" else body)
