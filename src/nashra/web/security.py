"""Security headers on every answer of the portal (issue 13 §7).

* ``Content-Security-Policy`` on HTML pages: scripts only from the portal itself (the pages have
  no inline script), no plugins, forms and ``<base>`` only to the portal, and
  ``frame-ancestors 'self'`` so no other site can frame a page (clickjacking) — except the
  embeddable news box under ``/widget``, which exists to be framed.
* ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy`` on everything.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CONTENT_SECURITY_POLICY", "SecurityHeadersMiddleware"]

_POLICY = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",  # a few style attributes; no script can use them
    "img-src 'self' data:",
    "connect-src 'self'",
    "frame-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
]
CONTENT_SECURITY_POLICY = "; ".join([*_POLICY, "frame-ancestors 'self'"])
EMBEDDABLE_POLICY = "; ".join(_POLICY)  # /widget: any site may frame the news box
EMBEDDABLE_PREFIXES = ("/widget", "/fr/widget", "/en/widget")
_ALWAYS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
]


class SecurityHeadersMiddleware:
    """Pure ASGI, outermost: cached pages get the same headers as freshly rendered ones."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        embeddable = path.startswith(EMBEDDABLE_PREFIXES)
        policy = (EMBEDDABLE_POLICY if embeddable else CONTENT_SECURITY_POLICY).encode()

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
