"""Reading the audit trail: filters, pages, readable before/after changes, xlsx and CSV export.

The trail is written by pointsys.audit; this module only reads it. Exports stream: rows are read
from the database in batches, CSV is sent as it is made, and the xlsx is built by openpyxl's
write-only mode in a temporary file, so a trail of many years never sits in memory at once.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import IO, Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook

from .extensions import db
from .localtime import to_local
from .models import AuditEvent
from .spreadsheets import cells
from .spreadsheets.style import Look

PER_PAGE = 50
BATCH = 500
# A spreadsheet cell holds at most 32,767 characters; Excel's sheet at most 1,048,576 rows.
CELL_MAX = 32_000
XLSX_MAX_ROWS = 1_048_000
# What a spreadsheet program would take as the start of a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Control characters an xlsx file cannot hold (openpyxl refuses them); a failed login's user
# name is whatever was typed, so the trail may contain them.
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

ACTION_LABELS = {
    "create": _l("新建"),
    "update": _l("修改"),
    "add_member": _l("添加家庭成员"),
    "set_members": _l("更新家庭成员"),
    "change_status": _l("变更户状态"),
    "split": _l("分户"),
    "merge": _l("合户"),
    "rotate_plaque_token": _l("更换门牌二维码"),
    "demo_fill": _l("演示数据补全"),
    "login": _l("登录"),
    "login_failed": _l("登录失败"),
    "login_locked": _l("登录被锁定"),
    "logout": _l("退出"),
    "set_password": _l("设置密码"),
    "reset_password": _l("重置密码"),
    "set_roles": _l("设置角色"),
    "load": _l("载入积分细则"),
    "entry_recorded": _l("记分"),
    "entry_posted": _l("记分（免审核）"),
    "entry_approved": _l("审核通过"),
    "entry_rejected": _l("驳回"),
    "entry_reversed": _l("冲正"),
    "entry_accumulated": _l("自动累计加分"),
    "submission_reversed": _l("整批撤销"),
    "quarter_closed": _l("季度结账"),
    "quarter_reopened": _l("季度重新开账"),
    "photo_attached": _l("添加照片"),
    "audit_exported": _l("导出操作日志"),
}
OBJECT_LABELS = {
    "household": _l("户"),
    "user": _l("用户"),
    "village": _l("村"),
    "village_group": _l("村民小组"),
    "rulebook_snapshot": _l("积分细则"),
    "entry": _l("积分记录"),
    "submission": _l("一批记录"),
    "quarter": _l("季度"),
    "audit_event": _l("操作日志"),
}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def object_label(object_type: str) -> str:
    label = OBJECT_LABELS.get(object_type)
    return str(label) if label is not None else object_type


@dataclass(frozen=True)
class Filters:
    """What the admin asked for; every field optional. Dates are local and inclusive."""

    action: str | None = None
    actor: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    since: date | None = None
    until: date | None = None

    def as_args(self) -> dict[str, str]:
        """The filters as query-string arguments (for the export links and the pager)."""
        return {k: str(v) for k, v in asdict(self).items() if v not in (None, "")}


def _local_midnight_utc(day: date, zone: ZoneInfo) -> datetime | None:
    """When `day` begins in the village, in UTC; None at the calendar's edges (0001-01-01 begins
    before year 1 in UTC, 9999-12-31 has no next day), where the filter bounds nothing."""
    try:
        return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)
    except OverflowError:
        return None


def _end_of(day: date, zone: ZoneInfo) -> datetime | None:
    """When the day after `day` begins, in UTC; None when there is no day after it."""
    if day == date.max:
        return None
    return _local_midnight_utc(day + timedelta(days=1), zone)


def statement(filters: Filters, zone: ZoneInfo):
    """The filtered trail, newest first."""
    query = db.select(AuditEvent)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.actor:
        query = query.where(AuditEvent.actor_label == filters.actor)
    if filters.object_type:
        query = query.where(AuditEvent.object_type == filters.object_type)
    if filters.object_id:
        query = query.where(AuditEvent.object_id == filters.object_id)
    start = _local_midnight_utc(filters.since, zone) if filters.since else None
    if start is not None:
        query = query.where(AuditEvent.at >= start)
    end = _end_of(filters.until, zone) if filters.until else None
    if end is not None:
        query = query.where(AuditEvent.at < end)
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


@dataclass
class Page:
    events: list[AuditEvent]
    total: int
    number: int
    pages: int


def page(filters: Filters, zone: ZoneInfo, number: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of the filtered trail (1-based), with the total count."""
    query = statement(filters, zone)
    total = db.session.execute(
        db.select(db.func.count()).select_from(query.order_by(None).subquery())
    ).scalar_one()
    pages = max(1, -(-total // per_page))
    number = min(max(1, number), pages)
    events = (
        db.session.execute(query.limit(per_page).offset((number - 1) * per_page)).scalars().all()
    )
    return Page(list(events), total, number, pages)


def distinct_values(column) -> list[str]:
    """The values a filter can take (a few dozen actions and object types)."""
    return list(db.session.execute(db.select(column).distinct().order_by(column)).scalars())


def local_time(moment: datetime, zone: ZoneInfo) -> datetime:
    """The event's time on the village's clock (SQLite hands back naive UTC)."""
    return to_local(moment, zone)


def readable(value: Any) -> str:
    """A before/after value as a person reads it: no JSON punctuation where none is needed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list):
        return "、".join(readable(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}: {readable(v)}" for k, v in value.items())
    return str(value)


@dataclass(frozen=True)
class Change:
    key: str
    before: str
    after: str


def changes(event: AuditEvent) -> list[Change]:
    """The keys whose value changed, with readable before and after values; a creation shows
    every value it set, a removal every value it had."""
    before, after = event.before or {}, event.after or {}
    keys = list(after) + [k for k in before if k not in after]
    both = event.before is not None and event.after is not None
    return [
        Change(k, readable(before.get(k)), readable(after.get(k)))
        for k in keys
        if not both or before.get(k) != after.get(k)
    ]


def headers() -> list[str]:
    return [
        _("时间"),
        _("操作人"),
        _("地址"),
        _("操作"),
        _("操作代码"),
        _("对象"),
        _("对象编号"),
        _("变更内容"),
        _("修改前"),
        _("修改后"),
    ]


def _json(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def rows(filters: Filters, zone: ZoneInfo) -> Iterator[list[Any]]:
    """Every filtered event as an export row (first cell a local datetime), read in batches."""
    result = db.session.execute(statement(filters, zone).execution_options(yield_per=BATCH))
    for event in result.scalars():
        yield [
            local_time(event.at, zone).replace(tzinfo=None),
            event.actor_label,
            event.address or "",
            action_label(event.action),
            event.action,
            object_label(event.object_type),
            event.object_id or "",
            "；".join(f"{c.key}: {c.before} → {c.after}" for c in changes(event)),
            _json(event.before),
            _json(event.after),
        ]


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    text = ILLEGAL.sub("", str(value))
    return text if len(text) <= CELL_MAX else text[:CELL_MAX] + "…"


def neutralise(text: str) -> str:
    """A CSV cell that a spreadsheet program will show as text, never run as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_chunks(data: Iterable[list[Any]]) -> Iterator[str]:
    """The export as CSV text: a BOM first (so Excel reads UTF-8 Chinese), then one line per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    writer.writerow(headers())
    for count, row in enumerate(data, start=1):
        writer.writerow([neutralise(_text(v)) for v in row])
        if count % BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_file(data: Iterable[list[Any]]) -> IO[bytes]:
    """The export as an .xlsx in a temporary file (rewound), written in openpyxl's write-only
    mode through spreadsheets.cells: every text cell is a string, so "=…" is shown, never
    calculated, and what a cell cannot hold is dropped."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("操作日志"))
    for width, column in zip((20, 14, 16, 14, 16, 10, 12, 60, 40, 40), "ABCDEFGHIJ", strict=True):
        sheet.column_dimensions[column].width = width
    sheet.append(cells.row(sheet, headers()))
    when = Look(sheet, number_format="yyyy-mm-dd hh:mm:ss")
    for count, row in enumerate(data, start=1):
        if count > XLSX_MAX_ROWS:
            more = _("（超过表格行数上限，其余记录请缩小日期范围后再导出）")
            sheet.append(cells.row(sheet, [more]))
            break
        sheet.append(
            [
                cells.cell(sheet, value, when)
                if isinstance(value, datetime)
                else cells.text_cell(sheet, _text(value))  # every other value is text
                for value in row
            ]
        )
    output = tempfile.TemporaryFile()  # noqa: SIM115 (returned open; send_file closes it)
    workbook.save(output)
    output.seek(0)
    return output
