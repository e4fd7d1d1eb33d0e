"""The registry rules: households, statuses, split and merge with their points lineage, search."""

from datetime import date

import pytest

from pointsys import households as registry
from pointsys.extensions import db
from pointsys.models import AuditEvent, HouseholdLink, HouseholdStatus, Village


@pytest.fixture
def village(app):
    with app.app_context():
        village = Village(code="v1", name="幸福村")
        db.session.add(village)
        db.session.commit()
        yield village


def _add(village, number, head, **kw):
    return registry.create_household(village, number=number, head_name=head, actor="test", **kw)


def _audits(action):
    return db.session.execute(db.select(AuditEvent).filter_by(action=action)).scalars().all()


def test_pinyin_keys_use_everyday_surname_readings():
    assert registry.pinyin_keys("张三明") == ("zsm", "zhangsanming")
    assert registry.pinyin_keys("曾国藩") == ("zgf", "zengguofan")
    assert registry.pinyin_keys("单田芳")[0] == "stf"


@pytest.mark.parametrize("raw", ["13800138000", "138 0013 8000", "0571-86001234", "057186001234"])
def test_phone_numbers_accepted(raw):
    assert registry.normalise_phone(raw).replace("-", "").isdigit()


def test_bad_phone_is_refused_with_what_to_do():
    with pytest.raises(registry.RegistryError) as exc:
        registry.normalise_phone("12345")
    assert str(exc.value) == "电话“12345”格式不对：应为 11 位手机号或带区号的座机号"


def test_create_household_is_audited_and_gets_a_token(village):
    group = registry.create_group(village, "一组", actor="test")
    household = _add(village, "001", "张三明", group=group, tags=["军属", "低保户", "军属"])
    db.session.commit()
    assert household.tags == ["低保户", "军属"]
    assert household.members[0].name == "张三明" and household.members[0].relation == "户主"
    assert len(household.plaque_token) >= 32
    assert household.head_initials == "zsm"
    event = _audits("create")[-1]
    assert event.object_type == "household" and event.after["group"] == "一组"


def test_duplicate_number_and_group_refused(village):
    _add(village, "001", "张三明")
    with pytest.raises(registry.RegistryError, match=r"^户号 001 已存在$"):
        _add(village, "001", "李四")
    registry.create_group(village, "一组", actor="test")
    with pytest.raises(registry.RegistryError, match=r"^村民小组“一组”已存在$"):
        registry.create_group(village, "一组", actor="test")
    with pytest.raises(registry.RegistryError, match=r"^请填写户主姓名$"):
        _add(village, "002", " ")
    with pytest.raises(registry.RegistryError, match=r"^请填写户号$"):
        _add(village, "", "李四")
    with pytest.raises(registry.RegistryError, match=r"^请填写村民小组名称$"):
        registry.create_group(village, " ", actor="test")


def test_update_records_before_and_after_and_reindexes_pinyin(village):
    household = _add(village, "001", "张三明")
    assert registry.update_household(
        household, actor="test", head_name="李建国", phone="13800000001"
    )
    assert household.head_initials == "ljg"
    event = _audits("update")[-1]
    assert event.before["head_name"] == "张三明" and event.after["head_name"] == "李建国"
    assert not registry.update_household(household, actor="test", head_name="李建国")


def test_moved_out_household_is_read_only_and_keeps_history(village):
    household = _add(village, "001", "张三明")
    registry.change_status(
        household, HouseholdStatus.MOVED_OUT, on=date(2026, 3, 1), actor="test", reason="进城"
    )
    assert [s.status for s in household.status_history] == ["active", "moved_out"]
    message = "^户号 001 已迁出（2026-03-01），记录只读，不能修改$"
    with pytest.raises(registry.RegistryError, match=message):
        registry.update_household(household, actor="test", address="新地址")
    with pytest.raises(registry.RegistryError, match=message):
        registry.add_member(household, name="甲", relation="子", actor="test")
    # A plaque may still be invalidated after moving out: the token is not registry history.
    assert registry.rotate_plaque_token(household, actor="test")


def test_status_cannot_go_back_to_active(village):
    household = _add(village, "001", "张三明")
    with pytest.raises(registry.RegistryError, match=r"^户号 001 已经在册$"):
        registry.change_status(household, HouseholdStatus.ACTIVE, on=date.today(), actor="t")


def test_add_member_refusals(village):
    household = _add(village, "001", "张三明")
    with pytest.raises(registry.RegistryError, match=r"^请填写成员姓名和与户主关系$"):
        registry.add_member(household, name="", relation="子", actor="t")
    with pytest.raises(registry.RegistryError, match=r"^出生年份 1800 不合理$"):
        registry.add_member(household, name="甲", relation="子", birth_year=1800, actor="t")


def _family(village):
    household = _add(village, "001", "张三明")
    son = registry.add_member(household, name="张小军", relation="子", actor="t")
    wife = registry.add_member(household, name="王芳", relation="儿媳", actor="t")
    return household, son, wife


