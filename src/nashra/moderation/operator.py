"""The operator's pages in /admin (issue 19): takedowns, the outlet health board, the extraction
rule editor. Every page needs a signed-in account with the ``operator`` role; forms are
CSRF-checked by the moderation guard (``desk.operator_only``) and every change is written to the audit log."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from nashra.crawl.kept import kept_pages
from nashra.moderation import takedowns
from nashra.moderation.desk import Desk
from nashra.moderation.reports import log_action
from nashra.sources.health import outlet_health
from nashra.sources.preview import FIELDS, preview
from nashra.sources.registry import RegistryError, load_registry
from nashra.sources.rules import ExtractRules, parse_rules, rules_to_mapping

__all__ = ["outlets_page", "rules_page", "rules_post", "takedowns_page", "takedowns_post"]

# -- takedowns ---------------------------------------------------------------------------------


def _takedowns_page(desk: Desk, user: Any, csrf: str, *, error: str = "", notice: str = "",
                    status: int = 200, form: dict[str, str] | None = None) -> Response:  # fmt: skip
    return desk.render(
        "takedowns.html", status=status, title="Takedowns", user=user, csrf=csrf,
        entries=takedowns.recent(desk.store), error=error, notice=notice, form=form or {},
    )  # fmt: skip


async def takedowns_page(desk: Desk, request: Request, user: Any, csrf: str) -> Response:
    notice = request.query_params.get("done", "")[:200]
    return await run_in_threadpool(_takedowns_page, desk, user, csrf, notice=notice)


def _take_down(desk: Desk, user: Any, csrf: str, form: dict[str, str]) -> Response:
    store = desk.store
    before = None
    if form.get("before"):
        try:
            before = datetime.fromisoformat(form["before"])
        except ValueError:
            return _takedowns_page(desk, user, csrf, status=400, form=form,
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
        return _takedowns_page(desk, user, csrf, status=400, error=str(exc), form=form)
    return RedirectResponse("/admin/takedowns?" + urlencode({"done": done}), status_code=303)


async def takedowns_post(desk: Desk, request: Request, user: Any, csrf: str) -> Response:
    form = {k: str(v)[:2000] for k, v in request.state.form.items() if isinstance(v, str)}
    return await run_in_threadpool(_take_down, desk, user, csrf, form)


# -- the outlet health board -------------------------------------------------------------------


async def outlets_page(desk: Desk, request: Request, user: Any, csrf: str) -> Response:
    board = await run_in_threadpool(outlet_health, desk.store)
    return desk.render("outlets.html", title="Outlets", user=user, csrf=csrf, board=board)


# -- the extraction rule editor ----------------------------------------------------------------


def _rules_page(desk: Desk, user: Any, csrf: str, slug: str, *,
                form: dict[str, str] | None = None, error: str = "", notice: str = "",
                status: int = 200) -> Response:  # fmt: skip
    try:
        registry = load_registry(desk.settings)
    except RegistryError as exc:
        return desk.render("rules.html", status=500, title="Rules", user=user, csrf=csrf,
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
        for kept in kept_pages(desk.store, slug, limit=5):
            previews.append(preview(candidate, kept.content, kept.final_url, kept.content_type))
    return desk.render(
        "rules.html", status=status, title=f"Rules of {slug}", user=user, csrf=csrf,
        slug=slug, source=source, form=form, error=error, notice=notice, previews=previews,
        fields=FIELDS, registry_path=str(desk.settings.registry_path),
    )  # fmt: skip


async def rules_page(desk: Desk, request: Request, user: Any, csrf: str) -> Response:
    notice = "Saved to the registry." if request.query_params.get("saved") else ""
    return await run_in_threadpool(
        _rules_page, desk, user, csrf, request.path_params["slug"], notice=notice
    )


def _save_rules(desk: Desk, user: Any, csrf: str, slug: str, form: dict[str, str]) -> Response:
    if form.get("action") != "save":
        return _rules_page(desk, user, csrf, slug, form=form, notice="Preview with these rules (not saved).")  # fmt: skip
    rules, problems = _rules_of(form)
    if problems:
        return _rules_page(desk, user, csrf, slug, form=form)
    try:
        registry = load_registry(desk.settings)
        source = registry[slug]
        registry.update(replace(source, extract=None if rules.is_empty() else rules))
        registry.save(desk.settings.registry_path)
    except (KeyError, RegistryError, OSError) as exc:
        return _rules_page(desk, user, csrf, slug, form=form, status=400, error=f"not saved: {exc}")
    with desk.store.begin() as conn:
        log_action(conn, user.username, "rules", None,
                   f"{slug}: {json.dumps(rules_to_mapping(rules), ensure_ascii=False)}"[:2000])  # fmt: skip
    return RedirectResponse(f"/admin/rules/{slug}?saved=1", status_code=303)


async def rules_post(desk: Desk, request: Request, user: Any, csrf: str) -> Response:
    form = {k: str(v)[:4000] for k, v in request.state.form.items() if isinstance(v, str)}
    return await run_in_threadpool(_save_rules, desk, user, csrf, request.path_params["slug"], form)


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
