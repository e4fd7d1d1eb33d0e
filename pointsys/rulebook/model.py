"""The rulebook as frozen values: what the validator builds and the scoring engine reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .messages import N_

# The periods caps, once_per, accumulations, shared caps and lists count in (see periods.KINDS).
PERIODS = ("month", "two_months", "quarter", "half_year", "year")
VETO_CONSEQUENCES = ("black_list", "bar_red_list", "bar_redemption", "star_drop")
# The door plaque's page (/h/<token>, no sign-in): how it names the 户主, which entries it lists.
PLAQUE_NAMES = ("masked", "full")
PLAQUE_ENTRIES = ("awards", "all", "none")
SCORING_KINDS = (
    "points",
    "range",
    "per_unit",
    "bands",
    "thresholds",
    "per_member",
    "levels",
    "value_bands",
)
# A thresholds item may also accumulate over the household's whole history ("ever": since it
# joined), besides the calendar periods.
THRESHOLD_PERIODS = (*PERIODS, "ever")
# The kinds whose entries carry a quantity another item can accumulate (quantity_from).
QUANTITY_KINDS = ("per_unit", "bands", "thresholds", "value_bands")
# How a latest-deductions tier (latest = N) names each entry: the village group only, or the
# household head masked (张*明) or in full.
LATEST_NAMES = ("group", "masked", "full")


@dataclass(frozen=True)
class Band:
    """Amounts up to `upto` earn `points` for each full `each` (counted from the previous band)."""

    upto: Decimal
    each: Decimal
    points: Decimal


@dataclass(frozen=True)
class Threshold:
    """Reaching `at` (cumulative quantity in the period) grants `points` once."""

    at: Decimal
    points: Decimal


@dataclass(frozen=True)
class Level:
    """One named level of a levels item (国家级 +100 …): the clerk picks one."""

    name: str
    points: Decimal


@dataclass(frozen=True)
class ValueBand:
    """A value from `min` to `max` (inclusive; None: no upper end) earns `points`, flat."""

    min: Decimal
    max: Decimal | None
    points: Decimal

    def holds(self, value: Decimal) -> bool:
        return self.min <= value and (self.max is None or value <= self.max)


@dataclass(frozen=True)
class Scoring:
    """How an entry's points are set: `kind` is one of SCORING_KINDS; it uses what it needs."""

    kind: str
    points: Decimal | None = (
        None  # points, per_unit and per_member: points per occurrence/unit/member
    )
    low: Decimal | None = None  # range: the reviewer chooses within [low, high]
    high: Decimal | None = None
    unit: str | None = None  # per_unit and thresholds: what the quantity counts (小时, 元 …)
    bands: tuple[Band, ...] = ()
    thresholds: tuple[Threshold, ...] = ()
    period: str | None = None  # thresholds: the period the quantity accumulates in, or "ever"
    levels: tuple[Level, ...] = ()
    value_bands: tuple[ValueBand, ...] = ()
    # thresholds: the item whose recorded quantities accumulate here; this item is then posted
    # only as a companion of that item's entries, never recorded directly.
    quantity_from: str | None = None

    @property
    def is_penalty(self) -> bool:
        """Whether this item takes points away (扣分)."""
        values = [self.points, self.high, *(b.points for b in self.bands)]
        values += [t.points for t in self.thresholds]
        values += [v.points for v in (*self.levels, *self.value_bands)]
        return any(v is not None and v < 0 for v in values)


@dataclass(frozen=True)
class ItemVersion:
    """One item as it stands from `effective` until the next version (or `until`, exclusive)."""

    code: str
    category: str
    title: str
    article: str
    evidence: str
    review: bool
    scoring: Scoring
    effective: date
    until: date | None  # the next version's date or the retirement date; None: open-ended
    caps: tuple[tuple[str, Decimal], ...] = ()  # (period, max magnitude per household)
    max_per_entry: Decimal | None = None
    once_per: str | None = None
    veto: tuple[str, ...] = ()
    note: str = ""  # what changed in this version, for residents

    def in_force(self, day: date) -> bool:
        return self.effective <= day and (self.until is None or day < self.until)

    def cap(self, period: str) -> Decimal | None:
        return dict(self.caps).get(period)

    def level(self, name: str | None) -> Level | None:
        return next((v for v in self.scoring.levels if v.name == name), None)


