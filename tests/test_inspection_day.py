"""Inspection day (检查日), measured: 30 households of a group, 25 get ENV-01 +2, three ENV-05
-2, two ENV-06 scored -3 and -1 by severity. Through the batch form, as a clerk clicks it:
at most 10 clicks and one submission per item (the README states the count)."""

from datetime import date
from decimal import Decimal

import pytest

from pointsys import ledger
from pointsys.extensions import db
from pointsys.ledger import Draft
from pointsys.localtime import app_today
from pointsys.models import Household, Member, Submission
from pointsys.views.ledger_forms import BatchRow, BatchRowsRefused, batch_rows

from .clicks import Clerk
from .conftest import REGISTERED_ON
from .test_ledger_views import as_user, entries, hidden

FORM = "batch-form"


@pytest.fixture
def thirty(village):
    """The village fixture's 一组 grown to 30 households (001, 002, then 004–031)."""
    for n in range(4, 32):
        household = Household(
            village=village.village,
            number=f"{n:03d}",
            head_name=f"户主{n}",
            group_id=village.group.id,
            registered_on=REGISTERED_ON,
        )
        household.members = [Member(name=f"户主{n}", relation="户主")]
        db.session.add(household)
    db.session.commit()
    rows = db.session.execute(
        db.select(Household)
        .where(Household.group_id == village.group.id)
        .order_by(Household.number)
    ).scalars()
    return list(rows)


def test_inspection_day_takes_ten_clicks_and_one_submission_per_item(client, village, thirty):
    assert len(thirty) == 30
    day = app_today().isoformat()
    as_user(client, "clerk")
    clerk = Clerk(client)
    clerk.open("/")
    clerk.follow("批量记分")  # one group: its batch page at once
    assert "批量记分 · 一组" in clerk.html

    # 25 households +2: "1" once for every household, x for the five that failed.
    clerk.choose(FORM, "item", "ENV-01")
    clerk.type(FORM, "on", day)
    clerk.type(FORM, "quantity", "1")
    for h in thirty[25:]:
        clerk.type(FORM, f"value-{h.id}", "x")
    clerk.press(FORM, "step", "preview")
    assert clerk.status == 200, clerk.html
    assert "预览：保存后每户得分" in clerk.html and "共 25 户" in clerk.html
    assert entries() == []  # a preview writes nothing
    clerk.press(FORM, "step", "save")
    assert "已为一组 25 户记录 ENV-01 庭院整洁，季度检查合格（已直接入账，共 +50 分）" in clerk.html
    # The next batch keeps the item and the day.
    assert clerk.forms[FORM]["fields"]["item"] == "ENV-01"
    assert clerk.forms[FORM]["fields"]["on"] == day

    # Three households -2.
    clerk.choose(FORM, "item", "ENV-05")
    for h in thirty[25:28]:
        clerk.type(FORM, f"value-{h.id}", "√")
    clerk.press(FORM, "step", "preview")
    assert "共 3 户" in clerk.html
    clerk.press(FORM, "step", "save")
    assert "已为一组 3 户记录 ENV-05" in clerk.html

    # Two households scored by severity, -3 and -1, in one submission.
    clerk.choose(FORM, "item", "ENV-06")
    clerk.type(FORM, f"value-{thirty[28].id}", "-3")
    clerk.type(FORM, f"value-{thirty[29].id}", "-1")
    clerk.press(FORM, "step", "preview")
    assert "共 2 户" in clerk.html
    clerk.press(FORM, "step", "save")
    assert "已为一组 2 户记录 ENV-06" in clerk.html

    assert clerk.clicks == 10  # README "Inspection day" states this number
    assert clerk.posts == 6  # a preview and a save per item
    submissions = db.session.execute(db.select(Submission)).scalars().all()
    assert [s.source for s in submissions] == ["batch", "batch", "batch"]  # one per item
    got = {(e.household_id, e.item_code, e.requested) for e in entries()}
    expected = {(h.id, "ENV-01", Decimal(2)) for h in thirty[:25]}
    expected |= {(h.id, "ENV-05", Decimal(-2)) for h in thirty[25:28]}
    expected |= {(thirty[28].id, "ENV-06", Decimal(-3)), (thirty[29].id, "ENV-06", Decimal(-1))}
    assert got == expected


