"""Exports from the ledger: the draft notice board from standings, the entry detail, the
household statement (its balances agree with standings.balance), the archive; views and CLI."""

import io
from datetime import UTC, date, datetime
from decimal import Decimal

from openpyxl import load_workbook

from pointsys import ledger, standings
from pointsys.extensions import db
from pointsys.ledger import Draft
from pointsys.periods import Period
from pointsys.spreadsheets import from_ledger, write_archive, write_notice_board, write_statement

from .conftest import login
from .test_standings import TODAY, post

Q3 = Period.parse("2026Q3")
EVIL = "=cmd|' /C calc'!A0"


def opened(writer, data):
    buffer = io.BytesIO()
    writer(data, buffer)
    buffer.seek(0)
    return load_workbook(buffer)


def test_draft_notice_board_comes_from_standings_and_the_honour_policy(village):
    h1, h2, _h3 = village.households
    post(village, h1, "SAF-03", date(2026, 7, 5))  # +5
    post(village, h2, "FIL-06", date(2026, 7, 9))  # veto: black list
    board = from_ledger.draft_notice_board(village.village, Q3, today=TODAY)
    assert board.issue is None and board.quarter_code == "2026Q3"
    assert board.committee_name == "幸福村村民委员会"
    assert [(s.tier_name, s.side) for s in board.lists.lists] == [
        ("超红榜", "red"),
        ("红榜", "red"),
        ("黄榜", "black"),
        ("黑榜", "black"),
    ]
    super_red, _red, _yellow, black = board.lists.lists
    assert [(r.rank, r.number, r.public_name, r.points) for r in super_red.rows] == [
        (1, "001", "张*明", 5),
        (2, "003", "王*", 0),
    ]
    assert [(r.number, r.public_name, r.reason, r.tier_name) for r in black.rows] == [
        ("002", "李*", "一票否决：虐待、遗弃家庭成员", "黑榜")
    ]
    expected = standings.standings(village.village, Q3).of(h1.id)
    assert super_red.rows[0].balance == expected.balance == 105
    wb = opened(write_notice_board, board)
    assert wb.sheetnames == ["超红榜", "黑榜"]  # nobody on 红榜 and 黄榜: one line, no sheet
    assert [c.value for c in wb["超红榜"][5]][:6] == [1, "001", "张*明", "一组", 5, 105]
    assert wb["黑榜"]["E5"].value == -20
    assert wb["超红榜"]["A7"].value == "红榜：本季度无；黄榜：本季度无"


def test_draft_notice_board_neutralises_a_formula_in_a_name(village):
    h1 = village.households[0]
    h1.head_name = EVIL
    db.session.commit()
    post(village, h1, "SAF-03", date(2026, 7, 5))
    board = from_ledger.draft_notice_board(village.village, Q3, today=TODAY, everyone=True)
    ws = opened(write_notice_board, board)["全村积分排名"]
    name = ws["C5"].value
    assert name == "=" + "*" * (len(EVIL) - 2) + "0"  # masked as the policy says
    assert ws["C5"].data_type == "s"  # and text, never a formula
    assert ws["G5"].value == "超红榜"  # the everyone list gives each household's own tier


def test_entry_detail_lists_approved_entries_by_household_then_day_with_reversals(village):
    h1, h2, _h3 = village.households
    later = post(village, h1, "SAF-02", date(2026, 8, 2))
    post(village, h2, "SAF-01", date(2026, 7, 3))
    post(village, h1, "SAF-01", date(2026, 7, 20))
    ledger.reverse(later, actor=village.admin, reason="重复录入", key="rev", today=TODAY)
    db.session.commit()
    ledger.record(  # pending: not on the detail
        village.village,
        [Draft(h2.id, "FIL-02", date(2026, 7, 5))],
        key="pending",
        actor=village.clerk,
        today=TODAY,
    )
    db.session.commit()
    detail = from_ledger.entry_detail(village.village, Q3, today=TODAY)
    rows = list(detail.rows)
    assert [(r.number, r.public_name, r.occurred_on, r.points, r.reversal) for r in rows] == [
        ("001", "张*明", date(2026, 7, 20), 1, False),
        ("001", "张*明", date(2026, 8, 2), 2, False),
        ("001", "张*明", date(2026, 8, 2), -2, True),
        ("002", "李*", date(2026, 7, 3), 1, False),
    ]
    assert rows[0].item_title == "参加治安巡逻" and rows[0].article == "村规民约第十八条"
    july = list(
        from_ledger.entry_detail(village.village, Period.parse("2026-07"), today=TODAY).rows
    )
    assert [r.occurred_on.month for r in july] == [7, 7]


