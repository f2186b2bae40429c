"""``nashra admin …``: moderator accounts from the command line.

Register with ``main.add_command(admin)`` in ``nashra/cli.py``; each command takes the
:class:`~nashra.config.Settings` in ``ctx.obj``.
"""

from __future__ import annotations

import json
from datetime import datetime

import click

from nashra.config import Settings
from nashra.moderation import takedowns
from nashra.moderation.accounts import MIN_PASSWORD, ROLES, create_user
from nashra.store import Store

__all__ = ["admin", "takedown_command"]


@click.group()
def admin() -> None:
    """Moderation accounts."""


@admin.command("create-user")
@click.argument("username")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    envvar="NASHRA_ADMIN_PASSWORD",
    help=f"At least {MIN_PASSWORD} characters (prompted when not given; or NASHRA_ADMIN_PASSWORD).",
)
@click.option(
    "--role",
    type=click.Choice(ROLES),
    default="moderator",
    show_default=True,
    help="moderator: images and sections; operator: also extraction rules, takedowns, outlets.",
)
@click.pass_obj
def create_user_command(settings: Settings, username: str, password: str, role: str) -> None:
    """Create an account (or reset the password and role of an existing one)."""
    store = Store.open(settings.resolved_database_url)
    try:
        user_id = create_user(store, username, password, role)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        store.close()
    click.echo(f"{role} {username!r} ready (id {user_id}); sign in at /admin")


@click.command("takedown")
@click.argument("target", metavar="URL_OR_PATH")
@click.option("--reason", default="", help="Why (kept in the audit log); required to take down.")
@click.option(
    "--before",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
    help="With an outlet (/slug): only its articles published before this date (UTC).",
)
@click.option("--undo", is_flag=True, help="Lift the takedown: a later crawl may store it again.")
@click.option("--actor", default="cli", show_default=True, help="Who decided (audit log).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def takedown_command(
    settings: Settings,
    target: str,
    reason: str,
    before: datetime | None,
    undo: bool,
    actor: str,
    as_json: bool,
) -> None:
    """Take down an article (/slug/123 or its original URL), an outlet (/slug), or an outlet's
    articles before a date: they answer 410 Gone and are never stored again; text is purged."""
    store = Store.open(settings.resolved_database_url)
    try:
        parsed = takedowns.parse_target(store, target, before)
        if undo:
            ids = takedowns.undo(store, parsed, actor)
            result = {"undone": ids, "target": parsed.describe()}
            message = f"takedown {', '.join(f'#{i}' for i in ids)} of {parsed.describe()} lifted: the next crawl may store it again"  # fmt: skip
        else:
            done = takedowns.take_down(store, parsed, reason, actor)
            result = {"id": done.id, "target": parsed.describe(), "removed": done.removed}
            message = f"takedown #{done.id}: {parsed.describe()}, {done.removed} article(s) removed"
    except takedowns.TakedownError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        store.close()
    click.echo(json.dumps(result, ensure_ascii=False) if as_json else message)
