"""Rule tests as data (rules/tests/*.toml): they pass, and they cover the demo on both sides."""

from __future__ import annotations

from pathlib import Path

import pytest

from pointsys.rulebook import RulebookError, load
from pointsys.rulebook.scenarios import load_scenarios, run_file, uncovered

RULES = Path(__file__).resolve().parent.parent / "rules"
SCENARIO_FILES = sorted((RULES / "tests").glob("*.toml"))


def test_there_are_scenarios_beside_the_demo_rulebook():
    assert RULES / "tests" / "demo.toml" in SCENARIO_FILES


EXAMPLES = sorted((RULES / "examples").glob("*.toml"))


def test_at_least_three_example_rulebooks_each_with_scenarios_on_balances_and_periods():
    assert len(EXAMPLES) >= 3
    for example in EXAMPLES:
        rulebook = load(example)
        assert len(rulebook.all_balances) >= 2, example.name
        scenarios = [s for p in _files_for(example) for s in load_scenarios(p)[1]]
        assert any(s.expect["balances"] for s in scenarios), example.name
        assert any(
            s.expect["status"] is not None or s.expect["redeemable"] is not None for s in scenarios
        ), example.name


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.name)
def test_scenarios_pass(path):
    outcomes = run_file(path)
    assert outcomes
    assert {o.name: o.failure_texts() for o in outcomes if o.failures} == {}


def _files_for(rulebook_path: Path) -> list[Path]:
    return [p for p in SCENARIO_FILES if load_scenarios(p)[0].resolve() == rulebook_path.resolve()]


def test_demo_scenarios_cover_every_version_boundary_and_cap_on_both_sides():
    rulebook = load(RULES / "demo.toml")
    outcomes = [o for path in _files_for(RULES / "demo.toml") for o in run_file(path, rulebook)]
    assert uncovered(rulebook, outcomes) == []


def test_every_scenario_rulebook_is_covered_and_none_is_a_village_rulebook():
    # Test rulebooks sit under rules/tests/rulebooks/: `rules check` and `rules load` never see them.
    for path in SCENARIO_FILES:
        rulebook_path = load_scenarios(path)[0].resolve()
        assert rulebook_path.parent in (RULES, RULES / "examples", RULES / "tests" / "rulebooks")
        rulebook = load(rulebook_path)
        outcomes = [o for p in _files_for(rulebook_path) for o in run_file(p, rulebook)]
        assert uncovered(rulebook, outcomes) == [], path.name


def test_quantities_are_rounded_half_up_to_the_precision():
    outcomes = {o.name: o for o in run_file(RULES / "tests" / "rounding.toml")}
    first = outcomes["每小时 0.1 分 × 4.5 小时 = 0.45，记 0.5 分"]
    assert [str(d.granted) for d in first.decisions] == ["0.5", "0.1", "0"]
    penalty = outcomes["扣分按绝对值四舍五入：-0.1 × 4.5 = -0.45，记 -0.5 分"]
    assert [str(d.granted) for d in penalty.decisions] == ["-0.5", "-0.1"]
    veto = outcomes["0 分的一票否决事项照样否决：得分够上红榜，也上黑榜"]
    assert veto.decisions[1].granted == 0 and veto.decisions[1].veto == ("black_list",)
    assert all(not o.failures for o in outcomes.values())


def test_coverage_notices_a_missing_side():
    rulebook = load(RULES / "demo.toml")
    outcomes = [
        o for o in run_file(RULES / "tests" / "demo.toml", rulebook) if "垃圾分类" not in o.name
    ]
    assert uncovered(rulebook, outcomes) == [
        "ENV-03 2026-06-30",
        "ENV-03 2026-07-01",
        "ENV-03 cap:month at",
        "ENV-03 cap:month over",
    ]


SCENARIO = """
rulebook = "{rulebook}"

[[scenarios]]
name = "期望写错了"
events = [
  {{ on = 2026-02-10, item = "ENV-01", granted = 3 }},
  {{ on = 2026-03-20, item = "ENV-01" }},
  {{ on = 2026-04-01, item = "PUB-01", quantity = 10, granted = 4 }},
]
total = 5
tier = "red"
"""


def test_a_wrong_expectation_is_reported_in_chinese_and_english(tmp_path):
    path = tmp_path / "wrong.toml"
    path.write_text(SCENARIO.format(rulebook=RULES / "demo.toml"), encoding="utf-8")
    (outcome,) = run_file(path)
    assert outcome.failure_texts() == [
        "第 1 条（2026-02-10 ENV-01）：granted 应为 3，实际为 2",
        "第 2 条（2026-03-20 ENV-01）：refused 应为 -，实际为 once_per_period",
        "第 3 条（2026-04-01 PUB-01）：limits 应为 []，实际为 [max_per_entry]",
        "合计：total 应为 5，实际为 6",
        "合计：tier 应为 red，实际为 super_red",
    ]
    assert outcome.failure_texts("en")[0] == (
        "Event 1 (2026-02-10 ENV-01): granted should be 3 but is 2"
    )


def test_a_malformed_scenario_file_is_located(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        'rulebook = "x.toml"\n[[scenarios]]\nname = "坏"\nevents = [{ on = 2026-01-01, '
        'item = "A", granted = 1, refused = "retird" }]\nexpect = 1\n',
        encoding="utf-8",
    )
    with pytest.raises(RulebookError) as caught:
        run_file(path)
    assert [p.text() for p in caught.value.problems] == [
        f"{path}:1:1: rulebook: 找不到细则文件 “{tmp_path / 'x.toml'}”；"
        "rulebook 写的是相对于本场景文件的路径，如 “../demo.toml”。",
        f"{path}:4:55: scenarios[0].events[0].refused: 未知的取值 “retird”。您是不是要写 “retired”？",
        f"{path}:5:1: scenarios[0].expect: 未知的键 “expect”。可用的有：name, events, total, tier, others, stars, balances, as_of, periods, redeemable, status, members。",
    ]
