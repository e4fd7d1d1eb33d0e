"""standings() against a plain-Python reference on random villages.

standings() sums, folds merges, joins and orders in one SQL statement and ranks by bisection;
the reference below does every step the obvious way, from the rows it inserted. Each case
covers a different shape of that statement: an account year starting before, at or inside the
period, or never resetting; the village or each group ranked on its own; quarters, months, two
months, half-years and years; one legacy [account] balance, or the demo's three [[balances]]
(a yearly one folding its shortfall year by year, one never reset, one above the base) and a
status.
"""

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import insert

from pointsys import rules_store, standings
from pointsys.extensions import db
from pointsys.models import Entry, Household, HouseholdLink, VillageGroup
from pointsys.periods import Period
from pointsys.rulebook.honours import tier_for

# 户号 whose order differs between a bytewise sort and most collations (digits, case, marks).
NUMBERS = ["001", "002", "010", "1", "10", "9", "A1", "a1", "B-2", "b_2", "B2", "户1", "户10"]
NUMBERS += [f"{n:03d}" for n in range(11, 40)]
VETO = "black_list,bar_red_list"


def rulebook_text(reset: str, scope: str, balances: bool = False) -> str:
    text = rules_store.DEMO_RULEBOOK.read_text(encoding="utf-8")
    start, end = text.index("[[balances]]"), text.index("# 一票否决的后果")
    if balances:  # the demo's 年度积分 (carry = "negative"), 荣誉积分 and 可兑换积分
        assert reset != "never"
        text = text.replace('reset_on = "01-01"', f'reset_on = "{reset}"')
    else:  # the legacy [account]: one balance
        account = (
            f'[account]\nbase_points = 100\nreset = "{"never" if reset == "never" else "yearly"}"'
            f'\nreset_on = "{"01-01" if reset == "never" else reset}"\nhonour_total = false\n'
        )
        text = text[:start] + account + "\n" + text[end:]
    text = text.replace('scope = "village"', f'scope = "{scope}"')
    if scope == "group":  # tiers by place within the field, from the top and from the bottom
        text = text.replace("top = 3 ", "top_percent = 25 ")
        text = text.replace("min = -10\nbelow = 0 ", "bottom_percent = 30 ")
        text = text.replace("below = -10\n", "bottom = 2\n")
    return text


def window_start(reset: str, period: Period) -> date | None:
    """The first day of the account year the period's last day is in."""
    if reset == "never":
        return None
    last = period.end - timedelta(days=1)
    month, day = map(int, reset.split("-"))
    start = date(last.year, month, day)
    return start if start <= last else date(last.year - 1, month, day)


def build(village, rng: random.Random, tmp_path, reset: str, scope: str, balances: bool = False):
    text = rulebook_text(reset, scope, balances)
    snapshot, _ = rules_store.store(_write(tmp_path, text), actor_label="t")
    db.session.flush()
    place = village.village
    groups = [village.households[0].group_id]
    second = VillageGroup(village_id=place.id, name="二组", sort_order=2)
    db.session.add(second)
    db.session.flush()
    groups += [second.id, None]
    households = list(village.households)
    for number in rng.sample([n for n in NUMBERS if n not in {"001", "002", "003"}], 22):
        # Registered long before, or on any day from mid-2025 to the end of 2026: before, inside
        # and after each period asked about.
        registered = rng.choice(
            [date(2020, 1, 1), date(2025, 6, 1) + timedelta(rng.randrange(580))]
        )
        household = Household(
            village=place, number=number, head_name=f"户主{number}", registered_on=registered
        )
        household.group_id = rng.choice(groups)
        households.append(household)
    db.session.add_all(households)
    db.session.flush()
    # Some households left the registry, before or after the periods asked about.
    for household in rng.sample(households, 5):
        household.status = rng.choice(["moved_out", "cancelled"])
        household.status_since = date(2026, rng.randrange(1, 13), 1)
    # Merges, including a merge into a household that was merged later itself (a → b → c).
    a, b, c, d, e = rng.sample(households, 5)
    links = [(a, b, date(2026, 5, 1)), (b, c, date(2026, 8, 1)), (d, e, date(2026, 2, 1))]
    for source, target, on in links:
        source.status, source.status_since = "cancelled", on
        db.session.add(
            HouseholdLink(kind="merge", source_id=source.id, target_id=target.id, effective_on=on)
        )
    entries = []
    first = date(2025, 7, 1)
    for _ in range(160):
        household = rng.choice(households)
        veto = VETO if rng.random() < 0.05 else ""
        entries.append(
            {
                "village_id": place.id,
                "household_id": household.id,
                "kind": "entry",
                "rulebook_snapshot_id": snapshot.id,
                "item_code": "X",
                "item_version": first,
                "item_title": "X",
                "article": "",
                "occurred_on": first + timedelta(days=rng.randrange(550)),
                "requested": Decimal(0),
                "points": Decimal(rng.choice(range(-500, 550, 50))) / 100,
                "limits": "",
                "veto": veto,
                "source": "form",
                "status": rng.choice(["approved"] * 8 + ["pending", "rejected"]),
                "created_label": "test",
                "created_at": datetime(2026, 1, 1, tzinfo=UTC),
            }
        )
    db.session.execute(insert(Entry), entries)
    db.session.commit()
    merges = [(source.id, target.id, on) for source, target, on in links]
    return households, entries, merges


