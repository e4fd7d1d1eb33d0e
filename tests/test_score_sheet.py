"""Score sheets: generate, fill in with openpyxl, parse, record; every problem pinned."""

import io
import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from pointsys import ledger, score_sheet
from pointsys.extensions import db
from pointsys.ledger import Draft
from pointsys.models import AuditEvent, Entry, Household, Submission, VillageGroup
from pointsys.score_sheet import ScoreSheetError, ScoreSheetRefused

TODAY = date(2026, 11, 21)
DAY = date(2026, 8, 3)


def blank(v, items=("ENV-02", "PUB-01"), on=DAY):
    sheet = score_sheet.generate(v.village, v.group, list(items), on, today=TODAY)
    return load_workbook(io.BytesIO(sheet.data))


def data(wb) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def parse(v, wb, **limits):
    return score_sheet.parse(v.village, data(wb), **limits)


def problems(v, wb, **limits):
    return [str(p) for p in parse(v, wb, **limits).problems]


def record(v, wb, dry_run=False):
    outcome = score_sheet.record(
        v.village, parse(v, wb), actor=v.clerk, today=TODAY, dry_run=dry_run
    )
    db.session.commit()
    return outcome


def count(model):
    return db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one()


def test_the_sheet_lists_the_groups_active_households_and_prints_on_a4(village):
    extra = Household(
        village_id=village.village.id,
        number="004",
        head_name="赵六",
        group_id=village.group.id,
        registered_on=date(2020, 1, 1),
        status="moved_out",
    )
    db.session.add(extra)
    db.session.commit()
    sheet = score_sheet.generate(
        village.village, village.group, ["ENV-02", "PUB-01", "ENV-06", "CUS-01"], DAY
    )
    assert sheet.filename == "幸福村一组积分评分表（2026-08-03）.xlsx"
    wb = load_workbook(io.BytesIO(sheet.data))
    ws = wb["评分表"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == (
        "幸福村 一组 积分评分表",
        None,
        None,
        None,
        None,
        "日期",
        datetime(2026, 8, 3),
    )
    assert rows[1] == (
        "户号",
        "户主",
        "ENV-02 门前三包落实到位（+1/次，打√）",
        "PUB-01 志愿服务（按小时）（每小时 +1，填小时数）",
        "ENV-06 畜禽散养污染道路（-5～-1 分，填分值）",
        "CUS-01 参加村民大会、户代表会议（每人 +0.5，填人数）",
        "备注",
    )
    # 003 has no group and 004 has moved out: one row per active household of 一组, by 户号.
    assert [r[:2] for r in rows[2:]] == [("001", "张三明"), ("002", "李四")]
    assert ws["A3"].number_format == "@"
    assert wb["_pointsys"].sheet_state == "hidden"
    setup = ws.page_setup
    assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == (
        "landscape",
        9,  # A4
        1,
        0,
    )
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$2"
    assert ws.print_options.gridLines
    assert not ws.protection.sheet  # nothing locked: a clerk may resize, sort, colour
    rules = {
        str(dv.sqref): (dv.type, dv.formula1, dv.formula2)
        for dv in ws.data_validations.dataValidation
    }
    assert rules == {
        "C3:C4": ("list", '"√,1"', None),
        "D3:D4": ("decimal", "0", None),
        "E3:E4": ("decimal", "-5", "-1"),
        "F3:F4": ("decimal", "0", None),
        "G1": ("date", "36526", None),
    }


def test_the_printed_sheet_shows_every_header_whole(village):
    """Issue 17: a header wraps within its column, and the row is tall enough for all of it."""
    wb = blank(village, ("ENV-02", "CIV-08", "PUB-01"))
    ws = wb.active
    headers = [c.value for c in ws[2]]
    assert headers[2] == "ENV-02 门前三包落实到位（+1/次，打√）"
    assert headers[3].startswith("CIV-08 获得各级表彰（填级别：国家级+100/")
    widths = [ws.column_dimensions[c.column_letter].width for c in ws[2]]
    # 户号, 户主, a short header at the least width, the levels header widened, 备注
    assert widths == [9, 11, 12, 21, 13, 22]
    assert ws.row_dimensions[2].height == 4 * 15 + 6  # each item header in four lines
    for cell, width in zip(ws[2], widths, strict=True):
        assert cell.alignment.wrap_text
        # a wide character takes two of Excel's width units, one unit of padding a line
        units = sum(2 if ord(ch) > 0x2E80 else 1 for ch in cell.value)
        assert -(-units // (width - 1)) * 15 <= ws.row_dimensions[2].height


def test_a_blank_date_is_filled_in_on_paper(village):
    sheet = score_sheet.generate(village.village, village.group, ["ENV-02"], None, today=TODAY)
    assert sheet.filename == "幸福村一组积分评分表（未填日期）.xlsx"
    ws = load_workbook(io.BytesIO(sheet.data)).active
    assert [c.value for c in ws[1]] == ["幸福村 一组 积分评分表", None, "日期", None]


@pytest.mark.parametrize(
    ("items", "on", "message"),
    [
        ([], DAY, "请至少选择一个积分事项。"),
        (["NOPE-1"], DAY, "没有编码为 “NOPE-1” 的积分事项。"),
        (
            ["ENV-08"],
            date(2026, 3, 1),
            "事项 ENV-08 在 2026-03-01 不适用（尚未施行或已停用），不能放进评分表。",
        ),
        (
            ["ENV-02"] * 1 + [f"X{i}" for i in range(20)],
            DAY,
            "一张评分表最多放 20 个事项（再多就打印不下了），选了 21 个。",
        ),
    ],
)
def test_generate_refusals(village, items, on, message):
    with pytest.raises(ScoreSheetError) as caught:
        score_sheet.generate(village.village, village.group, items, on, today=TODAY)
    assert str(caught.value) == message


def test_a_group_without_households_has_no_sheet(village):
    empty = VillageGroup(village_id=village.village.id, name="二组", sort_order=2)
    db.session.add(empty)
    db.session.commit()
    with pytest.raises(ScoreSheetError) as caught:
        score_sheet.generate(village.village, empty, ["ENV-02"], DAY)
    assert str(caught.value) == "“二组”没有在册的户，无法生成评分表。"


def test_round_trip_records_every_filled_cell_with_its_note(village):
    wb = blank(village, ("ENV-02", "PUB-01", "ENV-01"))
    ws = wb.active
    ws["C3"], ws["D3"], ws["F3"] = "√", 2.5, "清洁日表现好"
    ws["C4"], ws["E4"] = 1, "✓"
    parsed = parse(village, wb)
    one, two = (h.id for h in village.households[:2])
    assert parsed.problems == []
    assert parsed.drafts == [
        Draft(one, "ENV-02", DAY, None, note="清洁日表现好"),
        Draft(one, "PUB-01", DAY, Decimal("2.5"), note="清洁日表现好"),
        Draft(two, "ENV-02", DAY, None),
        Draft(two, "ENV-01", DAY, None),
    ]
    assert [c.ref for c in parsed.cells] == ["C3", "D3", "C4", "E4"]
    outcome = record(village, wb)
    assert not outcome.replayed and outcome.pending == 3
    entries = db.session.execute(db.select(Entry).order_by(Entry.id)).scalars().all()
    assert [(e.item_code, e.source, e.status, e.requested) for e in entries] == [
        ("ENV-02", "sheet", "pending", 1),
        ("PUB-01", "sheet", "pending", Decimal("2.5")),
        ("ENV-02", "sheet", "pending", 1),
        ("ENV-01", "sheet", "approved", 2),
    ]
    assert entries[0].note == "清洁日表现好" and entries[2].note is None


def test_replaying_the_same_upload_records_nothing_new(village):
    wb = blank(village)
    wb.active["C3"] = "√"
    first = record(village, wb)
    again = record(village, wb)  # saved again: other bytes, same sheet and content
    assert again.replayed and [line.cell for line in again.lines] == ["C3"]
    assert count(Entry) == 1 and count(Submission) == 1
    assert first.lines[0].number == "001"
    wb.active["C4"] = "√"  # the same sheet with more filled in is another submission
    assert not record(village, wb).replayed
    assert count(Entry) == 3


def test_a_dry_run_writes_nothing_and_shows_what_the_caps_will_do(village):
    wb = blank(village, ("PUB-01", "ENV-01"))
    wb.active["C3"], wb.active["D3"] = 10, "√"
    audits = count(AuditEvent)
    outcome = record(village, wb, dry_run=True)
    assert outcome.dry_run
    assert [
        (x.cell, x.status, x.requested_text, x.points_text, x.notices) for x in outcome.lines
    ] == [
        ("C3", "pending", "+10", "", ("提醒：该事项每次最多计 4 分，本次计 4 分。",)),
        ("D3", "approved", "+2", "+2", ()),
    ]
    assert (count(Entry), count(Submission), count(AuditEvent)) == (0, 0, audits)


def test_every_cell_problem_is_reported_with_its_row_household_column_and_cell(village):
    wb = blank(village)
    village.households[1].status = "moved_out"  # after the sheet was made
    db.session.commit()
    ws = wb.active
    ws["C3"], ws["D3"] = "x", "两小时"
    ws["C4"] = "√"  # 002 has moved out
    ws.append(["003", "王五", "√"])  # row 5: a household of no group
    ws.append(["099", "某某", "√"])  # row 6: no such household
    ws.append([None, "无户号", "√"])  # row 7
    ws.append(["001", "张三明", None, 3])  # row 8: 001 again
    ws["H3"] = "多填"
    assert problems(village, wb) == [
        "第 3 行（户号 001）“ENV-02 门前三包落实到位”列（C3）："
        "“x” 不是打勾；得分请填 1 或 √，不得分请留空。",
        "第 3 行（户号 001）“PUB-01 志愿服务（按小时）”列（D3）："
        "“两小时” 不是数字；请只填数字，如 2 或 1.5。",
        "第 3 行 H3 单元格在表格之外，不会被记录；请删去，或填到对应事项的列里。",
        "第 4 行（户号 002）“户号”列（A4）：这一户已迁出，不能再记分。",
        "第 5 行（户号 003）“户号”列（A5）：这一户不属于“一组”；请在该户所在小组的评分表里填写。",
        "第 6 行（户号 099）“户号”列（A6）：本村没有这个户号，请核对。",
        "第 7 行“户号”列（A7）：没有填写户号。",
        "第 8 行（户号 001）“户号”列（A8）：户号重复：第 3 行已经填过这一户。",
    ]


def test_a_bad_cell_records_nothing(village):
    wb = blank(village)
    wb.active["C3"], wb.active["D4"] = "√", "两小时"
    parsed = parse(village, wb)
    assert [d.item for d in parsed.drafts] == ["ENV-02"]  # checked by the ledger, never written
    audits = count(AuditEvent)
    with pytest.raises(ScoreSheetRefused) as caught:
        score_sheet.record(village.village, parsed, actor=village.clerk, today=TODAY)
    db.session.commit()
    assert len(caught.value.problems) == 1 and caught.value.problems[0].cell == "D4"
    assert (count(Entry), count(Submission), count(AuditEvent)) == (0, 0, audits)


def test_problems_carry_their_row_household_column_and_fault_apart(village):
    wb = blank(village)
    wb.active["E1"], wb.active["D4"] = None, "两小时"
    assert [(p.row, p.number, p.column, p.cell, p.fault) for p in parse(village, wb).problems] == [
        (1, "", "日期", "E1", "没有填写日期；请填写行为发生的日期，如 2026-08-03。"),
        (
            4,
            "002",
            "PUB-01 志愿服务（按小时）",
            "D4",
            "“两小时” 不是数字；请只填数字，如 2 或 1.5。",
        ),
    ]


def test_a_missing_date_hides_no_cell_problem(village):
    """Issue 17: the date, the cells' format and the ledger's ranges, all in one upload."""
    wb = blank(village, ("ENV-06", "PUB-01", "ENV-02"), on=None)
    ws = wb.active
    ws["C3"], ws["D3"], ws["E3"] = -7, "两小时", "x"
    ws["C4"], ws["E4"] = -3, "√"  # fine: checked, but nothing is written while problems remain
    with pytest.raises(ScoreSheetRefused) as caught:
        record(village, wb)
    assert [str(p) for p in caught.value.problems] == [
        "F1 “日期”：没有填写日期；请填写行为发生的日期，如 2026-08-03。",
        "第 3 行（户号 001）“ENV-06 畜禽散养污染道路”列（C3）："
        "事项 ENV-06 的分值须在 -5 到 -1 之间（最多一位小数），填的是 -7。",
        "第 3 行（户号 001）“PUB-01 志愿服务（按小时）”列（D3）："
        "“两小时” 不是数字；请只填数字，如 2 或 1.5。",
        "第 3 行（户号 001）“ENV-02 门前三包落实到位”列（E3）："
        "“x” 不是打勾；得分请填 1 或 √，不得分请留空。",
    ]
    assert (count(Entry), count(Submission)) == (0, 0)


def test_format_problems_hide_no_range_problem(village):
    wb = blank(village, ("ENV-06", "PUB-01"))
    ws = wb.active
    ws["C3"], ws["D3"] = "-2分", 2  # a format problem on row 3
    ws["C4"] = -9  # a range problem on row 4
    with pytest.raises(ScoreSheetRefused) as caught:
        record(village, wb, dry_run=True)
    assert [str(p) for p in caught.value.problems] == [
        "第 3 行（户号 001）“ENV-06 畜禽散养污染道路”列（C3）："
        "“-2分” 不是数字；请只填数字，如 2 或 1.5。",
        "第 4 行（户号 002）“ENV-06 畜禽散养污染道路”列（C4）："
        "事项 ENV-06 的分值须在 -5 到 -1 之间（最多一位小数），填的是 -9。",
    ]
    assert count(Entry) == 0


def test_an_edited_header_hides_only_its_own_column(village):
    wb = blank(village)
    ws = wb.active
    ws["D2"] = "志愿服务"
    ws["C3"], ws["D3"], ws["C4"] = "x", "两小时", "√"
    parsed = parse(village, wb)
    assert [str(p) for p in parsed.problems] == [
        "D2 的表头被改动了：应为“PUB-01 志愿服务（按小时）（每小时 +1，填小时数）”，"
        "现在是“志愿服务”。请改回原样，或重新下载评分表。",
        "第 3 行（户号 001）“ENV-02 门前三包落实到位”列（C3）："
        "“x” 不是打勾；得分请填 1 或 √，不得分请留空。",
    ]
    assert [(d.item, c.ref) for d, c in zip(parsed.drafts, parsed.cells, strict=True)] == [
        ("ENV-02", "C4")
    ]


def test_the_ledgers_refusals_point_at_their_cells(village):
    h = village.households[0]
    ledger.record(
        village.village,
        [Draft(h.id, "ENV-01", DAY)],
        key="earlier",
        actor=village.clerk,
        today=TODAY,
    )
    db.session.commit()
    wb = blank(village, ("ENV-06", "PUB-01", "ENV-01"))
    ws = wb.active
    ws["C3"], ws["D4"], ws["E3"] = -7, 0, "√"
    with pytest.raises(ScoreSheetRefused) as caught:
        record(village, wb)
    assert [str(p) for p in caught.value.problems] == [
        "第 3 行（户号 001）“ENV-06 畜禽散养污染道路”列（C3）："
        "事项 ENV-06 的分值须在 -5 到 -1 之间（最多一位小数），填的是 -7。",
        "第 4 行（户号 002）“PUB-01 志愿服务（按小时）”列（D4）："
        "事项 PUB-01 需要填写数量（小时），且须大于 0。",
    ]
    ws["C3"], ws["D4"] = -3, 2
    with pytest.raises(ScoreSheetRefused) as caught:
        record(village, wb)  # posted at once, ENV-01 meets its once-a-quarter rule
    assert [str(p) for p in caught.value.problems] == [
        "第 3 行（户号 001）“ENV-01 庭院整洁，季度检查合格”列（E3）："
        "事项 ENV-01 每季度只计一次，本季度已经记过。"
    ]
    assert count(Entry) == 1


def test_a_date_in_the_future_is_refused_at_its_cells(village):
    wb = blank(village, ("ENV-02",), on=None)
    wb.active["D1"], wb.active["C3"] = "2026年12月1日", "√"
    with pytest.raises(ScoreSheetRefused) as caught:
        record(village, wb)
    assert [str(p) for p in caught.value.problems] == [
        "第 3 行（户号 001）“ENV-02 门前三包落实到位”列（C3）："
        "行为日期 2026-12-01 还没到；请填写行为实际发生的日期。"
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ["D1 “日期”：没有填写日期；请填写行为发生的日期，如 2026-08-03。"]),
        ("昨天", ["D1 “日期”：“昨天” 不是日期；请写成 2026-08-03 这样。"]),
        ("8月3日", ["D1 “日期”：“8月3日” 不是日期；请写成 2026-08-03 这样。"]),
        (46237, []),  # typed as a number into the date-formatted cell: Excel's 2026-08-03
        ("2026/8/3", []),
        (datetime(2026, 8, 3), []),
    ],
)
def test_the_date_of_the_conduct(village, value, expected):
    wb = blank(village, ("ENV-02",), on=None)
    wb.active["D1"], wb.active["C3"] = value, "√"
    parsed = parse(village, wb)
    assert [str(p) for p in parsed.problems] == expected
    assert parsed.on == (None if expected else DAY)


