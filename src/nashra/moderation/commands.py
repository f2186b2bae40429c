"""``nashra admin …``: moderator accounts from the command line.

Register with ``main.add_command(admin)`` in ``nashra/cli.py``; each command takes the
:class:`~nashra.config.Settings` in ``ctx.obj``.
"""

from __future__ import annotations

import click

from nashra.config import Settings
from nashra.moderation.accounts import MIN_PASSWORD, create_user
from nashra.store import Store

__all__ = ["admin"]


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
@click.pass_obj
def create_user_command(settings: Settings, username: str, password: str) -> None:
    """Create a moderator account (or reset the password of an existing one)."""
    store = Store.open(settings.resolved_database_url)
    try:
        user_id = create_user(store, username, password)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        store.close()
    click.echo(f"moderator {username!r} ready (id {user_id}); sign in at /admin")
