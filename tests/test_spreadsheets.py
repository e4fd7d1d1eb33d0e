"""The spreadsheet writers, from plain data: every workbook opened again with openpyxl and its
cells, merged ranges, styles, print titles, page setup and footer checked."""

import io
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from pointsys.periods import Period
from pointsys.spreadsheets import (
    Archive,
    DetailRow,
    EntryDetail,
    HonourList,
    HonourLists,
    ListRow,
    NoticeBoard,
    Statement,
    StatementRow,
    write_archive,
    write_entry_detail,
    write_notice_board,
    write_statement,
)
from pointsys.spreadsheets.cells import is_formula_like
from pointsys.spreadsheets.style import display_width, sheet_title

EVIL = "=cmd|' /C calc'!A0"


def opened(writer, data):
    buffer = io.BytesIO()
    writer(data, buffer)
    buffer.seek(0)
    return load_workbook(buffer)


def row(rank, number, name, group, points, balance, tier, reason=""):
    return ListRow(rank, 0, number, name, group, Decimal(points), Decimal(balance), tier, reason)


def board(**changes):
    lists = HonourLists(
        village_code="demo",
        village_name="幸福村",
        period=Period.parse("2026Q3"),
        scope="village",
        names="masked",
        lists=[
            HonourList(
                "red",
                "红榜",
                "red",
                [
                    row(1, "001", "张*明", "一组", "35.5", "135.5", "红榜"),
                    row(2, "004", EVIL, "二组", 31, 131, "红榜"),
                ],
            ),
            HonourList(
                "black", "黑榜", "black", [row(9, "002", "李*", None, -12, 88, "黑榜", "一票否决")]
            ),
            HonourList("yellow", "黄榜", "black", []),
        ],
    )
    values = dict(
        lists=lists,
        committee_name="幸福村村民委员会",
        issue=1,
        published_on=date(2026, 10, 8),
        publicity_until=date(2026, 10, 14),
        objections_to="村务监督委员会",
    )
    values.update(changes)
    return NoticeBoard(**values)


def printed(ws, landscape=False):
    """The print setup every workbook shares."""
    assert ws.page_setup.paperSize == 9
    assert ws.page_setup.orientation == ("landscape" if landscape else "portrait")
    assert ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"


def test_notice_board_has_a_sheet_per_list_with_title_publicity_and_columns():
    wb = opened(write_notice_board, board())
    assert wb.sheetnames == ["红榜", "黑榜"]  # nobody is on 黄榜: no sheet of its own
    ws = wb["红榜"]
    assert ws["A1"].value == "幸福村2026年第三季度积分红黑榜"
    assert ws["A2"].value == "红榜"
    assert ws["A3"].value == (
        "公示期：2026年10月8日至2026年10月14日。对名单有异议的，请在公示期内向村务监督委员会反映。"
    )
    assert [c.value for c in ws[4]] == [
        "名次",
        "户号",
        "户主",
        "村民小组",
        "本季积分",
        "累计积分",
        "等级",
        "备注",
    ]
    assert [c.value for c in ws[5]] == [1, "001", "张*明", "一组", 35.5, 135.5, "红榜", None]
    assert {str(r) for r in ws.merged_cells.ranges} >= {"A1:H1", "A2:H2", "A3:H3", "F9:H9"}
    assert ws["F9"].value == "幸福村村民委员会"
    assert ws["F10"].value == "2026年10月8日"
    black = wb["黑榜"]
    assert [c.value for c in black[5]] == [9, "002", "李*", None, -12, 88, "黑榜", "一票否决"]
    assert black["E5"].data_type == "n"  # negative points stay numbers


def test_notice_board_prints_on_a4_with_repeated_heading_and_page_footer():
    wb = opened(write_notice_board, board())
    for ws in wb:
        printed(ws)
        assert ws.print_title_rows == "$1:$4"


def test_notice_board_styles_red_and_black_lists_with_borders_and_chinese_fonts():
    wb = opened(write_notice_board, board())
    red, black = wb["红榜"], wb["黑榜"]
    assert red["A1"].font.b and red["A1"].font.sz == 18
    assert red["A2"].font.b and red["A2"].font.color.rgb.endswith("C00000")
    assert black["A2"].font.color.rgb.endswith("000000")
    assert red["A4"].font.b and red["A4"].fill.fgColor.rgb.endswith("FFE1E1")
    assert black["A4"].fill.fgColor.rgb.endswith("D9D9D9")
    for cell in red[5]:
        assert cell.border.left.style == "thin" and cell.border.bottom.style == "thin"
        assert cell.font.name == "宋体"
    # Chinese text counts double: the 户主 column fits four characters and more.
    assert red.column_dimensions["C"].width >= 10