def test_edited_headers_and_added_columns_are_refused(village):
    wb = blank(village)
    ws = wb.active
    ws["D2"] = "志愿服务"
    ws["F2"] = "ENV-03"
    ws["C3"] = "√"
    assert problems(village, wb) == [
        "D2 的表头被改动了：应为“PUB-01 志愿服务（按小时）（每小时 +1，填小时数）”，"
        "现在是“志愿服务”。"
        "请改回原样，或重新下载评分表。",
        "F2 多了一列“ENV-03”；评分表不能增加列，要记其他事项请重新下载评分表。",
    ]


def test_a_column_whose_scoring_changed_must_be_downloaded_again(village):
    wb = blank(village, ("ENV-02",))
    meta = wb["_pointsys"]
    for row in meta.iter_rows():
        if row[0].value == "column":
            row[3].value = "quantity"
        if row[0].value == "rulebook_sha256":
            row[1].value = "0" * 64
    wb.active["C3"] = "√"
    parsed = parse(village, wb)
    assert [str(p) for p in parsed.problems] == [
        "C2 “ENV-02 门前三包落实到位”：该事项在 2026-08-03 的计分方式与评分表不同；"
        "请按这个日期重新下载评分表。"
    ]
    for row in meta.iter_rows():
        if row[0].value == "column":
            row[3].value = "tick"
    parsed = parse(village, wb)
    assert parsed.problems == []
    assert parsed.notices == [
        "这张评分表生成之后积分细则有过更新；本次按现行细则计分，请核对预览中的分数。"
    ]


