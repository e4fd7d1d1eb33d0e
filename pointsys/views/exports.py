"""Spreadsheet downloads for staff: the draft notice board, the entry detail, a household's
statement; the full ledger archive for administrators. Thin: parse, build the data, write."""

from __future__ import annotations

import tempfile

from flask import Blueprint, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user

from .. import access
from ..extensions import db
from ..localtime import app_now, app_today
from ..models import Household, Role
from ..periods import Period, PeriodError, quarter_of
from ..spreadsheets import from_ledger
from ..spreadsheets.archive import write_archive
from ..spreadsheets.entry_detail import write_entry_detail
from ..spreadsheets.notice_board import write_notice_board
from ..spreadsheets.statement import write_statement
from .admin import role_required
from .households import current_village

bp = Blueprint("exports", __name__, url_prefix="/exports")

STAFF = (Role.ADMIN, Role.CLERK, Role.GROUP_LEADER, Role.SUPERVISOR)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExportRequestError(ValueError):
    """A period or household the form asked for that we cannot export; the message says why."""


@bp.get("/")
@role_required(*STAFF)
def index():
    today = app_today()
    return render_template(
        "exports/index.html",
        quarter=quarter_of(today).code,
        month=Period.of("month", today).code,
        year=today.year,
    )


@bp.get("/notice-board.xlsx")
@role_required(*STAFF)
def notice_board():
    village = current_village()
    try:
        period = parse_period(request.args.get("quarter", ""), ("quarter",))
    except ExportRequestError as exc:
        return _refused(exc)
    board = from_ledger.draft_notice_board(village, period, today=app_today())
    return send_xlsx(
        write_notice_board,
        board,
        _("%(village)s%(quarter)s红黑榜（草稿）.xlsx", village=village.name, quarter=period.code),
    )


@bp.get("/entries.xlsx")
@role_required(*STAFF)
def entries():
    village = current_village()
    try:
        period = parse_period(request.args.get("period", ""), ("month", "quarter"))
    except ExportRequestError as exc:
        return _refused(exc)
    detail = from_ledger.entry_detail(village, period, today=app_today())
    return send_xlsx(
        write_entry_detail,
        detail,
        _("%(village)s%(period)s积分明细公示表.xlsx", village=village.name, period=period.code),
    )


@bp.get("/statement.xlsx")
@role_required(*STAFF)
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
    )


@bp.get("/archive.xlsx")
@role_required(Role.ADMIN)
def archive():
    village = current_village()
    data = from_ledger.archive(village, now=app_now())
    return send_xlsx(
        write_archive,
        data,
        _("%(village)s积分台账%(day)s.xlsx", village=village.name, day=f"{app_today():%Y%m%d}"),
    )


def parse_period(text: str, kinds: tuple[str, ...]):
    """The period asked for, of one of `kinds`; ExportRequestError with the expected form."""
    examples = {"quarter": "2026Q3", "month": "2026-07", "year": "2026"}
    try:
        period = Period.parse(text)
    except PeriodError:
        period = None
    if period is None or period.kind not in kinds:
        raise ExportRequestError(
            _(
                "看不懂“%(text)s”：请写成 %(examples)s 这样",
                text=text,
                examples=_("或").join(examples[k] for k in kinds),
            )
        )
    return period


def household_by_number(village, number: str, person=None) -> Household:
    """The household with this 户号; for a `person` (a page's user), only one they may see — a
    group leader asking for a household outside their groups is told it does not exist."""
    number = number.strip()
    household = db.session.execute(
        db.select(Household).filter_by(village_id=village.id, number=number)
    ).scalar_one_or_none()
    if household is None or (
        person is not None and not access.can_see_household(person, household)
    ):
        raise ExportRequestError(_("没有户号为“%(number)s”的户", number=number))
    return household


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


def send_xlsx(writer, data, filename: str):
    # A temporary file, not memory: the archive of a big ledger is large; it is deleted on close.
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - send_file closes it after the response
    writer(data, spool)
    spool.seek(0)
    return send_file(spool, mimetype=XLSX, as_attachment=True, download_name=filename)