def test_an_empty_list_is_one_line_under_the_first_table():
    ws = opened(write_notice_board, board())["红榜"]
    assert ws["A7"].value == "黄榜：本季度无"
    assert "A7:H7" in {str(r) for r in ws.merged_cells.ranges}
    assert opened(write_notice_board, board())["黑榜"]["A6"].value is None


def test_with_nobody_on_any_list_one_sheet_says_so_on_one_line():
    lists = board().lists
    nobody = replace(lists, lists=[replace(x, rows=[]) for x in lists.lists])
    wb = opened(write_notice_board, board(lists=nobody))
    assert len(wb.sheetnames) == 1
    ws = wb.active
    assert ws["A2"].value == "红黑榜"
    assert ws["A5"].value == "红榜：本季度无；黑榜：本季度无；黄榜：本季度无"
    assert ws["F7"].value == "幸福村村民委员会"


def test_every_list_prints_at_the_same_scale():
    """Fit to width shrinks a wider sheet more: every sheet is made as wide as the widest."""
    lists = board().lists
    latest = HonourList(
        "exposed",
        "曝光台",
        "black",
        [
            ListRow(
                1,
                0,
                "",
                "一组",
                "",
                Decimal(-2),
                Decimal(0),
                "曝光台",
                "",
                item_title="畜禽散养污染道路",
                occurred_on=date(2026, 9, 1),
            )
        ],
        latest=5,
        names="group",
    )
    wb = opened(write_notice_board, board(lists=replace(lists, lists=[*lists.lists, latest])))
    assert wb.sheetnames == ["红榜", "黑榜", "曝光台"]
    totals = []
    for ws in wb:
        printed(ws)
        letters = "ABCDEFGH"[: ws.max_column]
        totals.append(round(sum(ws.column_dimensions[c].width for c in letters)))
    assert len(set(totals)) == 1, totals
    assert wb["红榜"].column_dimensions["C"].width == wb["黑榜"].column_dimensions["C"].width


def test_draft_and_later_issues_say_so_in_the_title():
    draft = opened(write_notice_board, board(issue=None, publicity_until=None))["红榜"]
    assert draft["A1"].value == "幸福村2026年第三季度积分红黑榜（草稿）"
    assert (
        draft["A3"].value
        == "对名单有异议的，请在公示期内向村务监督委员会反映。本表为草稿，尚未公布。"
    )
    second = opened(write_notice_board, board(issue=2))["红榜"]
    assert second["A1"].value == "幸福村2026年第三季度积分红黑榜（第2版）"


def test_qr_code_image_links_to_the_online_list():
    url = "https://example.org/lists/2026Q3"
    wb = opened(write_notice_board, board(qr_url=url))
    ws = wb["红榜"]
    assert len(ws._images) == 1
    assert ws._images[0].anchor._from.row == 8  # zero-based: row 9, beside the signature
    texts = [c.value for row in ws.iter_rows() for c in row if c.value]
    assert f"扫码查看网上公示：{url}" in texts
    assert not opened(write_notice_board, board())["红榜"]._images


def test_formula_like_text_is_written_as_text_and_negative_numbers_stay_numbers():
    ws = opened(write_notice_board, board())["红榜"]
    cell = ws["C6"]
    assert cell.value == EVIL and cell.data_type == "s" and cell.quotePrefix
    raw = io.BytesIO()
    write_notice_board(board(), raw)
    import zipfile

    sheet = zipfile.ZipFile(raw).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "cmd|" in sheet


@pytest.mark.parametrize(
    "text,dangerous",
    [
        ("=1+1", True),
        ("+86 138", True),
        ("-2", True),
        ("@SUM(A1)", True),
        ("\tx", True),
        ("\rx", True),
        ("张三", False),
        ("2-1", False),
        ("", False),
    ],
)
def test_formula_starts(text, dangerous):
    assert is_formula_like(text) is dangerous


