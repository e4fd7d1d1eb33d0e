"""Generate a score sheet: chosen items × the active households of one village group.

The sheet is the paper form's twin: it prints on A4 (landscape, fit to width, header repeated
on every page, gridlines) and carries a hidden page saying what it was made for, so an upload
can be checked against it. Nothing is protected: a clerk may resize, colour or sort freely.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .. import rules_store
from ..extensions import db
from ..localtime import app_now, app_today
from ..models import Household, HouseholdStatus, Village, VillageGroup
from ..rulebook.describe import plain
from ..rulebook.messages import N_
from ..rulebook.model import ItemVersion
from ..spreadsheets import cells
from .layout import (
    FIRST_ROW,
    FORMAT,
    HEADER_ROW,
    LEVEL,
    MAX_ITEMS,
    META_SHEET,
    QUANTITY,
    RANGE,
    TICK,
    TITLE_ROW,
    ItemColumn,
    ScoreSheetError,
    column_name,
    header_height,
    header_text,
    item_width,
    kind_of,
)

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


@dataclass(frozen=True)
class Generated:
    data: bytes
    filename: str


def generate(
    village: Village,
    group: VillageGroup,
    item_codes: Sequence[str],
    on: date | None = None,
    *,
    today: date | None = None,
) -> Generated:
    """The score sheet for these items and the group's active households, as .xlsx bytes."""
    today = today or app_today()
    current = rules_store.in_force(village.code)
    if not current.loaded:
        raise ScoreSheetError(N_("本村还没有加载积分管理细则，不能生成评分表。"))
    snapshot, rulebook = current.snapshot, current.rulebook
    codes = list(dict.fromkeys(c.strip() for c in item_codes if c and c.strip()))
    if not codes:
        raise ScoreSheetError(N_("请至少选择一个积分事项。"))
    if len(codes) > MAX_ITEMS:
        raise ScoreSheetError(
            N_("一张评分表最多放 %(max)s 个事项（再多就打印不下了），选了 %(count)s 个。"),
            max=MAX_ITEMS,
            count=len(codes),
        )
    scored_on = on or today
    versions = []
    for code in codes:
        if code not in rulebook.items:
            raise ScoreSheetError(N_("没有编码为 “%(item)s” 的积分事项。"), item=code)
        version = rulebook.item_on(code, scored_on)
        if version is None:
            raise ScoreSheetError(
                N_("事项 %(item)s 在 %(on)s 不适用（尚未施行或已停用），不能放进评分表。"),
                item=code,
                on=scored_on.isoformat(),
            )
        if version.scoring.quantity_from:
            raise ScoreSheetError(
                N_(
                    "事项 %(item)s 按 %(source)s 的记录自动累计，不能放进评分表；"
                    "请选 %(source)s，达到门槛时系统自动加分。"
                ),
                item=code,
                source=version.scoring.quantity_from,
            )
        versions.append(version)
    households = _active_households(group)
    if not households:
        raise ScoreSheetError(N_("“%(group)s”没有在册的户，无法生成评分表。"), group=group.name)
    columns = [
        ItemColumn(get_column_letter(3 + i), v.code, kind_of(v), header_text(v), column_name(v))
        for i, v in enumerate(versions)
    ]
    wb = Workbook()
    ws = wb.active
    ws.title = gettext("评分表")
    pairs = list(zip(columns, versions, strict=True))
    date_cell = _write_sheet(ws, village, group, pairs, households, on)
    _write_meta(wb, village, group, columns, snapshot.sha256, ws.title, date_cell)
    buffer = io.BytesIO()
    wb.save(buffer)
    day = on.isoformat() if on else gettext("未填日期")
    filename = gettext(
        "%(village)s%(group)s积分评分表（%(day)s）.xlsx",
        village=village.name,
        group=group.name,
        day=day,
    )
    return Generated(buffer.getvalue(), filename)


def _active_households(group: VillageGroup) -> list[Household]:
    return list(
        db.session.execute(
            db.select(Household)
            .filter_by(group_id=group.id, status=HouseholdStatus.ACTIVE.value)
            .order_by(Household.number)
        ).scalars()
    )


