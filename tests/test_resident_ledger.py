"""A signed-in household sees its own points and declares good deeds; never another's."""

from datetime import date

from pointsys import ledger, residents
from pointsys.extensions import db
from pointsys.ledger import Draft
from pointsys.localtime import app_today
from pointsys.models import Entry

from .conftest import csrf_token


def _sign_in(client, village, household):
    pin = residents.issue_pin(household, actor="test")
    db.session.commit()
    token = csrf_token(client, "/me/login")
    response = client.post(
        "/me/login", data={"csrf_token": token, "number": household.number, "pin": pin}
    )
    assert response.status_code == 302


def test_the_resident_page_shows_the_households_own_points(village, client):
    h1, h2, _ = village.households
    mine = ledger.record(
        village.village, [Draft(h1.id, "SAF-03", app_today())], key="a", actor=village.clerk
    ).entries
    ledger.approve(mine, reviewer=village.supervisor)
    theirs = ledger.record(
        village.village, [Draft(h2.id, "SAF-02", app_today())], key="b", actor=village.clerk
    ).entries
    ledger.approve(theirs, reviewer=village.supervisor)
    db.session.commit()
    _sign_in(client, village, h1)
    html = client.get("/me/").get_data(as_text=True)
    assert "第 1 名 / 3 户" in html
    # Each balance of the demo rulebook under its own name, the main one first.
    figures = html.split('class="figure-label">')[1:4]
    assert [f.split("</span>")[0] for f in figures] == ["年度积分", "荣誉积分", "可兑换积分"]
    assert [f.split('figure-value">')[1].split("<")[0] for f in figures] == ["105", "5", "5"]
    assert "+5" in html and "+2" not in html
    assert "暂停享受村集体福利" not in html


def test_the_resident_page_shows_a_status(village, client):
    h1 = village.households[0]
    for n in range(4):  # 100 - 4 × 10 = 60, below the demo's 70
        posted = ledger.record(
            village.village, [Draft(h1.id, "CUS-05", app_today())], key=f"s{n}", actor=village.clerk
        ).entries
        ledger.approve(posted, reviewer=village.supervisor)
    db.session.commit()
    _sign_in(client, village, h1)
    html = client.get("/me/").get_data(as_text=True)
    assert '<p class="note status status-suspended" role="status">暂停享受村集体福利</p>' in html


