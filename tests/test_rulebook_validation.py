"""Rulebook validation: one fixture per kind of mistake, each message pinned (as OpenFisca does)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pointsys.rulebook import RulebookError, load, loads
from pointsys.rulebook.locate import Locator
from pointsys.rulebook.messages import suggestion

PROJECT = Path(__file__).resolve().parent.parent
INVALID = PROJECT / "rules" / "tests" / "invalid"
DEMO = PROJECT / "rules" / "demo.toml"

EXPECTED = {
    "balances_with_account": [
        "rules/tests/invalid/balances_with_account.toml:8:1: account: [account] 和 [[balances]] 不能同时写：[[balances]] 已经定义了各项积分；请删去 [account]，把基础分、清零写进第一个 [[balances]]。",
    ],
    "balance_redeemable_problems": [
        "rules/tests/invalid/balance_redeemable_problems.toml:18:1: balances[1].of: 未知的积分编码 “yearl”。您是不是要写 “yearly”？",
        "rules/tests/invalid/balance_redeemable_problems.toml:23:1: balances[2].redeemable: redeemable = “above_base” 要写 of = “…”，指明超出哪项积分的基础分可以兑换。",
        "rules/tests/invalid/balance_redeemable_problems.toml:30:1: balances[3].base: redeemable = “above_base” 的积分由 of 指定的积分算出，不能再写 base；请删去。",
    ],
    "balance_never_reset_problems": [
        "rules/tests/invalid/balance_never_reset_problems.toml:11:1: balances[0].redeemable: 第一项积分是主积分（积分余额），不能是 redeemable = “above_base”；请把它挪到后面。",
        "rules/tests/invalid/balance_never_reset_problems.toml:18:1: balances[1].carry: carry 说的是清零时怎么结转，只用于 reset = “yearly”；永不清零的积分请删去 carry。",
        "rules/tests/invalid/balance_never_reset_problems.toml:19:1: balances[1].reset_on: reset_on 只用于 reset = “yearly”；永不清零的积分请删去 reset_on。",
        "rules/tests/invalid/balance_never_reset_problems.toml:22:1: balances[2].code: 编码 “honour” 重复（balances[1].code 已经用过）；每个编码只能用一次，请改名。",
    ],
    "status_problems": [
        "rules/tests/invalid/status_problems.toml:17:1: statuses[0].balance: 未知的积分编码 “yaerly”。您是不是要写 “yearly”？",
        "rules/tests/invalid/status_problems.toml:20:1: statuses[1]: 状态要写 below（积分低于多少时）或 min（积分不低于多少时），或两个都写。",
        "rules/tests/invalid/status_problems.toml:29:1: statuses[2].min: min 90 须小于 below 80。",
    ],
    "star_problems": [
        "rules/tests/invalid/star_problems.toml:15:1: veto.star_drop: star_drop（降到最低星级）和 star_drop_levels（降几级）只能写一个；请删去其中一个。",
        "rules/tests/invalid/star_problems.toml:19:1: honours.stars_on: 未知的积分编码 “honor”。可用的有：yearly。",
        "rules/tests/invalid/star_problems.toml:20:51: honours.stars[1].level: 星级 level 应为 0 到 10 的整数（0 表示没有星，可以起个名字），现在是 “-1”。",
    ],
    "bad_month_day": [
        "rules/tests/invalid/bad_month_day.toml:9:1: account.reset_on: “13-01” 不是“月-日”，请写成如 “01-01”。",
    ],
    "band_each_too_wide": [
        "rules/tests/invalid/band_each_too_wide.toml:17:24: categories[0].items[0].bands[0].each: each 200 须大于 0 且不超过本档的宽度 100；否则本档永远得不到分。",
    ],
    "bands_empty": [
        "rules/tests/invalid/bands_empty.toml:16:1: categories[0].items[0].bands: 至少需要一档。",
    ],
    "bands_out_of_order": [
        "rules/tests/invalid/bands_out_of_order.toml:19:5: categories[0].items[0].bands[1].upto: 第 2 档的 upto 1000 不大于上一档的 5000；各档须从小到大排列。",
    ],
    "cap_above_longer_cap": [
        "rules/tests/invalid/cap_above_longer_cap.toml:17:9: categories[0].items[0].cap.month: 每月上限 5 大于每年上限 3，永远达不到；请调低或删去。",
    ],
    "cap_never_reached": [
        "rules/tests/invalid/cap_never_reached.toml:18:9: categories[0].items[0].cap.year: 每年上限 10 永远达不到：每年最多只能得 8 分；请调低或删去。",
    ],
    "cap_not_positive": [
        "rules/tests/invalid/cap_not_positive.toml:17:9: categories[0].items[0].cap.year: 上限 -10 必须大于 0（扣分事项也写正数，表示最多扣多少）。",
    ],
    "change_after_retired": [
        "rules/tests/invalid/change_after_retired.toml:20:3: categories[0].items[0].changes[0].effective: 修订日期 2026-07-01 不早于停用日期 2026-06-01；事项停用后不能再修订。",
    ],
    "change_dates_overlap": [
        "rules/tests/invalid/change_dates_overlap.toml:24:3: categories[0].items[0].changes[1].effective: 修订日期 2026-05-01 不晚于上一版本的日期 2026-07-01；各版本的日期须逐个递增，不能重叠。",
    ],
    "duplicate_code": [
        "rules/tests/invalid/duplicate_code.toml:19:1: categories[0].items[1].code: 编码 “A-01” 重复（categories[0].items[0].code 已经用过）；每个编码只能用一次，请改名。",
    ],
    "duplicate_key": [
        "rules/tests/invalid/duplicate_key.toml:17:11: TOML 语法错误：Cannot overwrite a value。请检查引号、括号、等号是否成对，同一个键是否写了两次。",
    ],
    "effective_before_rulebook": [
        "rules/tests/invalid/effective_before_rulebook.toml:17:1: categories[0].items[0].effective: 生效日期 2025-12-31 早于细则的生效日期 2026-01-01；请改为 2026-01-01 或更晚。",
    ],
    "honours_period_unknown": [
        "rules/tests/invalid/honours_period_unknown.toml:9:1: honours.period: 未知的取值 “quartely”。可用的有：month, two_months, quarter, half_year, year。",
    ],
    "many_problems": [
        "rules/tests/invalid/many_problems.toml:16:1: categories[0].items[0].points: 积分最多一位小数，“0.25” 不行；请改为如 0.5 这样的值。",
        "rules/tests/invalid/many_problems.toml:17:1: categories[0].items[0].tittle: 未知的键 “tittle”。您是不是要写 “title”？",
        "rules/tests/invalid/many_problems.toml:20:1: categories[0].items[1].code: 编码 “A-01” 重复（categories[0].items[0].code 已经用过）；每个编码只能用一次，请改名。",
        "rules/tests/invalid/many_problems.toml:23:11: categories[0].items[1].range.min: 最小值 5 大于最大值 1；请对调或改正。",
        "rules/tests/invalid/many_problems.toml:24:1: categories[0].items[1].once_per: 未知的取值 “weekly”。可用的有：month, two_months, quarter, half_year, year。",
    ],
    "max_per_entry_never_reached": [
        "rules/tests/invalid/max_per_entry_never_reached.toml:17:1: categories[0].items[0].max_per_entry: 单次上限 5 永远达不到（一次最多 5 分）；请调低或删去。",
    ],
    "missing_key": [
        "rules/tests/invalid/missing_key.toml:12:1: categories[0].items[0].article: 缺少必填的键 “article”，请补上。",
    ],
    "no_scoring": [
        "rules/tests/invalid/no_scoring.toml:12:1: categories[0].items[0]: 每个版本须有且只有一种计分方式（points, range, per_unit, bands, thresholds, per_member, levels, value_bands 之一），现在有 0 种。",
    ],
    "not_utf8": [
        "rules/tests/invalid/not_utf8.toml: 文件不是 UTF-8 编码（第 44 字节）；请另存为 UTF-8。",
    ],
    "number_out_of_range": [
        "rules/tests/invalid/number_out_of_range.toml:16:1: categories[0].items[0].points: 数字 “Infinity” 超出范围；请写绝对值小于 1000000000 的数。",
    ],
    "plaque_bad_values": [
        "rules/tests/invalid/plaque_bad_values.toml:9:1: plaque.names: 未知的取值 “partial”。可用的有：masked, full。",
        "rules/tests/invalid/plaque_bad_values.toml:10:1: plaque.entries: 未知的取值 “award”。您是不是要写 “awards”？",
        "rules/tests/invalid/plaque_bad_values.toml:11:1: plaque.members: 应为true 或 false，现在是 “yes”。",
        "rules/tests/invalid/plaque_bad_values.toml:12:1: plaque.member: 未知的键 “member”。您是不是要写 “members”？",
    ],
    "precision_not_allowed": [
        "rules/tests/invalid/precision_not_allowed.toml:7:1: rulebook.precision: precision 是积分保留的小数位数，只能是 0、1 或 2，现在是 “3”；一般写 1（如 0.5 分）。",
    ],
    "precision_two_places": [
        "rules/tests/invalid/precision_two_places.toml:17:1: categories[0].items[0].points: 积分最多两位小数（本细则 precision = 2），“0.125” 不行；请改为如 0.25 这样的值。",
    ],
    "precision_whole_points": [
        "rules/tests/invalid/precision_whole_points.toml:17:1: categories[0].items[0].points: 积分须为整数（本细则 precision = 0），“0.5” 不行；请改为如 1 这样的值。",
    ],
    "publicity_bad_values": [
        "rules/tests/invalid/publicity_bad_values.toml:9:1: publicity.days: 应为正整数，现在是 “0”。",
        "rules/tests/invalid/publicity_bad_values.toml:10:1: publicity.objection_days: objection_days = 90 太长；最多 60 天。",
        "rules/tests/invalid/publicity_bad_values.toml:12:25: publicity.holidays[1]: 应为日期（如 2026-01-01），现在是 “国庆”。",
        "rules/tests/invalid/publicity_bad_values.toml:13:13: publicity.workdays[0]: 2026-09-28 本来就是工作日；workdays 只写调休上班的周六、周日。",
        "rules/tests/invalid/publicity_bad_values.toml:13:25: publicity.workdays[1]: 2026-10-01 同时写在 holidays 和 workdays 里；请只写在一处。",
    ],
    "publicity_holidays_without_working_days": [
        "rules/tests/invalid/publicity_holidays_without_working_days.toml:10:1: publicity.holidays: holidays 只在按工作日计算（working_days = true）时才用得上；请删去或改为按工作日。",
        "rules/tests/invalid/publicity_holidays_without_working_days.toml:11:1: publicity.workdays: workdays 只在按工作日计算（working_days = true）时才用得上；请删去或改为按工作日。",
    ],
    "publicity_missing_days": [
        "rules/tests/invalid/publicity_missing_days.toml:8:1: publicity.days: 缺少必填的键 “days”，请补上。",
    ],
    "range_min_above_max": [
        "rules/tests/invalid/range_min_above_max.toml:16:11: categories[0].items[0].range.min: 最小值 -2 大于最大值 -10；请对调或改正。",
    ],
    "reset_on_feb_29": [
        "rules/tests/invalid/reset_on_feb_29.toml:9:1: account.reset_on: “02-29” 不是每年都有（平年没有 2 月 29 日）；请改为 “02-28” 或 “03-01”。",
    ],
    "retired_before_effective": [
        "rules/tests/invalid/retired_before_effective.toml:18:1: categories[0].items[0].retired: 停用日期 2026-03-01 不晚于生效日期 2026-03-01；停用日期须在生效日期之后。",
    ],
    "revisions_out_of_order": [
        "rules/tests/invalid/revisions_out_of_order.toml:13:1: revisions[1].effective: 修订日期 2026-04-01 不晚于上一版本的日期 2026-07-01；各版本的日期须逐个递增，不能重叠。",
    ],
    "shared_cap_single_item": [
        "rules/tests/invalid/shared_cap_single_item.toml:21:1: shared_caps[0].items: 合并上限至少要列出两个事项；只管一个事项请在该事项里写 cap。",
    ],
    "shared_cap_unknown_item": [
        # A different number is a different item, not a typo: no guess that would change the rule.
        "rules/tests/invalid/shared_cap_unknown_item.toml:27:18: shared_caps[0].items[1]: 未知的事项编码 “A-03”。可用的有：A-01, A-02。",
    ],
    "stars_duplicate_level": [
        "rules/tests/invalid/stars_duplicate_level.toml:9:37: honours.stars[1].level: 5 星写了两次；每个星级只写一次。",
    ],
    "stars_out_of_order": [
        "rules/tests/invalid/stars_out_of_order.toml:9:23: honours.stars[0].min: 5 星的下限 50 不高于 4 星的下限 60；星级越高，下限须越高。",
    ],
    "syntax_error": [
        "rules/tests/invalid/syntax_error.toml:17:15: TOML 语法错误：Illegal character '\\n'。请检查引号、括号、等号是否成对，同一个键是否写了两次。",
    ],
    "table_expected": [
        "rules/tests/invalid/table_expected.toml:17:1: categories[0].items[0].cap: 应为表（键 = 值）。",
    ],
    "thresholds_out_of_order": [
        "rules/tests/invalid/thresholds_out_of_order.toml:17:42: categories[0].items[0].thresholds[1].at: 第 2 个门槛 10 不大于上一个 20；门槛须从小到大排列。",
    ],
    "tier_latest_bad": [
        'rules/tests/invalid/tier_latest_bad.toml:13:1: honours.tiers[0].latest: latest（最近的扣分记录）只能用于黑榜（side = "black"）。',
        "rules/tests/invalid/tier_latest_bad.toml:14:1: honours.tiers[0].min: 写了 latest 的榜列的是最近的扣分记录，不按户划定，不能再写 min。",
        "rules/tests/invalid/tier_latest_bad.toml:15:1: honours.tiers[0].top: 写了 latest 的榜列的是最近的扣分记录，不按户划定，不能再写 top。",
        "rules/tests/invalid/tier_latest_bad.toml:16:1: honours.tiers[0].veto: 写了 latest 的榜列的是最近的扣分记录，不按户划定，不能再写 veto。",
        "rules/tests/invalid/tier_latest_bad.toml:17:1: honours.tiers[0].names: 未知的取值 “nick”。可用的有：group, masked, full。",
        "rules/tests/invalid/tier_latest_bad.toml:24:1: honours.tiers[1].names: 榜里的 names 只用于最近扣分记录的榜（写了 latest 的榜）；各榜的姓名显示方式请写在 [honours] 的 names 里。",
        "rules/tests/invalid/tier_latest_bad.toml:26:1: honours.tiers[2]: 这个榜没有写怎样划定：请写 min/below（分数）或 top、top_percent、bottom、bottom_percent 之一（也可名次加分数），或写 latest（最近的扣分记录）。",
        "rules/tests/invalid/tier_latest_bad.toml:30:1: honours.tiers[2].latest: 应为正整数，现在是 “0”。",
    ],
    "tier_min_not_below": [
        "rules/tests/invalid/tier_min_not_below.toml:13:1: honours.tiers[0].min: min 0 须小于 below -10。",
    ],
    "tier_no_rule": [
        "rules/tests/invalid/tier_no_rule.toml:9:1: honours.tiers[0]: 这个榜没有写怎样划定：请写 min/below（分数）或 top、top_percent、bottom、bottom_percent 之一（也可名次加分数），或写 latest（最近的扣分记录）。",
    ],
    "tier_overlap": [
        "rules/tests/invalid/tier_overlap.toml:16:1: honours.tiers[1]: 榜 “黄榜” 与 “红榜” 重叠；请调整分数区间或名次，使一户只落在一个榜。",
    ],
    "tier_percent_out_of_range": [
        "rules/tests/invalid/tier_percent_out_of_range.toml:13:1: honours.tiers[0].top_percent: 百分比 120 须在 0 到 100 之间。",
    ],
    "tier_two_rules": [
        "rules/tests/invalid/tier_two_rules.toml:15:1: honours.tiers[0].bottom: 一个榜只能写一种名次划定：top, bottom 只能留一个（名次可以再加 min/below 限定分数，两者都满足才上榜）。",
    ],
    "tier_veto_on_red": [
        'rules/tests/invalid/tier_veto_on_red.toml:14:1: honours.tiers[0].veto: veto = true 只能用于黑榜（side = "black"）。',
    ],
    "two_decimals": [
        "rules/tests/invalid/two_decimals.toml:16:1: categories[0].items[0].points: 积分最多一位小数，“0.25” 不行；请改为如 0.5 这样的值。",
    ],
    "two_scorings": [
        "rules/tests/invalid/two_scorings.toml:12:1: categories[0].items[0]: 每个版本须有且只有一种计分方式（points, range, per_unit, bands, thresholds, per_member, levels, value_bands 之一），现在有 2 种。",
    ],
    "unknown_key": [
        "rules/tests/invalid/unknown_key.toml:17:1: categories[0].items[0].tittle: 未知的键 “tittle”。您是不是要写 “title”？",
    ],
    "unknown_key_no_suggestion": [
        "rules/tests/invalid/unknown_key_no_suggestion.toml:9:1: account.colour: 未知的键 “colour”。可用的有：base_points, reset, reset_on, honour_total。",
    ],
    "unknown_period": [
        "rules/tests/invalid/unknown_period.toml:17:1: categories[0].items[0].once_per: 未知的取值 “week”。可用的有：month, two_months, quarter, half_year, year。",
    ],
    "unknown_period_not_a_typo": [
        # "weekly" is no misspelling of any period: offering one would silently change the rule.
        "rules/tests/invalid/unknown_period_not_a_typo.toml:17:1: categories[0].items[0].once_per: 未知的取值 “weekly”。可用的有：month, two_months, quarter, half_year, year。",
    ],
    "unknown_period_typo": [
        "rules/tests/invalid/unknown_period_typo.toml:17:1: categories[0].items[0].once_per: 未知的取值 “quater”。您是不是要写 “quarter”？",
    ],
    "unknown_veto_consequence": [
        "rules/tests/invalid/unknown_veto_consequence.toml:20:9: categories[0].items[0].veto[0]: 未知的一票否决后果 “bar_red_lst”。您是不是要写 “bar_red_list”？",
    ],
    "veto_black_list_without_tier": [
        "rules/tests/invalid/veto_black_list_without_tier.toml:17:1: categories[0].items[0].veto: 一票否决后果 “black_list” 需要一个 veto = true 的黑榜（[[honours.tiers]]）。",
    ],
    "veto_setting_missing": [
        "rules/tests/invalid/veto_setting_missing.toml:17:1: categories[0].items[0].veto: 一票否决后果 “bar_redemption” 需要在 [veto] 里写明 bar_redemption_years。",
    ],
    "veto_star_drop_without_stars": [
        "rules/tests/invalid/veto_star_drop_without_stars.toml:20:1: categories[0].items[0].veto: 一票否决后果 “star_drop” 需要在 [honours] 里定义星级 stars。",
    ],
    "wrong_type": [
        "rules/tests/invalid/wrong_type.toml:16:1: categories[0].items[0].points: 应为数字，现在是 “两分”。",
    ],
    "zero_points": [
        "rules/tests/invalid/zero_points.toml:16:1: categories[0].items[0].points: 分值不能为 0；不计分的事项请删去（只起一票否决作用的事项可以写 points = 0，并写明 veto）。",
    ],
    # Item shapes (issue 14): levels, value bands, accumulation since joining, quantity_from.
    "levels_duplicate_name": [
        "rules/tests/invalid/levels_duplicate_name.toml:18:5: categories[0].items[0].levels[1].name: 级别 “省级” 写了两次；每个级别只写一次。",
    ],
    "levels_zero_points": [
        "rules/tests/invalid/levels_zero_points.toml:16:58: categories[0].items[0].levels[1].points: 级别 “村级” 的分值不能为 0；不计分的级别请删去。",
    ],
    "levels_empty": [
        "rules/tests/invalid/levels_empty.toml:16:1: categories[0].items[0].levels: 至少需要一个级别。",
    ],
    "value_bands_gap": [
        "rules/tests/invalid/value_bands_gap.toml:19:5: categories[0].items[0].value_bands[1].min: 第 2 档从 1001 开始，上一档到 1000 为止，中间的数额没有着落；应从 1000.1 开始（精度 0.1）。",
    ],
    "value_bands_overlap": [
        "rules/tests/invalid/value_bands_overlap.toml:19:5: categories[0].items[0].value_bands[1].min: 第 2 档从 900 开始，上一档到 1000 为止，两档重叠；应从 1000.1 开始（精度 0.1）。",
    ],
    "value_bands_open_not_last": [
        "rules/tests/invalid/value_bands_open_not_last.toml:18:3: categories[0].items[0].value_bands[0]: 只有最后一档可以不写 max；第 1 档请写上 max。",
    ],
    "value_bands_zero_points": [
        "rules/tests/invalid/value_bands_zero_points.toml:17:38: categories[0].items[0].value_bands[0].points: 第 1 档的分值不能为 0；得不到分的数额不用写成一档。",
    ],
    "value_bands_max_below_min": [
        "rules/tests/invalid/value_bands_max_below_min.toml:17:29: categories[0].items[0].value_bands[0].max: 第 1 档的 max 10 小于 min 100；请对调或改正。",
    ],
    "value_bands_too_fine": [
        "rules/tests/invalid/value_bands_too_fine.toml:17:18: categories[0].items[0].value_bands[0].min: 第 1 档的 min 0.05 比本细则的精度更细；各档的界限须是 0.1 的整数倍。",
    ],
    "value_bands_start_at_zero": [
        "rules/tests/invalid/value_bands_start_at_zero.toml:17:18: categories[0].items[0].value_bands[0].min: 第 1 档的 min 0 须大于 0：数量为 0 的记录不计分。",
    ],
    "threshold_period_unknown": [
        "rules/tests/invalid/threshold_period_unknown.toml:17:1: categories[0].items[0].threshold_period: 未知的取值 “forever”。可用的有：month, two_months, quarter, half_year, year, ever。",
    ],
    "quantity_from_not_thresholds": [
        "rules/tests/invalid/quantity_from_not_thresholds.toml:25:1: categories[0].items[1].quantity_from: quantity_from 只能用于按累计门槛计分（thresholds）的事项；这个事项是 per_unit，请删去 quantity_from。",
    ],
    "quantity_from_unknown_item": [
        "rules/tests/invalid/quantity_from_unknown_item.toml:25:1: categories[0].items[1].quantity_from: 未知的事项编码 “A-1”。您是不是要写 “A-01”？",
    ],
    "quantity_from_self": [
        "rules/tests/invalid/quantity_from_self.toml:25:1: categories[0].items[1].quantity_from: quantity_from 不能写事项自己（A-02）；请写来源事项的编码。",
    ],
    "quantity_from_chain": [
        "rules/tests/invalid/quantity_from_chain.toml:25:1: categories[0].items[1].quantity_from: 事项 A-03 本身也是按 quantity_from 自动累计的，不能再作来源；请写它的来源事项 A-02。",
        "rules/tests/invalid/quantity_from_chain.toml:33:1: categories[0].items[2].quantity_from: 事项 A-02 本身也是按 quantity_from 自动累计的，不能再作来源；请写它的来源事项 A-03。",
    ],
    "quantity_from_no_quantity": [
        "rules/tests/invalid/quantity_from_no_quantity.toml:24:1: categories[0].items[1].quantity_from: 事项 A-01 按 points 计分，记录里没有数量，不能作来源；quantity_from 须写按数量计分（per_unit, bands, thresholds, value_bands）的事项。",
    ],
}


def _problems(name: str, language: str = "zh_CN") -> list[str]:
    path = INVALID / f"{name}.toml"
    with pytest.raises(RulebookError) as caught:
        load(path)
    # Messages name the file as given; pin them relative to the project.
    return [p.text(language).replace(str(PROJECT) + "/", "") for p in caught.value.problems]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_kind_of_mistake_has_its_message(name):
    assert _problems(name) == EXPECTED[name]


def test_every_fixture_is_pinned():
    assert {p.stem for p in INVALID.glob("*.toml")} == set(EXPECTED)


def test_messages_in_english_on_request():
    assert _problems("unknown_key", "en") == [
        "rules/tests/invalid/unknown_key.toml:17:1: categories[0].items[0].tittle: "
        "Unknown key “tittle”. Did you mean “title”?"
    ]
    assert _problems("cap_never_reached", "en") == [
        "rules/tests/invalid/cap_never_reached.toml:18:9: categories[0].items[0].cap.year: "
        "The cap per year (10) can never be reached: at most 8 points can be earned per year; "
        "lower it or remove it."
    ]
    assert _problems("wrong_type", "en") == [
        "rules/tests/invalid/wrong_type.toml:16:1: categories[0].items[0].points: "
        "Should be a number, but is “两分”."
    ]


def test_demo_rulebook_is_complete_and_uses_every_feature():
    rulebook = load(DEMO)
    assert rulebook.village == "demo" and rulebook.name == "幸福村积分管理细则"
    assert len(rulebook.items) >= 60 and len(rulebook.categories) >= 8
    versions = [v for item in rulebook.items.values() for v in item.versions]
    kinds = {v.scoring.kind for v in versions}
    assert kinds == {
        "points",
        "range",
        "per_unit",
        "bands",
        "thresholds",
        "per_member",
        "levels",
        "value_bands",
    }
    assert any(v.scoring.period == "ever" and v.scoring.quantity_from for v in versions)
    assert {p for v in versions for p, _ in v.caps} == {"month", "quarter", "year"}
    assert any(v.max_per_entry for v in versions) and rulebook.shared_caps
    assert {v.once_per for v in versions} >= {"quarter", "year"}
    assert {c for v in versions for c in v.veto} == {
        "black_list",
        "bar_red_list",
        "bar_redemption",
        "star_drop",
    }
    assert any(v.scoring.points and v.scoring.points % 1 for v in versions)  # one decimal place
    assert any(len(i.versions) > 1 for i in rulebook.items.values())  # changed items
    assert any(i.retired for i in rulebook.items.values())
    assert any(i.effective > rulebook.effective for i in rulebook.items.values())
    tiers = rulebook.honours.tiers
    assert {t.side for t in tiers} == {"red", "black"} and any(t.veto for t in tiers)
    assert any(t.top for t in tiers) and any(t.min is not None for t in tiers)
    assert rulebook.honours.stars and rulebook.honours.names == "masked"
    main, honour, redeemable = rulebook.balances
    assert (main.base, main.reset, main.carry) == (100, "yearly", "negative")
    assert rulebook.account.base_points == 100 and rulebook.account.reset == "yearly"
    assert honour.reset == "never" and (redeemable.redeemable, redeemable.of) == (
        "above_base",
        main.code,
    )
    assert [(s.balance, s.below) for s in rulebook.statuses] == [(main.code, 70)]
    assert (rulebook.plaque.names, rulebook.plaque.entries, rulebook.plaque.members) == (
        "masked",
        "awards",
        False,
    )


def test_points_are_exact_decimals():
    rulebook = load(DEMO)
    assert str(rulebook.items["CIV-03"].latest.scoring.points) == "0.1"
    assert type(rulebook.items["CIV-03"].latest.scoring.points).__name__ == "Decimal"


def test_locator_handles_dotted_quoted_and_multiline_keys():
    text = (
        '[rulebook]\nname = """多行\n[not.a.table]\n"""\n'
        '"quoted key".inner = 1\n'
        "[[a]]\nx = 1\n[[a]]\ny = [\n  { z = 2 },\n  { z = 3 },\n]\n"
        "[[a.b]]\nw = 'lit'  # comment [x]\n"
    )
    locator = Locator(text)
    assert locator.where(("rulebook", "name")) == (2, 1)
    assert locator.where(("rulebook", "quoted key", "inner")) == (5, 14)
    assert locator.where(("a", 1, "y", 1, "z")) == (11, 5)
    assert locator.where(("a", 1, "b", 0, "w")) == (14, 1)
    assert locator.where(("a", 0, "missing")) == (6, 1)  # the nearest located parent
    assert locator.where(("nowhere",)) == (None, None)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_bad_input_never_crashes_the_loader(text):
    try:
        loads(text, "fuzz.toml")
    except RulebookError as exc:
        assert exc.problems
        assert all(p.text() and p.text("en") for p in exc.problems)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_a_damaged_demo_rulebook_gives_messages_not_crashes(data):
    lines = DEMO.read_text(encoding="utf-8").splitlines()
    index = data.draw(st.integers(0, len(lines) - 1))
    replacement = data.draw(st.sampled_from(["", "x = 1", "points = 0.25", "[[categories]]", "]"]))
    lines[index] = replacement
    try:
        loads("\n".join(lines), "demo.toml")
    except RulebookError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.file == "demo.toml" and problem.text("en")


def test_the_benchmark_generates_a_valid_rulebook():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "rulebook_load", PROJECT / "benchmarks" / "rulebook_load.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert len(loads(module.generate(120), "bench.toml").items) == 120


@pytest.mark.parametrize(
    ("word", "choices", "guess"),
    [
        ("quater", ("month", "quarter", "year"), "quarter"),  # a letter left out
        ("yaer", ("month", "quarter", "year"), "year"),  # two letters swapped
        ("Quarter", ("month", "quarter", "year"), "quarter"),
        ("half_year", ("month", "quarter", "year"), None),  # a different period, not a typo
        ("week", ("month", "quarter", "year"), None),
        ("yr", ("month", "quarter", "year"), None),
        ("tittle", ("code", "title", "article"), "title"),
        ("bar_red_lst", ("black_list", "bar_red_list", "bar_redemption"), "bar_red_list"),
        ("bar_redemtpoin", ("black_list", "bar_red_list", "bar_redemption"), "bar_redemption"),
        ("A-03", ("A-01",), None),  # another number is another item
        ("ENV-09", ("ENV-01", "ENV-08"), None),
        ("ENV-1", ("ENV-01", "ENV-02"), "ENV-01"),
        ("rset", ("reset", "reset_on"), "reset"),
        ("cap", ("cat", "car"), None),  # two equally close: no guess
    ],
)
def test_did_you_mean_only_for_a_likely_misspelling(word, choices, guess):
    assert suggestion(word, choices) == guess


def test_a_reset_day_every_year_has_in_english():
    assert _problems("reset_on_feb_29", "en") == [
        "rules/tests/invalid/reset_on_feb_29.toml:9:1: account.reset_on: “02-29” does not come "
        "every year (common years have no 29 February); write “02-28” or “03-01” instead."
    ]


@pytest.mark.parametrize(
    ("error", "zh", "en"),
    [
        (
            PermissionError(13, "Permission denied"),
            "没有权限读取这个文件；请检查文件的权限。",
            "No permission to read this file; check its permissions.",
        ),
        (
            OSError(5, "Input/output error"),
            "无法读取这个文件：Input/output error。",
            "Cannot read this file: Input/output error.",
        ),
    ],
)
def test_a_file_that_cannot_be_read_is_a_problem_not_a_crash(monkeypatch, error, zh, en):
    def refuse(self):
        raise error

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(RulebookError) as caught:
        load("rules/x.toml")
    (problem,) = caught.value.problems
    assert (problem.text(), problem.text("en")) == (f"rules/x.toml: {zh}", f"rules/x.toml: {en}")
