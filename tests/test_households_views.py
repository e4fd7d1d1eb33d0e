"""The households pages: who may see what, search and paging, the two-step import, plaques."""

import io
import re

import pytest
from openpyxl import load_workbook

from pointsys import households as registry
from pointsys.extensions import db
from pointsys.models import AuditEvent, Household, Village, VillageGroup

from .conftest import csrf_token, login
from .test_roster import GOOD, MEMBERS, xlsx


@pytest.fixture
def village(app):
    with app.app_context():
        village = Village(code="v1", name="幸福村")
        db.session.add(village)
        db.session.flush()
        group = registry.create_group(village, "一组", actor="test")
        registry.create_group(village, "二组", actor="test")
        for number, head in (("001", "张三明"), ("002", "李建国")):
            registry.create_household(
                village, number=number, head_name=head, group=group, actor="test"
            )
        db.session.commit()
        return village.id


@pytest.fixture
def admin(client, make_user, village):
    login(client, *make_user("admin1", roles=("admin",)))
    return client


def _assign(app, username, *group_names):
    from pointsys import accounts

    with app.app_context():
        village = db.session.execute(db.select(Village)).scalar_one()
        groups = accounts.find_groups(village, group_names)
        accounts.set_groups(accounts.find_user(username), groups, actor="test")
        db.session.commit()


def _household(app, number):
    with app.app_context():
        h = db.session.execute(db.select(Household).filter_by(number=number)).scalar_one()
        return h.id, h.plaque_token


def test_roles(client, make_user, village):
    login(client, *make_user("sup", roles=("supervisor",)))
    assert client.get("/households/").status_code == 403
    client.post("/auth/logout", data={"csrf_token": csrf_token(client)})
    login(client, *make_user("leader", roles=("group_leader",)))
    assert "张三明" not in client.get("/households/").get_data(as_text=True)  # no group yet
    _assign(client.application, "leader", "一组")
    html = client.get("/households/").get_data(as_text=True)
    assert "张三明" in html and "导入名册" not in html
    assert client.get("/households/import").status_code == 403
    assert client.get("/households/export.xlsx").status_code == 403
    assert client.get("/households/plaques").status_code == 403
    assert client.get("/households/groups").status_code == 403


def test_anonymous_staff_pages_redirect_to_login(client, village):
    response = client.get("/households/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_search_filters_and_paging(app, admin, village):
    with app.app_context():
        v = db.session.get(Village, village)
        for i in range(3, 61):
            registry.create_household(v, number=f"{i:03d}", head_name="王大海", actor="t")
        db.session.commit()
    html = admin.get("/households/?q=zsm").get_data(as_text=True)
    assert "张三明" in html and "李建国" not in html
    html = admin.get("/households/").get_data(as_text=True)
    assert "共 60 户" in html and "第 1 / 2 页" in html and "060" not in html
    html = admin.get("/households/?page=2").get_data(as_text=True)
    assert ">060<" in html and ">001<" not in html
    with app.app_context():
        group_id = db.session.execute(db.select(VillageGroup.id).limit(1)).scalar()
    html = admin.get(f"/households/?group={group_id}").get_data(as_text=True)
    assert "共 2 户" in html


def test_create_and_edit_household(app, admin, village):
    token = csrf_token(admin, "/households/new")
    data = {"csrf_token": token, "number": "003", "head_name": "赵春花", "group_id": "0"}
    response = admin.post("/households/new", data={**data, "phone": "123"})
    assert "电话“123”格式不对：应为 11 位手机号或带区号的座机号" in response.get_data(as_text=True)
    response = admin.post("/households/new", data=data, follow_redirects=True)
    assert "已登记户号 003。" in response.get_data(as_text=True)
    html = admin.post("/households/new", data=data).get_data(as_text=True)
    assert "户号 003 已存在" in html
    household_id, _ = _household(app, "003")
    response = admin.post(
        f"/households/{household_id}/edit",
        data={"csrf_token": token, "head_name": "赵春花", "tags": "军属、低保户", "group_id": "0"},
        follow_redirects=True,
    )
    assert "已保存。" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Household, household_id).tags == ["低保户", "军属"]


