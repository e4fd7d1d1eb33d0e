"""`flask households …`: roster import, export and template from the command line.

Thin shells over households.roster: the same checks and all-or-nothing write as the web pages.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _

from ..extensions import db
from ..models import Village
from . import roster

households_group = AppGroup("households", help="户籍：名册导入、导出与模板。")


def pick_village(code: str | None) -> Village:
    if code:
        village = db.session.execute(db.select(Village).filter_by(code=code)).scalar_one_or_none()
        if village is None:
            raise click.ClickException(_("没有编码为“%(code)s”的村", code=code))
        return village
    villages = db.session.execute(db.select(Village).limit(2)).scalars().all()
    if len(villages) != 1:
        raise click.ClickException(_("系统中有多个村（或没有村）；请用 --village 指定村编码"))
    return villages[0]


@households_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--village", "code", help="村编码；只有一个村时可省略")
@click.option("--dry-run", is_flag=True, help="只检查并列出将要做的改动，不写入")
def import_command(path: Path, code: str | None, dry_run: bool) -> None:
    """Check a roster .xlsx and import it (all or nothing)."""
    village = pick_village(code)
    try:
        plan = roster.plan_import(
            village, path.read_bytes(), current_app.config["ROSTER_MAX_BYTES"]
        )
    except roster.RosterError as exc:
        raise click.ClickException(str(exc)) from None
    for problem in plan.problems:
        click.echo(str(problem))
    counts = {
        "created": len(plan.creates),
        "updated": len(plan.updates),
        "members": len(plan.member_sets),
        "unchanged": plan.unchanged,
    }
    if plan.blocking:
        raise click.ClickException(
            _(
                "名册还有 %(count)s 处问题，改正后重新导入；本次未导入任何数据",
                count=len(plan.blocking),
            )
        )
    if dry_run:
        click.echo(
            _(
                "预览（未写入）：新建 %(created)s 户，更新 %(updated)s 户，"
                "更新成员 %(members)s 户，未变 %(unchanged)s 户。",
                **counts,
            )
        )
        return
    roster.apply_import(village, plan, actor="cli")
    db.session.commit()
    click.echo(
        _(
            "导入完成：新建 %(created)s 户，更新 %(updated)s 户，"
            "更新成员 %(members)s 户，未变 %(unchanged)s 户。",
            **counts,
        )
    )


@households_group.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--village", "code", help="村编码；只有一个村时可省略")
def export_command(path: Path, code: str | None) -> None:
    """Write every household of the village to an .xlsx in the template's layout."""
    path.write_bytes(roster.export_households(pick_village(code)))
    click.echo(_("已导出到 %(path)s", path=path))


@households_group.command("template")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--village", "code", help="村编码；只有一个村时可省略")
def template_command(path: Path, code: str | None) -> None:
    """Write the empty roster template."""
    path.write_bytes(roster.workbook_bytes(pick_village(code), []))
    click.echo(_("模板已保存到 %(path)s", path=path))