def test_statement_running_balance_agrees_with_standings_balance(village):
    h1 = village.households[0]
    first = post(village, h1, "SAF-03", date(2026, 2, 3))
    post(village, h1, "ENV-05", date(2026, 2, 3))
    post(village, h1, "SAF-01", date(2026, 5, 9))
    post(village, h1, "PTY-02", date(2026, 9, 1))
    ledger.reverse(first, actor=village.admin, reason="不属实", key="r1", today=TODAY)
    db.session.commit()
    data = from_ledger.statement(h1, 2026, today=TODAY)
    assert data.opening_balance == 100 == standings.balance(h1, date(2026, 1, 1))
    assert len(data.rows) == 5
    for index, row in enumerate(data.rows):
        last_of_day = index + 1 == len(data.rows) or data.rows[index + 1].occurred_on != (
            row.occurred_on
        )
        if last_of_day:
            assert row.balance == standings.balance(h1, row.occurred_on), row
    assert data.rows[-1].balance == standings.balance(h1, date(2026, 12, 31))
    assert [r.reversal for r in data.rows].count(True) == 1
    ws = opened(write_statement, data).active
    balances = [ws.cell(row=r, column=5).value for r in range(5, 5 + len(data.rows) + 2)]
    assert balances[0] == 100 and balances[-1] == float(standings.balance(h1, date(2026, 12, 31)))
    assert [Decimal(str(b)) for b in balances[1:-1]] == [r.balance for r in data.rows]


def test_statement_starts_again_from_base_points_in_a_new_year(village):
    h1 = village.households[0]
    later = date(2027, 1, 15)
    recorded = ledger.record(
        village.village,
        [Draft(h1.id, "SAF-03", date(2026, 12, 30))],
        key="dec",
        actor=village.clerk,
        today=later,
    )
    ledger.approve(recorded.entries, reviewer=village.supervisor, today=later)
    db.session.commit()
    assert standings.balance(h1, date(2026, 12, 31)) == 105
    data = from_ledger.statement(h1, 2027, today=TODAY)
    assert data.opening_balance == 100 == standings.balance(h1, date(2027, 1, 1))
    assert data.rows == []


def test_archive_has_every_entry_in_every_status_with_who_reviewed(village):
    h1, h2, _ = village.households
    post(village, h1, "FIL-02", date(2026, 7, 5))  # reviewed by supervisor
    pending = ledger.record(
        village.village,
        [Draft(h2.id, "FIL-03", date(2026, 7, 6), note="=HYPERLINK(1)")],
        key="p",
        actor=village.clerk,
        today=TODAY,
    ).entries
    db.session.commit()
    data = from_ledger.archive(village.village, now=datetime.now(UTC))
    wb = opened(write_archive, data)
    ws = wb.active
    header = [c.value for c in ws[1]]
    assert header[:3] == ["编号", "户号", "户主"] and "审核人" in header
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    by_id = {r[0]: dict(zip(header, r, strict=True)) for r in rows}
    assert len(rows) == 2
    approved = next(r for r in by_id.values() if r["状态"] == "已审核")
    assert approved["审核人"] == "supervisor" and approved["录入账号"] == "clerk"
    assert approved["审核时间"] is not None and approved["核定分值"] == 0.5
    waiting = by_id[pending[0].id]
    assert waiting["状态"] == "待审核" and waiting["核定分值"] is None
    assert waiting["备注"] == "=HYPERLINK(1)"
    cell = next(c for c in ws[3] if c.value == "=HYPERLINK(1)")
    assert cell.data_type == "s"


def test_export_views_download_workbooks_for_staff(village, client):
    post(village, village.households[0], "SAF-03", date(2026, 7, 5))
    login(client, "clerk", "correct horse 1")
    page = client.get("/exports/")
    assert page.status_code == 200 and "积分台账" not in page.get_data(as_text=True)
    response = client.get("/exports/notice-board.xlsx?quarter=2026Q3")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.data))
    assert wb["超红榜"]["A1"].value == "幸福村2026年第三季度积分红黑榜（草稿）"
    detail = load_workbook(io.BytesIO(client.get("/exports/entries.xlsx?period=2026-07").data))
    assert detail.active["B4"].value == "001"
    statement = client.get("/exports/statement.xlsx?household=001&year=2026")
    assert load_workbook(io.BytesIO(statement.data)).active["E6"].value == 105
    assert client.get("/exports/archive.xlsx").status_code == 403


