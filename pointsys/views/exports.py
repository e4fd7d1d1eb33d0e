"""Spreadsheet downloads for staff: the draft notice board, the entry detail, a household's
statement; the full ledger archive for administrators. Thin: parse, build the data, write."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from .. import access, ledger
from ..exports import ExportRequestError, household_by_number, parse_period
from ..localtime import app_now, app_today
from ..periods import Period, quarter_of
from ..spreadsheets import from_ledger
from ..spreadsheets.archive import write_archive
from ..spreadsheets.entry_detail import write_entry_detail
from ..spreadsheets.notice_board import write_notice_board
from ..spreadsheets.statement import write_statement
from .common import ADMINS, STAFF, current_village, role_required, send_xlsx

bp = Blueprint("exports", __name__, url_prefix="/exports")


@bp.get("/")
@role_required(STAFF)
def index():
    today = app_today()
    kind = ledger.list_period_kind(current_village())
    return render_template(
        "exports/index.html",
        quarter=quarter_of(today).code,
        list_period=Period.of(kind, today).code,
        month=Period.of("month", today).code,
        year=today.year,
    )


@bp.get("/notice-board.xlsx")
@role_required(STAFF)
def notice_board():
    village = current_village()
    # The lists' period ([honours] period; ?quarter= is what the form always sent).
    text = request.args.get("period") or request.args.get("quarter", "")
    try:
        period = parse_period(text, (ledger.list_period_kind(village),))
    except ExportRequestError as exc:
        return _refused(exc)
    board = from_ledger.draft_notice_board(village, period, today=app_today())
    return send_xlsx(
        write_notice_board,
        board,
        _("%(village)s%(quarter)s红黑榜（草稿）.xlsx", village=village.name, quarter=period.code),
        "notice-board.xlsx",
    )


@bp.get("/entries.xlsx")
@role_required(STAFF)
def entries():
    village = current_village()
    try:
        period = parse_period(request.args.get("period", ""), ("month", "quarter"))
    except ExportRequestError as exc:
        return _refused(exc)
    # Staff-only detail (notes included): a group leader gets their groups' households only.
    detail = from_ledger.entry_detail(
        village,
        period,
        today=app_today(),
        households=access.visible_households_filter(current_user),
    )
    return send_xlsx(
        write_entry_detail,
        detail,
        _("%(village)s%(period)s积分明细公示表.xlsx", village=village.name, period=period.code),
        "entries.xlsx",
    )


@bp.get("/statement.xlsx")
@role_required(STAFF)
def statement():
    village = current_village()
    try:
        year = parse_period(request.args.get("year", ""), ("year",)).start.year
        household = household_by_number(village, request.args.get("household", ""), current_user)
    except ExportRequestError as exc:
        return _refused(exc)
    data = from_ledger.statement(household, year, today=app_today())
    return send_xlsx(
        write_statement,
        data,
        _("%(number)s户%(year)s年积分明细.xlsx", number=household.number, year=year),
        "statement.xlsx",
    )


@bp.get("/archive.xlsx")
@role_required(ADMINS)
def archive():
    village = current_village()
    data = from_ledger.archive(village, now=app_now())
    return send_xlsx(
        write_archive,
        data,
        _("%(village)s积分台账%(day)s.xlsx", village=village.name, day=f"{app_today():%Y%m%d}"),
        "archive.xlsx",
    )


def _refused(exc: ExportRequestError):
    today = app_today()
    page = render_template(
        "exports/index.html",
        quarter=quarter_of(today).code,
        month=Period.of("month", today).code,
        year=today.year,
        error=str(exc),
    )
    return page, 400
