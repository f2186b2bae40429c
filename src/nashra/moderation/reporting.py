"""Public reporting of images: the no-JavaScript form, the JSON API, an image's state, and the
in-place reporting script."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from nashra.media.paths import media_url
from nashra.moderation import queries
from nashra.moderation.desk import Desk
from nashra.moderation.identity import REPORTER_COOKIE, new_reporter_cookie, reporter_from_cookie
from nashra.moderation.reports import REASONS, submit_report
from nashra.moderation.texts import LANGS, text

__all__ = ["image_api", "report_api", "report_form", "safe_next", "script"]


def same_origin(request: Request) -> bool:
    """A cross-site page must not make its visitors report images (they would be distinct
    reporters). Browsers say where a POST comes from; API clients send neither header."""
    if request.headers.get("sec-fetch-site", "") == "cross-site":
        return False
    origin = request.headers.get("origin")
    if origin and origin != "null":
        return urlsplit(origin).netloc == request.headers.get("host", request.url.netloc)
    return origin != "null"


def safe_next(value: str | None) -> str:
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


async def form_or_json(request: Request) -> dict[str, str]:
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


async def script(desk: Desk, request: Request) -> Response:
    return Response(
        desk.script,
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=3600"},
    )


async def _report(
    desk: Desk, request: Request, data: dict[str, str]
) -> tuple[dict[str, Any], int, str]:
    """Shared by the form and the API: (payload, status, new cookie value or "")."""
    lang = data.get("lang") if data.get("lang") in LANGS else "ar"
    image = await run_in_threadpool(queries.find_image, desk.store, request.path_params["ref"])
    if image is None:
        return {"status": "not_found", "message": text("not_found", lang)}, 404, ""
    if not same_origin(request):
        return {"status": "refused", "message": text("refused", lang)}, 403, ""
    reporter = reporter_from_cookie(desk.secret, request.cookies.get(REPORTER_COOKIE))
    cookie = ""
    if reporter is None:
        reporter, cookie = new_reporter_cookie(desk.secret)
    reason = data.get("reason") or "other"
    if reason not in REASONS:
        reason = "other"
    outcome = await run_in_threadpool(
        submit_report, desk.store, image["id"], reporter, desk.network(request), reason,
        desk.config,
    )  # fmt: skip
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


def _with_cookie(desk: Desk, response: Response, request: Request, cookie: str) -> Response:
    if cookie:
        response.set_cookie(
            REPORTER_COOKIE,
            cookie,
            max_age=365 * 24 * 3600,
            path="/",
            httponly=True,
            samesite="lax",
            secure=desk.secure(request),
        )
    return response


async def report_form(desk: Desk, request: Request) -> Response:
    data = await form_or_json(request)
    payload, status, cookie = await _report(desk, request, data)
    lang = data.get("lang") if data.get("lang") in LANGS else "ar"
    response = desk.render(
        "thanks.html",
        status=status,
        lang=lang,
        title=text("title", lang),
        message=payload["message"],
        back=safe_next(data.get("next")),
        back_label=text("back", lang),
    )
    if status == 429:
        response.headers["Retry-After"] = "3600"
    return _with_cookie(desk, response, request, cookie)


async def report_api(desk: Desk, request: Request) -> Response:
    data = await form_or_json(request)
    payload, status, cookie = await _report(desk, request, data)
    headers = {"Cache-Control": "no-store"}
    if status == 429:
        headers["Retry-After"] = "3600"
    response = JSONResponse(payload, status_code=status, headers=headers)
    return _with_cookie(desk, response, request, cookie)


async def image_api(desk: Desk, request: Request) -> Response:
    ref = request.path_params["ref"]
    image = await run_in_threadpool(queries.find_image, desk.store, ref)
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
        "threshold": desk.config.report_threshold,
        "articles": image["articles"],
        "urls": {s: media_url(image["sha256"], s) for s in ("full", "thumb")} if visible else None,
        "hidden_at": image["hidden_at"].isoformat() if image["hidden_at"] else None,
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store"})
