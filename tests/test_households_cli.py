"""`flask households import / export / template`: the roster from the command line."""

from pointsys import households as registry
from pointsys.extensions import db
from pointsys.models import Household, Village

from .test_roster import GOOD, MEMBERS, xlsx


def _village(app, code="v1"):
    with app.app_context():
        village = Village(code=code, name="幸福村")
        db.session.add(village)
        db.session.flush()
        for name in ("一组", "二组"):
            registry.create_group(village, name, actor="test")
        db.session.commit()


def _count(app):
    with app.app_context():
        return db.session.execute(db.select(db.func.count(Household.id))).scalar_one()


def test_import_dry_run_then_import_then_export(app, tmp_path):
    _village(app)
    runner = app.test_cli_runner()
    roster_file = tmp_path / "roster.xlsx"
    roster_file.write_bytes(xlsx(GOOD, MEMBERS))
    result = runner.invoke(args=["households", "import", str(roster_file), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "预览（未写入）：新建 2 户，更新 0 户，更新成员 1 户，未变 0 户。" in result.output
    assert _count(app) == 0
    result = runner.invoke(args=["households", "import", str(roster_file)])
    assert "导入完成：新建 2 户" in result.output and _count(app) == 2
    again = runner.invoke(args=["households", "import", str(roster_file), "--village", "v1"])
    assert "导入完成：新建 0 户，更新 0 户，更新成员 0 户，未变 2 户。" in again.output
    out = tmp_path / "out.xlsx"
    assert runner.invoke(args=["households", "export", str(out)]).exit_code == 0
    result = runner.invoke(args=["households", "import", str(out), "--dry-run"])
    assert "未变 2 户" in result.output
    template = tmp_path / "template.xlsx"
    result = runner.invoke(args=["households", "template", str(template)])
    assert result.exit_code == 0 and template.stat().st_size > 0


def test_import_refusals(app, tmp_path):
    runner = app.test_cli_runner()
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([GOOD[0], ["001", None]]))
    result = runner.invoke(args=["households", "import", str(bad)])
    assert "系统中有多个村（或没有村）；请用 --village 指定村编码" in result.output
    _village(app)
    result = runner.invoke(args=["households", "import", str(bad), "--village", "x"])
    assert "没有编码为“x”的村" in result.output
    result = runner.invoke(args=["households", "import", str(bad)])
    assert result.exit_code == 1
    assert "「户」第 2 行 B（户主） 列：缺少户主姓名" in result.output
    assert "名册还有 1 处问题，改正后重新导入；本次未导入任何数据" in result.output
    csv = tmp_path / "csv.xlsx"
    csv.write_text("户号,户主\n001,张三明\n", encoding="utf-8")
    result = runner.invoke(args=["households", "import", str(csv)])
    assert "请用 Excel 打开后另存为 .xlsx 格式再上传" in result.output and _count(app) == 0
