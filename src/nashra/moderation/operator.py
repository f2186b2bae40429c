"""The operator's pages in /admin (issue 19): takedowns, the outlet health board, the extraction
rule editor. Every page needs a signed-in account with the ``operator`` role; forms are
CSRF-checked by the moderation guard and every change is written to the audit log."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from nashra.moderation import takedowns

__all__ = ["operator_routes"]

Handler = Callable[..., Awaitable[Response]]


def _operator_only(handler: Handler) -> Handler:
    async def endpoint(request: Request, user: Any, csrf: str) -> Response:
        if not user.is_operator:
            return PlainTextResponse(
                "this page is for the operator role (nashra admin create-user NAME --role operator)",
                status_code=403,
                headers={"Cache-Control": "no-store"},
            )
        return await handler(request, user, csrf)

    endpoint.__name__ = handler.__name__
    return endpoint


def operator_routes(web: Any, guarded: Callable[[Handler], Any]) -> list[BaseRoute]:
    """Routes of the operator's pages; ``guarded`` is the moderation login/CSRF guard."""
    store = web.store

    def page(handler: Handler) -> Any:
        return guarded(_operator_only(handler))

    # -- takedowns -------------------------------------------------------------------------------
    def _takedowns_page(user: Any, csrf: str, *, error: str = "", notice: str = "",
                        status: int = 200, form: dict[str, str] | None = None) -> Response:  # fmt: skip
        return web.render(
            "takedowns.html", status=status, title="Takedowns", user=user, csrf=csrf,
            entries=takedowns.recent(store), error=error, notice=notice, form=form or {},
        )  # fmt: skip

    async def takedowns_page(request: Request, user: Any, csrf: str) -> Response:
        notice = request.query_params.get("done", "")[:200]
        return await run_in_threadpool(_takedowns_page, user, csrf, notice=notice)

    def _take_down(user: Any, csrf: str, form: dict[str, str]) -> Response:
        before = None
        if form.get("before"):
            try:
                before = datetime.fromisoformat(form["before"])
            except ValueError:
                return _takedowns_page(user, csrf, status=400, form=form,
                                       error=f"{form['before']!r} is not a date (YYYY-MM-DD)")  # fmt: skip
        try:
            target = takedowns.parse_target(store, form.get("target", ""), before)
            if form.get("undo"):
                ids = takedowns.undo(store, target, user.username)
                done = f"lifted #{', #'.join(map(str, ids))}: {target.describe()}"
            else:
                result = takedowns.take_down(store, target, form.get("reason", ""), user.username)
                done = f"#{result.id}: {target.describe()}, {result.removed} removed"
        except takedowns.TakedownError as exc:
            return _takedowns_page(user, csrf, status=400, error=str(exc), form=form)
        return RedirectResponse("/admin/takedowns?" + urlencode({"done": done}), status_code=303)

    async def takedowns_post(request: Request, user: Any, csrf: str) -> Response:
        form = {k: str(v)[:2000] for k, v in request.state.form.items() if isinstance(v, str)}
        return await run_in_threadpool(_take_down, user, csrf, form)

    return [
        Route("/admin/takedowns", page(takedowns_page)),
        Route("/admin/takedowns", page(takedowns_post), methods=["POST"]),
    ]
