"""`flask export …`: the spreadsheets from the command line, the same code as the downloads."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from . import ledger
from .exports import ExportRequestError, household_by_number, parse_period
from .households.cli import pick_village as _village
from .localtime import app_now, app_today
from .spreadsheets import from_ledger
from .spreadsheets.archive import write_archive
from .spreadsheets.entry_detail import write_entry_detail
from .spreadsheets.notice_board import write_notice_board
from .spreadsheets.statement import write_statement

export_group = AppGroup("export", help="导出表格：红黑榜、积分明细公示表、家庭积分明细、积分台账。")

VILLAGE = click.option("--village", "code", help="村编码；只有一个村时可省略")
OUTPUT = click.argument("path", type=click.Path(dir_okay=False, path_type=Path))


def _period(text: str, *kinds: str):
    try:
        return parse_period(text, kinds)
    except ExportRequestError as exc:
        raise click.ClickException(str(exc)) from None


def _write(writer, data, path: Path) -> None:
    with path.open("wb") as stream:
        writer(data, stream)
    click.echo(_("已导出到 %(path)s", path=path))


@export_group.command("notice-board")
@click.argument("period")
@OUTPUT
@VILLAGE
@click.option("--qr-url", help="网上名单的地址，印成二维码")
@click.option("--everyone", is_flag=True, help="另附全村积分排名")
def notice_board_command(period, path, code, qr_url, everyone) -> None:
    """The draft red and black lists of PERIOD (2026Q3, or the month … year the rulebook's
    [honours] period names) for the notice board."""
    village = _village(code)
    board = from_ledger.draft_notice_board(
        village,
        _period(period, ledger.list_period_kind(village)),
        today=app_today(),
        qr_url=qr_url,
        everyone=everyone,
    )
    _write(write_notice_board, board, path)


@export_group.command("entries")
@click.argument("period")
@OUTPUT
@VILLAGE
def entries_command(period, path, code) -> None:
    """The entry detail (积分明细公示表) of PERIOD: a month (2026-07) or a quarter (2026Q3)."""
    detail = from_ledger.entry_detail(
        _village(code), _period(period, "month", "quarter"), today=app_today()
    )
    _write(write_entry_detail, detail, path)


@export_group.command("statement")
@click.argument("household")
@click.argument("year")
@OUTPUT
@VILLAGE
def statement_command(household, year, path, code) -> None:
    """The statement of HOUSEHOLD (户号) for YEAR, with its running balance."""
    village = _village(code)
    year_period = _period(year, "year")
    try:
        found = household_by_number(village, household)
    except ExportRequestError as exc:
        raise click.ClickException(str(exc)) from None
    data = from_ledger.statement(found, year_period.start.year, today=app_today())
    _write(write_statement, data, path)


@export_group.command("archive")
@OUTPUT
@VILLAGE
def archive_command(path, code) -> None:
    """Every entry of the village, every column, for the archive (streamed)."""
    data = from_ledger.archive(_village(code), now=app_now())
    with path.open("wb") as stream:
        count = write_archive(data, stream)
    click.echo(_("已导出 %(count)s 条记录到 %(path)s", count=count, path=path))