def test_an_empty_sheet(village):
    assert problems(village, blank(village)) == ["评分表里没有填写任何分数；请填好后再上传。"]
    wb = blank(village)
    wb.active.delete_rows(1, 10)
    assert problems(village, wb) == ["“评分表”工作表是空的；请重新下载评分表。"]


def test_too_many_rows(village):
    wb = blank(village)
    wb.active["C3"], wb.active["C4"] = "√", "√"
    with pytest.raises(ScoreSheetError) as caught:
        parse(village, wb, max_rows=1)
    assert str(caught.value) == "评分表超过 1 行；请按村民小组分开填写后再上传。"


def _meta(wb, key, value):
    for row in wb["_pointsys"].iter_rows():
        if row[0].value == key:
            row[1].value = value


def other_workbook() -> bytes:
    wb = Workbook()
    wb.active.append(["户号", "户主"])
    return data(wb)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "文件是空的；请选择填好的评分表 .xlsx 文件。"),
        (
            "户号,户主\n001,张三明\n".encode(),
            "这是 CSV 或文本文件（只是扩展名改成了 .xlsx）；"
            "请用 Excel 打开后另存为 .xlsx 格式再上传",
        ),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
            "这是旧版 Excel（.xls）文件；请另存为 .xlsx 格式后再上传",
        ),
        (
            b"PK\x03\x04broken",
            "文件已损坏，无法读取；请在 Excel 中打开检查后重新另存为 .xlsx 格式再上传",
        ),
        (
            other_workbook(),
            "这不是本系统生成的评分表（缺少隐藏的“_pointsys”页）；请在“评分表”页下载评分表，填好后再上传。",
        ),
    ],
)
def test_files_that_are_not_score_sheets(village, content, message):
    with pytest.raises(ScoreSheetError) as caught:
        score_sheet.parse(village.village, content)
    assert str(caught.value) == message


