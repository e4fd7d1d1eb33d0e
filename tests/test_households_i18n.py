"""Household and roster messages in English: translated when shown, in the reader's language."""

from datetime import date

from flask_babel import force_locale

from pointsys import households as registry
from pointsys.extensions import db
from pointsys.households import roster
from pointsys.models import AuditEvent, HouseholdStatus, Village

from .conftest import csrf_token
from .test_households_views import _commit_fields, _upload, admin, village  # noqa: F401
from .test_roster import GOOD, HEADER, xlsx


def _english(client):
    client.post("/language", data={"csrf_token": csrf_token(client), "lang": "en"})


def test_registry_error_is_shown_in_english_after_switching(admin, village):  # noqa: F811
    _english(admin)
    token = csrf_token(admin, "/households/groups")
    html = admin.post("/households/groups", data={"csrf_token": token, "name": "一组"}).get_data(
        as_text=True
    )
    assert "Village group “一组” already exists." in html
    assert "已存在" not in html


def test_read_only_household_error_in_english(app, admin, village):  # noqa: F811
    with app.app_context():
        v = db.session.get(Village, village)
        household = registry.find_household(v, "001")
        registry.change_status(
            household, HouseholdStatus.MOVED_OUT, on=date(2026, 3, 1), actor="test"
        )
        db.session.commit()
        household_id = household.id
    _english(admin)
    path = f"/households/{household_id}"
    response = admin.post(
        f"{path}/members",
        data={"csrf_token": csrf_token(admin, path), "name": "王芳", "relation": "儿媳", "sex": ""},
    )
    assert response.status_code == 400
    assert (
        "Household 001 moved out (2026-03-01); its record is read-only and cannot be changed."
        in response.get_data(as_text=True)
    )


def test_import_preview_problems_in_english_and_commit_after_english_preview(app, admin, village):  # noqa: F811
    _english(admin)
    html = _upload(admin, xlsx([GOOD[0], ["001", None]])).get_data(as_text=True)
    assert "Sheet “户”, row 2, column B（户主）: Head of household’s name is missing." in html
    # The plan's digest does not depend on the language: previewed in English, committed in
    # Chinese, the import goes through.
    html = _upload(admin, xlsx(GOOD)).get_data(as_text=True)
    admin.post("/language", data={"csrf_token": csrf_token(admin), "lang": "zh_CN"})
    response = admin.post(
        "/households/import/commit", data=_commit_fields(html), follow_redirects=True
    )
    assert "导入完成：新建 0 户，更新 2 户" in response.get_data(as_text=True)


def test_kept_parse_holds_message_ids_and_is_shown_in_either_language(app, tmp_path):
    rows = [HEADER, ["001", "张三明"], ["002", "李建国"], ["003", "王大海"]]
    data = xlsx(rows, merge="C2:C3")
    with app.app_context():
        with force_locale("en"):
            parsed = roster.parse_roster(data)
        kept = roster.Parsed.from_json(parsed.to_json())
        assert kept == parsed
        (problem,) = kept.problems
        assert problem.message.startswith("第 %(first)s–%(last)s 行有合并单元格")
        assert (
            str(problem)
            == "「户」第 2 行 C 列：第 2–3 行有合并单元格；请取消合并，并在每一行填写完整"
        )
        with force_locale("en"):
            assert str(problem) == (
                "Sheet “户”, row 2, column C: Rows 2–3 contain merged cells; "
                "unmerge them and fill in every row completely."
            )


def test_digest_is_the_same_in_every_language(app):
    with app.app_context():
        v = Village(code="v9", name="某村")
        db.session.add(v)
        db.session.flush()
        bad = xlsx([HEADER, ["001", "张三明", None, "没有的组", None, "12345"]])
        plan_zh = roster.plan_import(v, bad)
        with force_locale("en"):
            plan_en = roster.plan_import(v, bad)
            english = [str(p) for p in plan_en.problems]
        assert plan_zh.digest == plan_en.digest
        assert [str(p) for p in plan_zh.problems] != english
        assert "Phone “12345” is malformed" in english[1]


def test_roster_error_in_english(app):
    with app.app_context(), force_locale("en"):
        try:
            roster.open_workbook(b"")
        except roster.RosterError as exc:
            assert str(exc) == "The file is empty; please choose a filled-in roster .xlsx file."
        else:  # pragma: no cover
            raise AssertionError("no error")


def test_renaming_the_head_renames_the_head_member_in_the_same_audited_change(app):
    with app.app_context():
        v = Village(code="v8", name="某村")
        db.session.add(v)
        db.session.flush()
        household = registry.create_household(v, number="001", head_name="张三明", actor="test")
        registry.add_member(household, name="李秀英", relation="配偶", actor="test")
        assert registry.update_household(household, actor="test", head_name="张三民")
        db.session.commit()
        assert [(m.name, m.relation) for m in household.members] == [
            ("张三民", "户主"),
            ("李秀英", "配偶"),
        ]
        (event,) = db.session.execute(
            db.select(AuditEvent).filter_by(action="update", object_type="household")
        ).scalars()
        assert event.before["head_member"] == "张三明"
        assert event.after["head_member"] == "张三民"
        assert event.after["head_name"] == "张三民"
