"""The scoring engine the ledger will call at approval time, and the honour-list tiers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from pointsys.rulebook import (
    Claim,
    PriorEntry,
    evaluate,
    fed_decisions,
    load,
    needs_history,
    public_name,
    star_level,
    tier_for,
)
from pointsys.rulebook.model import HonourPolicy, Tier
from pointsys.rulebook.scoring import value_band

DEMO = Path(__file__).resolve().parent.parent / "rules" / "demo.toml"


@pytest.fixture(scope="module")
def rulebook():
    return load(DEMO)


def test_fixed_points_and_the_version_in_force(rulebook):
    before = evaluate(rulebook, Claim("ENV-03", date(2026, 6, 30)), [])
    after = evaluate(rulebook, Claim("ENV-03", date(2026, 7, 1)), [])
    assert (before.granted, before.version.effective) == (D("0.5"), date(2026, 1, 1))
    assert (after.granted, after.version.effective) == (D("1"), date(2026, 7, 1))
    assert after.version.note == "每次由 0.5 分提高到 1 分，每月上限仍为 2 分。"


def test_points_stay_exact(rulebook):
    prior = []
    for day in (1, 2, 3):
        decision = evaluate(rulebook, Claim("CIV-03", date(2026, 5, day)), prior)
        prior.append(PriorEntry("CIV-03", decision.on, decision.granted))
    assert sum(e.points for e in prior) == D("0.3")


def test_caps_count_only_the_same_period(rulebook):
    prior = [PriorEntry("ENV-02", date(2026, 3, d), D(1)) for d in (1, 2, 3)]
    assert evaluate(rulebook, Claim("ENV-02", date(2026, 3, 31)), prior).granted == 0
    assert evaluate(rulebook, Claim("ENV-02", date(2026, 4, 1)), prior).granted == 1


def test_a_cap_cuts_to_what_is_left_and_penalties_are_capped_by_magnitude(rulebook):
    prior = [
        PriorEntry("PUB-01", date(2026, 4, 1), D(4)),
        PriorEntry("PUB-01", date(2026, 4, 2), D(4)),
    ]
    decision = evaluate(rulebook, Claim("PUB-01", date(2026, 5, 1), D(8)), prior)
    assert (decision.requested, decision.granted, decision.limits) == (D(4), D(2), ("cap:quarter",))
    penalties = [PriorEntry("ENV-05", date(2026, 1, d), D(-2)) for d in range(1, 5)]
    decision = evaluate(rulebook, Claim("ENV-05", date(2026, 9, 1)), penalties)
    assert (decision.granted, decision.limits) == (D(-2), ())
    penalties.append(PriorEntry("ENV-05", date(2026, 9, 1), D(-2)))
    assert evaluate(rulebook, Claim("ENV-05", date(2026, 9, 2)), penalties).granted == 0


def test_pending_entries_are_not_passed_so_they_do_not_count(rulebook):
    # The engine only sees what the ledger passes in: approved entries.
    assert evaluate(rulebook, Claim("ENV-01", date(2026, 2, 1)), []).granted == 2


def test_bands_and_thresholds(rulebook):
    assert evaluate(rulebook, Claim("PUB-03", date(2026, 1, 5), D(1000)), []).requested == 10
    assert evaluate(rulebook, Claim("PUB-03", date(2026, 1, 5), D(1399)), []).requested == 10
    assert evaluate(rulebook, Claim("PUB-03", date(2026, 1, 5), D(1400)), []).requested == 11
    prior = [PriorEntry("PUB-02", date(2026, 2, 1), D(0), D(9))]
    assert evaluate(rulebook, Claim("PUB-02", date(2026, 3, 1), D(1)), prior).granted == 2
    assert evaluate(rulebook, Claim("PUB-02", date(2026, 3, 1), D("0.5")), prior).granted == 0


def test_veto_consequences_travel_with_the_decision(rulebook):
    decision = evaluate(rulebook, Claim("LAW-03", date(2026, 5, 1)), [])
    assert decision.granted == -50
    assert decision.veto == ("black_list", "bar_red_list", "bar_redemption", "star_drop")


@pytest.mark.parametrize(
    ("claim", "zh", "en"),
    [
        (
            Claim("NOPE", date(2026, 5, 1)),
            "没有编码为 “NOPE” 的积分事项。",
            "There is no item with the code “NOPE”.",
        ),
        (
            Claim("ENV-08", date(2026, 3, 31)),
            "事项 ENV-08 自 2026-04-01 起才生效，2026-03-31 的行为不能按它记分。",
            "Item ENV-08 takes effect on 2026-04-01; conduct on 2026-03-31 cannot be scored under it.",
        ),
        (
            Claim("CUS-07", date(2026, 10, 1)),
            "事项 CUS-07 已于 2026-10-01 停用，2026-10-01 的行为不能按它记分。",
            "Item CUS-07 was retired on 2026-10-01; conduct on 2026-10-01 cannot be scored under it.",
        ),
        (
            Claim("PUB-01", date(2026, 5, 1)),
            "事项 PUB-01 需要填写数量（小时），且须大于 0。",
            "Item PUB-01 needs a quantity (小时) above 0.",
        ),
        (
            Claim("ENV-06", date(2026, 5, 1)),
            "事项 ENV-06 须填写分值，分值须在 -5 到 -1 之间（最多一位小数）。",
            "Item ENV-06 needs its points, between -5 and -1 (one decimal place at most).",
        ),
        (
            Claim("LAW-02", date(2026, 5, 1), D("-1")),
            "事项 LAW-02 的分值须在 -10 到 -2 之间（最多一位小数），填的是 -1。",
            "Item LAW-02 takes points between -10 and -2 (one decimal place at most); -1 was entered.",
        ),
    ],
)
def test_refusal_messages(rulebook, claim, zh, en):
    decision = evaluate(rulebook, claim, [])
    assert decision.refused and decision.granted == 0
    assert (decision.refusal.text(), decision.refusal.text("en")) == (zh, en)


def test_once_per_period_message(rulebook):
    prior = [PriorEntry("ENV-01", date(2026, 1, 5), D(2))]
    decision = evaluate(rulebook, Claim("ENV-01", date(2026, 3, 31)), prior)
    assert decision.refusal.text() == "事项 ENV-01 每季度只计一次，本季度已经记过。"
    assert decision.refusal.text("en") == (
        "Item ENV-01 counts once per quarter and was already recorded this quarter."
    )


def test_tiers_by_rank_threshold_and_veto(rulebook):
    policy = rulebook.honours
    field = [D(5), D(10), D(50), D(60), D(70), D(-20)]
    assert tier_for(policy, D(70), field).code == "super_red"
    assert tier_for(policy, D(50), field).code == "super_red"  # third place
    assert tier_for(policy, D(50), [*field, D(80)]).code == "red"  # fourth, but ≥ 30
    assert tier_for(policy, D(5), field) is None
    assert tier_for(policy, D(-20), field).code == "black"
    assert tier_for(policy, D(70), field, vetoed=True).code == "black"
    assert tier_for(policy, D(50), [*field, D(80)], barred_from_red=True) is None


def test_star_levels(rulebook):
    policy = rulebook.honours
    assert [star_level(policy, D(p)) for p in (95, 90, 89.9, 30, 0)] == [5, 5, 4, 3, 1]
    assert star_level(policy, D(-1)) == 0
    assert star_level(policy, D(95), drop=1) == 4 and star_level(policy, D(0), drop=3) == 0


def test_tiers_by_rank_from_the_bottom_and_by_percent():
    policy = HonourPolicy(
        tiers=(
            Tier("top", "红榜", "red", top_percent=D(20)),
            Tier("bottom", "黑榜", "black", bottom=2),
            Tier("low", "黄榜", "black", bottom_percent=D(50)),
        )
    )
    field = [D(p) for p in range(10)]  # ten households: 0 … 9 points
    assert [getattr(tier_for(policy, p, field), "code", None) for p in field] == [
        "bottom",
        "bottom",
        "low",
        "low",
        "low",
        None,
        None,
        None,
        "top",
        "top",
    ]


def test_names_on_public_lists(rulebook):
    assert public_name(rulebook.honours, "张三明") == "张*明"
    assert public_name(rulebook.honours, "李四") == "李*"
    assert public_name(rulebook.honours, "欧阳娜娜") == "欧**娜"
    assert public_name(HonourPolicy(names="full"), "张三明") == "张三明"


# Item shapes (issue 14 C).


def test_a_levels_item_scores_the_level_chosen(rulebook):
    on = date(2026, 5, 1)
    assert evaluate(rulebook, Claim("CIV-08", on, level="国家级"), []).granted == 100
    refused = evaluate(rulebook, Claim("CIV-08", on), [])
    assert refused.refusal.code == "level_required"
    assert refused.refusal.text("en") == (
        "Item CIV-08 needs a level: one of 国家级 +100, 省级 +50, 市级 +20, 县级 +10, 镇级 +5, "
        "村级 +3."
    )
    assert evaluate(rulebook, Claim("CIV-08", on, level="乡级"), []).refusal.code == (
        "unknown_level"
    )


def test_value_bands_are_flat_and_meet_at_the_precision(rulebook):
    on = date(2026, 6, 1)
    granted = [
        evaluate(rulebook, Claim("PUB-08", on, D(value)), []).granted
        for value in ("1", "1000", "1000.1", "5000", "5000.1", "999999")
    ]
    assert granted == [1, 1, 3, 3, 5, 5]
    refused = evaluate(rulebook, Claim("PUB-08", on, D("0.5")), []).refusal
    assert refused.text() == "事项 PUB-08 的数额 0.5元 低于最低一档的 1元，不能记分；请核对数额。"
    # A value finer than the bands' precision is placed after rounding it, 四舍五入.
    assert value_band(rulebook.items["PUB-08"].latest.scoring, D("1000.04"), 1).points == 1
    assert value_band(rulebook.items["PUB-08"].latest.scoring, D("1000.05"), 1).points == 3


def test_per_member_refuses_more_people_than_members(rulebook):
    on = date(2026, 5, 1)
    assert evaluate(rulebook, Claim("PUB-05", on, D(4), members=4), []).granted == 4
    refused = evaluate(rulebook, Claim("PUB-05", on, D(5), members=4), []).refusal
    assert refused.code == "too_many_members"
    assert evaluate(rulebook, Claim("PUB-05", on, D(5)), []).granted == 5  # count not known


def test_an_item_fed_by_another_accumulates_its_quantity_since_joining(rulebook):
    source = Claim("PUB-01", date(2028, 5, 1), D(20))
    before = [PriorEntry("PUB-01", date(2026, 2, 1), D(4), D(40))]
    (milestone,) = fed_decisions(rulebook, source, before)
    assert (milestone.item, milestone.granted) == ("PUB-09", 5)
    assert fed_decisions(rulebook, Claim("PUB-01", date(2028, 5, 1), D(5)), before) == []
    # Its own companions are not what accumulates: 60 hours recorded, the 50 mark passed.
    passed = [*before, PriorEntry("PUB-01", date(2027, 1, 1), D(4), D(20))]
    passed.append(PriorEntry("PUB-09", date(2027, 1, 1), D(5), D(20)))
    assert fed_decisions(rulebook, Claim("PUB-01", date(2028, 5, 1), D(30)), passed) == []
    direct = evaluate(rulebook, Claim("PUB-09", date(2028, 5, 1), D(60)), [])
    assert direct.refusal.code == "fed_item"
    assert needs_history(rulebook, "PUB-01", date(2026, 5, 1))
    assert not needs_history(rulebook, "ENV-01", date(2026, 5, 1))
