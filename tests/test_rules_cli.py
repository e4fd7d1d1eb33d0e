"""`flask rules check | show | load | test`, and the snapshots `load` stores."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, text
from sqlalchemy.exc import DBAPIError

from pointsys.extensions import db
from pointsys.models import AuditEvent, RulebookSnapshot
from pointsys.rules_store import current_snapshot

RULES = Path(__file__).resolve().parent.parent / "rules"
DEMO = str(RULES / "demo.toml")
INVALID = RULES / "tests" / "invalid"


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["rules", *args])


def test_check_the_demo_rulebook(app):
    result = _run(app, "check", DEMO)
    assert result.exit_code == 0, result.output
    assert result.output == f"{DEMO}：没有问题（67 个事项，9 个类别）。\n"


def test_check_with_no_path_checks_every_rulebook_in_rules(app):
    result = _run(app, "check")
    assert result.exit_code == 0 and "demo.toml：没有问题" in result.output
    for example in ("credit_village", "honour_exchange", "jifen_bank"):
        assert f"rules/examples/{example}.toml：没有问题" in result.output


def test_load_with_no_path_never_stores_an_example_rulebook(app):
    from pointsys.extensions import db
    from pointsys.models import RulebookSnapshot

    result = _run(app, "load")
    assert result.exit_code == 0, result.output
    with app.app_context():
        codes = set(db.session.execute(db.select(RulebookSnapshot.village_code)).scalars())
    assert codes == {"demo"}


def test_check_reports_every_problem_and_exits_1(app):
    path = str(INVALID / "many_problems.toml")
    result = _run(app, "check", path)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"{path}:16:1: categories[0].items[0].points: 积分最多一位小数，“0.25” 不行；请改为如 0.5 这样的值。"
    )
    assert len(result.stderr.splitlines()) == 6
    assert result.stderr.splitlines()[-1] == "Error: 共发现 5 个问题。"


def test_check_in_english(app):
    result = _run(app, "check", "--lang", "en", str(INVALID / "tier_overlap.toml"))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{INVALID / 'tier_overlap.toml'}:16:1: honours.tiers[1]: The list “黄榜” overlaps “红榜”; "
        "adjust the point ranges or ranks so that a household falls on one list only.",
        "Error: 1 problem(s) found.",
    ]


def test_show_prints_the_items_in_force_on_a_day(app):
    march = _run(app, "show", DEMO, "--on", "2026-03-01").output
    assert march.splitlines()[0] == "幸福村积分管理细则 · 2026 年修订版 · 2026-03-01"
    assert "  ENV-03   垃圾分类投放正确  每次 +0.5 分  （每月最多 2 分）  村规民约第六条" in march
    assert "ENV-08" not in march and "CUS-07" in march
    october = _run(app, "show", DEMO, "--on", "2026-10-01").output
    assert "  ENV-03   垃圾分类投放正确  每次 +1 分  （每月最多 2 分）  村规民约第六条" in october
    assert "ENV-08" in october and "CUS-07" not in october
    assert (
        "  PUB-03   捐资助学、捐建公益设施  0–1000元：每 100元 +1 分；1000–5000元：每 400元 +1 分"
        "  （每年最多 15 分）  村规民约第十六条" in october
    )


def _snapshots():
    return db.session.execute(db.select(func.count()).select_from(RulebookSnapshot)).scalar_one()


def test_load_stores_an_audited_snapshot_once(app):
    first = _run(app, "load", DEMO)
    assert first.exit_code == 0, first.output
    with app.app_context():
        snapshot = current_snapshot("demo")
        digest = snapshot.sha256
        assert first.output == f"已载入 demo 的细则（2026 年修订版，sha256 {digest[:12]}）。\n"
        assert snapshot.text == Path(DEMO).read_text(encoding="utf-8")
        assert str(snapshot.effective) == "2026-01-01" and snapshot.loaded_by == "cli"
        event = db.session.execute(
            db.select(AuditEvent).filter_by(object_type="rulebook_snapshot")
        ).scalar_one()
        assert event.action == "load" and event.after["sha256"] == digest
    again = _run(app, "load", DEMO)
    assert again.output == f"demo 的细则（2026 年修订版，sha256 {digest[:12]}）已载入过，未改变。\n"
    with app.app_context():
        assert _snapshots() == 1


def test_a_failing_rulebook_is_never_loaded_and_the_last_good_one_stays(app, tmp_path):
    assert _run(app, "load", DEMO).exit_code == 0
    broken = tmp_path / "demo.toml"
    broken.write_text(
        Path(DEMO).read_text(encoding="utf-8").replace("points = 0.5\n", "points = 0.55\n", 1),
        encoding="utf-8",
    )
    result = _run(app, "load", str(broken))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "Error: 共发现 1 个问题；有问题的细则没有载入，系统继续使用上一版。"
    )
    with app.app_context():
        assert _snapshots() == 1
        assert current_snapshot("demo").source == DEMO


def test_a_new_valid_text_becomes_the_rulebook_in_force(app, tmp_path):
    assert _run(app, "load", DEMO).exit_code == 0
    revised = tmp_path / "demo.toml"
    revised.write_text(
        Path(DEMO).read_text(encoding="utf-8").replace("2026 年修订版", "2027 年修订版"),
        encoding="utf-8",
    )
    assert _run(app, "load", str(revised)).exit_code == 0
    with app.app_context():
        assert _snapshots() == 2
        assert current_snapshot("demo").version == "2027 年修订版"


@pytest.mark.parametrize(
    "statement",
    ["UPDATE rulebook_snapshot SET version = 'x'", "DELETE FROM rulebook_snapshot"],
)
def test_the_database_refuses_to_change_a_snapshot(app, statement):
    assert _run(app, "load", DEMO).exit_code == 0
    with app.app_context():
        with pytest.raises(DBAPIError, match="rulebook snapshots are immutable"):
            db.session.execute(text(statement))
        db.session.rollback()
        assert current_snapshot("demo").version == "2026 年修订版"


def test_rules_test_runs_the_scenarios(app):
    result = _run(app, "test")
    assert result.exit_code == 0, result.output
    # Every file under rules/tests/, in name order: the examples' and the demo's.
    assert "✓ 庭院检查每季度只计一次" in result.output.splitlines()
    assert "✓ 按时还贷每年认定一次；信用积分不清零，年度得分每年清零" in result.output.splitlines()
    assert "✗" not in result.output and "未覆盖" not in result.output


def test_rules_test_fails_on_a_wrong_expectation(app, tmp_path):
    shutil.copy(DEMO, tmp_path / "demo.toml")
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        'rulebook = "demo.toml"\n[[scenarios]]\nname = "错的期望"\n'
        'events = [{ on = 2026-02-10, item = "ENV-01", granted = 1 }]\n',
        encoding="utf-8",
    )
    result = _run(app, "test", str(scenario))
    assert result.exit_code == 1
    assert result.output.splitlines()[:2] == [
        "✗ 错的期望",
        "    第 1 条（2026-02-10 ENV-01）：granted 应为 1，实际为 2",
    ]
    assert "未覆盖：ENV-01 once_per over" in result.output
    assert result.stderr.splitlines()[-1] == "Error: 共有 1 处与预期不符。"


@pytest.mark.parametrize("command", ["check", "show", "load", "test"])
def test_a_missing_file_is_one_line_not_a_traceback(app, tmp_path, command):
    missing = tmp_path / "missing.toml"
    result = _run(app, command, str(missing))
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert result.stderr.splitlines()[0] == f"{missing}: 找不到这个文件；请检查路径和文件名。"
    assert len(result.stderr.splitlines()) == 2  # the problem and the count


@pytest.mark.parametrize("command", ["check", "show", "load", "test"])
def test_a_directory_is_one_line_in_english_too(app, tmp_path, command):
    result = _run(app, command, "--lang", "en", str(tmp_path))
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    count = (
        "1 problem(s) found; a rulebook with problems is not loaded and the previous one stays "
        "in force."
        if command == "load"
        else "1 problem(s) found."
    )
    assert result.stderr.splitlines() == [
        f"{tmp_path}: This is a folder, not a file; give the path of a .toml file.",
        f"Error: {count}",
    ]


@pytest.mark.parametrize("named", ['"missing.toml"', '"."'])
def test_a_scenario_file_naming_a_missing_rulebook_says_so(app, tmp_path, named):
    scenario = tmp_path / "s.toml"
    scenario.write_text(f'rulebook = {named}\n[[scenarios]]\nname = "x"\nevents = []\n', "utf-8")
    result = _run(app, "test", str(scenario))
    assert result.exit_code == 1
    target = tmp_path / named.strip('"')
    assert result.stderr.splitlines() == [
        f"{scenario}:1:1: rulebook: 找不到细则文件 “{target}”；"
        "rulebook 写的是相对于本场景文件的路径，如 “../demo.toml”。",
        "Error: 共发现 1 个问题。",
    ]
    english = _run(app, "test", "--lang", "en", str(scenario)).stderr.splitlines()
    assert english == [
        f"{scenario}:1:1: rulebook: Rulebook file “{target}” not found; rulebook is a path "
        "relative to this scenario file, such as “../demo.toml”.",
        "Error: 1 problem(s) found.",
    ]


def test_show_states_the_precision(app):
    lines = _run(app, "show", DEMO, "--on", "2026-08-01").output.splitlines()
    assert lines[1] == (
        "积分保留一位小数。按数量算出的分值四舍五入到一位小数，扣分按绝对值同样处理"
        "（如每小时 0.1 分 × 4.5 小时 = 0.45，记 0.5 分；-0.45 记 -0.5 分）。"
    )
