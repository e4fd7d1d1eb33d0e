"""Items in words, for the resident page and `rules show`: points, caps and what changed."""

from __future__ import annotations

from decimal import Decimal

from .messages import DEFAULT_LANGUAGE, N_, translate
from .model import ItemVersion, Rulebook
from .scoring import PERIOD_NAMES  # every period kind: caps and once_per may use any of them

CONSEQUENCES = {
    "black_list": N_("当季度列入黑榜"),
    "bar_red_list": N_("{n} 个季度内不能上红榜"),
    "bar_redemption": N_("{n} 年内（含当年）不能兑换积分"),
    "star_drop": N_("星级降 {n} 级"),
    "star_drop_lowest": N_("星级降到最低一级"),
}


# The rounding rule as residents read it, with an example at the rulebook's precision.
PRECISION_TEXTS = {
    0: N_(
        "积分取整数。按数量算出的分值四舍五入到整数，扣分按绝对值同样处理"
        "（如 2.5 分记 3 分，-2.5 分记 -3 分）。"
    ),
    1: N_(
        "积分保留一位小数。按数量算出的分值四舍五入到一位小数，扣分按绝对值同样处理"
        "（如每小时 0.1 分 × 4.5 小时 = 0.45，记 0.5 分；-0.45 记 -0.5 分）。"
    ),
    2: N_(
        "积分保留两位小数。按数量算出的分值四舍五入到两位小数，扣分按绝对值同样处理"
        "（如 0.125 分记 0.13 分，-0.125 分记 -0.13 分）。"
    ),
}


def precision_text(rulebook: Rulebook, language: str = DEFAULT_LANGUAGE) -> str:
    """How precise points are and how a computed value is rounded (四舍五入)."""
    return translate(PRECISION_TEXTS[rulebook.precision], language)


PLAQUE_NAME_TEXTS = {"masked": N_("打码的户主姓名（如 张*明）"), "full": N_("户主全名")}
PLAQUE_ENTRY_TEXTS = {
    "awards": N_("列出加分记录"),
    "all": N_("列出全部积分记录（含扣分、待审核和驳回理由）"),
    "none": N_("不列积分记录"),
}
PLAQUE_MEMBER_TEXTS = {True: N_("列出家庭成员"), False: N_("不列家庭成员")}


def plaque_text(rulebook: Rulebook, language: str = DEFAULT_LANGUAGE) -> str:
    """What the door plaque's QR page shows to anyone, without signing in ([plaque])."""
    plaque = rulebook.plaque
    return translate(
        N_(
            "门牌二维码页（不用登录）显示{name}、积分余额、本季度得分、排名和榜单，"
            "{entries}，{members}。本户登录后可看全部内容。"
        ),
        language,
        name=translate(PLAQUE_NAME_TEXTS[plaque.names], language),
        entries=translate(PLAQUE_ENTRY_TEXTS[plaque.entries], language),
        members=translate(PLAQUE_MEMBER_TEXTS[plaque.members], language),
    )


def plain(value: Decimal) -> str:
    """10, 0.5: a number as people write it (Decimal.normalize alone would give 1E+1)."""
    return format(value.normalize(), "f")


def signed(value: Decimal) -> str:
    """+2, -0.5, +0.1: points as residents read them."""
    text = plain(value)
    return text if value < 0 else "+" + text