@dataclass(frozen=True)
class Item:
    code: str
    category: str
    versions: tuple[ItemVersion, ...]  # in date order, contiguous
    retired: date | None = None

    @property
    def effective(self) -> date:
        return self.versions[0].effective

    def version_on(self, day: date) -> ItemVersion | None:
        """The version in force on `day`, or None before the item existed or after it retired."""
        for version in self.versions:
            if version.in_force(day):
                return version
        return None

    @property
    def latest(self) -> ItemVersion:
        return self.versions[-1]


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    items: tuple[str, ...]  # item codes, in file order


@dataclass(frozen=True)
class SharedCap:
    """Several items together earn at most `max` (magnitude) per household per period."""

    code: str
    name: str
    items: tuple[str, ...]
    period: str
    max: Decimal


@dataclass(frozen=True)
class VetoPolicy:
    """What a veto item (一票否决) does; an item lists which of these consequences apply."""

    bar_red_list_quarters: int | None = None
    bar_redemption_years: int | None = None
    star_drop_levels: int | None = None
    star_drop_lowest: bool = False  # star_drop = "lowest": down to the lowest declared level


@dataclass(frozen=True)
class Tier:
    """An honour-list tier: chosen by points [min, below), by rank from the top or the bottom,
    or a place rule and points together (both must hold). A tier with `latest` is no tier of
    households: it lists the period's latest N deductions (曝光台), each named as `names` says."""

    code: str
    name: str
    side: str  # "red" (honour) or "black"
    min: Decimal | None = None
    below: Decimal | None = None
    top: int | None = None
    top_percent: Decimal | None = None
    bottom: int | None = None
    bottom_percent: Decimal | None = None
    veto: bool = False  # a vetoed household is put on this tier whatever its points
    latest: int | None = None  # the latest N approved, not reversed, penalty entries
    names: str = "group"  # latest tiers only: LATEST_NAMES

    @property
    def of_entries(self) -> bool:
        """A list of entries (the latest deductions), never a household's tier."""
        return self.latest is not None


@dataclass(frozen=True)
class Star:
    level: int  # 0 may be declared: a named level for households below every star
    min: Decimal
    name: str = ""  # optional: 五星文明户, 待提升户


@dataclass(frozen=True)
class HonourPolicy:
    scope: str = "village"  # or "group": ranks are counted within each village group
    names: str = "masked"  # "full" or "masked" (张*明) on public lists
    tiers: tuple[Tier, ...] = ()
    stars: tuple[Star, ...] = ()  # highest level first
    period: str = "quarter"  # what the lists are ranked, closed (结账) and published for: PERIODS
    stars_on: str | None = None  # a balance code: stars by it at the period's end; else points

    @property
    def household_tiers(self) -> tuple[Tier, ...]:
        """The tiers households are placed on (every tier but the latest-deductions lists)."""
        return tuple(t for t in self.tiers if not t.of_entries)


@dataclass(frozen=True)
class PlaquePolicy:
    """What anyone holding the door plaque's QR code sees, without signing in. The balance,
    this quarter's points, rank and tier are always shown; the signed-in household sees all."""

    names: str = "masked"  # the 户主: "masked" (张*明) or "full"
    # "awards": approved entries that add points (none reversed); "all": every entry, penalties,
    # pending and rejected ones with their reasons; "none": no entries
    entries: str = "awards"
    members: bool = False  # list the household's members by name


@dataclass(frozen=True)
class Publicity:
    """[publicity]: how long an issue of the lists stays up (公示期) and how long the committee
    has to answer an objection, in calendar days or in working days (weekends and `holidays`
    skipped, weekend `workdays` counted: 调休)."""

    days: int = 7
    working_days: bool = False
    objection_days: int = 7
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()


