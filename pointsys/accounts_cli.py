"""Commands for staff accounts: create-user, reset-password, set-role."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from . import accounts
from .extensions import db
from .households.cli import pick_village
from .models import Role

ROLE_CHOICE = click.Choice([r.value for r in Role])
ACTOR = "cli"


def _run(action) -> None:
    """Turn an AccountError into one line and exit status 1, writing nothing."""
    try:
        action()
        db.session.commit()
    except accounts.AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None


def _password_option():
    return click.option(
        "--password",
        prompt="密码",
        hide_input=True,
        confirmation_prompt="再次输入密码",
        help="omit to be asked (nothing is echoed)",
    )


@click.command("create-user")
@click.argument("username")
@click.option(
    "--name", "display_name", required=True, help="姓名, shown in the header and the trail"
)
@click.option("--role", "roles", multiple=True, required=True, type=ROLE_CHOICE)
@_password_option()
@with_appcontext
def create_user_command(username, display_name, roles, password) -> None:
    """Create a staff account with one or more roles."""
    _run(
        lambda: accounts.create_user(
            username, display_name, password, accounts.parse_roles(roles), actor_label=ACTOR
        )
    )
    click.echo(f"已创建账号 {username}。")


@click.command("reset-password")
@click.argument("username")
@_password_option()
@with_appcontext
def reset_password_command(username, password) -> None:
    """Set a new password for a staff account."""
    _run(lambda: accounts.reset_password(accounts.find_user(username), password, actor_label=ACTOR))
    click.echo(f"已重置 {username} 的密码。")


@click.command("set-role")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, type=ROLE_CHOICE)
@with_appcontext
def set_role_command(username, roles) -> None:
    """Replace a staff account's roles with the ones given."""
    _run(
        lambda: accounts.set_roles(
            accounts.find_user(username), accounts.parse_roles(roles), actor_label=ACTOR
        )
    )
    click.echo(f"{username} 的角色已设为：{'、'.join(sorted(roles))}。")


@click.command("set-groups")
@click.argument("username")
@click.argument("groups", nargs=-1)
@click.option("--village", "code", help="村编码；只有一个村时可省略")
@with_appcontext
def set_groups_command(username, groups, code) -> None:
    """Set the village groups a group leader looks after (none given: clears them)."""

    def action():
        accounts.set_groups(
            accounts.find_user(username),
            accounts.find_groups(pick_village(code), groups),
            actor=ACTOR,
        )

    _run(action)
    if groups:
        click.echo(f"{username} 负责的村民小组已设为：{'、'.join(groups)}。")
    else:
        click.echo(f"{username} 已不负责任何村民小组。")


COMMANDS = (create_user_command, reset_password_command, set_role_command, set_groups_command)