def test_too_big(village):
    with pytest.raises(ScoreSheetError) as caught:
        score_sheet.parse(village.village, data(blank(village)), max_bytes=2048)
    assert re.fullmatch(
        r"文件太大（\d+(\.\d)? KB），上限为 2 KB；请删去无关的工作表、图片后再上传，或分批导入",
        str(caught.value),
    )


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("village", "other", "这张评分表是为编码“other”的村生成的，不能导入幸福村。"),
        (
            "group",
            "九组",
            "评分表上的村民小组“九组”在本村不存在（可能已改名）；请重新下载评分表。",
        ),
        ("format", "x", "评分表的隐藏页“_pointsys”被改动过，无法核对；请重新下载评分表。"),
        ("sheet", "Sheet9", "找不到“Sheet9”工作表（可能被改名或删除了）；请重新下载评分表。"),
    ],
)
def test_a_sheet_of_another_village_or_group(village, key, value, message):
    wb = blank(village)
    _meta(wb, key, value)
    with pytest.raises(ScoreSheetError) as caught:
        parse(village, wb)
    assert str(caught.value) == message


def test_uploads_are_kept_by_their_hash(village, tmp_path):
    content = data(blank(village))
    digest = score_sheet.store_upload(str(tmp_path), content)
    assert score_sheet.load_upload(str(tmp_path), digest) == content
    for bad in ("nothex", "0" * 64):
        with pytest.raises(ScoreSheetError) as caught:
            score_sheet.load_upload(str(tmp_path), bad)
        assert str(caught.value) == "预览已失效（文件只保留两天），请重新上传评分表。"
    (tmp_path / f"{digest}.xlsx").write_bytes(b"changed")
    with pytest.raises(ScoreSheetError) as caught:
        score_sheet.load_upload(str(tmp_path), digest)
    assert str(caught.value) == "保存的评分表文件已被改动，请重新上传。"


