"""HTTP routes of crowd reporting and moderation (the images themselves: ``nashra.media.web``).

* ``POST /images/{id|sha256}/report`` – the no-JavaScript report form; answers with a page.
* ``POST /api/v1/images/{id}/reports`` – the same as JSON (``reason`` as JSON or form field).
* ``GET /api/v1/images/{id}`` – an image's size, state and report count.
* ``GET /moderation/report.js`` – the in-place reporting script.
  (these four: ``nashra.moderation.reporting``)
* ``/admin`` (queue), ``/admin/login``, ``/admin/logout``, ``/admin/images/{id}/{action}``,
  ``/admin/hide``, ``/admin/log``, ``/admin/media/…`` – moderation, behind a login.
* ``/admin/article?source=…&num=…`` – an article's section, corrected by a moderator (issue 8).
  (these: ``nashra.moderation.admin``)
* ``/admin/takedowns``, ``/admin/outlets``, ``/admin/rules/{slug}`` – for the operator role
  (``nashra.moderation.operator``, issue 19).

The handlers are module-level functions taking the shared :class:`~nashra.moderation.desk.Desk`
first; pages behind the login are wrapped in ``moderator_only`` or ``operator_only``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Route

from nashra.moderation import admin, operator, reporting
from nashra.moderation.desk import Desk, DeskHandler, moderator_only, operator_only
from nashra.moderation.gone import GoneMiddleware
from nashra.moderation.takedowns import takedown_version
from nashra.web.context import WebContext, bind

__all__ = ["routes"]


def routes(ctx: WebContext) -> list[BaseRoute]:
    """Every route of reporting and moderation, over the primary store (they write); and the
    takedowns on every answer: taken-down articles and outlets answer 410 (issue 19), cached
    pages included, and a takedown or its undo empties the page cache."""
    desk = Desk(ctx.settings, ctx.store)
    interval = ctx.settings.web.cache_check_seconds
    ctx.middleware.append(Middleware(GoneMiddleware, store=ctx.store, interval=interval))
    ctx.version_parts.append(takedown_version)

    def moderators(handler: DeskHandler) -> Callable[..., Any]:
        return bind(moderator_only(handler), desk)

    def operators(handler: DeskHandler) -> Callable[..., Any]:
        return bind(operator_only(handler), desk)

    return [
        Route("/admin/takedowns", operators(operator.takedowns_page)),
        Route("/admin/takedowns", operators(operator.takedowns_post), methods=["POST"]),
        Route("/admin/outlets", operators(operator.outlets_page)),
        Route("/admin/rules/{slug}", operators(operator.rules_page)),
        Route("/admin/rules/{slug}", operators(operator.rules_post), methods=["POST"]),
        Route("/moderation/report.js", bind(reporting.script, desk)),
        Route("/images/{ref}/report", bind(reporting.report_form, desk), methods=["POST"]),
        Route("/api/v1/images/{ref}/reports", bind(reporting.report_api, desk), methods=["POST"]),
        Route("/api/v1/images/{ref}", bind(reporting.image_api, desk)),
        Route("/admin", moderators(admin.queue_page)),
        Route("/admin/", moderators(admin.queue_page)),
        Route("/admin/log", moderators(admin.log_page)),
        Route("/admin/article", moderators(admin.article_page)),
        Route("/admin/article", moderators(admin.article_post), methods=["POST"]),
        Route("/admin/login", bind(admin.login_page, desk)),
        Route("/admin/login", bind(admin.login_post, desk), methods=["POST"]),
        Route("/admin/logout", moderators(admin.logout_post), methods=["POST"]),
        Route("/admin/hide", moderators(admin.hide_post), methods=["POST"]),
        Route("/admin/images/{image_id}/{action}", moderators(admin.action_post), methods=["POST"]),
        Route("/admin/media/{name}", moderators(admin.admin_media)),
    ]
