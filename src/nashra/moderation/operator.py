"""The operator's pages in /admin (issue 19): takedowns, the outlet health board, the extraction
rule editor. Every page needs a signed-in account with the ``operator`` role; forms are
CSRF-checked by the moderation guard and every change is written to the audit log."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from nashra.moderation import takedowns
from nashra.sources.rules import ExtractRules, parse_rules

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

    # -- the outlet health board -----------------------------------------------------------------
    async def outlets_page(request: Request, user: Any, csrf: str) -> Response:
        from nashra.sources.health import outlet_health

        board = await run_in_threadpool(outlet_health, store)
        return web.render("outlets.html", title="Outlets", user=user, csrf=csrf, board=board)

    # -- the extraction rule editor --------------------------------------------------------------
    def _rules_page(user: Any, csrf: str, slug: str, *, form: dict[str, str] | None = None,
                    error: str = "", notice: str = "", status: int = 200) -> Response:  # fmt: skip
        from nashra.crawl.kept import kept_pages
        from nashra.sources.preview import FIELDS, preview
        from nashra.sources.registry import RegistryError, load_registry

        try:
            registry = load_registry(web.settings)
        except RegistryError as exc:
            return web.render("rules.html", status=500, title="Rules", user=user, csrf=csrf,
                              slug=slug, source=None, error=str(exc), form={}, previews=[],
                              fields=FIELDS, notice="")  # fmt: skip
        source = registry.get(slug)
        if source is None:
            return PlainTextResponse(f"no outlet {slug!r} in the registry", status_code=404)
        if form is None:
            form = _form_of(source.extract)
        trial, problems = _rules_of(form)
        if problems and not error:
            error, status = "; ".join(problems), 400
        previews = []
        if not problems:
            candidate = replace(source, extract=trial)
            for kept in kept_pages(store, slug, limit=5):
                previews.append(preview(candidate, kept.content, kept.final_url, kept.content_type))
        return web.render(
            "rules.html", status=status, title=f"Rules of {slug}", user=user, csrf=csrf,
            slug=slug, source=source, form=form, error=error, notice=notice, previews=previews,
            fields=FIELDS, registry_path=str(web.settings.registry_path),
        )  # fmt: skip

    async def rules_page(request: Request, user: Any, csrf: str) -> Response:
        notice = "Saved to the registry." if request.query_params.get("saved") else ""
        return await run_in_threadpool(
            _rules_page, user, csrf, request.path_params["slug"], notice=notice
        )

    def _save_rules(user: Any, csrf: str, slug: str, form: dict[str, str]) -> Response:
        from nashra.moderation.reports import log_action
        from nashra.sources.registry import RegistryError, load_registry
        from nashra.sources.rules import rules_to_mapping

        if form.get("action") != "save":
            return _rules_page(user, csrf, slug, form=form, notice="Preview with these rules (not saved).")  # fmt: skip
        rules, problems = _rules_of(form)
        if problems:
            return _rules_page(user, csrf, slug, form=form)
        try:
            registry = load_registry(web.settings)
            source = registry[slug]
            registry.update(replace(source, extract=None if rules.is_empty() else rules))
            registry.save(web.settings.registry_path)
        except (KeyError, RegistryError, OSError) as exc:
            return _rules_page(user, csrf, slug, form=form, status=400, error=f"not saved: {exc}")
        with store.begin() as conn:
            log_action(conn, user.username, "rules", None,
                       f"{slug}: {json.dumps(rules_to_mapping(rules), ensure_ascii=False)}"[:2000])  # fmt: skip
        return RedirectResponse(f"/admin/rules/{slug}?saved=1", status_code=303)

    async def rules_post(request: Request, user: Any, csrf: str) -> Response:
        form = {k: str(v)[:4000] for k, v in request.state.form.items() if isinstance(v, str)}
        return await run_in_threadpool(_save_rules, user, csrf, request.path_params["slug"], form)

    return [
        Route("/admin/takedowns", page(takedowns_page)),
        Route("/admin/takedowns", page(takedowns_post), methods=["POST"]),
        Route("/admin/outlets", page(outlets_page)),
        Route("/admin/rules/{slug}", page(rules_page)),
        Route("/admin/rules/{slug}", page(rules_post), methods=["POST"]),
    ]


_TEXT_RULES = ("body", "title", "author", "date", "date_format", "image")


def _form_of(rules: ExtractRules | None) -> dict[str, str]:
    """The editor's fields for the rules in the registry."""
    rules = rules or ExtractRules()
    form = {name: getattr(rules, name) or "" for name in _TEXT_RULES}
    form["prune"] = "\n".join(rules.prune)
    form["feed_content"] = "1" if rules.feed_content else ""
    return form


def _rules_of(form: dict[str, str]) -> tuple[ExtractRules, list[str]]:
    """The rules the editor's fields describe, and every problem (field named)."""
    data: dict[str, Any] = {name: form.get(name, "").strip() for name in _TEXT_RULES}
    data["prune"] = [line.strip() for line in form.get("prune", "").splitlines() if line.strip()]
    data["feed_content"] = bool(form.get("feed_content"))
    rules, problems = parse_rules(data)
    return rules or ExtractRules(), problems