def test_a_sheet_made_in_english_is_read_in_chinese_and_problems_speak_english(village, app):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):
        wb = blank(village)
        assert wb.active["C2"].value == "ENV-02 门前三包落实到位（+1 each time, tick √）"
    wb.active["C3"], wb.active["D3"] = "√", "两小时"
    with app.test_request_context(), force_locale("en"):
        assert problems(village, wb) == [
            "Row 3 (household 001), column “PUB-01 志愿服务（按小时）” (D3): "
            "“两小时” is not a number; write numbers only, such as 2 or 1.5."
        ]
    wb.active["D3"] = 2
    assert parse(village, wb).problems == []  # checked against the headers it was made with


def test_a_levels_column_takes_the_level_name_and_a_wrong_name_is_placed_at_its_cell(village):
    wb = blank(village, ("CIV-08", "PUB-08"))
    ws = wb.active
    assert ws["C2"].value == (
        "CIV-08 获得各级表彰（填级别：国家级+100/省级+50/市级+20/县级+10/镇级+5/村级+3）"
    )
    assert ws["D2"].value == (
        "PUB-08 拾金不昧（按价值分档 1–1000+1/1000.1–5000+3/≥5000.1+5，填元数）"
    )
    ws["C3"], ws["C4"], ws["D4"] = "省级", "乡级", 1200
    with pytest.raises(ScoreSheetRefused) as caught:
        record(village, wb)
    assert [str(p) for p in caught.value.problems] == [
        "第 4 行（户号 002）“CIV-08 获得各级表彰”列（C4）：事项 CIV-08 没有 “乡级” 这个级别，"
        "可选的有：国家级 +100、省级 +50、市级 +20、县级 +10、镇级 +5、村级 +3。"
    ]
    ws["C4"] = " 村级 "
    outcome = record(village, wb)
    assert [(line.item, line.quantity, line.requested) for line in outcome.lines] == [
        ("CIV-08 获得各级表彰", "省级", Decimal(50)),
        ("CIV-08 获得各级表彰", "村级", Decimal(3)),
        ("PUB-08 拾金不昧", "1200", Decimal(3)),
    ]
    entries = db.session.execute(db.select(Entry).order_by(Entry.id)).scalars().all()
    assert [e.level for e in entries] == ["省级", "村级", None]


def test_an_item_fed_by_another_is_not_offered_on_a_sheet(village):
    with pytest.raises(ScoreSheetError) as caught:
        score_sheet.generate(village.village, village.group, ["PUB-09"], DAY, today=TODAY)
    assert str(caught.value) == (
        "事项 PUB-09 按 PUB-01 的记录自动累计，不能放进评分表；"
        "请选 PUB-01，达到门槛时系统自动加分。"
    )
    offered = {
        code for _, items in score_sheet.choosable_items(village.village, DAY) for code, _ in items
    }
    assert "PUB-01" in offered and "PUB-09" not in offered
