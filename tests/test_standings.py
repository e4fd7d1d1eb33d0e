"""Standings: the one function that sums the ledger — points, balance, rank, tier."""

from datetime import date
from decimal import Decimal

import pytest

from pointsys import ledger, standings
from pointsys.extensions import db
from pointsys.ledger import Draft
from pointsys.models import Household, HouseholdLink, Member
from pointsys.periods import Period

TODAY = date(2026, 11, 21)
Q3 = Period.parse("2026Q3")


def post(v, household, item, on, quantity=None, key=None):
    """Record and approve one entry; returns it."""
    key = key or f"{household.id}-{item}-{on}-{quantity}"
    result = ledger.record(
        v.village, [Draft(household.id, item, on, quantity)], key=key, actor=v.clerk, today=TODAY
    )
    if result.entries[0].status == "pending":
        ledger.approve(result.entries, reviewer=v.supervisor, today=TODAY)
    db.session.commit()
    return result.entries[0]


def add_household(v, number, head):
    household = Household(
        village=v.village, number=number, head_name=head, registered_on=date(2020, 1, 1)
    )
    household.members = [Member(name=head, relation="户主")]
    db.session.add(household)
    db.session.commit()
    return household


def test_ties_share_a_rank_and_are_listed_by_household_number(village):
    h1, h2, h3 = village.households
    h4 = add_household(village, "004", "赵六")
    post(village, h1, "SAF-03", date(2026, 7, 5))  # 5
    post(village, h3, "SAF-02", date(2026, 7, 5))  # 2
    post(village, h2, "SAF-02", date(2026, 7, 6))  # 2
    post(village, h4, "SAF-01", date(2026, 7, 6))  # 1
    rows = standings.standings(village.village, Q3).rows
    assert [(s.number, s.points, s.rank) for s in rows] == [
        ("001", 5, 1),
        ("002", 2, 2),
        ("003", 2, 2),
        ("004", 1, 4),
    ]


def test_pending_and_rejected_entries_never_count(village):
    h1 = village.households[0]
    pending = ledger.record(
        village.village,
        [Draft(h1.id, "FIL-02", date(2026, 7, 5))],
        key="p",
        actor=village.clerk,
        today=TODAY,
    ).entries
    rejected = ledger.record(
        village.village,
        [Draft(h1.id, "FIL-03", date(2026, 7, 5))],
        key="r",
        actor=village.clerk,
        today=TODAY,
    ).entries
    ledger.reject(rejected, reviewer=village.supervisor, reason="不属实")
    db.session.commit()
    assert pending[0].status == "pending"
    row = standings.standings(village.village, Q3).of(h1.id)
    assert row.points == 0 and row.balance == 100
    assert standings.balance(h1, TODAY) == 100


def test_balance_is_base_plus_the_account_year_and_points_are_exact(village):
    h1 = village.households[0]
    for day in range(1, 4):
        post(village, h1, "PTY-02", date(2026, 2, day))  # 0.5 each, in Q1
    post(village, h1, "SAF-06", date(2026, 8, 1))  # 0.5 in Q3
    row = standings.standings(village.village, Q3).of(h1.id)
    assert row.points == Decimal("0.5")
    assert row.balance == Decimal("102.0")
    assert standings.balance(h1, date(2026, 2, 2)) == Decimal("101.0")
    assert standings.balance(h1, TODAY) == Decimal("102.0")
    assert standings.balance(h1, date(2025, 12, 31)) == 100  # another account year


def test_reversals_take_points_back_in_the_period_of_the_conduct(village):
    h1 = village.households[0]
    entry = post(village, h1, "SAF-03", date(2026, 7, 5))
    ledger.reverse(entry, actor=village.supervisor, reason="记错户", key="rev")
    db.session.commit()
    row = standings.standings(village.village, Q3).of(h1.id)
    assert row.points == 0 and row.balance == 100


def test_tiers_follow_the_rulebook_and_a_veto_puts_a_household_on_the_black_list(village):
    h1, h2, h3 = village.households
    more = [add_household(village, f"00{n}", f"户主{n}") for n in range(4, 8)]
    post(village, h1, "PUB-06", date(2026, 7, 5), Decimal(20))
    post(village, h1, "PUB-06", date(2026, 8, 5), Decimal(15))  # 35: top 3
    post(village, h2, "FIL-06", date(2026, 7, 9))  # -20 and a veto: black
    post(village, h3, "ENV-06", date(2026, 7, 9), Decimal(-5))  # -5: yellow
    for household in more:
        post(village, household, "SAF-01", date(2026, 7, 9))
    by_number = {s.number: s for s in standings.standings(village.village, Q3).rows}
    assert by_number["001"].tier.code == "super_red"
    assert by_number["002"].tier.code == "black" and by_number["002"].vetoed
    assert by_number["003"].tier.code == "yellow"
    # The next quarter: the veto bars 002 from the red lists (top 3 would otherwise apply).
    q4 = standings.standings(village.village, Period.parse("2026Q4"))
    assert q4.of(h2.id).barred_from_red and q4.of(h2.id).tier is None
    assert q4.of(h2.id).balance == Decimal(80)


