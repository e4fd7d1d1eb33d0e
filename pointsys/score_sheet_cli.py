"""`flask sheets …`: generate a score sheet and import a filled one from the command line.

Thin shells over pointsys.score_sheet: the same checks and all-or-nothing write as the web pages.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _

from . import score_sheet
from .extensions import db
from .households.cli import pick_village as _village
from .models import Role, User, Village, VillageGroup

sheets_group = AppGroup("sheets", help="评分表：生成空白评分表，导入填好的评分表。")


@sheets_group.command("template")
@click.option("--group", "group_name", required=True, help="村民小组名称，如 一组")
@click.option("--item", "items", multiple=True, required=True, help="积分事项编码，可重复")
@click.option("--date", "on", type=click.DateTime(["%Y-%m-%d"]), help="行为日期；不填则留空")
@click.option("--village", "code", help="村编码；只有一个村时可省略")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def template_command(
    group_name: str, items: tuple[str, ...], on: datetime | None, code: str | None, output: Path
) -> None:
    """Write the score sheet for a group's households and the chosen items."""
    village = _village(code)
    group = db.session.execute(
        db.select(VillageGroup).filter_by(village_id=village.id, name=group_name)
    ).scalar_one_or_none()
    if group is None:
        raise click.ClickException(_("本村没有名为“%(group)s”的村民小组", group=group_name))
    try:
        sheet = score_sheet.generate(village, group, items, on.date() if on else None)
    except score_sheet.ScoreSheetError as exc:
        raise click.ClickException(str(exc)) from None
    output.write_bytes(sheet.data)
    click.echo(_("评分表已保存到 %(path)s", path=output))


@sheets_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "username", required=True, help="以哪位记分员（或村两委）的名义记录")
@click.option("--dry-run", is_flag=True, help="只检查并列出将要记录的分数，不写入")
def import_command(path: Path, username: str, dry_run: bool) -> None:
    """Check a filled score sheet and record it (every cell, or none)."""
    user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one_or_none()
    if user is None or not user.is_active_account:
        raise click.ClickException(_("没有用户名为“%(name)s”的在用账号", name=username))
    if not user.has_role(Role.CLERK, Role.ADMIN):
        raise click.ClickException(_("%(name)s 不是记分员或村两委，不能导入评分表", name=username))
    village = (
        _village(None) if user.village_id is None else db.session.get(Village, user.village_id)
    )
    config = current_app.config
    try:
        parsed = score_sheet.parse(
            village,
            path.read_bytes(),
            max_bytes=int(config["SCORE_SHEET_MAX_BYTES"]),
            max_rows=int(config["SCORE_SHEET_MAX_ROWS"]),
        )
        outcome = score_sheet.record(village, parsed, actor=user, dry_run=dry_run)
    except score_sheet.ScoreSheetError as exc:
        raise click.ClickException(str(exc)) from None
    except score_sheet.ScoreSheetRefused as exc:
        for problem in exc.problems:
            click.echo(str(problem))
        raise click.ClickException(
            _("评分表有 %(count)s 处问题，本次未记录任何分数", count=len(exc.problems))
        ) from None
    for notice in parsed.notices:
        click.echo(notice)
    counts = {"count": len(outcome.lines), "pending": outcome.pending}
    if outcome.replayed:
        click.echo(_("这份评分表已经导入过，没有重复记分。"))
    elif dry_run:
        for line in outcome.lines:
            status = _("待审核") if line.status == "pending" else line.points_text
            notices = "；".join(line.notices)
            click.echo(
                f"{line.cell}\t{line.number} {line.head_name}\t{line.item}\t"
                f"{line.quantity}\t{line.requested_text}\t{status}\t{notices}".rstrip()
            )
        click.echo(_("预览（未写入）：将记录 %(count)s 条，其中 %(pending)s 条待审核。", **counts))
    else:
        db.session.commit()
        click.echo(_("评分表已导入：记录 %(count)s 条，其中 %(pending)s 条待审核。", **counts))
