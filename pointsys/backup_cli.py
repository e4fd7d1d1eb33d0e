"""`flask backup DIR` and `flask restore BACKUP`: thin shells over pointsys.backup."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from . import backup as backups
from .config import database_url
from .extensions import db
from .localtime import app_now


@click.command("backup")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--keep", type=click.IntRange(min=1), help="只保留 DIRECTORY 里最新的 N 份备份，删除更早的"
)
@with_appcontext
def backup_command(directory: Path, keep: int | None) -> None:
    """Back up the database, evidence photos and uploads into a new folder in DIRECTORY.

    Safe while the app serves: SQLite is copied with its online backup API, PostgreSQL with
    pg_dump, each as one consistent snapshot.
    """
    try:
        folder = backups.backup(db.engine.url, current_app.instance_path, directory, app_now())
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    manifest = backups.Manifest.read(folder)
    click.echo(
        _(
            "备份完成：%(path)s（%(households)s 户，%(entries)s 条积分记录，"
            "%(publications)s 期红黑榜，%(files)s 个照片和上传文件）",
            path=folder,
            **backups.summary_counts(manifest),
        )
    )
    if keep:
        removed = backups.prune(directory, keep)
        if removed:
            click.echo(
                _(
                    "已删除 %(count)s 份较早的备份，保留最新的 %(keep)s 份。",
                    count=len(removed),
                    keep=keep,
                )
            )


@click.command("restore")
@click.argument("source", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="要恢复到的数据库里已有数据时，也用备份覆盖")
@click.option("--database-url", "target", help="恢复到这个数据库（默认：本系统配置的数据库）")
@with_appcontext
def restore_command(source: Path, force: bool, target: str | None) -> None:
    """Restore a backup folder made by `flask backup` (stop the app first)."""
    url = database_url(target, current_app.instance_path) if target else db.engine.url
    db.engine.dispose()  # no pooled connection of ours may hold the database meanwhile
    try:
        manifest = backups.restore(source, url, current_app.instance_path, force=force)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        _(
            "已从 %(path)s 恢复（%(households)s 户，%(entries)s 条积分记录，"
            "%(publications)s 期红黑榜，%(files)s 个照片和上传文件），已核对无误。",
            path=source,
            **backups.summary_counts(manifest),
        )
    )


COMMANDS = (backup_command, restore_command)
