"""The rulebook's rules as the ledger and the standings live them: rounding, 0-point vetoes, 02-29."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from pointsys import ledger, rules_store, standings
from pointsys.extensions import db
from pointsys.ledger import Draft
from pointsys.models import Household, RulebookSnapshot, User, UserRole, Village
from pointsys.periods import Period
from pointsys.rulebook import RulebookError

ROUNDING = (
    Path(__file__).resolve().parent.parent / "rules" / "tests" / "rulebooks" / "rounding.toml"
)
TODAY = date(2026, 11, 21)
Q1 = Period.parse("2026Q1")


@pytest.fixture
def place(app):
    """Village "rounding-test" under rules/tests/rulebooks/rounding.toml, two households."""
    with app.app_context():
        village = Village(code="rounding-test", name="测试村")
        db.session.add(village)
        db.session.flush()
        homes = [
            Household(village=village, number=n, head_name=h, registered_on=date(2020, 1, 1))
            for n, h in (("001", "张三"), ("002", "李四"))
        ]
        clerk = User(username="clerk", display_name="CLERK", village_id=village.id)
        clerk.role_rows = [UserRole(role="clerk")]
        supervisor = User(username="supervisor", display_name="SUP", village_id=village.id)
        supervisor.role_rows = [UserRole(role="supervisor")]
        for user in (clerk, supervisor):
            user.set_password("correct horse 1")
        db.session.add_all([*homes, clerk, supervisor])
        rules_store.store(ROUNDING, actor_label="test")
        db.session.commit()
        yield village, homes, clerk, supervisor


def _post(place, household, item, on, quantity=None, key="k"):
    village, _, clerk, supervisor = place
    (entry,) = ledger.record(
        village, [Draft(household.id, item, on, quantity)], key=key, actor=clerk, today=TODAY
    ).entries
    db.session.commit()
    ledger.approve([entry], reviewer=supervisor, today=TODAY)
    db.session.commit()
    return entry


def test_the_ledger_records_and_sums_the_rounded_points(place):
    _, (home, _), _, _ = place
    award = _post(place, home, "READ-01", date(2026, 3, 2), Decimal("4.5"), key="a")
    penalty = _post(place, home, "LITTER-01", date(2026, 3, 3), Decimal("4.5"), key="b")
    small = _post(place, home, "READ-01", date(2026, 3, 4), Decimal("1.4"), key="c")
    db.session.expire_all()  # read back what the database holds
    assert (award.requested, award.points) == (Decimal("0.5"), Decimal("0.5"))
    assert (penalty.requested, penalty.points) == (Decimal("-0.5"), Decimal("-0.5"))
    assert small.points == Decimal("0.1")
    assert standings.standings(place[0], Q1).of(home.id).points == Decimal("0.1")


def test_a_zero_point_veto_entry_is_recorded_and_puts_the_household_on_the_black_list(place):
    village, (vetoed, other), _, _ = place
    _post(place, vetoed, "READ-01", date(2026, 3, 2), Decimal("10"), key="a")  # 1 point: red
    _post(place, other, "READ-01", date(2026, 3, 2), Decimal("10"), key="b")
    entry = _post(place, vetoed, "VETO-01", date(2026, 3, 5), key="c")
    db.session.expire_all()
    assert (entry.status, entry.requested, entry.points, entry.veto) == (
        "approved",
        Decimal("0"),
        Decimal("0"),
        "black_list",
    )
    table = standings.standings(village, Q1)
    row = table.of(vetoed.id)
    assert row.points == Decimal("1") and row.vetoed and row.tier.code == "black"
    assert table.of(other.id).tier.code == "red"
    assert [title for title, _ in standings.veto_items(village, Q1)[vetoed.id]] == [
        "只否决、不扣分的事项"
    ]


def test_a_snapshot_stored_with_reset_on_02_29_still_gives_balances(app, place):
    # Stored before validation refused 02-29: it must stay readable, the year resetting on the
    # last day of February in common years (a 500 on every plaque page before).
    village, (home, _), _, _ = place
    text = ROUNDING.read_text(encoding="utf-8").replace(
        "precision = 1\n", 'precision = 1\n\n[account]\nbase_points = 10\nreset_on = "02-29"\n'
    )
    with pytest.raises(RulebookError, match="02-29"):
        rules_store.store(_write(app, text), actor_label="test")
    db.session.rollback()
    db.session.add(
        RulebookSnapshot(
            village_code=village.code,
            name="四舍五入测试细则",
            version="2",
            effective=date(2026, 1, 1),
            sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
            text=text,
            source="old.toml",
            loaded_by="test",
        )
    )
    db.session.commit()
    _post(place, home, "READ-01", date(2026, 3, 2), Decimal("10"), key="a")
    assert rules_store.rulebook_of(rules_store.current_snapshot(village.code)).account.reset_on == (
        2,
        29,
    )
    assert standings.balance(home, date(2026, 7, 1)) == Decimal("11")
    assert standings.standings(village, Q1).of(home.id).balance == Decimal("11")


def _write(app, text: str) -> Path:
    path = Path(app.instance_path) / "rulebook.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_range_item_takes_points_at_the_rulebook_precision(app, place):
    _, (home, _), _, _ = place
    text = ROUNDING.read_text(encoding="utf-8").replace("precision = 1", "precision = 2")
    text += '\n[[categories.items]]\ncode = "R-01"\ntitle = "按情节"\narticle = "第四条"\n'
    text += "range = { min = -5, max = -1 }\n"
    rules_store.store(_write(app, text), actor_label="test")
    db.session.commit()
    entry = _post(place, home, "R-01", date(2026, 3, 2), Decimal("-2.25"))
    db.session.expire_all()
    assert entry.points == Decimal("-2.25")
    with pytest.raises(ledger.SubmissionRefused) as refused:
        _post(place, home, "R-01", date(2026, 3, 3), Decimal("-2.125"), key="x")
    ((_, problem),) = refused.value.problems
    assert str(problem) == "事项 R-01 的分值须在 -5 到 -1 之间（最多两位小数），填的是 -2.125。"