def points_text(version: ItemVersion, language: str = DEFAULT_LANGUAGE) -> str:
    s = version.scoring
    t = translate
    if s.kind == "points":
        return t(N_("每次 {points} 分"), language, points=signed(s.points))
    if s.kind == "range":
        return t(N_("{low} 至 {high} 分，按情节"), language, low=signed(s.low), high=signed(s.high))
    if s.kind == "per_unit":
        return t(N_("每{unit} {points} 分"), language, unit=s.unit or "", points=signed(s.points))
    if s.kind == "per_member":
        return t(N_("每人 {points} 分"), language, points=signed(s.points))
    if s.kind == "bands":
        parts, previous = [], Decimal(0)
        for band in s.bands:
            parts.append(
                t(
                    N_("{start}–{end}{unit}：每 {each}{unit} {points} 分"),
                    language,
                    start=plain(previous),
                    end=plain(band.upto),
                    unit=s.unit or "",
                    each=plain(band.each),
                    points=signed(band.points),
                )
            )
            previous = band.upto
        return "；".join(parts) if language.startswith("zh") else "; ".join(parts)
    if s.kind == "levels":
        parts = [
            t(N_("{name} {points} 分"), language, name=v.name, points=signed(v.points))
            for v in s.levels
        ]
        return "、".join(parts) if language.startswith("zh") else "; ".join(parts)
    if s.kind == "value_bands":
        parts = [value_band_text(band, s.unit or "", language) for band in s.value_bands]
        return "；".join(parts) if language.startswith("zh") else "; ".join(parts)
    parts = [
        t(
            N_("累计 {at}{unit} {points} 分"),
            language,
            at=plain(th.at),
            unit=s.unit or "",
            points=signed(th.points),
        )
        for th in s.thresholds
    ]
    if s.period == "ever":
        prefix = t(N_("自入户起"), language)
    else:
        prefix = t(N_("每{period}"), language, period=t(PERIOD_NAMES[s.period], language))
    text = prefix + ("，" if language.startswith("zh") else ": ") + ", ".join(parts)
    if s.quantity_from:
        text += t(N_("（按 {source} 的记录自动累计）"), language, source=s.quantity_from)
    return text


def value_band_text(band, unit: str, language: str = DEFAULT_LANGUAGE) -> str:
    """ "1–1000元 +1 分", "5000.1元及以上 +5 分": one band of a value_bands item."""
    if band.max is None:
        return translate(
            N_("{start}{unit}及以上 {points} 分"),
            language,
            start=plain(band.min),
            unit=unit,
            points=signed(band.points),
        )
    return translate(
        N_("{start}–{end}{unit} {points} 分"),
        language,
        start=plain(band.min),
        end=plain(band.max),
        unit=unit,
        points=signed(band.points),
    )


def limits_text(rulebook: Rulebook, version: ItemVersion, language: str = DEFAULT_LANGUAGE):
    """Caps, frequency and veto consequences, one phrase each."""
    t = translate
    phrases = []
    if version.once_per:
        phrases.append(
            t(N_("每{period}限一次"), language, period=t(PERIOD_NAMES[version.once_per], language))
        )
    for period, cap in version.caps:
        phrases.append(
            t(
                N_("每{period}最多 {cap} 分"),
                language,
                period=t(PERIOD_NAMES[period], language),
                cap=plain(cap),
            )
        )
    if version.max_per_entry is not None:
        phrases.append(t(N_("单次最多 {cap} 分"), language, cap=plain(version.max_per_entry)))
    for shared in rulebook.shared_caps_for(version.code):
        phrases.append(
            t(
                N_("与 {others} 合计每{period}最多 {cap} 分"),
                language,
                others="、".join(c for c in shared.items if c != version.code),
                period=t(PERIOD_NAMES[shared.period], language),
                cap=plain(shared.max),
            )
        )
    if version.veto:
        numbers = {
            "bar_red_list": rulebook.veto.bar_red_list_quarters,
            "bar_redemption": rulebook.veto.bar_redemption_years,
            "star_drop": rulebook.veto.star_drop_levels,
        }
        lowest = rulebook.veto.star_drop_lowest
        listed = [
            t(
                CONSEQUENCES["star_drop_lowest" if c == "star_drop" and lowest else c],
                language,
                n=numbers.get(c),
            )
            for c in version.veto
        ]
        separator = "、" if language.startswith("zh") else "; "
        phrases.append(
            t(N_("一票否决：{consequence}"), language, consequence=separator.join(listed))
        )
    return phrases