def test_a_merged_household_carries_the_points_of_the_one_it_absorbed(village):
    h1, h2, _ = village.households
    post(village, h1, "SAF-03", date(2026, 7, 5))
    post(village, h2, "SAF-02", date(2026, 7, 6))
    h2.status, h2.status_since = "cancelled", date(2026, 8, 1)
    db.session.add(
        HouseholdLink(kind="merge", source_id=h2.id, target_id=h1.id, effective_on=date(2026, 8, 1))
    )
    db.session.commit()
    rows = standings.standings(village.village, Q3)
    assert rows.of(h1.id).points == 7 and rows.of(h1.id).rank == 1
    assert rows.of(h2.id).rank is None
    assert standings.balance(h1, TODAY) == 107


def test_a_newly_loaded_rulebook_changes_the_base_at_once(village, tmp_path):
    from pointsys import rules_store

    h1 = village.households[0]
    # A main balance that is one sum (no carry): balance() answers it in one remembered query.
    text = rules_store.DEMO_RULEBOOK.read_text(encoding="utf-8").replace('carry = "negative"\n', "")
    plain = tmp_path / "plain.toml"
    plain.write_text(text, encoding="utf-8")
    rules_store.store(plain, actor_label="test")
    db.session.commit()
    assert standings.balance(h1, TODAY) == 100  # remembered for the next call …
    changed = tmp_path / "demo.toml"
    changed.write_text(text.replace("base = 100", "base = 60"), encoding="utf-8")
    rules_store.store(changed, actor_label="test")
    db.session.commit()
    assert standings.balance(h1, TODAY) == 60  # … but checked against the rulebook in force


def test_a_household_is_ranked_only_in_periods_it_was_registered_for(village):
    """在册 on at least one day of the period: registered by its last day, not gone by its first."""
    h1, h2, h3 = village.households
    post(village, h1, "SAF-03", date(2026, 7, 5))
    later = add_household(village, "004", "赵六")  # registered in Q4, by a roster import say
    later.registered_on = date(2026, 11, 24)
    inside = add_household(village, "005", "钱七")
    inside.registered_on = date(2026, 9, 30)  # the quarter's last day
    h2.status, h2.status_since = "moved_out", date(2026, 7, 1)  # gone on the quarter's first day
    h3.status, h3.status_since = "moved_out", date(2026, 7, 2)  # there on 1 July
    db.session.commit()
    table = standings.standings(village.village, Q3)
    assert [(s.number, s.rank) for s in table.rows] == [("001", 1), ("003", 2), ("005", 2)]
    assert table.ranked_among(table.of(h1.id)) == 3
    q4 = standings.standings(village.village, Period.parse("2026Q4"))
    assert [(s.number, s.rank) for s in q4.rows] == [("001", 1), ("004", 1), ("005", 1)]
    q2 = standings.standings(village.village, Period.parse("2026Q2"))
    assert [s.number for s in q2.rows] == ["001", "002", "003"]


def test_the_ledger_takes_no_conduct_from_before_a_household_was_registered(village):
    household = add_household(village, "004", "赵六")
    household.registered_on = date(2026, 11, 1)
    db.session.commit()
    with pytest.raises(ledger.SubmissionRefused) as refused:
        ledger.record(
            village.village,
            [Draft(household.id, "SAF-03", date(2026, 10, 31))],
            key="early",
            actor=village.clerk,
            today=TODAY,
        )
    assert str(refused.value) == (
        "004 户 2026-11-01 起在册，不能记在册之前（2026-10-31）的分；请核对行为日期或户籍登记日期。"
    )
    assert post(village, household, "SAF-03", date(2026, 11, 1)).points == 5


def test_ranks_within_groups_are_counted_among_the_group(village, tmp_path):
    from pointsys import rules_store

    text = rules_store.DEMO_RULEBOOK.read_text(encoding="utf-8")
    grouped = tmp_path / "demo.toml"
    grouped.write_text(text.replace('scope = "village"', 'scope = "group"'), encoding="utf-8")
    rules_store.store(grouped, actor_label="test")
    h1, h2, h3 = village.households  # 001 and 002 in 一组, 003 in no group
    for n in range(4, 8):
        add_household(village, f"00{n}", f"户主{n}")  # no group either
    post(village, h2, "SAF-03", date(2026, 7, 5))
    table = standings.standings(village.village, Q3)
    assert table.ranked_within == "group"
    assert (table.of(h2.id).rank, table.ranked_among(table.of(h2.id))) == (1, 2)
    assert (table.of(h1.id).rank, table.ranked_among(table.of(h1.id))) == (2, 2)
    assert table.ranked_among(table.of(h3.id)) == 5


def test_a_merge_after_the_period_changes_nothing_in_it(village):
    h1, h2, _ = village.households
    post(village, h1, "SAF-03", date(2026, 7, 5))
    post(village, h2, "SAF-02", date(2026, 7, 6))
    before = standings.standings(village.village, Q3).rows
    h2.status, h2.status_since = "cancelled", date(2026, 10, 1)
    db.session.add(
        HouseholdLink(
            kind="merge", source_id=h2.id, target_id=h1.id, effective_on=date(2026, 10, 1)
        )
    )
    db.session.commit()
    assert standings.standings(village.village, Q3).rows == before
    q4 = standings.standings(village.village, Period.parse("2026Q4"))
    assert q4.of(h1.id).balance == 107 and q4.of(h2.id) is None
