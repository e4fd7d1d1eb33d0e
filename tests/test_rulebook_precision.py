"""A rulebook's precision: what validation accepts, how the engine rounds (四舍五入), how it reads."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from pointsys.rulebook import Claim, PriorEntry, RulebookError, evaluate, loads
from pointsys.rulebook.describe import precision_text
from pointsys.rulebook.scoring import rounded

DAY = date(2026, 3, 2)


def _book(items: str, head: str = "", extra: str = "") -> str:
    return (
        '[rulebook]\nvillage = "t"\nname = "测试细则"\nversion = "1"\n'
        f"effective = 2026-01-01\n{head}\n{extra}\n"
        '[[categories]]\ncode = "c"\nname = "类别"\n' + items
    )


def _item(code: str, body: str) -> str:
    return f'[[categories.items]]\ncode = "{code}"\ntitle = "事项"\narticle = "第一条"\n{body}\n'


HOURS = _item("H", 'per_unit = 0.1\nunit = "小时"') + _item("P", 'per_unit = -0.1\nunit = "袋"')


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        ("0.45", 1, "0.5"),
        ("-0.45", 1, "-0.5"),  # half away from zero: a deduction the same size as the award
        ("0.44", 1, "0.4"),
        ("0.04", 1, "0"),
        ("-0.04", 1, "0"),  # never "-0.0"
        ("2", 1, "2"),  # kept as written, not 2.0
        ("2.5", 0, "3"),
        ("-2.5", 0, "-3"),
        ("0.125", 2, "0.13"),
        ("0.45", 2, "0.45"),
    ],
)
def test_rounding_is_half_up_away_from_zero(value, places, expected):
    assert str(rounded(D(value), places)) == expected


def test_one_tenth_per_hour_for_four_and_a_half_hours_is_half_a_point():
    rulebook = loads(_book(HOURS))
    assert rulebook.precision == 1  # the default
    award = evaluate(rulebook, Claim("H", DAY, D("4.5")), [])
    assert (award.requested, award.granted) == (D("0.5"), D("0.5"))
    penalty = evaluate(rulebook, Claim("P", DAY, D("4.5")), [])
    assert (penalty.requested, penalty.granted) == (D("-0.5"), D("-0.5"))


@pytest.mark.parametrize(("places", "expected"), [("0", "0"), ("2", "0.45")])
def test_the_rulebook_states_its_precision(places, expected):
    items = _item("H", 'per_unit = 1\nunit = "小时"') if places == "0" else HOURS
    rulebook = loads(_book(items, f"precision = {places}"))
    quantity = D("0.45") if places == "0" else D("4.5")
    assert str(evaluate(rulebook, Claim("H", DAY, quantity), []).granted) == expected


def test_whole_points_round_half_up():
    rulebook = loads(_book(_item("H", 'per_unit = 1\nunit = "小时"'), "precision = 0"))
    assert evaluate(rulebook, Claim("H", DAY, D("2.5")), []).granted == 3


def test_rounding_never_pushes_past_a_cap():
    rulebook = loads(_book(_item("H", 'per_unit = 0.1\nunit = "小时"\ncap = { month = 1 }')))
    # An entry scored before the rulebook stated its precision could be finer: 0.45.
    prior = [PriorEntry("H", date(2026, 3, 1), D("0.45"), D("4.5"))]
    decision = evaluate(rulebook, Claim("H", DAY, D("9")), prior)
    assert (decision.requested, decision.granted) == (D("0.9"), D("0.5"))
    assert decision.limits == ("cap:month",)


def test_a_range_value_finer_than_the_precision_is_refused_with_the_precision():
    rulebook = loads(_book(_item("R", "range = { min = -5, max = -1 }"), "precision = 0"))
    decision = evaluate(rulebook, Claim("R", DAY, D("-2.5")), [])
    assert decision.refusal.text() == "事项 R 的分值须在 -5 到 -1 之间（整数），填的是 -2.5。"
    assert decision.refusal.text("en") == (
        "Item R takes points between -5 and -1 (whole numbers); -2.5 was entered."
    )
    assert evaluate(rulebook, Claim("R", DAY, D("-2")), []).granted == -2
    two = loads(_book(_item("R", "range = { min = -5, max = -1 }"), "precision = 2"))
    assert evaluate(two, Claim("R", DAY, D("-2.25")), []).granted == D("-2.25")
    assert evaluate(two, Claim("R", DAY, D("-2.125")), []).refusal.text() == (
        "事项 R 的分值须在 -5 到 -1 之间（最多两位小数），填的是 -2.125。"
    )


def test_two_places_accept_what_one_place_refuses():
    assert loads(_book(_item("A", "points = 0.25"), "precision = 2")).precision == 2
    with pytest.raises(RulebookError):
        loads(_book(_item("A", "points = 0.25")))


@pytest.mark.parametrize("value", ["-1", "true", '"1"', "1.0"])
def test_precision_must_be_0_1_or_2(value):
    with pytest.raises(RulebookError) as caught:
        loads(_book(_item("A", "points = 1"), f"precision = {value}"), "p.toml")
    (problem,) = caught.value.problems
    assert problem.path == "rulebook.precision"
    assert problem.text("en").endswith(
        f"precision is the number of decimal places of points and can only be 0, 1 or 2, "
        f"but is “{value.strip(chr(34)).lower()}”; usually write 1 (points like 0.5)."
    )


def test_the_rounding_rule_in_words():
    texts = {
        places: loads(_book(_item("A", "points = 1"), f"precision = {places}"))
        for places in (0, 1, 2)
    }
    assert precision_text(texts[1]) == (
        "积分保留一位小数。按数量算出的分值四舍五入到一位小数，扣分按绝对值同样处理"
        "（如每小时 0.1 分 × 4.5 小时 = 0.45，记 0.5 分；-0.45 记 -0.5 分）。"
    )
    assert precision_text(texts[1], "en") == (
        "Points have one decimal place. Points worked out from a quantity are rounded half up to "
        "one decimal place, deductions by their size alike (0.1 points an hour × 4.5 hours = 0.45, "
        "recorded as 0.5; -0.45 as -0.5)."
    )
    assert precision_text(texts[0]) == (
        "积分取整数。按数量算出的分值四舍五入到整数，扣分按绝对值同样处理"
        "（如 2.5 分记 3 分，-2.5 分记 -3 分）。"
    )
    assert precision_text(texts[0], "en") == (
        "Points are whole numbers. Points worked out from a quantity are rounded half up to a "
        "whole number, deductions by their size alike (2.5 is recorded as 3, -2.5 as -3)."
    )
    assert precision_text(texts[2]) == (
        "积分保留两位小数。按数量算出的分值四舍五入到两位小数，扣分按绝对值同样处理"
        "（如 0.125 分记 0.13 分，-0.125 分记 -0.13 分）。"
    )
    assert precision_text(texts[2], "en") == (
        "Points have two decimal places. Points worked out from a quantity are rounded half up to "
        "two decimal places, deductions by their size alike (0.125 is recorded as 0.13, -0.125 as "
        "-0.13)."
    )


VETO_TIERS = '[[honours.tiers]]\ncode = "black"\nname = "黑榜"\nside = "black"\nveto = true\n'


def test_a_veto_item_may_score_zero_and_still_vetoes():
    rulebook = loads(_book(_item("V", 'points = 0\nveto = ["black_list"]'), extra=VETO_TIERS))
    decision = evaluate(rulebook, Claim("V", DAY), [])
    assert not decision.refused
    assert (decision.requested, decision.granted, decision.veto) == (0, 0, ("black_list",))
    assert not rulebook.items["V"].latest.scoring.is_penalty


def test_only_fixed_points_may_be_zero_even_on_a_veto_item():
    # 0 per hour is a typing mistake, not a veto item: the veto's own item has points = 0.
    text = _book(_item("Z", 'per_unit = 0\nunit = "小时"\nveto = ["black_list"]'), extra=VETO_TIERS)
    with pytest.raises(RulebookError) as caught:
        loads(text, "z.toml")
    assert [p.text("en") for p in caught.value.problems] == [
        "z.toml:20:1: categories[0].items[0].per_unit: Points cannot be 0; remove an item that "
        "scores nothing (an item whose only effect is a veto may have points = 0 with its veto "
        "listed)."
    ]