def changes(rulebook: Rulebook) -> list[tuple]:
    """(date, summary, [(kind, version)]) per change date, newest first.

    kind is "added", "changed" or "retired".
    """
    result = []
    summaries = {r.effective: r.summary for r in rulebook.revisions}
    for day in reversed(rulebook.change_dates()):
        happened = []
        for item in rulebook.items.values():
            for index, version in enumerate(item.versions):
                if version.effective == day and day != rulebook.effective:
                    happened.append(("added" if index == 0 else "changed", version))
            if item.retired == day:
                happened.append(("retired", item.latest))
        result.append((day, summaries.get(day, ""), happened))
    return result


LIST_PERIOD_WORDS = {
    "month": N_("月"),
    "two_months": N_("两个月"),
    "quarter": N_("季度"),
    "half_year": N_("半年"),
    "year": N_("年"),
}
PLACE_TEXTS = {
    "top": N_("前 {n} 名"),
    "top_percent": N_("前 {n}%"),
    "bottom": N_("倒数 {n} 名"),
    "bottom_percent": N_("后 {n}%"),
}
LATEST_NAME_TEXTS = {
    "group": N_("只写村民小组"),
    "masked": N_("写打码的户主姓名（如 张*明）"),
    "full": N_("写户主全名"),
}
SIDE_TEXTS = {"red": N_("红榜"), "black": N_("黑榜")}


def tier_rule_text(tier, language: str = DEFAULT_LANGUAGE) -> str:
    """How a household gets on a tier (or what a latest-deductions list shows), in words."""
    t = translate
    if tier.latest is not None:
        return t(
            N_("本期最近 {n} 条扣分记录（已审核、未冲正），{names}"),
            language,
            n=tier.latest,
            names=t(LATEST_NAME_TEXTS[tier.names], language),
        )
    parts = []
    for key, text in PLACE_TEXTS.items():
        value = getattr(tier, key)
        if value is not None:
            parts.append(t(text, language, n=plain(Decimal(value))))
    if tier.min is not None and tier.below is not None:
        parts.append(
            t(
                N_("积分不低于 {low} 且低于 {high}"),
                language,
                low=plain(tier.min),
                high=plain(tier.below),
            )
        )
    elif tier.min is not None:
        parts.append(t(N_("积分不低于 {low}"), language, low=plain(tier.min)))
    elif tier.below is not None:
        parts.append(t(N_("积分低于 {high}"), language, high=plain(tier.below)))
    if tier.veto:
        parts.append(t(N_("被一票否决的户"), language))
    return ("，" if language.startswith("zh") else ", ").join(parts)


def honours_texts(rulebook: Rulebook, language: str = DEFAULT_LANGUAGE) -> list[str]:
    """The lists in words: their period, then one line per tier, in rulebook order."""
    t = translate
    policy = rulebook.honours
    if not policy.tiers:
        return []
    lines = [
        t(
            N_("红黑榜按{period}排名、结账和公布。"),
            language,
            period=t(LIST_PERIOD_WORDS[policy.period], language),
        )
    ]
    for tier in policy.tiers:
        lines.append(
            t(
                N_("{name}（{side}）：{rule}"),
                language,
                name=tier.name,
                side=t(SIDE_TEXTS[tier.side], language),
                rule=tier_rule_text(tier, language),
            )
        )
    return lines


def _month_day(reset_on: tuple[int, int]) -> str:
    return f"{reset_on[0]:02d}-{reset_on[1]:02d}"