def test_the_preview_applies_caps_and_saving_needs_what_was_previewed(client, village):
    a, b, _ = village.households
    as_user(client, "clerk")
    path = f"/ledger/batch?group={village.group.id}"
    data = {
        **hidden(client, path),
        "item": "PUB-01",
        "on": "2026-08-03",
        f"value-{a.id}": "8",
        f"value-{b.id}": "2",
        "step": "preview",
    }
    response = client.post(path, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    # 8 hours ask +8; PUB-01 grants at most 4 per entry: the preview says +4 and why.
    assert "提醒：该事项每次最多计 4 分，本次计 4 分。" in html
    assert "<strong>+4</strong>" in html and "<strong>+2</strong>" in html
    assert entries() == []
    # Saving something other than what was previewed shows the new preview, saves nothing.
    digest = ledger.drafts_digest(
        "batch",
        [
            Draft(a.id, "PUB-01", date(2026, 8, 3), Decimal(8)),
            Draft(b.id, "PUB-01", date(2026, 8, 3), Decimal(2)),
        ],
    )
    assert f'value="{digest}"' in html
    changed = {**data, f"value-{b.id}": "3", "step": "save", "previewed": digest}
    html = client.post(path, data=changed).get_data(as_text=True)
    assert "内容在预览后改过了，还没有保存；请核对下面的新预览再保存。" in html
    assert entries() == []
    saved = {**data, "step": "save", "previewed": digest}
    html = client.post(path, data=saved, follow_redirects=True).get_data(as_text=True)
    assert "已为一组 2 户记录 PUB-01" in html
    assert [(e.household_id, e.quantity) for e in entries()] == [(a.id, 8), (b.id, 2)]


def test_row_errors_name_the_household(client, village):
    a, b, _ = village.households
    as_user(client, "clerk")
    path = f"/ledger/batch?group={village.group.id}"
    base = {**hidden(client, path), "on": "2026-08-03", "step": "preview"}
    response = client.post(path, data={**base, "item": "ENV-01", f"value-{a.id}": "5"})
    assert response.status_code == 400
    assert (
        "001 张三明：这个事项不用填数值：要记这一户请填 1 或 √，不记请填 x 或留空。"
        in response.get_data(as_text=True)
    )
    response = client.post(path, data={**base, "item": "ENV-06", f"value-{b.id}": "abc"})
    assert "002 李四：数量 “abc” 不是数字。" in response.get_data(as_text=True)
    response = client.post(path, data={**base, "item": "ENV-06", f"value-{b.id}": "√"})
    assert "002 李四：这个事项要填数值，“√” 不是数值。" in response.get_data(as_text=True)
    response = client.post(path, data={**base, "item": "ENV-06", f"value-{b.id}": "-9"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "002 李四：" in html and "-9" in html
    response = client.post(path, data={**base, "item": "ENV-06"})
    assert "没有要记录的内容：请至少选择一户。" in response.get_data(as_text=True)
    assert entries() == []


def test_batch_rows_reads_boxes_ticks_and_the_value_for_every_household():
    ids = [1, 2, 3, 4]
    # Nothing ticked: the common value fills every blank box; x leaves a household out.
    assert batch_rows(ids, set(), {2: "x", 3: "-3"}, "-1", True) == [
        BatchRow(1, "-1"),
        BatchRow(3, "-3"),
        BatchRow(4, "-1"),
    ]
    # Ticked households take the common value; a typed box chooses its household anyway.
    assert batch_rows(ids, {1, 2}, {4: "2"}, "5", True) == [
        BatchRow(1, "5"),
        BatchRow(2, "5"),
        BatchRow(4, "2"),
    ]
    # An item without a value: marks choose, nothing else is taken.
    assert batch_rows(ids, {1}, {3: "√", 4: "1"}, "", False) == [
        BatchRow(1, None),
        BatchRow(3, None),
        BatchRow(4, None),
    ]
    with pytest.raises(BatchRowsRefused) as refused:
        batch_rows(ids, set(), {2: "3"}, "", False)
    assert [p.household_id for p in refused.value.problems] == [2]


def test_the_batch_page_opens_on_the_group_batched_last(client, village):
    from pointsys.models import VillageGroup

    second = VillageGroup(village_id=village.village.id, name="二组", sort_order=2)
    db.session.add(second)
    db.session.commit()
    a = village.households[0]
    as_user(client, "clerk")
    html = client.get("/ledger/batch").get_data(as_text=True)
    assert "批量记分：选村民小组" in html  # two groups, none batched yet
    path = f"/ledger/batch?group={village.group.id}"
    data = {**hidden(client, path), "item": "ENV-01", "on": "2026-08-03", f"value-{a.id}": "1"}
    preview = client.post(path, data={**data, "step": "preview"}).get_data(as_text=True)
    digest = ledger.drafts_digest("batch", [Draft(a.id, "ENV-01", date(2026, 8, 3))])
    assert digest in preview
    client.post(path, data={**data, "step": "save", "previewed": digest})
    html = client.get("/ledger/batch").get_data(as_text=True)
    assert "批量记分 · 一组" in html and f"/ledger/batch?group={second.id}" in html
