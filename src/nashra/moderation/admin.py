"""The moderators' pages in /admin: sign-in and out, the report queue and its actions, the
audit log, an article's section (issue 8) and the images as stored, hidden ones included."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response

from nashra.enrich.queries import enrichment_for
from nashra.enrich.store import ArticleNotFound, set_section
from nashra.media.logo import SLUG_RE
from nashra.media.paths import media_path, parse_media_name
from nashra.moderation import accounts, queries
from nashra.moderation.desk import CSRF_COOKIE, SESSION_COOKIE, Desk
from nashra.moderation.reports import ACTIONS, log_action, moderate
from nashra.sections import SECTIONS, section_name
from nashra.store.queries import get_article
from nashra.web.editions import article_path

__all__ = [
    "action_post",
    "admin_media",
    "article_page",
    "article_post",
    "hide_post",
    "log_page",
    "login_page",
    "login_post",
    "logout_post",
    "queue_page",
]

# -- signing in and out -----------------------------------------------------------------------


def _login_page(desk: Desk, request: Request, error: str = "", status: int = 200) -> Response:
    anchor = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = desk.render(
        "login.html", status=status, title="Sign in", error=error, csrf=desk.csrf_token(anchor),
    )  # fmt: skip
    if request.cookies.get(CSRF_COOKIE) != anchor:
        desk.set_admin_cookie(response, request, CSRF_COOKIE, anchor, 3600)
    return response


async def login_page(desk: Desk, request: Request) -> Response:
    if await desk.user(request):
        return RedirectResponse("/admin", status_code=303)
    return _login_page(desk, request)


async def login_post(desk: Desk, request: Request) -> Response:
    form = await request.form()
    if not desk.csrf_ok(request.cookies.get(CSRF_COOKIE), str(form.get("csrf") or "")):
        return _login_page(desk, request, "The form expired; please try again.", 403)
    result = await run_in_threadpool(
        accounts.login, desk.store, str(form.get("username") or ""),
        str(form.get("password") or ""), desk.network(request), desk.config,
    )  # fmt: skip
    if result.status == "rate_limited":
        response = _login_page(desk, request, "Too many failed attempts; try again later.", 429)
        response.headers["Retry-After"] = str(accounts.LOGIN_WINDOW_SECONDS)
        return response
    if result.status != "ok" or result.token is None:
        return _login_page(desk, request, "Wrong user name or password.", 401)
    response = RedirectResponse("/admin", status_code=303)
    desk.set_admin_cookie(
        response, request, SESSION_COOKIE, result.token, desk.config.session_hours * 3600
    )
    return response


async def logout_post(desk: Desk, request: Request, user: Any, csrf: str) -> Response:
    await run_in_threadpool(accounts.end_session, desk.store, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/admin/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/admin")
    return response


# -- the queue, its actions and the audit log -------------------------------------------------


async def queue_page(desk: Desk, request: Request, user: Any, csrf: str) -> Response:
    groups = await run_in_threadpool(queries.queue, desk.store)
    notice = request.query_params.get("done", "")[:80]
    return desk.render(
        "queue.html", title="Moderation", user=user, csrf=csrf, groups=groups,
        threshold=desk.config.report_threshold, notice=notice,
    )  # fmt: skip


async def log_page(desk: Desk, request: Request, user: Any, csrf: str) -> Response:
    entries = await run_in_threadpool(queries.audit_log, desk.store)
    return desk.render("log.html", title="Audit log", user=user, csrf=csrf, entries=entries)


async def _act(desk: Desk, image_id: str, action: str, user: Any) -> Response:
    if (
        action not in ACTIONS
        or not (image_id.isascii() and image_id.isdigit())
        or len(image_id) > 18
    ):
        return PlainTextResponse("unknown action or image", status_code=404)
    state = await run_in_threadpool(moderate, desk.store, int(image_id), action, user.username)
    if state is None:
        return PlainTextResponse("unknown image", status_code=404)
    return RedirectResponse(f"/admin?done={action}+{image_id}", status_code=303)


async def action_post(desk: Desk, request: Request, user: Any, csrf: str) -> Response:
    params = request.path_params
    return await _act(desk, params["image_id"], params["action"], user)


async def hide_post(desk: Desk, request: Request, user: Any, csrf: str) -> Response:
    return await _act(desk, str(request.state.form.get("image_id") or "").strip(), "hide", user)


async def admin_media(desk: Desk, request: Request, user: Any, csrf: str) -> Response:
    """An image as stored, hidden or not, never cached."""
    parsed = parse_media_name(request.path_params["name"])
    if parsed is None:
        return PlainTextResponse("not found", status_code=404)
    path = media_path(desk.settings.media_dir, *parsed)
    if not path.is_file():
        return PlainTextResponse("not found", status_code=404)
    return FileResponse(
        path, media_type="image/webp", headers={"Cache-Control": "private, no-store"}
    )


# -- an article's section (issue 8: moderators correct the classifier) ------------------------


def _article_ref(source: str, num: str) -> tuple[str, int] | None:
    source, num = source.strip(), num.strip()
    if not SLUG_RE.fullmatch(source) or not num.isascii() or not num.isdigit():
        return None
    if len(num) > 18:
        return None
    return source, int(num)


def _article_page(desk: Desk, user: Any, csrf: str, source: str, num: str, *, error: str = "",
                  status: int = 200, notice: str = "") -> Response:  # fmt: skip
    ref = _article_ref(source, num) if source or num else None
    article = labels = None
    if (source or num) and ref is None:
        error, status = error or f"No article /{source}/{num}: check the outlet and number.", 400
    elif ref is not None:
        article = get_article(desk.store, *ref)
        if article is None:
            error, status = error or f"No article /{ref[0]}/{ref[1]}.", 404
        else:
            labels = enrichment_for(desk.store, [article["pk"]]).get(article["pk"], {})
    return desk.render(
        "article.html", status=status, title="Article section", user=user, csrf=csrf,
        source=source, num=num, article=article, labels=labels or {}, error=error,
        notice=notice, sections=[(slug, section_name(slug, "en"), section_name(slug, "ar"))
                                 for slug in SECTIONS],
        page_path=article_path(article["source"], article["num"], article["lang"])
        if article else "",
    )  # fmt: skip


async def article_page(desk: Desk, request: Request, user: Any, csrf: str) -> Response:
    params = request.query_params
    done = params.get("done", "")[:40]
    notice = f"Section set to {done}." if done in SECTIONS else ""
    return await run_in_threadpool(
        _article_page, desk, user, csrf, params.get("source", "")[:80],
        params.get("num", "")[:40], notice=notice,
    )  # fmt: skip


def _set_section(desk: Desk, user: Any, csrf: str, form: dict[str, str]) -> Response:
    source, num, section = form.get("source", ""), form.get("num", ""), form.get("section", "")
    ref = _article_ref(source, num)
    if ref is None:
        return _article_page(desk, user, csrf, source, num, status=400,
                             error="Give the article's outlet and number.")  # fmt: skip
    if section not in SECTIONS:
        return _article_page(desk, user, csrf, source, num, status=400,
                             error=f"Unknown section {section[:40]!r}.")  # fmt: skip
    try:
        previous = set_section(desk.store, ref[0], ref[1], section, user.username)
    except ArticleNotFound:
        return _article_page(desk, user, csrf, source, num)
    # the audit log beside the images' actions (section_corrections keeps the correction)
    with desk.store.begin() as conn:
        log_action(conn, user.username, "section", None,
                   f"/{ref[0]}/{ref[1]}: {previous or '-'} -> {section}")  # fmt: skip
    query = urlencode({"source": ref[0], "num": ref[1], "done": section})
    return RedirectResponse(f"/admin/article?{query}", status_code=303)


async def article_post(desk: Desk, request: Request, user: Any, csrf: str) -> Response:
    form = {k: str(v)[:80] for k, v in request.state.form.items() if isinstance(v, str)}
    return await run_in_threadpool(_set_section, desk, user, csrf, form)