def _write_sheet(ws, village, group, pairs, households, on) -> str:
    """Title row, header row, one row per household; returns the date cell's reference."""
    columns = [c for c, _ in pairs]
    last = 3 + len(columns)  # 户号, 户主, items…, 备注
    last_letter = get_column_letter(last)
    date_letter = get_column_letter(last)
    # Every value through spreadsheets.cells: a village, group or head named "=…" stays text.
    title = cells.put(
        ws,
        TITLE_ROW,
        1,
        gettext("%(village)s %(group)s 积分评分表", village=village.name, group=group.name),
    )
    title.font = Font(bold=True, size=14)
    ws.merge_cells(f"A{TITLE_ROW}:{get_column_letter(last - 2)}{TITLE_ROW}")
    label = cells.put(ws, TITLE_ROW, last - 1, gettext("日期"))
    label.alignment = Alignment(horizontal="right")
    date_ref = f"{date_letter}{TITLE_ROW}"
    date_cell = cells.put(ws, TITLE_ROW, last, on)
    date_cell.number_format = "yyyy-mm-dd"
    date_cell.border = BOX
    headers = [gettext("户号"), gettext("户主"), *(c.header for c in columns), gettext("备注")]
    for index, text in enumerate(headers, start=1):
        cell = cells.put(ws, HEADER_ROW, index, text)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.border = BOX
    for row, household in enumerate(households, start=FIRST_ROW):
        cells.put(ws, row, 1, household.number).number_format = "@"  # keeps "001" as typed
        cells.put(ws, row, 2, household.head_name)
        for index in range(1, last + 1):
            ws.cell(row, index).border = BOX
        ws.row_dimensions[row].height = 22  # room for a pen
    end = FIRST_ROW + len(households) - 1
    # Every header printed whole: each item column as wide as its header needs (within bounds),
    # and the header row as tall as the longest header wraps to.
    widths = {"A": 9, "B": 11, last_letter: 22}
    for column, version in pairs:
        widths[column.letter] = item_width(column.header)
        area = f"{column.letter}{FIRST_ROW}:{column.letter}{end}"
        ws.add_data_validation(_validation(column, version, area))
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width
    ws.row_dimensions[HEADER_ROW].height = header_height(
        (text, widths[get_column_letter(index)]) for index, text in enumerate(headers, start=1)
    )
    dates = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True)
    dates.error = gettext("请填写日期，如 2026-08-03。")
    dates.add(date_ref)
    ws.add_data_validation(dates)
    ws.freeze_panes = f"C{FIRST_ROW}"
    _print_setup(ws)
    return date_ref


def _validation(column: ItemColumn, version: ItemVersion, area: str) -> DataValidation:
    """Excel's own check as the clerk types: a tick list, or numbers only (warns, never locks)."""
    if column.kind == TICK:
        rule = DataValidation(type="list", formula1='"√,1"', allow_blank=True)
        rule.error = gettext("得分请填 1 或 √，不得分请留空。")
        rule.errorStyle = "warning"
    elif column.kind == QUANTITY:
        rule = DataValidation(
            type="decimal", operator="greaterThan", formula1="0", allow_blank=True
        )
        rule.error = gettext("这一列只填数字（大于 0）。")
    elif column.kind == LEVEL:
        names = ",".join(level.name for level in version.scoring.levels)
        rule = DataValidation(type="list", formula1=f'"{names}"', allow_blank=True)
        rule.error = gettext("这一列填级别名称，见表头；未获表彰请留空。")
        rule.errorStyle = "warning"
    else:
        assert column.kind == RANGE
        rule = DataValidation(type="decimal", operator="between", allow_blank=True)
        rule.formula1 = plain(version.scoring.low)
        rule.formula2 = plain(version.scoring.high)
        rule.error = gettext("这一列只填分值，范围见表头。")
    rule.errorTitle = cells.clean_text(column.name)
    rule.showErrorMessage = True
    rule.add(area)
    return rule


def _print_setup(ws) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as the group needs
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{TITLE_ROW}:{HEADER_ROW}"
    ws.print_options.gridLines = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.oddFooter.center.text = gettext("第 &P 页，共 &N 页")


def _write_meta(wb, village, group, columns, rulebook_sha256, sheet_title, date_cell) -> None:
    meta = wb.create_sheet(META_SHEET)
    meta.sheet_state = "hidden"
    for row in (
        ["format", FORMAT],
        ["village", village.code],
        ["group", group.name],
        ["sheet_id", uuid.uuid4().hex],
        ["rulebook_sha256", rulebook_sha256],
        ["generated_at", app_now().isoformat(timespec="seconds")],
        ["sheet", sheet_title],
        ["date_cell", date_cell],
    ):
        meta.append(cells.row(meta, row))
    # The sheet's language is the one it was made in: the upload is checked against these.
    fixed = ["fixed_headers", gettext("户号"), gettext("户主"), gettext("备注")]
    meta.append(cells.row(meta, fixed))
    for c in columns:
        meta.append(cells.row(meta, ["column", c.letter, c.code, c.kind, c.header, c.name]))


def choosable_items(village: Village, on: date) -> list[tuple[str, list[tuple[str, str]]]]:
    """The items a sheet can carry on `on`, by category: [(category, [(code, header)])]."""
    rulebook = rules_store.in_force(village.code).rulebook  # no categories while none
    result = []
    for category in rulebook.categories:
        versions = [rulebook.item_on(code, on) for code in category.items]
        choices = [
            (v.code, header_text(v))
            for v in versions
            if v is not None and not v.scoring.quantity_from  # posted with its source only
        ]
        if choices:
            result.append((category.name, choices))
    return result