def absorbed(merges, period: Period) -> dict[int, int]:
    """Merged away before the period's end → the household that finally absorbed it."""
    final = {source: target for source, target, on in merges if on < period.end}
    for source in list(final):
        while final[source] in final:
            final[source] = final[final[source]]
    return final


def account_years(reset: str, first: date, end: date) -> list[tuple[date, date]]:
    """Every account year from the one `first` is in to the one `end`'s day before is in."""
    month, day = map(int, reset.split("-"))
    start = date(first.year, month, day)
    if start > first:
        start = date(first.year - 1, month, day)
    years = []
    while start < end:
        years.append((start, date(start.year + 1, month, day)))
        start = years[-1][1]
    return years


def folded(reset: str, dated: list[tuple[date, Decimal]], end: date) -> Decimal:
    """年度积分 by hand: 100 each year; a year closing below 100 opens the next at that."""
    if not dated:
        return Decimal(100)
    value = Decimal(100)
    years = account_years(reset, min(d for d, _ in dated), end)
    for start, stop in years:
        if (start, stop) != years[0]:
            value = min(value, Decimal(100))
        value += sum((p for d, p in dated if start <= d < min(stop, end)), Decimal(0))
    return value


def reference(households, entries, merges, period: Period, reset: str, scope: str, village):
    rulebook = rules_store.in_force(village.village.code).rulebook
    final = absorbed(merges, period)
    start = window_start(reset, period)
    approved = [e for e in entries if e["status"] == "approved"]
    points = {h.id: Decimal(0) for h in households}
    account = {h.id: Decimal(0) for h in households}
    ever = {h.id: Decimal(0) for h in households}
    dated = {h.id: [] for h in households}
    vetoed, barred = set(), set()
    bar_from = period.start
    for _ in range(rulebook.veto.bar_red_list_quarters):
        bar_from = Period.of("quarter", bar_from - timedelta(days=1)).start
    for entry in approved:
        day, counted = entry["occurred_on"], [entry["household_id"]]
        if entry["household_id"] in final:
            counted.append(final[entry["household_id"]])
        for household_id in counted:
            if period.start <= day < period.end:
                points[household_id] += entry["points"]
                if entry["veto"]:
                    vetoed.add(household_id)
            if (start is None or day >= start) and day < period.end:
                account[household_id] += entry["points"]
            if day < period.end:
                ever[household_id] += entry["points"]
                dated[household_id].append((day, entry["points"]))
            if entry["veto"] and bar_from <= day < period.start:
                barred.add(household_id)

    def registered(h):  # 在册 on at least one day of the period
        left = h.status != "active" and h.status_since <= period.start
        return h.registered_on < period.end and not left

    def ranked(h):
        return registered(h) and h.id not in final

    fields = {}
    for h in households:
        if ranked(h):
            fields.setdefault(h.group_id if scope == "group" else None, []).append(h)
    expected = []
    for key in sorted(fields, key=lambda k: (k is not None, k or 0)):
        field = sorted(fields[key], key=lambda h: (-points[h.id], h.number))
        scores = [points[h.id] for h in field]
        for h in field:
            value = points[h.id]
            tier = tier_for(
                rulebook.honours,
                value,
                scores,
                vetoed=h.id in vetoed,
                barred_from_red=h.id in barred,
            )
            rank = 1 + sum(1 for other in field if points[other.id] > points[h.id])
            expected.append((h.number, value, rank, tier and tier.code, h.id in vetoed))
    merged = (h for h in households if registered(h) and not ranked(h))
    for h in sorted(merged, key=lambda h: h.number):
        expected.append((h.number, points[h.id], None, None, h.id in vetoed))
    if len(rulebook.balances) == 1:
        balances = {
            h.number: (rulebook.account.base_points + account[h.id],)
            for h in households
            if registered(h)
        }
    else:
        balances = {}
        for h in households:
            if registered(h):
                yearly = folded(reset, dated[h.id], period.end)
                balances[h.number] = (yearly, ever[h.id], max(Decimal(0), yearly - 100))
    return expected, balances, {h.id for h in households if registered(h)} & barred