def test_forms_need_csrf(admin, village):
    assert admin.post("/households/new", data={"number": "9", "head_name": "x"}).status_code == 400
    assert admin.post("/households/1/rotate-token").status_code == 400
    assert admin.post("/households/import/commit").status_code == 400


def test_status_split_merge_through_the_pages(app, admin, village):
    household_id, _ = _household(app, "001")
    token = csrf_token(admin, f"/households/{household_id}")
    member = admin.post(
        f"/households/{household_id}/members",
        data={"csrf_token": token, "name": "张小军", "relation": "子", "sex": "M"},
        follow_redirects=True,
    )
    assert "已添加家庭成员。" in member.get_data(as_text=True)
    with app.app_context():
        son_id = db.session.get(Household, household_id).members[-1].id
    response = admin.post(
        f"/households/{household_id}/split",
        data={
            "csrf_token": token,
            "member_ids": [str(son_id)],
            "new_head_id": str(son_id),
            "new_number": "001-1",
            "effective_on": "2026-05-01",
        },
        follow_redirects=True,
    )
    assert "已分户：新户户号 001-1。" in response.get_data(as_text=True)
    response = admin.post(
        f"/households/{household_id}/split",
        data={
            "csrf_token": token,
            "new_head_id": "1",
            "new_number": "x",
            "effective_on": "2026-05-01",
        },
    )
    assert response.status_code == 400 and "请选择要分出的家庭成员" in response.get_data(
        as_text=True
    )
    new_id, _ = _household(app, "001-1")
    response = admin.post(
        f"/households/{new_id}/merge",
        data={"csrf_token": token, "survivor_number": "404", "effective_on": "2026-06-01"},
    )
    assert "户号 404 不存在" in response.get_data(as_text=True)
    response = admin.post(
        f"/households/{new_id}/merge",
        data={"csrf_token": token, "survivor_number": "001", "effective_on": "2026-06-01"},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "已合户：并入户号 001。" in html
    html = admin.get(f"/households/{new_id}").get_data(as_text=True)
    assert "这一户已注销（2026-06-01），记录只读。" in html and "修改户籍" not in html
    two_id, _ = _household(app, "002")
    response = admin.post(
        f"/households/{two_id}/status",
        data={"csrf_token": token, "status": "moved_out", "effective_on": "2026-07-01"},
        follow_redirects=True,
    )
    assert "状态已更改；这一户的记录从此只读。" in response.get_data(as_text=True)
    response = admin.post(
        f"/households/{two_id}/edit",
        data={"csrf_token": token, "head_name": "改名", "group_id": "0"},
    )
    assert "户号 002 已迁出（2026-07-01），记录只读，不能修改" in response.get_data(as_text=True)


def test_groups_page(admin, village):
    token = csrf_token(admin, "/households/groups")
    response = admin.post("/households/groups", data={"csrf_token": token, "name": "三组"})
    assert response.status_code == 302
    html = admin.post("/households/groups", data={"csrf_token": token, "name": "三组"}).get_data(
        as_text=True
    )
    assert "村民小组“三组”已存在" in html


def _upload(client, data, name="名册.xlsx"):
    token = csrf_token(client, "/households/import")
    return client.post(
        "/households/import",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _commit_fields(html):
    return {
        name: re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html).group(1)
        for name in ("csrf_token", "sha256", "digest")
    }


def test_upload_preview_then_commit(app, admin, village):
    response = _upload(
        admin, xlsx([*GOOD, ["003", "王大海", None, "一组", None, None, None, None]], MEMBERS)
    )
    html = response.get_data(as_text=True)
    assert "新建 1 户，更新 2 户，更新成员 1 户，未变 0 户。" in html
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Household.id))).scalar() == 2
    response = admin.post(
        "/households/import/commit", data=_commit_fields(html), follow_redirects=True
    )
    assert "导入完成：新建 1 户，更新 2 户，更新成员 1 户，未变 0 户。" in response.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Household.id))).scalar() == 3
        actors = set(db.session.execute(db.select(AuditEvent.actor_label)).scalars())
        assert "admin1" in actors
    # The same file again: nothing left to do.
    html = _upload(
        admin, xlsx([*GOOD, ["003", "王大海", None, "一组", None, None, None, None]], MEMBERS)
    ).get_data(as_text=True)
    assert "新建 0 户，更新 0 户，更新成员 0 户，未变 3 户。" in html


