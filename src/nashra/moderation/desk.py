"""What the moderation handlers share: the :class:`Desk` (settings, store, secret, templates),
the admin cookies, and the guards that put a page behind a login (and the operator role)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from nashra.config import Settings
from nashra.moderation import accounts
from nashra.moderation.identity import client_address, derive, instance_secret, network_key
from nashra.moderation.texts import DIRECTION
from nashra.store import Store

__all__ = [
    "CSRF_COOKIE",
    "SECURITY_HEADERS",
    "SESSION_COOKIE",
    "Desk",
    "DeskHandler",
    "moderator_only",
    "operator_only",
]

SESSION_COOKIE = "nashra_admin"
CSRF_COOKIE = "nashra_admin_csrf"
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self'; style-src 'self' "
    "'unsafe-inline'; frame-ancestors 'none'; form-action 'self'",
}

# A moderator's page: (desk, request, the signed-in moderator, the CSRF token for its forms).
DeskHandler = Callable[[Any, Request, accounts.Moderator, str], Awaitable[Response]]


class Desk:
    """What the handlers share: settings, store (the primary), secret, templates."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.config = settings.moderation
        self.secret = instance_secret(settings)
        self.env = Environment(
            loader=PackageLoader("nashra.web", "templates"),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.script = (resources.files("nashra.web") / "static" / "report.js").read_bytes()

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("lang", "en")
        context.setdefault("dir", DIRECTION.get(context["lang"], "ltr"))
        body = self.env.get_template(f"moderation/{template}").render(**context)
        return HTMLResponse(body, status_code=status, headers=dict(SECURITY_HEADERS))

    def secure(self, request: Request) -> bool:
        if self.config.cookie_secure != "auto":
            return self.config.cookie_secure.lower() in {"1", "true", "yes", "on"}
        return request.url.scheme == "https" or self.settings.base_url.startswith("https://")

    def address(self, request: Request) -> str:
        peer = request.client.host if request.client else ""
        return client_address(
            peer, request.headers.get("x-forwarded-for"), self.settings.web.trusted_proxies
        )

    def network(self, request: Request) -> str:
        return network_key(self.secret, self.address(request))

    def csrf_token(self, anchor: str) -> str:
        return hmac.new(derive(self.secret, "csrf"), anchor.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, anchor: str | None, token: str | None) -> bool:
        return bool(anchor and token) and hmac.compare_digest(self.csrf_token(anchor), token)

    def set_admin_cookie(
        self, response: Response, request: Request, name: str, value: str, max_age: int
    ) -> None:
        response.set_cookie(
            name, value, max_age=max_age, path="/admin", httponly=True, samesite="strict",
            secure=self.secure(request),
        )  # fmt: skip

    async def user(self, request: Request) -> accounts.Moderator | None:
        return await run_in_threadpool(
            accounts.session_user, self.store, request.cookies.get(SESSION_COOKIE)
        )


def moderator_only(handler: DeskHandler) -> Callable[[Desk, Request], Awaitable[Response]]:
    """Pages for moderators only; forms (POST) must carry the session's CSRF token."""

    async def endpoint(desk: Desk, request: Request) -> Response:
        user = await desk.user(request)
        if user is None:
            if request.method == "GET":
                return RedirectResponse("/admin/login", status_code=303)
            return PlainTextResponse("sign in first", status_code=401, headers=SECURITY_HEADERS)
        token = request.cookies.get(SESSION_COOKIE, "")
        if request.method == "POST":
            form = await request.form()
            if not desk.csrf_ok(token, str(form.get("csrf") or "")):
                return PlainTextResponse(
                    "CSRF check failed: reload the page and try again.",
                    status_code=403,
                    headers=SECURITY_HEADERS,
                )
            request.state.form = form
        return await handler(desk, request, user, desk.csrf_token(token))

    endpoint.__name__ = handler.__name__
    return endpoint


def operator_only(handler: DeskHandler) -> Callable[[Desk, Request], Awaitable[Response]]:
    """Pages for the ``operator`` role (issue 19), behind the same login and CSRF guard."""

    async def endpoint(desk: Desk, request: Request, user: Any, csrf: str) -> Response:
        if not user.is_operator:
            return PlainTextResponse(
                "this page is for the operator role (nashra admin create-user NAME --role operator)",
                status_code=403,
                headers={"Cache-Control": "no-store"},
            )
        return await handler(desk, request, user, csrf)

    endpoint.__name__ = handler.__name__
    return moderator_only(endpoint)
