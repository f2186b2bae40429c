"""HTTP routes of images, crowd reporting and moderation.

Mount them before the portal's own routes (``routes(settings, store) + ...``):

* ``GET /media/{sha256}-{full|thumb}.webp`` – our copies, cached for a year (immutable: the
  name is the content); 410 once hidden, 404 when unknown. Never a redirect to the outlet.
* ``GET /media/logo/{slug}.svg`` – the outlet's monogram, shown instead of a missing or hidden image.
* ``POST /images/{id|sha256}/report`` – the no-JavaScript report form; answers with a page.
* ``POST /api/v1/images/{id}/reports`` – the same as JSON (``reason`` as JSON or form field).
* ``GET /api/v1/images/{id}`` – an image's size, state and report count.
* ``/admin`` (queue), ``/admin/login``, ``/admin/logout``, ``/admin/images/{id}/{action}``,
  ``/admin/hide``, ``/admin/log``, ``/admin/media/…`` – moderation, behind a login.
* ``/admin/article?source=…&num=…`` – an article's section, corrected by a moderator (issue 8).
* ``GET /moderation/report.js`` – the in-place reporting script.
* ``/admin/takedowns``, ``/admin/outlets``, ``/admin/rules/{slug}`` – for the operator role
  (``nashra.moderation.operator``, issue 19).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from importlib import resources
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import BaseRoute, Route

from nashra.config import Settings
from nashra.enrich.queries import enrichment_for
from nashra.enrich.store import ArticleNotFound, set_section
from nashra.media.logo import SLUG_RE, logo_svg
from nashra.media.paths import media_path, media_url
from nashra.moderation import accounts, queries
from nashra.moderation.identity import (
    REPORTER_COOKIE,
    client_address,
    derive,
    instance_secret,
    network_key,
    new_reporter_cookie,
    reporter_from_cookie,
)
from nashra.moderation.reports import ACTIONS, REASONS, log_action, moderate, submit_report
from nashra.moderation.texts import DIRECTION, LANGS, text
from nashra.sections import SECTIONS, section_name
from nashra.store import Store
from nashra.store.queries import get_article
from nashra.web.editions import article_path

__all__ = ["routes"]

IMMUTABLE = "public, max-age=31536000, immutable"
SESSION_COOKIE = "nashra_admin"
CSRF_COOKIE = "nashra_admin_csrf"
_MEDIA_RE = re.compile(r"([0-9a-f]{64})-(full|thumb)\.webp")
_SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self'; style-src 'self' "
    "'unsafe-inline'; frame-ancestors 'none'; form-action 'self'",
}
_SVG_HEADERS = {
    "Cache-Control": "public, max-age=86400",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
}


class _Web:
    """What the handlers share: settings, store, secret, templates."""

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

    # -- helpers ---------------------------------------------------------------------------
    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("lang", "en")
        context.setdefault("dir", DIRECTION.get(context["lang"], "ltr"))
        body = self.env.get_template(f"moderation/{template}").render(**context)
        return HTMLResponse(body, status_code=status, headers=dict(_SECURITY_HEADERS))

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


def _same_origin(request: Request) -> bool:
    """A cross-site page must not make its visitors report images (they would be distinct
    reporters). Browsers say where a POST comes from; API clients send neither header."""
    if request.headers.get("sec-fetch-site", "") == "cross-site":
        return False
    origin = request.headers.get("origin")
    if origin and origin != "null":
        return urlsplit(origin).netloc == request.headers.get("host", request.url.netloc)
    return origin != "null"


def _safe_next(value: str | None) -> str:
    """A same-site path to go back to, or "" (never another site, however it is spelled).

    Browsers drop tabs and newlines inside URLs and read a backslash as a slash, so a tab or a
    backslash between two slashes ``/ /evil.example`` lead off-site: no control character, no
    backslash, no ``//`` start, no scheme or host, checked again after percent-decoding.
    """
    if not value or len(value) > 500:
        return ""
    for candidate in (value, unquote(value)):
        if any(ch < " " or ch == "\x7f" or ch == "\\" for ch in candidate):
            return ""
        if not candidate.startswith("/") or candidate.startswith("//"):
            return ""
        parts = urlsplit(candidate)
        if parts.scheme or parts.netloc:
            return ""
    return value


async def _form_or_json(request: Request) -> dict[str, str]:
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("application/json"):
        try:
            data = json.loads(await request.body() or b"{}")
        except ValueError:
            return {}
        return {k: str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        return {k: str(v) for k, v in form.items() if isinstance(v, str)}
    return {}


def routes(settings: Settings, store: Store) -> list[BaseRoute]:
    """Every route of images, reporting and moderation (see the module docstring)."""
    web = _Web(settings, store)

    # -- media -------------------------------------------------------------------------------
    async def media(request: Request) -> Response:
        match = _MEDIA_RE.fullmatch(request.path_params["name"])
        if match is None:
            return PlainTextResponse("not found", status_code=404)
        sha, size = match.groups()
        path = media_path(settings.media_dir, sha, size)
        image = await run_in_threadpool(queries.find_image, store, sha)
        if image is None or not path.is_file():
            return PlainTextResponse("not found", status_code=404)
        if image["state"] != "visible":
            return PlainTextResponse(
                "this image was hidden", status_code=410, headers={"Cache-Control": "no-store"}
            )
        return FileResponse(
            path,
            media_type="image/webp",
            headers={"Cache-Control": IMMUTABLE, "X-Content-Type-Options": "nosniff"},
        )

    async def logo(request: Request) -> Response:
        name = request.path_params["name"]
        slug = name[:-4] if name.endswith(".svg") else ""
        if not SLUG_RE.fullmatch(slug):
            return PlainTextResponse("not found", status_code=404)
        names = await run_in_threadpool(queries.source_names, store, slug)
        if names is None:
            return PlainTextResponse("not found", status_code=404)
        own = names.get(f"name_{names.get('lang') or 'ar'}") or names.get("name_ar") or ""
        label = own or names.get("name_fr") or names.get("name_en") or slug
        return Response(logo_svg(slug, label), media_type="image/svg+xml", headers=_SVG_HEADERS)

    async def script(request: Request) -> Response:
        return Response(
            web.script,
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=3600"},
        )

    # -- reporting ---------------------------------------------------------------------------
    async def _report(request: Request, data: dict[str, str]) -> tuple[dict[str, Any], int, str]:
        """Shared by the form and the API: (payload, status, new cookie value or "")."""
        lang = data.get("lang") if data.get("lang") in LANGS else "ar"
        image = await run_in_threadpool(queries.find_image, store, request.path_params["ref"])
        if image is None:
            return {"status": "not_found", "message": text("not_found", lang)}, 404, ""
        if not _same_origin(request):
            return {"status": "refused", "message": text("refused", lang)}, 403, ""
        reporter = reporter_from_cookie(web.secret, request.cookies.get(REPORTER_COOKIE))
        cookie = ""
        if reporter is None:
            reporter, cookie = new_reporter_cookie(web.secret)
        reason = data.get("reason") or "other"
        if reason not in REASONS:
            reason = "other"
        outcome = await run_in_threadpool(
            submit_report, store, image["id"], reporter, web.network(request), reason, web.config
        )
        payload: dict[str, Any] = {
            "status": outcome.status,
            "image": image["id"],
            "state": outcome.state,
            "reporters": outcome.counted,
            "threshold": outcome.threshold,
        }
        if outcome.status == "rate_limited":
            payload["message"] = text("rate_limited", lang)
            return payload, 429, cookie
        payload["message"] = text("thanks", lang)
        return payload, 201 if outcome.status == "recorded" else 200, cookie

    def _with_cookie(response: Response, request: Request, cookie: str) -> Response:
        if cookie:
            response.set_cookie(
                REPORTER_COOKIE,
                cookie,
                max_age=365 * 24 * 3600,
                path="/",
                httponly=True,
                samesite="lax",
                secure=web.secure(request),
            )
        return response

    async def report_form(request: Request) -> Response:
        data = await _form_or_json(request)
        payload, status, cookie = await _report(request, data)
        lang = data.get("lang") if data.get("lang") in LANGS else "ar"
        response = web.render(
            "thanks.html",
            status=status,
            lang=lang,
            title=text("title", lang),
            message=payload["message"],
            back=_safe_next(data.get("next")),
            back_label=text("back", lang),
        )
        if status == 429:
            response.headers["Retry-After"] = "3600"
        return _with_cookie(response, request, cookie)

    async def report_api(request: Request) -> Response:
        data = await _form_or_json(request)
        payload, status, cookie = await _report(request, data)
        headers = {"Cache-Control": "no-store"}
        if status == 429:
            headers["Retry-After"] = "3600"
        return _with_cookie(JSONResponse(payload, status_code=status, headers=headers), request,
                            cookie)  # fmt: skip

    async def image_api(request: Request) -> Response:
        ref = request.path_params["ref"]
        image = await run_in_threadpool(queries.find_image, store, ref)
        if image is None:
            return JSONResponse({"error": "not found"}, status_code=404)
        visible = image["state"] == "visible"
        body = {
            "id": image["id"],
            "sha256": image["sha256"],
            "width": image["width"],
            "height": image["height"],
            "state": image["state"],
            "phash": image["phash"],
            "group": image["group_id"],
            "reporters": image["report_count"],
            "threshold": web.config.report_threshold,
            "articles": image["articles"],
            "urls": {s: media_url(image["sha256"], s) for s in ("full", "thumb")}
            if visible
            else None,
            "hidden_at": image["hidden_at"].isoformat() if image["hidden_at"] else None,
        }
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    # -- moderation --------------------------------------------------------------------------
    async def _user(request: Request) -> accounts.Moderator | None:
        return await run_in_threadpool(
            accounts.session_user, store, request.cookies.get(SESSION_COOKIE)
        )

    def _cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
        response.set_cookie(
            name, value, max_age=max_age, path="/admin", httponly=True, samesite="strict",
            secure=web.secure(request),
        )  # fmt: skip

    def _login_page(request: Request, error: str = "", status: int = 200) -> Response:
        anchor = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        response = web.render(
            "login.html", status=status, title="Sign in", error=error,
            csrf=web.csrf_token(anchor),
        )  # fmt: skip
        if request.cookies.get(CSRF_COOKIE) != anchor:
            _cookie(response, request, CSRF_COOKIE, anchor, 3600)
        return response

    async def login_page(request: Request) -> Response:
        if await _user(request):
            return RedirectResponse("/admin", status_code=303)
        return _login_page(request)

    async def login_post(request: Request) -> Response:
        form = await request.form()
        if not web.csrf_ok(request.cookies.get(CSRF_COOKIE), str(form.get("csrf") or "")):
            return _login_page(request, "The form expired; please try again.", 403)
        result = await run_in_threadpool(
            accounts.login, store, str(form.get("username") or ""),
            str(form.get("password") or ""), web.network(request), web.config,
        )  # fmt: skip
        if result.status == "rate_limited":
            response = _login_page(request, "Too many failed attempts; try again later.", 429)
            response.headers["Retry-After"] = str(accounts.LOGIN_WINDOW_SECONDS)
            return response
        if result.status != "ok" or result.token is None:
            return _login_page(request, "Wrong user name or password.", 401)
        response = RedirectResponse("/admin", status_code=303)
        _cookie(response, request, SESSION_COOKIE, result.token, web.config.session_hours * 3600)
        return response

    def _guarded(handler):
        """Pages for moderators only; forms (POST) must carry the session's CSRF token."""

        async def endpoint(request: Request) -> Response:
            user = await _user(request)
            if user is None:
                if request.method == "GET":
                    return RedirectResponse("/admin/login", status_code=303)
                return PlainTextResponse(
                    "sign in first", status_code=401, headers=_SECURITY_HEADERS
                )
            token = request.cookies.get(SESSION_COOKIE, "")
            if request.method == "POST":
                form = await request.form()
                if not web.csrf_ok(token, str(form.get("csrf") or "")):
                    return PlainTextResponse(
                        "CSRF check failed: reload the page and try again.",
                        status_code=403,
                        headers=_SECURITY_HEADERS,
                    )
                request.state.form = form
            return await handler(request, user, web.csrf_token(token))

        endpoint.__name__ = handler.__name__
        return endpoint

    async def queue_page(request: Request, user, csrf: str) -> Response:
        groups = await run_in_threadpool(queries.queue, store)
        notice = request.query_params.get("done", "")[:80]
        return web.render(
            "queue.html", title="Moderation", user=user, csrf=csrf, groups=groups,
            threshold=web.config.report_threshold, notice=notice,
        )  # fmt: skip

    async def log_page(request: Request, user, csrf: str) -> Response:
        entries = await run_in_threadpool(queries.audit_log, store)
        return web.render("log.html", title="Audit log", user=user, csrf=csrf, entries=entries)

    async def _act(image_id: str, action: str, user) -> Response:
        if (
            action not in ACTIONS
            or not (image_id.isascii() and image_id.isdigit())
            or len(image_id) > 18
        ):
            return PlainTextResponse("unknown action or image", status_code=404)
        state = await run_in_threadpool(moderate, store, int(image_id), action, user.username)
        if state is None:
            return PlainTextResponse("unknown image", status_code=404)
        return RedirectResponse(f"/admin?done={action}+{image_id}", status_code=303)

    async def action_post(request: Request, user, csrf: str) -> Response:
        return await _act(request.path_params["image_id"], request.path_params["action"], user)

    async def hide_post(request: Request, user, csrf: str) -> Response:
        return await _act(str(request.state.form.get("image_id") or "").strip(), "hide", user)

    # -- an article's section (issue 8: moderators correct the classifier) -------------------
    def _article_ref(source: str, num: str) -> tuple[str, int] | None:
        source, num = source.strip(), num.strip()
        if not SLUG_RE.fullmatch(source) or not num.isascii() or not num.isdigit():
            return None
        if len(num) > 18:
            return None
        return source, int(num)

    def _article_page(user, csrf: str, source: str, num: str, *, error: str = "",
                      status: int = 200, notice: str = "") -> Response:  # fmt: skip
        ref = _article_ref(source, num) if source or num else None
        article = labels = None
        if (source or num) and ref is None:
            error, status = (
                error or f"No article /{source}/{num}: check the outlet and number.",
                400,
            )
        elif ref is not None:
            article = get_article(store, *ref)
            if article is None:
                error, status = error or f"No article /{ref[0]}/{ref[1]}.", 404
            else:
                labels = enrichment_for(store, [article["pk"]]).get(article["pk"], {})
        return web.render(
            "article.html", status=status, title="Article section", user=user, csrf=csrf,
            source=source, num=num, article=article, labels=labels or {}, error=error,
            notice=notice, sections=[(slug, section_name(slug, "en"), section_name(slug, "ar"))
                                     for slug in SECTIONS],
            page_path=article_path(article["source"], article["num"], article["lang"])
            if article else "",
        )  # fmt: skip

    async def article_page(request: Request, user, csrf: str) -> Response:
        params = request.query_params
        done = params.get("done", "")[:40]
        notice = f"Section set to {done}." if done in SECTIONS else ""
        return await run_in_threadpool(
            _article_page, user, csrf, params.get("source", "")[:80], params.get("num", "")[:40],
            notice=notice,
        )  # fmt: skip

    def _set_section(user, csrf: str, form: dict[str, str]) -> Response:
        source, num, section = form.get("source", ""), form.get("num", ""), form.get("section", "")
        ref = _article_ref(source, num)
        if ref is None:
            return _article_page(user, csrf, source, num, status=400,
                                 error="Give the article's outlet and number.")  # fmt: skip
        if section not in SECTIONS:
            return _article_page(user, csrf, source, num, status=400,
                                 error=f"Unknown section {section[:40]!r}.")  # fmt: skip
        try:
            previous = set_section(store, ref[0], ref[1], section, user.username)
        except ArticleNotFound:
            return _article_page(user, csrf, source, num)
        # the audit log beside the images' actions (section_corrections keeps the correction)
        with store.engine.begin() as conn:
            log_action(conn, user.username, "section", None,
                       f"/{ref[0]}/{ref[1]}: {previous or '-'} -> {section}")  # fmt: skip
        query = urlencode({"source": ref[0], "num": ref[1], "done": section})
        return RedirectResponse(f"/admin/article?{query}", status_code=303)

    async def article_post(request: Request, user, csrf: str) -> Response:
        form = {k: str(v)[:80] for k, v in request.state.form.items() if isinstance(v, str)}
        return await run_in_threadpool(_set_section, user, csrf, form)

    async def logout_post(request: Request, user, csrf: str) -> Response:
        await run_in_threadpool(accounts.end_session, store, request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/admin/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/admin")
        return response

    async def admin_media(request: Request, user, csrf: str) -> Response:
        match = _MEDIA_RE.fullmatch(request.path_params["name"])
        if match is None:
            return PlainTextResponse("not found", status_code=404)
        path = media_path(settings.media_dir, *match.groups())
        if not path.is_file():
            return PlainTextResponse("not found", status_code=404)
        return FileResponse(
            path, media_type="image/webp", headers={"Cache-Control": "private, no-store"}
        )

    from nashra.moderation.operator import operator_routes

    return [
        *operator_routes(web, _guarded),
        Route("/media/logo/{name}", logo),
        Route("/media/{name}", media),
        Route("/moderation/report.js", script),
        Route("/images/{ref}/report", report_form, methods=["POST"]),
        Route("/api/v1/images/{ref}/reports", report_api, methods=["POST"]),
        Route("/api/v1/images/{ref}", image_api),
        Route("/admin", _guarded(queue_page)),
        Route("/admin/", _guarded(queue_page)),
        Route("/admin/log", _guarded(log_page)),
        Route("/admin/article", _guarded(article_page)),
        Route("/admin/article", _guarded(article_post), methods=["POST"]),
        Route("/admin/login", login_page),
        Route("/admin/login", login_post, methods=["POST"]),
        Route("/admin/logout", _guarded(logout_post), methods=["POST"]),
        Route("/admin/hide", _guarded(hide_post), methods=["POST"]),
        Route("/admin/images/{image_id}/{action}", _guarded(action_post), methods=["POST"]),
        Route("/admin/media/{name}", _guarded(admin_media)),
    ]