def test_commit_refuses_when_the_registry_changed_since_preview(app, admin, village):
    html = _upload(admin, xlsx(GOOD)).get_data(as_text=True)
    with app.app_context():
        v = db.session.get(Village, village)
        registry.update_household(registry.find_household(v, "002"), actor="t", address="别处")
        db.session.commit()
    response = admin.post(
        "/households/import/commit", data=_commit_fields(html), follow_redirects=True
    )
    assert "预览之后户籍数据有了变化；请重新上传名册，核对预览后再导入" in response.get_data(
        as_text=True
    )
    fields = {**_commit_fields(html), "sha256": "f" * 64}
    response = admin.post("/households/import/commit", data=fields, follow_redirects=True)
    assert "预览已失效，请重新上传名册" in response.get_data(as_text=True)


def test_preview_with_problems_offers_no_commit(admin, village):
    html = _upload(admin, xlsx([GOOD[0], ["001", None]])).get_data(as_text=True)
    assert "「户」第 2 行 B（户主） 列：缺少户主姓名" in html
    assert "名册有问题，不能导入。请在 Excel 中改正后重新上传。" in html
    assert "确认导入" not in html


def test_upload_refusals_are_shown(app, admin, village):
    response = _upload(admin, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls")
    assert response.status_code == 400
    assert "请另存为 .xlsx 格式后再上传" in response.get_data(as_text=True)
    token = csrf_token(admin, "/households/import")
    response = admin.post("/households/import", data={"csrf_token": token})
    assert "请选择名册文件。" in response.get_data(as_text=True)
    app.config["ROSTER_MAX_BYTES"] = 100
    assert "文件太大" in _upload(admin, xlsx(GOOD)).get_data(as_text=True)


def test_template_and_export_downloads(admin, client, village):
    response = admin.get("/households/template.xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(admin.get("/households/export.xlsx").data))
    assert [c.value for c in wb["户"]["A"]] == ["户号", "001", "002"]


def test_plaques_and_the_resident_page(app, admin, village):
    household_id, token = _household(app, "001")
    html = admin.get("/households/plaques").get_data(as_text=True)
    assert html.count('class="plaque"') == 2 and "<svg" in html and "@page { size: A4" in html
    public = admin.application.test_client()
    response = public.get(f"/h/{token}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "户号 001" in page
    assert "<dd>张*明</dd>" in page and "张三明" not in page  # [plaque] names = "masked"
    assert response.headers["Cache-Control"] == "no-store"
    rotate = admin.post(
        f"/households/{household_id}/rotate-token",
        data={"csrf_token": csrf_token(admin, f"/households/{household_id}")},
        follow_redirects=True,
    )
    assert "已更换二维码；旧门牌上的二维码已失效，请重新打印门牌。" in rotate.get_data(as_text=True)
    assert public.get(f"/h/{token}").status_code == 404
    _, new_token = _household(app, "001")
    assert public.get(f"/h/{new_token}").status_code == 200
    assert public.get("/h/" + "x" * 100).status_code == 404


def test_a_new_household_is_registered_from_the_day_the_admin_gives(app, admin, village):
    from pointsys.localtime import app_today

    token = csrf_token(admin, "/households/new")
    page = admin.get("/households/new").get_data(as_text=True)
    with app.app_context():
        today = app_today().isoformat()
    assert "在册日期" in page and f'value="{today}"' in page
    data = {"csrf_token": token, "number": "003", "head_name": "赵春花", "group_id": "0"}
    future = admin.post("/households/new", data={**data, "registered_on": "2999-01-01"})
    assert "在册日期 2999-01-01 还没到；请填写实际登记在册的日期。" in future.get_data(as_text=True)
    admin.post("/households/new", data={**data, "registered_on": "2019-05-01"})
    with app.app_context():
        household = db.session.execute(db.select(Household).filter_by(number="003")).scalar_one()
        assert str(household.registered_on) == "2019-05-01"
