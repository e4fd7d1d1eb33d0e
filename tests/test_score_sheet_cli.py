"""`flask sheets template / import`: the same checks and all-or-nothing write as the pages."""

from openpyxl import load_workbook

from pointsys.extensions import db
from pointsys.models import Entry


def count():
    return db.session.execute(db.select(db.func.count(Entry.id))).scalar_one()


def test_template_then_dry_run_then_import_then_replay(app, village, tmp_path):
    runner = app.test_cli_runner()
    path = tmp_path / "sheet.xlsx"
    args = ["sheets", "template", "--group", "一组", "--item", "ENV-02", "--item", "PUB-01"]
    result = runner.invoke(args=[*args, "--date", "2026-08-03", "-o", str(path)])
    assert result.exit_code == 0, result.output
    assert f"评分表已保存到 {path}" in result.output
    wb = load_workbook(path)
    wb.active["C3"], wb.active["D4"] = "√", 10
    wb.save(path)
    result = runner.invoke(args=["sheets", "import", str(path), "--as", "clerk", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "C3\t001 张三明\tENV-02 门前三包落实到位\t\t+1\t待审核",
        "D4\t002 李四\tPUB-01 志愿服务（按小时）\t10\t+10\t待审核\t"
        "提醒：该事项每次最多计 4 分，本次计 4 分。",
        "预览（未写入）：将记录 2 条，其中 2 条待审核。",
    ]
    assert count() == 0
    result = runner.invoke(args=["sheets", "import", str(path), "--as", "clerk"])
    assert result.output == "评分表已导入：记录 2 条，其中 2 条待审核。\n"
    result = runner.invoke(args=["sheets", "import", str(path), "--as", "clerk"])
    assert result.output == "这份评分表已经导入过，没有重复记分。\n"
    assert count() == 2


def test_problems_one_per_line_and_a_non_zero_exit(app, village, tmp_path):
    runner = app.test_cli_runner()
    path = tmp_path / "sheet.xlsx"
    base = ["sheets", "template", "--group", "一组", "-o", str(path), "--item"]
    assert runner.invoke(args=[*base, "PUB-01"]).exit_code == 0
    wb = load_workbook(path)
    wb.active["D1"], wb.active["C3"], wb.active["C4"] = "2026-08-03", "两小时", 3
    wb.save(path)
    result = runner.invoke(args=["sheets", "import", str(path), "--as", "clerk"])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "第 3 行（户号 001）“PUB-01 志愿服务（按小时）”列（C3）："
        "“两小时” 不是数字；请只填数字，如 2 或 1.5。",
        "Error: 评分表有 1 处问题，本次未记录任何分数",
    ]
    assert count() == 0


def test_refusals(app, village, tmp_path):
    runner = app.test_cli_runner()
    out = str(tmp_path / "x.xlsx")
    cases = [
        (["--group", "九组", "--item", "ENV-02"], "本村没有名为“九组”的村民小组"),
        (["--group", "一组", "--item", "NOPE"], "没有编码为 “NOPE” 的积分事项。"),
    ]
    for args, message in cases:
        result = runner.invoke(args=["sheets", "template", *args, "-o", out])
        assert result.exit_code == 1 and message in result.output
    csv = tmp_path / "a.xlsx"
    csv.write_text("户号,户主\n", encoding="utf-8")
    for user, message in (
        ("nobody", "没有用户名为“nobody”的在用账号"),
        ("supervisor", "supervisor 不是记分员或村两委，不能导入评分表"),
        ("clerk", "这是 CSV 或文本文件（只是扩展名改成了 .xlsx）"),
    ):
        result = runner.invoke(args=["sheets", "import", str(csv), "--as", user])
        assert result.exit_code == 1 and message in result.output, result.output
