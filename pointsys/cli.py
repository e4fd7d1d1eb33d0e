"""Flask commands: init-db, demo. Each is a thin shell over a domain module."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_migrate import upgrade

from . import accounts_cli, backup_cli
from .database import check_connection
from .exports_cli import export_group
from .extensions import db
from .households.cli import households_group
from .rules_cli import rules_group
from .score_sheet_cli import sheets_group


def init_database() -> None:
    """Bring the configured database to the newest schema (idempotent)."""
    check_connection(db.engine)
    upgrade(directory=current_app.extensions["migrate"].directory)


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database schema to the newest migration. Never deletes data."""
    init_database()
    click.echo("数据库已是最新结构。")


@click.command("demo")
# The same options and environment variables as `flask run`, so the addresses printed are the
# ones `flask run` then serves (FLASK_RUN_HOST=0.0.0.0 for phones on the village network).
@click.option(
    "--host",
    "-h",
    envvar="FLASK_RUN_HOST",
    default="127.0.0.1",
    show_default=True,
    help="the host `flask run` will listen on (0.0.0.0: every interface)",
)
@click.option(
    "--port",
    "-p",
    envvar="FLASK_RUN_PORT",
    default=5000,
    type=int,
    show_default=True,
    help="the port `flask run` will listen on",
)
@with_appcontext
def demo_command(host: str, port: int) -> None:
    """Create the demo village (once) and print the demo logins. Existing data is kept."""
    from .demo import build_demo
    from .publishing import Deadlines

    init_database()
    report = build_demo(current_app.instance_path, Deadlines.from_config(current_app.config))
    click.echo(report.summary(host, port))


def register_cli(app: Flask) -> None:
    app.cli.add_command(init_db_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(translations_group)
    for command in accounts_cli.COMMANDS:
        app.cli.add_command(command)
    app.cli.add_command(rules_group)
    app.cli.add_command(households_group)
    app.cli.add_command(export_group)
    app.cli.add_command(sheets_group)
    for command in backup_cli.COMMANDS:
        app.cli.add_command(command)


@click.group("translations", cls=AppGroup)
def translations_group() -> None:
    """Keep the English catalogue complete and the shipped .mo files current."""


@translations_group.command("update")
def translations_update() -> None:
    """Extract strings, merge them into the catalogues, compile, and list what is untranslated."""
    from . import catalog

    todo = catalog.update()
    catalog.compile_all()
    _report_missing(todo)


@translations_group.command("check")
def translations_check() -> None:
    """Exit 1 if a string lacks an English translation or a .mo file is out of date."""
    from . import catalog

    _report_missing(catalog.missing())
    stale = catalog.stale_compiled()
    if stale:
        raise click.ClickException(
            "编译后的译文已过期："
            + "、".join(stale)
            + "；请运行 flask --app pointsys translations update"
        )


def _report_missing(todo: dict[str, list[str]]) -> None:
    count = sum(len(v) for v in todo.values())
    for locale, ids in todo.items():
        for message_id in ids:
            click.echo(f"{locale}: 未翻译：{message_id}")
    if count:
        raise click.ClickException(f"共有 {count} 条文字没有翻译")
    click.echo("译文齐全。")
