"""A resident declares a good deed: pending for review, never posted directly, awards only."""

from datetime import date

import pytest

from pointsys import declarations, ledger
from pointsys.extensions import db
from pointsys.ledger import PointsError

TODAY = date(2026, 11, 21)


def test_a_declaration_is_pending_even_for_an_item_that_needs_no_review(village):
    h = village.households[0]
    result = declarations.declare(
        h, "ENV-01", date(2026, 11, 2), "院子打扫干净", key="d1", today=TODAY
    )
    db.session.commit()
    (entry,) = result.entries
    assert entry.status == "pending" and entry.source == "declaration"
    assert entry.created_label == "户001" and entry.created_by_id is None
    assert declarations.declarations_of(h) == [entry]
    ledger.approve([entry], reviewer=village.supervisor, today=TODAY)
    db.session.commit()
    assert entry.points == 2


def test_declarations_are_for_awards_with_a_note(village):
    h = village.households[0]
    with pytest.raises(PointsError) as penalty:
        declarations.declare(h, "ENV-05", date(2026, 11, 2), "x", key="d1", today=TODAY)
    assert str(penalty.value) == "事项 ENV-05 不能由农户申报；扣分事项由村里记录。"
    with pytest.raises(PointsError) as no_note:
        declarations.declare(h, "FIL-02", date(2026, 11, 2), "  ", key="d2", today=TODAY)
    assert str(no_note.value) == "请简单写明做了什么好事（时间、地点、经过），便于核实。"
    with pytest.raises(PointsError) as long_note:
        declarations.declare(h, "FIL-02", date(2026, 11, 2), "好" * 501, key="d3", today=TODAY)
    assert str(long_note.value) == "说明太长了，请不超过 500 个字。"
    codes = {v.code for v in declarations.declarable_items(h, TODAY)}
    assert "FIL-02" in codes and "ENV-05" not in codes and "FIL-06" not in codes


def test_a_resident_declares_a_level_and_cannot_declare_an_accumulated_item(village):
    h = village.households[0]
    codes = {v.code for v in declarations.declarable_items(h, date(2026, 11, 2))}
    assert "CIV-08" in codes and "PUB-01" in codes and "PUB-09" not in codes
    (entry,) = declarations.declare(
        h, "CIV-08", date(2026, 11, 2), "获评县级文明家庭", key="d1", level="县级", today=TODAY
    ).entries
    assert (entry.level, entry.requested, entry.status) == ("县级", 10, "pending")
    with pytest.raises(PointsError) as caught:
        declarations.declare(h, "PUB-09", date(2026, 11, 2), "累计志愿", key="d2", today=TODAY)
    assert str(caught.value) == "事项 PUB-09 按 PUB-01 的记录自动累计，不能申报；请申报 PUB-01。"