CASES = [
    # seed, account year reset, scope, period, the demo's three balances (else one [account])
    (1, "01-01", "village", "2026Q1", False),  # the account year starts with the period
    (2, "01-01", "village", "2026Q3", False),  # … before it
    (3, "08-15", "village", "2026Q3", False),  # … inside it
    (4, "never", "village", "2026Q3", False),  # balances never reset
    (5, "01-01", "group", "2026Q3", False),
    (6, "08-15", "group", "2026Q4", False),
    (7, "never", "group", "2026Q2", False),
    (8, "01-01", "village", "2026H1", True),  # a shortfall of 2025 carried into 2026
    (9, "08-15", "village", "2026B4", True),  # a reset inside two months
    (10, "01-01", "group", "2026-03", True),
    (11, "03-01", "village", "2026", True),  # a year with a reset inside it
    (12, "01-01", "village", "2026H2", False),
    (13, "never", "village", "2026", False),
]


@pytest.mark.parametrize(("seed", "reset", "scope", "period_code", "balances"), CASES)
def test_standings_match_a_plain_python_reference(
    village, tmp_path, seed, reset, scope, period_code, balances
):
    rng = random.Random(seed)
    households, entries, merges = build(village, rng, tmp_path, reset, scope, balances)
    period = Period.parse(period_code)
    expected, expected_balances, barred = reference(
        households, entries, merges, period, reset, scope, village
    )
    table = standings.standings(village.village, period)
    got = [(s.number, s.points, s.rank, s.tier and s.tier.code, s.vetoed) for s in table.rows]
    assert got == expected
    assert {s.number: s.balances for s in table.rows} == expected_balances
    assert all(s.balance == s.balances[0] for s in table.rows)
    suspended = {n for n, values in expected_balances.items() if balances and values[0] < 70}
    assert {s.number for s in table.rows if s.statuses} == suspended
    assert {s.household_id for s in table.rows if s.barred_from_red} == barred
    by_id = {h.id: h for h in households}
    for row in table.rows:
        household = by_id[row.household_id]
        assert (row.head_name, row.group_id) == (household.head_name, household.group_id)
    assert table.ranked_within == scope
    # balance() of a household on the period's last day agrees with its standing (households
    # in no merge: balance() counts a later merge's source up to the day asked, by design).
    last = period.end - timedelta(days=1)
    merged = {h for source, target, _ in merges for h in (source, target)}
    for row in [r for r in table.rows if r.household_id not in merged][:8]:
        assert standings.balance(by_id[row.household_id], last) == row.balance, row.number


def _write(tmp_path, text: str):
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return path
