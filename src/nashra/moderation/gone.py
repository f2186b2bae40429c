"""410 Gone for taken-down articles and outlets, on every page, feed and API address.

The rows of taken-down articles are deleted, so their pages would answer 404; this middleware
turns a 404 on an article address that has a live tombstone into a 410 with a short notice (only
404s cost a look-up), and answers 410 at once for every address of an outlet taken down whole
(its page, feeds, articles), from a set refreshed every ``interval`` seconds.
"""

from __future__ import annotations

import json
import time

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nashra.moderation.takedowns import active_outlets, gone, portal_ref
from nashra.store import Store

__all__ = ["GONE_NOTICE", "GoneMiddleware"]

GONE_NOTICE = (
    '<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8">'
    '<meta name="robots" content="noindex"><title>410</title></head><body>'
    "<h1>410</h1><p>أزيل هذا المحتوى من نشرة بطلب.</p>"
    '<p dir="ltr" lang="fr">Ce contenu a été retiré de Nashra sur demande.</p>'
    '<p dir="ltr" lang="en">This content was removed from Nashra on request.</p>'
    '<p><a href="/">نشرة</a></p></body></html>'
).encode()


class GoneMiddleware:
    def __init__(self, app: ASGIApp, store: Store, interval: float = 1.0) -> None:
        self.app = app
        self.store = store
        self.interval = interval
        self._outlets: frozenset[str] = frozenset()
        self._checked = float("-inf")

    async def _gone_outlets(self) -> frozenset[str]:
        now = time.monotonic()
        if now - self._checked >= self.interval:
            self._outlets = await run_in_threadpool(active_outlets, self.store)
            self._checked = now
        return self._outlets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        ref = portal_ref(path)
        if ref is None:
            await self.app(scope, receive, send)
            return
        source, rest = ref
        api = path.startswith("/api/")
        if source in await self._gone_outlets():
            await _send_gone(send, api)
            return
        if rest is None or not rest.isdigit() or len(rest) > 18:
            await self.app(scope, receive, send)
            return
        held: list[Message] = []

        async def watch(message: Message) -> None:
            if held or (message["type"] == "http.response.start" and message["status"] == 404):
                held.append(message)
                return
            await send(message)

        await self.app(scope, receive, watch)
        if not held:
            return
        if await run_in_threadpool(gone, self.store, source, int(rest)):
            await _send_gone(send, api)
            return
        for message in held:
            await send(message)


async def _send_gone(send: Send, api: bool) -> None:
    if api:
        body = json.dumps({"error": "gone", "message": "this article was taken down"}).encode()
        ctype = b"application/json"
    else:
        body, ctype = GONE_NOTICE, b"text/html; charset=utf-8"
    headers = [
        (b"content-type", ctype),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
    ]
    await send({"type": "http.response.start", "status": 410, "headers": headers})
    await send({"type": "http.response.body", "body": body})
