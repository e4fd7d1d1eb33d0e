"""Honour lists and stars: which tier a household's points put it on (pure, no database)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from .model import HonourPolicy, Tier


def tier_for(
    policy: HonourPolicy,
    points: Decimal,
    field: Sequence[Decimal],
    *,
    vetoed: bool = False,
    barred_from_red: bool = False,
) -> Tier | None:
    """The first tier (in rulebook order) the household qualifies for.

    `field` holds the points of every household ranked together (the village or the group),
    including this one. A veto puts the household on the veto tier whatever its points; a
    household barred from the red list (after a veto) skips the red tiers.
    """
    count = len(field)
    from_top = 1 + sum(1 for p in field if p > points)
    from_bottom = 1 + sum(1 for p in field if p < points)
    return tier_by_rank(
        policy,
        points,
        count,
        from_top,
        from_bottom,
        vetoed=vetoed,
        barred_from_red=barred_from_red,
    )


def tier_by_rank(
    policy: HonourPolicy,
    points: Decimal,
    count: int,
    from_top: int,
    from_bottom: int,
    *,
    vetoed: bool = False,
    barred_from_red: bool = False,
) -> Tier | None:
    """tier_for() when the ranks are known: `from_top` is 1 + households with more points,
    `from_bottom` 1 + households with fewer, among `count` ranked together."""
    if vetoed:
        for tier in policy.tiers:
            if tier.veto:
                return tier
    for tier in policy.tiers:
        if tier.of_entries:  # the latest deductions list entries, never a household
            continue
        if tier.side == "red" and (barred_from_red or vetoed):
            continue
        if _qualifies(tier, points, count, from_top, from_bottom):
            return tier
    return None


def _qualifies(tier: Tier, points: Decimal, count: int, top: int, bottom: int) -> bool:
    """Whether points and place put a household on the tier: a place rule and min/below may be
    written together ("the top 5, but only with more than 0"), and then both must hold."""
    if (tier.min is not None and points < tier.min) or (
        tier.below is not None and points >= tier.below
    ):
        return False
    if not has_place_rule(tier):
        return tier.min is not None or tier.below is not None
    if tier.top is not None:
        return top <= tier.top
    if tier.top_percent is not None:
        return top * 100 <= count * tier.top_percent
    if tier.bottom is not None:
        return bottom <= tier.bottom
    if tier.bottom_percent is not None:
        return bottom * 100 <= count * tier.bottom_percent
    return False


PLACE_RULES = ("top", "top_percent", "bottom", "bottom_percent")


def has_place_rule(tier: Tier) -> bool:
    return any(getattr(tier, key) is not None for key in PLACE_RULES)


def star_level(policy: HonourPolicy, points: Decimal, drop: int = 0) -> int:
    """Stars earned by points (0 when none), lowered by `drop` levels after a veto."""
    earned = next((s.level for s in policy.stars if points >= s.min), 0)
    return max(earned - drop, 0)


def public_name(policy: HonourPolicy, name: str) -> str:
    """The name as a public list prints it: in full, or masked (张三明 → 张*明, 李四 → 李*)."""
    return name if policy.names == "full" else masked(name)


def masked(name: str) -> str:
    """张三明 → 张*明, 李四 → 李*, 王 → 王: enough for neighbours, not for a stranger's search."""
    if len(name) < 2:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
