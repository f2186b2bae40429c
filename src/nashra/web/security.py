"""Security headers on every answer of the portal (issue 13 §7).

* ``Content-Security-Policy`` on HTML pages: scripts only from the portal itself (the pages have
  no inline script), no plugins, forms and ``<base>`` only to the portal, and
  ``frame-ancestors 'self'`` so no other site can frame a page (clickjacking) — except the
  embeddable news box under ``/widget``, which exists to be framed.
* ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy`` on everything.

The origins pages may frame (``frame-src``) are the features': the video feature adds its
players' (``ctx.frame_sources``, filled when the features mount).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["SecurityHeadersMiddleware", "content_security_policy"]

_POLICY = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",  # a few style attributes; no script can use them
    "img-src 'self' data:",
    "connect-src 'self'",
    "media-src 'self' https:",  # a video file an outlet links in its feed, on play only
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
]


def content_security_policy(frame_sources: Sequence[str], *, embeddable: bool = False) -> str:
    """The policy of HTML pages; ``frame_sources`` are the origins they may frame (the
    click-to-play players of issue 18, loaded only when a reader presses play). An embeddable
    page (/widget) may be framed by any site."""
    frame_src = " ".join(["frame-src 'self'", *frame_sources])
    policy = [*_POLICY[:5], frame_src, *_POLICY[5:]]
    return "; ".join(policy if embeddable else [*policy, "frame-ancestors 'self'"])


EMBEDDABLE_PREFIXES = ("/widget", "/fr/widget", "/en/widget")
_ALWAYS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
]


class SecurityHeadersMiddleware:
    """Pure ASGI, outermost: cached pages get the same headers as freshly rendered ones."""

    def __init__(self, app: Any, frame_sources: Sequence[str] = ()) -> None:
        self.app = app
        self.page_policy = content_security_policy(frame_sources).encode()
        self.embeddable_policy = content_security_policy(frame_sources, embeddable=True).encode()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        embeddable = path.startswith(EMBEDDABLE_PREFIXES)
        policy = self.embeddable_policy if embeddable else self.page_policy

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers += [(n, v) for n, v in _ALWAYS if n not in names]
                content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
                if (
                    content_type.startswith(b"text/html")
                    and b"content-security-policy" not in names
                ):
                    headers.append((b"content-security-policy", policy))
                if not embeddable and b"x-frame-options" not in names:
                    headers.append((b"x-frame-options", b"SAMEORIGIN"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