def test_entry_detail_lists_every_row_with_reversals_marked():
    rows = [
        DetailRow("001", "张*明", "清理门前垃圾", "第五条", date(2026, 7, 5), Decimal(2)),
        DetailRow("001", "张*明", "清理门前垃圾", "第五条", date(2026, 7, 9), Decimal(-2), True),
        DetailRow("002", "@李*", "志愿服务", "第八条", date(2026, 7, 6), Decimal("0.5")),
    ]
    detail = EntryDetail("幸福村", "幸福村村民委员会", "2026-07", date(2026, 8, 1), iter(rows))
    wb = opened(write_entry_detail, detail)
    ws = wb.active
    printed(ws)
    assert ws.print_title_rows == "$1:$3"
    assert ws["A1"].value == "幸福村2026年7月积分明细公示表" and ws["A1"].font.b
    assert ws["A2"].value == "制表日期：2026年8月1日"
    assert [c.value for c in ws[3]] == [
        "序号",
        "户号",
        "户主",
        "积分事项",
        "依据条款",
        "发生日期",
        "分值",
        "备注",
    ]
    assert [c.value for c in ws[5]][1:] == [
        "001",
        "张*明",
        "清理门前垃圾",
        "第五条",
        ws["F5"].value,
        -2,
        "冲正",
    ]
    assert ws["F5"].value.date() == date(2026, 7, 9) and ws["F5"].number_format == "yyyy-mm-dd"
    assert ws["C6"].value == "@李*" and ws["C6"].data_type == "s"
    assert ws["A6"].value == 3 and ws["G6"].value == 0.5
    assert {"A1:H1", "A2:H2", "F8:H8"} <= {str(r) for r in ws.merged_cells.ranges}
    assert ws["F8"].value == "幸福村村民委员会"
    assert ws["A4"].border.top.style == "thin"


def test_entry_detail_for_a_quarter_without_entries():
    detail = EntryDetail("幸福村", "幸福村村民委员会", "2026Q3", date(2026, 10, 1), [])
    ws = opened(write_entry_detail, detail).active
    assert ws["A1"].value == "幸福村2026年第三季度积分明细公示表"
    assert ws["A4"].value == "本期无已审核的积分记录"


def test_statement_prints_opening_rows_and_closing_balance():
    data = Statement(
        "幸福村",
        "幸福村村民委员会",
        2026,
        "001",
        "张三明",
        "一组",
        Decimal(100),
        [
            StatementRow(date(2026, 2, 1), "清理门前垃圾", "第五条", Decimal(2), Decimal(102)),
            StatementRow(
                date(2026, 3, 1), "清理门前垃圾", "第五条", Decimal(-2), Decimal(100), True, "009"
            ),
        ],
        date(2026, 11, 21),
    )
    ws = opened(write_statement, data).active
    printed(ws)
    assert ws.title == "001"
    assert ws["A1"].value == "幸福村2026年度家庭积分账户明细"
    assert ws["A2"].value == "户号：001　户主：张三明　村民小组：一组"
    assert [c.value for c in ws[5]][1:5] == ["年初余额", None, None, 100]
    assert ws["D7"].value == -2 and ws["E7"].value == 100 and ws["F7"].value == "冲正；原009户"
    # Printed on 21 November, before the year ends: the balance is as of that day.
    assert [c.value for c in ws[8]][1:5] == ["截至 11 月 21 日余额", None, None, 100]
    after = opened(write_statement, replace(data, made_on=date(2027, 1, 5))).active
    assert [c.value for c in after[8]][1:5] == ["年末余额", None, None, 100]


def test_archive_streams_every_column_with_a_header_and_filter():
    from datetime import datetime

    rows = [
        (
            1,
            "001",
            EVIL,
            "ENV-01",
            "x",
            "第五条",
            date(2026, 7, 1),
            None,
            Decimal(2),
            None,
            "待审核",
            "记录",
            None,
            "",
            "",
            "form",
            "-note",
            "clerk",
            "clerk",
            datetime(2026, 7, 1, 8, 0),
            None,
            None,
            None,
        ),
    ]
    buffer = io.BytesIO()
    count = write_archive(Archive("幸福村", datetime(2026, 11, 21), iter(rows)), buffer)
    assert count == 1
    buffer.seek(0)
    ws = load_workbook(buffer).active
    assert ws["A1"].value == "编号" and ws["W1"].value == "审核意见" and ws["A1"].font.b
    assert ws["C2"].value == EVIL and ws["C2"].data_type == "s"
    assert ws["Q2"].value == "-note" and ws["Q2"].data_type == "s"
    assert ws["I2"].value == 2 and ws["J2"].value is None
    assert ws.auto_filter.ref == "A1:W2" and ws.freeze_panes == "A2"


def test_sheet_names_are_cleaned_and_unique_and_widths_count_chinese_double():
    taken = set()
    assert sheet_title("红/黑榜", taken) == "红_黑榜"
    assert sheet_title("红/黑榜", taken) == "红_黑榜(2)"
    assert display_width("张三a") == 5