def test_a_declaration_is_pending_and_its_progress_shows(village, client):
    h1 = village.households[0]
    _sign_in(client, village, h1)
    page = client.get("/me/declare").get_data(as_text=True)
    key = page.split('name="key" type="hidden" value="')[1].split('"')[0]
    data = {
        "csrf_token": csrf_token(client, "/me/declare"),
        "key": key,
        "item": "FIL-02",
        "occurred_on": app_today().isoformat(),
        "quantity": "",
        "note": "",
    }
    empty = client.post("/me/declare", data=data).get_data(as_text=True)
    assert "请简单写明做了什么好事（时间、地点、经过），便于核实。" in empty
    data["note"] = "帮邻居收玉米"
    response = client.post("/me/declare", data=data, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "已提交申报，村里审核后计入积分；进度见下方积分记录。" in html
    assert "待审核" in html
    client.post("/me/declare", data=data)  # a double submit makes one entry
    entries = db.session.execute(db.select(Entry)).scalars().all()
    assert [(e.source, e.status, e.household_id) for e in entries] == [
        ("declaration", "pending", h1.id)
    ]


def test_staff_cannot_use_the_resident_pages(village, client):
    from .conftest import login

    login(client, "clerk", "correct horse 1")
    assert client.get("/me/declare").status_code == 403


def test_a_resident_objects_during_the_publicity_period_and_sees_the_answer(village, client):
    from pointsys import publishing
    from pointsys.periods import Period

    h1, h2, _ = village.households
    q3 = Period.parse("2026Q3")
    posted = ledger.record(
        village.village, [Draft(h2.id, "SAF-03", date(2026, 8, 1))], key="a", actor=village.clerk
    ).entries
    ledger.approve(posted, reviewer=village.supervisor)
    ledger.close_quarter(village.village, q3, actor=village.admin)
    publication = publishing.publish(village.village, q3, village.admin, publishing.Deadlines())
    db.session.commit()
    _sign_in(client, village, h1)
    page = client.get("/me/objections").get_data(as_text=True)
    assert "2026Q3 第 1 版" in page
    data = {
        "csrf_token": csrf_token(client, "/me/objections"),
        "publication": str(publication.id),
        "number": "002",
        "text": "",
    }
    empty = client.post("/me/objections", data=data).get_data(as_text=True)
    assert "请写明异议的内容：对哪一户、哪条记录或哪个名次有什么不同意见。" in empty
    data.update(number="999", text="不属实")
    assert "没有户号为“999”的户，请核对。" in client.post("/me/objections", data=data).get_data(
        as_text=True
    )
    data.update(number="002", text="李四那天不在村里")
    html = client.post("/me/objections", data=data, follow_redirects=True).get_data(as_text=True)
    assert "异议已提交，监督委员会将在规定期限内答复。" in html
    assert "李四那天不在村里" in html and "待处理" in html
    (objection,) = publishing.objections_raised_by("resident:demo:001")
    assert objection.household_id == h2.id and objection.publication_id == publication.id


def test_a_declaration_carries_photos_the_household_can_see(village, client):
    import io

    from PIL import Image

    from pointsys.models import EntryPhoto

    h1 = village.households[0]
    _sign_in(client, village, h1)
    page = client.get("/me/declare").get_data(as_text=True)
    key = page.split('name="key" type="hidden" value="')[1].split('"')[0]
    picture = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(picture, "JPEG")
    data = {
        "csrf_token": csrf_token(client, "/me/declare"),
        "key": key,
        "item": "FIL-02",
        "occurred_on": app_today().isoformat(),
        "note": "帮邻居收玉米",
        "photos": [(io.BytesIO(picture.getvalue()), "corn.jpg")],
    }
    client.post("/me/declare", data=data, content_type="multipart/form-data")
    (photo,) = db.session.execute(db.select(EntryPhoto)).scalars().all()
    assert photo.uploaded_label == "resident:demo:001"
    served = client.get(f"/evidence/{photo.id}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"


def test_pending_points_show_what_approval_would_grant_with_caps_applied(village, client):
    """ENV-02 is 1 point, at most 3 a quarter: with 2 approved, two more pending would grant 1."""
    h1 = village.households[0]
    day = app_today()
    approved = ledger.record(
        village.village,
        [Draft(h1.id, "ENV-02", day), Draft(h1.id, "ENV-02", day)],
        key="approved",
        actor=village.clerk,
    ).entries
    ledger.approve(approved, reviewer=village.supervisor)
    ledger.record(
        village.village,
        [Draft(h1.id, "ENV-02", day), Draft(h1.id, "ENV-02", day)],
        key="pending",
        actor=village.clerk,
    )
    db.session.commit()
    _sign_in(client, village, h1)
    html = client.get("/me/").get_data(as_text=True)
    assert "还有 2 条记录待审核（1 分），审核通过后才计入积分。" in html
    shown = [p.split("<")[0] for p in html.split('class="entry-points">')[1:]]
    assert sorted(shown) == ["+1", "+1", "+1", "0"]


def test_a_group_ranked_village_counts_the_rank_among_the_group(village, client, tmp_path):
    from pointsys import rules_store

    text = rules_store.DEMO_RULEBOOK.read_text(encoding="utf-8")
    grouped = tmp_path / "demo.toml"
    grouped.write_text(text.replace('scope = "village"', 'scope = "group"'), encoding="utf-8")
    rules_store.store(grouped, actor_label="test")
    db.session.commit()
    h1 = village.households[0]  # in 一组 with 002; 003 is in no group
    _sign_in(client, village, h1)
    html = client.get("/me/").get_data(as_text=True)
    assert "第 1 名 / 2 户" in html