def account_texts(rulebook: Rulebook, language: str = DEFAULT_LANGUAGE) -> list[str]:
    """The household account in words, one sentence per balance, status and star level: every
    balance with its base, reset and carry, so the page never says one thing and does another."""
    t = translate
    lines = []
    for index, balance in enumerate(rulebook.all_balances):
        name = t(balance.name, language)  # a legacy [account] name is a message id
        if balance.redeemable == "above_base":
            of = rulebook.balance_named(balance.of)
            lines.append(
                t(
                    N_("{name}：{of}超出基础分 {base} 分的部分，可以兑换。"),
                    language,
                    name=name,
                    of=t(of.name, language),
                    base=plain(of.base),
                )
            )
            continue
        parts = [t(N_("基础分 {base} 分"), language, base=plain(balance.base))]
        if balance.counts == "awards":
            parts.append(t(N_("只计加分"), language))
        if balance.reset == "never":
            parts.append(t(N_("永不清零，逐年累计"), language))
        elif balance.carry == "negative":
            parts.append(
                t(
                    N_("每年 {day} 清零，从基础分重新算；低于基础分的欠分带到下一年"),
                    language,
                    day=_month_day(balance.reset_on),
                )
            )
        else:
            parts.append(
                t(
                    N_("每年 {day} 清零，从基础分重新算"),
                    language,
                    day=_month_day(balance.reset_on),
                )
            )
        if balance.redeemable == "earned":
            parts.append(t(N_("可以兑换"), language))
        separator = "，" if language.startswith("zh") else ", "
        main = t(N_("（主积分）"), language) if index == 0 else ""
        lines.append(
            t(
                N_("{name}{main}：{parts}。"),
                language,
                name=name,
                main=main,
                parts=separator.join(parts),
            )
        )
    for status in rulebook.statuses:
        balance = rulebook.balance_named(status.balance)
        bounds = []
        if status.min is not None:
            bounds.append(t(N_("不低于 {value} 分"), language, value=plain(status.min)))
        if status.below is not None:
            bounds.append(t(N_("低于 {value} 分"), language, value=plain(status.below)))
        also = t(N_("，不能兑换积分"), language) if status.blocks_redemption else ""
        lines.append(
            t(
                N_("{balance}{bounds}的户：{name}{also}。"),
                language,
                balance=t(balance.name, language),
                bounds=t(N_("且"), language).join(bounds),
                name=status.name,
                also=also,
            )
        )
    return lines


def publicity_text(rulebook: Rulebook, language: str = DEFAULT_LANGUAGE) -> str:
    """[publicity] in words ("" when the rulebook has none: the deployment decides)."""
    publicity = rulebook.publicity
    if publicity is None:
        return ""
    t = translate
    unit = t(N_("个工作日") if publicity.working_days else N_("天"), language)
    text = t(
        N_("红黑榜公示 {days} {unit}；对名单有异议的，村务监督委员会在 {answer} {unit}内答复。"),
        language,
        days=publicity.days,
        answer=publicity.objection_days,
        unit=unit,
    )
    if publicity.working_days:
        text += t(N_("工作日不含周六、周日和节假日。"), language)
        separator = "、" if language.startswith("zh") else ", "
        if publicity.holidays:
            days = separator.join(d.isoformat() for d in sorted(publicity.holidays))
            text += t(N_("节假日：{days}。"), language, days=days)
        if publicity.workdays:
            days = separator.join(d.isoformat() for d in sorted(publicity.workdays))
            text += t(N_("调休上班：{days}。"), language, days=days)
    return text


def star_texts(rulebook: Rulebook, language: str = DEFAULT_LANGUAGE) -> list[str]:
    """Each star level and what earns it, on stars_on's balance or the year's points."""
    policy, t = rulebook.honours, translate
    if not policy.stars:
        return []
    on = rulebook.balance_named(policy.stars_on) if policy.stars_on else None
    counted = t(on.name, language) if on else t(N_("全年得分"), language)
    lines = [t(N_("星级按{counted}评定："), language, counted=counted)]
    for star in policy.stars:
        level = (
            t(N_("{level} 星"), language, level=star.level)
            if star.level
            else t(N_("无星"), language)
        )
        named = f"{level}（{star.name}）" if star.name else level
        lines.append(t(N_("{level}：{min} 分及以上"), language, level=named, min=plain(star.min)))
    if rulebook.veto.star_drop_lowest:
        lines.append(t(N_("一票否决的户，星级降到最低一级。"), language))
    return lines
