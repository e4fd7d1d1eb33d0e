"""The household's own page (door-plaque QR): balance, quarter points, rank, tier and entries."""

from pointsys import ledger
from pointsys.extensions import db
from pointsys.ledger import Draft
from pointsys.localtime import app_today


def test_the_plaque_page_shows_the_households_points_and_entries(village, client):
    h1, h2, _ = village.households
    today = app_today()
    posted = ledger.record(
        village.village, [Draft(h1.id, "SAF-03", today)], key="a", actor=village.clerk
    ).entries
    ledger.approve(posted, reviewer=village.supervisor)
    ledger.record(village.village, [Draft(h1.id, "FIL-02", today)], key="b", actor=village.clerk)
    other = ledger.record(
        village.village, [Draft(h2.id, "SAF-02", today)], key="c", actor=village.clerk
    ).entries
    ledger.approve(other, reviewer=village.supervisor)
    h1.plaque_token = "t" * 32
    db.session.commit()

    html = client.get("/h/" + "t" * 32).get_data(as_text=True)
    assert "积分余额" in html and "105" in html  # base 100 + 5 approved; pending not counted
    assert "第 1 名 / 3 户" in html
    assert "还有 1 条记录待审核（0.5 分），审核通过后才计入积分。" in html
    assert "+5" in html and "已审核" in html and "待审核" in html
    assert "SAF-02" not in html and "+2" not in html  # nothing of household 002