def test_export_views_refuse_bad_periods_and_unknown_households(village, client):
    login(client, "supervisor", "correct horse 1")
    response = client.get("/exports/notice-board.xlsx?quarter=2026-07")
    assert response.status_code == 400
    assert "看不懂“2026-07”：请写成 2026Q3 这样" in response.get_data(as_text=True)
    response = client.get("/exports/entries.xlsx?period=2026")
    assert "看不懂“2026”：请写成 2026-07或2026Q3 这样" in response.get_data(as_text=True)
    response = client.get("/exports/statement.xlsx?household=999&year=2026")
    assert response.status_code == 400
    assert "没有户号为“999”的户" in response.get_data(as_text=True)


def test_archive_view_is_for_administrators(village, client):
    post(village, village.households[0], "SAF-03", date(2026, 7, 5))
    login(client, "admin", "correct horse 1")
    assert "下载积分台账" in client.get("/exports/").get_data(as_text=True)
    response = client.get("/exports/archive.xlsx")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.data)).active
    assert ws["B2"].value == "001" and ws.max_row == 2


def test_export_cli_writes_each_workbook(village, app, tmp_path):
    post(village, village.households[0], "SAF-03", date(2026, 7, 5))
    runner = app.test_cli_runner()
    out = tmp_path / "board.xlsx"
    result = runner.invoke(
        args=["export", "notice-board", "2026Q3", str(out), "--qr-url", "https://x.cn/l"]
    )
    assert result.exit_code == 0, result.output
    assert f"已导出到 {out}" in result.output
    assert load_workbook(out)["超红榜"]._images
    for args in (["entries", "2026Q3"], ["statement", "001", "2026"]):
        path = tmp_path / f"{args[0]}.xlsx"
        result = runner.invoke(args=["export", *args, str(path)])
        assert result.exit_code == 0, result.output
        assert load_workbook(path).active["A1"].font.b
    result = runner.invoke(args=["export", "archive", str(tmp_path / "a.xlsx")])
    assert "已导出 1 条记录到" in result.output
    bad = runner.invoke(args=["export", "entries", "Q3", str(tmp_path / "x.xlsx")])
    assert bad.exit_code != 0 and "看不懂“Q3”" in bad.output
    bad = runner.invoke(args=["export", "statement", "404", "2026", str(tmp_path / "x.xlsx")])
    assert "没有户号为“404”的户" in bad.output


def test_a_reset_is_a_line_of_its_own_and_a_shortfall_carries(village):
    # The demo's 年度积分 resets on 01-01 with carry = "negative": 2026 closes at 65, so 2027
    # opens at 65 (not 100), and a running balance across the reset shows it as its own line.
    h1, h2, _ = village.households
    for n, day in enumerate((date(2026, 2, 3), date(2026, 3, 3), date(2026, 4, 3))):
        post(village, h1, "CUS-05", day, key=f"c{n}")
    post(village, h1, "CUS-06", date(2026, 5, 3))
    post(village, h2, "SAF-03", date(2026, 6, 3))
    assert standings.balance(h1, date(2026, 12, 31)) == 65
    assert standings.balance(h1, date(2027, 1, 1)) == 65
    assert standings.balance(h2, date(2027, 1, 1)) == 100  # 105 closes above the base
    opening, rows = standings.running_balance(h1, date(2026, 4, 1), date(2027, 2, 1))
    assert opening == 80
    reset, balance = rows[-1]
    assert isinstance(reset, standings.Reset) and reset.occurred_on == date(2027, 1, 1)
    assert (reset.closing, reset.opening, reset.carried, balance) == (65, 65, True, 65)
    _, rows = standings.running_balance(h2, date(2026, 6, 1), date(2027, 2, 1))
    assert [(type(e).__name__, b) for e, b in rows] == [("Row", 105), ("Reset", 100)]
    data = from_ledger.statement(h1, 2027, today=TODAY)
    assert data.opening_balance == 65 and data.balance_name == "年度积分"
    ws = opened(write_statement, data).active
    assert ws["E4"].value == "年度积分"


def test_a_reset_inside_the_statement_year_is_printed(village, tmp_path):
    from pathlib import Path

    from pointsys.rules_store import DEMO_RULEBOOK, store

    text = Path(DEMO_RULEBOOK).read_text(encoding="utf-8")
    text = text.replace('reset_on = "01-01"\ncarry = "negative"', 'reset_on = "07-01"')
    moved = tmp_path / "demo.toml"
    moved.write_text(text, encoding="utf-8")
    store(moved, actor_label="test")
    h1 = village.households[0]
    post(village, h1, "SAF-03", date(2026, 3, 3))
    data = from_ledger.statement(h1, 2026, today=TODAY)
    reset = data.rows[-1]
    assert (reset.occurred_on, reset.item_title) == (
        date(2026, 7, 1),
        "年度积分清零，重新从 100 分起算",
    )
    assert (reset.points, reset.balance) == (-5, 100)
