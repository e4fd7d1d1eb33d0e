"""Item shapes on the pages (issue 14 C): a levels item chosen as "item — level" in the record,
batch and declaration forms (no JavaScript needed), the level and a companion's source on the
entry page, levels and value bands on the rules page."""

from datetime import date
from decimal import Decimal

from pointsys import ledger
from pointsys.extensions import db
from pointsys.ledger import Draft

from .test_ledger_views import as_user, batch_saved, entries, hidden

TODAY = date(2026, 11, 21)


def test_the_record_form_offers_each_level_and_records_the_one_chosen(client, village):
    h = village.households[0]
    as_user(client, "clerk")
    path = f"/ledger/record?household={h.id}"
    html = client.get(path).get_data(as_text=True)
    assert 'value="CIV-08|国家级"' in html and "CIV-08 获得各级表彰 — 省级 +50 · " in html
    assert 'value="CIV-08"' not in html  # never without a level
    assert 'value="PUB-09"' not in html  # posted with PUB-01 only
    data = {**hidden(client, path), "item": "CIV-08|省级", "on": "2026-08-03"}
    html = client.post(path, data=data, follow_redirects=True).get_data(as_text=True)
    (entry,) = entries()
    assert (entry.item_code, entry.level, entry.requested) == ("CIV-08", "省级", Decimal(50))
    assert "待审核，申请 +50 分" in html
    page = client.get(f"/ledger/entries/{entry.id}").get_data(as_text=True)
    assert "<dt>级别</dt><dd>省级</dd>" in page


def test_a_level_missing_or_unknown_is_a_form_error(client, village):
    h = village.households[0]
    as_user(client, "clerk")
    path = f"/ledger/record?household={h.id}"
    for item, message in (
        ("CIV-08", "事项 CIV-08 须选择级别，可选的有："),
        ("CIV-08|乡级", "事项 CIV-08 没有 “乡级” 这个级别，可选的有："),
    ):
        data = {**hidden(client, path), "item": item, "on": "2026-08-03"}
        response = client.post(path, data=data)
        assert response.status_code == 400
        assert message + "国家级 +100、省级 +50、市级 +20、县级 +10、镇级 +5、村级 +3。" in (
            response.get_data(as_text=True)
        )
    assert entries() == []


def test_the_batch_form_records_the_level_for_every_household(client, village):
    a, b, _ = village.households
    as_user(client, "clerk")
    path = f"/ledger/batch?group={village.group.id}"
    data = {
        **hidden(client, path),
        "item": "CIV-08|村级",
        "on": "2026-09-18",
        "household_ids": [str(a.id), str(b.id)],
    }
    html = batch_saved(client, path, data, follow_redirects=True).get_data(as_text=True)
    assert "已为一组 2 户记录 CIV-08 获得各级表彰（待审核，申请 +6 分）" in html
    assert [(e.household_id, e.level) for e in entries()] == [(a.id, "村级"), (b.id, "村级")]


def test_the_entry_page_links_a_companion_and_its_source(client, village):
    h = village.households[0]
    sources = []
    for key, hours in (("a", 40), ("b", 15)):
        (entry,) = ledger.record(
            village.village,
            [Draft(h.id, "PUB-01", date(2026, 8, 3), Decimal(hours))],
            key=key,
            actor=village.clerk,
            today=TODAY,
        ).entries
        ledger.approve([entry], reviewer=village.supervisor, today=TODAY)
        db.session.commit()
        sources.append(entry)
    (companion,) = sources[1].companions
    as_user(client, "supervisor")
    page = client.get(f"/ledger/entries/{companion.id}").get_data(as_text=True)
    assert f"#{sources[1].id} PUB-01 志愿服务（按小时）</a>" in page
    assert "由 PUB-01 志愿服务（按小时） 自动累计；来源记录冲正时一同冲正。" in page
    page = client.get(f"/ledger/entries/{sources[1].id}").get_data(as_text=True)
    assert f"#{companion.id}</a> PUB-09 志愿服务累计里程碑 +5" in page
    assert "随之自动累计的 1 条记录会一同冲正。" in page
    ledger_page = client.get(f"/ledger/households/{h.id}").get_data(as_text=True)
    assert f"随 #{sources[1].id} 自动累计" in ledger_page


def test_the_rules_page_lists_levels_value_bands_and_accumulations(client, village):
    html = client.get("/rules/demo").get_data(as_text=True)
    assert "国家级 +100 分、省级 +50 分、市级 +20 分、县级 +10 分、镇级 +5 分、村级 +3 分" in html
    assert "1–1000元 +1 分；1000.1–5000元 +3 分；5000.1元及以上 +5 分" in html
    assert (
        "自入户起，累计 50小时 +5 分, 累计 100小时 +10 分, 累计 200小时 +20 分"
        "（按 PUB-01 的记录自动累计）"
    ) in html