def test_split_moves_members_and_records_lineage(village):
    household, son, wife = _family(village)
    new = registry.split_household(
        household,
        new_number="001-1",
        member_ids=[son.id, wife.id],
        new_head_id=son.id,
        on=date(2026, 5, 1),
        actor="t",
    )
    db.session.commit()
    assert [m.name for m in household.members] == ["张三明"]
    assert [(m.name, m.relation) for m in new.members] == [("张小军", "户主"), ("王芳", "儿媳")]
    assert new.head_name == "张小军" and new.address == household.address
    link = db.session.execute(db.select(HouseholdLink)).scalar_one()
    assert (link.kind, link.source_id, link.target_id) == ("split", household.id, new.id)
    # Points rule: the new household starts from nothing, the original keeps its ledger.
    assert registry.ledger_sources(
        new.id, [(link.kind, link.source_id, link.target_id, link.effective_on)]
    ) == [registry.LedgerSource(new.id, None)]
    assert _audits("split")[-1].after["moved_members"] == ["张小军", "王芳"]


def test_split_refusals(village):
    household, son, wife = _family(village)
    head = household.members[0]

    def split(**kw):
        args = dict(new_number="002", member_ids=[son.id], new_head_id=son.id, on=date.today())
        args.update(kw)
        return registry.split_household(household, actor="t", **args)

    with pytest.raises(registry.RegistryError, match=r"^请选择要分出的家庭成员$"):
        split(member_ids=[])
    with pytest.raises(registry.RegistryError, match=r"^所选成员不属于这一户$"):
        split(member_ids=[son.id, 99999])
    with pytest.raises(registry.RegistryError, match=r"^新户户主必须是分出的成员之一$"):
        split(new_head_id=wife.id)
    with pytest.raises(
        registry.RegistryError, match=r"^原户主不能分出；如需更换户主，请先修改原户的户主$"
    ):
        split(member_ids=[head.id], new_head_id=head.id)
    with pytest.raises(registry.RegistryError, match=r"^户号 001 已存在$"):
        split(new_number="001")


def test_merge_cancels_the_absorbed_household_and_carries_its_points(village):
    survivor = _add(village, "001", "张三明")
    absorbed = _add(village, "002", "张四明")
    registry.merge_households(absorbed, survivor, on=date(2026, 6, 1), actor="t")
    db.session.commit()
    assert absorbed.status == "cancelled" and not absorbed.is_active
    assert absorbed.status_history[-1].reason == "并入户号 001"
    assert [m.name for m in absorbed.members] == ["张四明"]  # history kept
    assert [(m.name, m.relation) for m in survivor.members][-1] == ("张四明", "原户主")
    links = [
        (link.kind, link.source_id, link.target_id, link.effective_on)
        for link in db.session.execute(db.select(HouseholdLink)).scalars()
    ]
    assert registry.ledger_sources(survivor.id, links) == [
        registry.LedgerSource(survivor.id, None),
        registry.LedgerSource(absorbed.id, date(2026, 6, 1)),
    ]
    with pytest.raises(
        registry.RegistryError, match=r"^户号 002 已注销（2026-06-01），记录只读，不能修改$"
    ):
        registry.merge_households(absorbed, survivor, on=date(2026, 7, 1), actor="t")
    with pytest.raises(registry.RegistryError, match=r"^不能把一户并入它自己$"):
        registry.merge_households(survivor, survivor, on=date(2026, 7, 1), actor="t")


def test_ledger_sources_follow_chains_of_merges_up_to_the_earliest_date():
    links = [
        ("merge", 3, 2, date(2026, 3, 1)),  # 3 into 2 in March
        ("merge", 2, 1, date(2026, 2, 1)),  # 2 into 1 in February (2's March merge is later)
        ("split", 1, 4, date(2026, 4, 1)),  # a split adds nothing to 4
    ]
    assert registry.ledger_sources(1, links) == [
        registry.LedgerSource(1, None),
        registry.LedgerSource(2, date(2026, 2, 1)),
        registry.LedgerSource(3, date(2026, 2, 1)),
    ]
    assert registry.ledger_sources(4, links) == [registry.LedgerSource(4, None)]


def test_rotating_the_plaque_token_kills_the_old_one(village):
    household = _add(village, "001", "张三明")
    old = household.plaque_token
    new = registry.rotate_plaque_token(household, actor="t")
    db.session.commit()
    assert new != old
    assert registry.by_plaque_token(old) is None
    assert registry.by_plaque_token(new) is household
    event = _audits("rotate_plaque_token")[-1]
    assert old not in str(event.before) and new not in str(event.after)


def _numbers(village, **kw):
    return [h.number for h in db.session.execute(registry.search(village.id, **kw)).scalars()]


def test_search_by_number_name_pinyin_group_tag_status(village):
    one = registry.create_group(village, "一组", actor="t")
    _add(village, "001", "张三明", group=one, tags=["军属"])
    _add(village, "002", "张思敏")
    _add(village, "010", "李建国", group=one)
    gone = _add(village, "011", "曾国藩", tags=["军属"])
    registry.change_status(gone, HouseholdStatus.MOVED_OUT, on=date.today(), actor="t")
    db.session.commit()
    assert _numbers(village, text="zsm") == ["001", "002"]
    assert _numbers(village, text="ZS") == ["001", "002"]
    assert _numbers(village, text="zhangsan") == ["001"]
    assert _numbers(village, text="zgf") == ["011"]
    assert _numbers(village, text="01") == ["010", "011"]
    assert _numbers(village, text="002") == ["002"]
    assert _numbers(village, text="建国") == ["010"]
    assert _numbers(village, text="100%") == []
    assert _numbers(village, group_id=one.id) == ["001", "010"]
    assert _numbers(village, tag="军属") == ["001", "011"]
    assert _numbers(village, tag="军属", status="active") == ["001"]
    assert _numbers(village, status="moved_out") == ["011"]