@dataclass(frozen=True)
class Account:
    base_points: Decimal = Decimal(0)
    reset: str = "yearly"  # the redeemable balance: "yearly" on reset_on, or "never" (carry over)
    reset_on: tuple[int, int] = (1, 1)  # (month, day)
    honour_total: bool = True  # keep a total that never resets beside the redeemable balance


BALANCE_RESETS = ("never", "yearly")
BALANCE_CARRIES = ("none", "negative")
BALANCE_COUNTS = ("all", "awards")
REDEEMABLE_KINDS = ("above_base", "earned")


@dataclass(frozen=True)
class Balance:
    """One of a household's balances ([[balances]], or the legacy [account] converted): the
    first declared is the main one (积分余额 on pages, lists and the statement)."""

    code: str
    name: str
    base: Decimal = Decimal(0)  # what a household starts with and restarts from at each reset
    reset: str = "never"  # "never" | "yearly" (on reset_on)
    reset_on: tuple[int, int] = (1, 1)  # (month, day)
    carry: str = "none"  # at a reset: "none" | "negative" (a shortfall below base carries over)
    counts: str = "all"  # "all" approved entries | "awards" (only those with points > 0)
    redeemable: str | None = None  # None | "above_base" (of `of`) | "earned" (own total)
    of: str | None = None  # above_base: the balance whose points above its base are redeemable


@dataclass(frozen=True)
class Status:
    """A status in force while balance `balance` is within [min, below) (either bound optional)."""

    code: str
    name: str
    balance: str
    min: Decimal | None = None
    below: Decimal | None = None
    blocks_redemption: bool = False


@dataclass(frozen=True)
class Revision:
    effective: date
    summary: str


@dataclass(frozen=True)
class Rulebook:
    village: str
    name: str
    version: str
    effective: date
    account: Account
    veto: VetoPolicy
    honours: HonourPolicy
    categories: tuple[Category, ...]
    items: Mapping[str, Item] = field(hash=False)  # by code, in file order (read-only)
    shared_caps: tuple[SharedCap, ...] = ()
    revisions: tuple[Revision, ...] = ()
    precision: int = 1  # decimal places of every scored result (0–2), rounded half up (四舍五入)
    plaque: PlaquePolicy = PlaquePolicy()
    publicity: Publicity | None = None  # None: the deployment's PUBLICITY_DAYS/OBJECTION_DAYS
    # Every balance in declaration order, the main one first; [account] converted when the
    # rulebook has no [[balances]] (see policies.balances). Never empty when built by loads().
    balances: tuple[Balance, ...] = ()
    statuses: tuple[Status, ...] = ()

    @property
    def main_balance(self) -> Balance:
        """The household's main balance: the first declared (legacy: [account]'s 积分余额)."""
        return self.all_balances[0]

    @property
    def all_balances(self) -> tuple[Balance, ...]:
        """The declared balances, or those [account] stands for (a Rulebook built by hand)."""
        return self.balances or account_balances(self.account)

    def balance_named(self, code: str) -> Balance | None:
        return next((b for b in self.all_balances if b.code == code), None)

    def item_on(self, code: str, day: date) -> ItemVersion | None:
        item = self.items.get(code)
        return item.version_on(day) if item else None

    def shared_caps_for(self, code: str) -> tuple[SharedCap, ...]:
        return tuple(c for c in self.shared_caps if code in c.items)

    def change_dates(self) -> list[date]:
        """Every date on which something in the rulebook changed, oldest first."""
        dates = {self.effective, *(r.effective for r in self.revisions)}
        for item in self.items.values():
            dates.update(v.effective for v in item.versions)
            if item.retired:
                dates.add(item.retired)
        return sorted(dates)


def account_balances(account: Account) -> tuple[Balance, ...]:
    """The legacy [account] as balance declarations: 积分余额 (base_points + the account year's
    points, or every year's with reset = "never") and, with honour_total, 荣誉总分 (every
    approved entry ever, base 0). Names are message ids: pages translate them."""
    main = Balance("balance", N_("积分余额"), account.base_points, account.reset, account.reset_on)
    if not account.honour_total:
        return (main,)
    return (main, Balance("honour", N_("荣誉总分")))
