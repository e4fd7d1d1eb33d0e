"""Publishing: draft lists from standings, immutable issues, objections, year-end stars."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from pointsys import ledger, publishing, rules_store
from pointsys.extensions import db
from pointsys.models import Entry, Household, Member, Objection, Publication, PublicationRow
from pointsys.periods import Period
from pointsys.publishing import PublishingError
from pointsys.rulebook import loads

TODAY = date(2026, 11, 21)
Q3 = Period.parse("2026Q3")
DEADLINES = publishing.Deadlines(publicity_days=7, objection_days=7)


def post(v, household, item, on, quantity=None, key=None):
    """Record and approve one entry; returns it."""
    key = key or f"{household.id}-{item}-{on}-{quantity}"
    result = ledger.record(
        v.village,
        [ledger.Draft(household.id, item, on, quantity)],
        key=key,
        actor=v.clerk,
        today=TODAY,
    )
    if result.entries[0].status == "pending":
        ledger.approve(result.entries, reviewer=v.supervisor, today=TODAY)
    db.session.commit()
    return result.entries[0]


def add_household(v, number, head, group=None):
    household = Household(
        village=v.village,
        number=number,
        head_name=head,
        group_id=group,
        registered_on=date(2020, 1, 1),
    )
    household.members = [Member(name=head, relation="户主")]
    db.session.add(household)
    db.session.commit()
    return household


def with_honours(honours: str):
    """The demo rulebook with its [honours] tables replaced (the items stay the same)."""
    source = rules_store.DEMO_RULEBOOK.read_text(encoding="utf-8")
    start = source.index("[honours]")
    end = source.index("[[categories]]")
    stars = "[[honours.stars]]\nlevel = 1\nmin = 10\n"  # the demo items' star_drop needs stars
    return loads(source[:start] + honours + stars + "\n" + source[end:], "test.toml")


def close(v, quarter=Q3):
    ledger.close_quarter(v.village, quarter, actor=v.admin, today=TODAY)
    db.session.commit()


def seven(village):
    """001 35 points (top), 002 a veto (-20), 003 -5, 004–007 one point each."""
    h1, h2, h3 = village.households
    more = [add_household(village, f"00{n}", f"户主{n}号") for n in range(4, 8)]
    post(village, h1, "PUB-06", date(2026, 7, 5), Decimal(20))
    post(village, h1, "PUB-06", date(2026, 8, 5), Decimal(15))
    veto = post(village, h2, "FIL-06", date(2026, 7, 9))
    post(village, h3, "ENV-06", date(2026, 7, 9), Decimal(-5))
    for household in more:
        post(village, household, "SAF-01", date(2026, 7, 9))
    return veto


def shape(lists):
    return [(x.tier_code, [(r.rank, r.number) for r in x.rows]) for x in lists.lists]


def test_lists_follow_the_demo_rulebook_red_side_first_with_veto_on_the_black_list(village):
    seven(village)
    lists = publishing.draft_lists(village.village, Q3)
    # 超红榜 is the top 3 by rank: 001 (35), then the one-point tie 004–007 sharing rank 2.
    assert [x.tier_code for x in lists.lists] == ["super_red", "red", "yellow", "black"]
    by_tier = dict(shape(lists))
    assert by_tier["super_red"] == [(1, "001"), (2, "004"), (2, "005"), (2, "006"), (2, "007")]
    assert by_tier["red"] == []
    assert by_tier["yellow"] == [(6, "003")]
    assert by_tier["black"] == [(7, "002")]
    black = lists.lists[3].rows[0]
    assert black.reason == "一票否决：虐待、遗弃家庭成员" and black.points == -20
    assert lists.lists[2].rows[0].reason == "本季积分在 -10 至 0 之间（不含 0）"
    first = lists.lists[0].rows[0]
    assert first.public_name == "张*明" and first.group_name == "一组"
    assert first.points == 35 and first.balance == 135


def test_lists_by_threshold_and_full_names(village):
    seven(village)
    rulebook = with_honours(
        """[honours]
names = "full"
[[honours.tiers]]
code = "red"
name = "红榜"
side = "red"
min = 1
[[honours.tiers]]
code = "black"
name = "黑榜"
side = "black"
below = 0
veto = true
"""
    )
    lists = publishing.draft_lists(village.village, Q3, rulebook)
    by_tier = dict(shape(lists))
    assert by_tier["red"] == [(1, "001"), (2, "004"), (2, "005"), (2, "006"), (2, "007")]
    assert by_tier["black"] == [(6, "003"), (7, "002")]
    assert lists.lists[0].rows[0].public_name == "张三明"
    assert lists.lists[1].rows[0].reason == "本季积分低于 0"


def test_black_side_listed_after_red_whatever_the_rulebook_order_and_ranks_from_the_bottom(
    village,
):
    seven(village)
    rulebook = with_honours(
        """[honours]
[[honours.tiers]]
code = "last"
name = "黑榜"
side = "black"
bottom = 2
veto = true
[[honours.tiers]]
code = "top"
name = "红榜"
side = "red"
top = 1
"""
    )
    lists = publishing.draft_lists(village.village, Q3, rulebook)
    assert shape(lists) == [("top", [(1, "001")]), ("last", [(6, "003"), (7, "002")])]
    assert lists.lists[1].rows[0].reason == "本季积分倒数 2 名以内"


def test_ties_share_a_rank_and_are_listed_by_household_number(village):
    h1, h2, h3 = village.households
    # Recorded in reverse order: the list order must come from 户号, not from entry order.
    post(village, h3, "SAF-02", date(2026, 7, 5))
    post(village, h2, "SAF-02", date(2026, 7, 5))
    post(village, h1, "SAF-02", date(2026, 7, 5))
    rulebook = with_honours(
        """[honours]
[[honours.tiers]]
code = "red"
name = "红榜"
side = "red"
top = 1
[[honours.tiers]]
code = "black"
name = "黑榜"
side = "black"
below = -100
veto = true
"""
    )
    lists = publishing.draft_lists(village.village, Q3, rulebook)
    assert shape(lists) == [("red", [(1, "001"), (1, "002"), (1, "003")]), ("black", [])]


def test_group_scope_ranks_each_group_on_its_own(village):
    h1, h2, h3 = village.households
    h4 = add_household(village, "004", "赵六")  # no group, like 003
    post(village, h1, "SAF-03", date(2026, 7, 5))  # 5, 一组
    post(village, h2, "SAF-02", date(2026, 7, 5))  # 2, 一组
    post(village, h3, "SAF-01", date(2026, 7, 5))  # 1, no group
    post(village, h4, "SAF-02", date(2026, 7, 6))  # 2, no group
    rulebook = with_honours(
        """[honours]
scope = "group"
[[honours.tiers]]
code = "red"
name = "红榜"
side = "red"
top = 1
[[honours.tiers]]
code = "black"
name = "黑榜"
side = "black"
below = -100
veto = true
"""
    )
    lists = publishing.draft_lists(village.village, Q3, rulebook)
    assert lists.scope == "group"
    rows = lists.lists[0].rows
    assert [(r.rank, r.number, r.group_name) for r in rows] == [
        (1, "004", None),
        (1, "001", "一组"),
    ]


def test_publishing_is_refused_before_the_quarter_ends_or_is_closed(village):
    with pytest.raises(PublishingError) as error:
        publishing.publish(
            village.village, Period.parse("2026Q4"), village.admin, DEADLINES, today=TODAY
        )
    assert str(error.value) == "2026Q4 还没有结束（到 2027-01-01 前），不能公布红黑榜。"
    with pytest.raises(PublishingError) as error:
        publishing.publish(village.village, Q3, village.admin, DEADLINES, today=TODAY)
    assert str(error.value) == "2026Q3 还没有结账，请先结账再公布红黑榜，以免公布后记录还在变。"
    with pytest.raises(PublishingError) as error:
        publishing.publish(
            village.village, Period.parse("2026"), village.admin, DEADLINES, today=TODAY
        )
    assert str(error.value) == "本村红黑榜按季度排名、结账和公布，请写成 2026Q3 这样。"
    assert db.session.execute(db.select(Publication)).first() is None


def test_a_published_issue_is_a_snapshot_the_database_refuses_to_change(village):
    seven(village)
    close(village)
    publication = publishing.publish(village.village, Q3, village.admin, DEADLINES, today=TODAY)
    db.session.commit()
    assert publication.issue == 1
    assert publication.publicity_start == TODAY
    assert publication.publicity_end == TODAY + timedelta(days=6)  # default 7 days
    assert publication.objection_days == 7
    assert publication.rulebook_version == "2026 年修订版"
    assert publication.last_entry_id == max(db.session.execute(db.select(Entry.id)).scalars())
    assert [(r.tier_code, r.number, r.public_name) for r in publication.rows][:2] == [
        ("super_red", "001", "张*明"),
        ("super_red", "004", "户**号"),
    ]
    for statement in (
        "UPDATE publication SET issue = 9",
        "DELETE FROM publication",
        "UPDATE publication_row SET points = 0",
        "DELETE FROM publication_row",
    ):
        with pytest.raises(DBAPIError, match="published lists are immutable"):
            db.session.execute(text(statement))
        db.session.rollback()
    assert db.session.execute(db.select(db.func.count(PublicationRow.id))).scalar_one() == 7


def test_deadlines_come_from_the_settings_the_caller_passes():
    assert publishing.Deadlines.from_config({}) == publishing.Deadlines(7, 7)
    settings = {"PUBLICITY_DAYS": "10", "OBJECTION_DAYS": 3, "OTHER": 1}
    assert publishing.Deadlines.from_config(settings) == publishing.Deadlines(10, 3)


def test_publishing_needs_at_least_one_day_of_publicity(village):
    seven(village)
    close(village)
    with pytest.raises(PublishingError) as error:
        publishing.publish(
            village.village, Q3, village.admin, publishing.Deadlines(0, 7), today=TODAY
        )
    assert str(error.value) == "公示期至少 1 天。"


def test_republishing_after_a_correction_makes_issue_two_and_keeps_issue_one(village):
    veto = seven(village)
    close(village)
    deadlines = publishing.Deadlines(publicity_days=10, objection_days=3)
    first = publishing.publish(village.village, Q3, village.admin, deadlines, today=TODAY)
    db.session.commit()
    assert first.publicity_end == date(2026, 11, 30)
    assert first.objection_days == 3
    ledger.reopen_quarter(village.village, Q3, actor=village.admin, reason="核实有误")
    ledger.reverse(veto, actor=village.admin, reason="核实有误", key="fix")
    close(village)
    with pytest.raises(publishing.PublishingError) as refused:
        publishing.publish(village.village, Q3, village.admin, DEADLINES, reason=" ", today=TODAY)
    assert str(refused.value) == (
        "这将是 2026Q3 红黑榜的第 2 版：请写明重新公布的原因（会随榜公示）。"
    )
    second = publishing.publish(
        village.village, Q3, village.admin, DEADLINES, reason="核实有误", today=TODAY
    )
    db.session.commit()
    assert second.reason == "核实有误"
    assert (first.issue, second.issue) == (1, 2)
    assert [p.issue for p in publishing.issues_of(first)] == [1, 2]
    assert publishing.latest_issue(village.village, Q3).id == second.id
    assert publishing.previous_issue(second).id == first.id
    old_black = [r.number for r in first.rows if r.tier_code == "black"]
    assert old_black == ["002"]
    changes = publishing.difference(first, second)
    by_number = {c.number: c for c in changes}
    assert by_number["002"].before.tier_code == "black"
    assert by_number["002"].after is None or by_number["002"].after.tier_code != "black"


def open_issue(village):
    entry = seven(village)
    close(village)
    publication = publishing.publish(village.village, Q3, village.admin, DEADLINES, today=TODAY)
    db.session.commit()
    return publication, entry


def test_objections_only_during_the_publicity_period_and_with_text(village):
    publication, _ = open_issue(village)
    h2 = village.households[1]
    with pytest.raises(PublishingError) as error:
        publishing.raise_objection(
            publication, h2.id, "不属实", "李四", today=TODAY + timedelta(days=7)
        )
    assert str(error.value) == (
        "2026Q3 红黑榜第 1 版的公示期是 2026-11-21 至 2026-11-27，今天不在公示期内，不能提出异议。"
    )
    with pytest.raises(PublishingError) as error:
        publishing.raise_objection(publication, h2.id, "  ", "李四", today=TODAY)
    assert str(error.value) == "请写明异议的内容：对哪一户、哪条记录或哪个名次有什么不同意见。"
    with pytest.raises(PublishingError) as error:
        publishing.raise_objection(publication, h2.id, "不属实", "", today=TODAY)
    assert str(error.value) == "请写明是谁提出的异议（姓名或户号）。"
    other = post(village, village.households[0], "SAF-01", date(2026, 10, 5))
    with pytest.raises(PublishingError) as error:
        publishing.raise_objection(
            publication, h2.id, "不属实", "李四", entry_id=other.id, today=TODAY
        )
    assert str(error.value) == f"记录 #{other.id} 不是户号 002 在 2026Q3 的记录。"
    last_day = publishing.raise_objection(
        publication, h2.id, "不属实", "李四", today=date(2026, 11, 27), recorded_by=village.clerk
    )
    db.session.commit()
    assert last_day.due_on == date(2026, 12, 4) and last_day.recorded_by_id == village.clerk.id


def test_a_dismissed_objection_keeps_its_answer_and_overdue_ones_are_flagged(village):
    publication, _ = open_issue(village)
    h2, h3 = village.households[1], village.households[2]
    first = publishing.raise_objection(publication, h2.id, "不属实", "李四", today=TODAY)
    second = publishing.raise_objection(publication, h3.id, "分数不对", "王五", today=TODAY)
    db.session.commit()
    views = publishing.objections(village.village, today=date(2026, 11, 29))
    assert [(v.objection.id, v.overdue) for v in views] == [(first.id, True), (second.id, True)]
    assert not publishing.objections(village.village, today=date(2026, 11, 28))[0].overdue
    with pytest.raises(PublishingError) as error:
        publishing.settle_objection(
            first, actor=village.supervisor, upheld=False, answer=" ", deadlines=DEADLINES
        )
    assert str(error.value) == "处理异议必须写明理由，它会告知提出异议的村民。"
    publishing.settle_objection(
        first,
        actor=village.supervisor,
        upheld=False,
        answer="派出所通报属实",
        deadlines=DEADLINES,
        today=TODAY,
    )
    db.session.commit()
    with pytest.raises(PublishingError) as error:
        publishing.settle_objection(
            first, actor=village.supervisor, upheld=True, answer="再议", deadlines=DEADLINES
        )
    assert str(error.value) == f"异议 #{first.id} 已经处理过了。"
    with pytest.raises(PublishingError) as error:
        publishing.settle_objection(
            second,
            actor=village.supervisor,
            upheld=True,
            answer="是",
            deadlines=DEADLINES,
            correct_entry=True,
        )
    assert str(error.value) == (
        f"异议 #{second.id} 没有指明哪条记录，请手工补录或冲正后再重新公布。"
    )
    views = publishing.objections(village.village, today=date(2026, 11, 29))
    assert [(v.objection.id, v.overdue) for v in views] == [(second.id, True), (first.id, False)]
    assert publishing.household_objections(h2.id)[0].answer == "派出所通报属实"
    actions = db.session.execute(
        text("SELECT action FROM audit_event WHERE object_type = 'objection' ORDER BY id")
    ).scalars()
    assert list(actions) == ["objection_raised", "objection_raised", "objection_settled"]


def test_an_upheld_objection_reverses_the_entry_and_publishes_issue_two(village):
    publication, veto = open_issue(village)
    h2 = village.households[1]
    objection = publishing.raise_objection(
        publication, h2.id, "我家没有这回事", "李四", entry_id=veto.id, today=TODAY
    )
    db.session.commit()
    publishing.settle_objection(
        objection,
        actor=village.supervisor,
        upheld=True,
        answer="经核实系误记",
        deadlines=DEADLINES,
        correct_entry=True,
        today=TODAY,
    )
    db.session.commit()
    db.session.refresh(objection)
    assert objection.status == "upheld" and objection.correction_entry_id is not None
    second = db.session.get(Publication, objection.new_publication_id)
    assert second.issue == 2 and second.reason == f"异议 #{objection.id} 成立：经核实系误记"
    assert "002" not in [r.number for r in second.rows if r.side == "black"]
    assert ledger.is_closed(village.village, Q3.start)
    # The first issue is superseded: objections go to the newest one.
    with pytest.raises(PublishingError) as error:
        publishing.raise_objection(publication, h2.id, "再议", "李四", today=TODAY)
    assert str(error.value) == "这一版红黑榜已由第 2 版取代，请对最新一版提出异议。"
    assert db.session.get(Objection, objection.id).answer == "经核实系误记"


def test_year_end_stars_follow_the_year_points_and_a_veto_drops_a_level(village):
    h1, h2, h3 = village.households
    post(village, h1, "PUB-06", date(2026, 2, 5), Decimal(20))
    post(village, h1, "PUB-06", date(2026, 8, 5), Decimal(15))  # 35: three stars
    post(village, h2, "PUB-06", date(2026, 5, 5), Decimal(15))
    post(village, h2, "FIL-07", date(2026, 5, 6))  # 17: two stars …
    post(village, h2, "FIL-07", date(2026, 5, 7))
    post(village, h2, "FIL-06", date(2026, 9, 9))  # … -20 and a star_drop veto: 0 stars
    post(village, h3, "ENV-06", date(2026, 7, 9), Decimal(-5))  # negative: no star
    result = publishing.year_end(village.village, 2026)
    by_number = {r.number: r for r in result.rows}
    assert result.has_stars and result.year.code == "2026"
    assert (by_number["001"].points, by_number["001"].stars) == (35, 3)
    assert by_number["002"].points == -1 and by_number["002"].stars == 0
    assert by_number["002"].veto_titles == ("虐待、遗弃家庭成员",)
    assert by_number["003"].stars == 0
    assert [(level, [r.number for r in rows]) for level, rows in result.awards()] == [(3, ["001"])]


def test_year_end_star_drop_lowers_an_earned_level(village):
    h1 = village.households[0]
    post(village, h1, "PUB-06", date(2026, 2, 5), Decimal(20))
    post(village, h1, "PUB-06", date(2026, 5, 5), Decimal(20))
    post(village, h1, "PUB-06", date(2026, 8, 5), Decimal(20))
    post(village, h1, "PUB-06", date(2026, 10, 5), Decimal(20))  # 80 …
    post(village, h1, "FIL-06", date(2026, 10, 9))  # … -20 = 60: four stars, less one level
    row = publishing.year_end(village.village, 2026).rows[0]
    assert (row.points, row.stars, row.dropped) == (60, 3, 1)


def test_publish_demo_publishes_a_closed_quarter_once(village):
    class Report:
        created: list

    report = Report()
    report.created = []
    publishing.publish_demo(village.village, report, DEADLINES)  # not closed: nothing
    assert report.created == []
    seven(village)
    close(village)
    publishing.publish_demo(village.village, report, DEADLINES)
    publishing.publish_demo(village.village, report, DEADLINES)
    assert report.created == ["2026Q3 红黑榜（第1版）"]
    assert re.fullmatch(r"\d+", str(publishing.latest_issue(village.village, Q3).id))


def test_reissuing_a_quarter_after_a_household_joined_later_shows_no_change(village):
    """A household registered after the quarter (a roster import in November) is not on its
    lists, so issue 2 of an unchanged quarter lists the same households at the same places."""
    seven(village)
    close(village)
    first = publishing.publish(village.village, Q3, village.admin, DEADLINES, today=TODAY)
    db.session.commit()
    newcomer = add_household(village, "008", "新户")
    newcomer.registered_on = date(2026, 11, 24)
    db.session.commit()
    second = publishing.publish(
        village.village, Q3, village.admin, DEADLINES, reason="户籍更新", today=TODAY
    )
    db.session.commit()
    assert publishing.difference(first, second) == []
    assert [_row(r) for r in second.rows] == [_row(r) for r in first.rows]


def _row(row):
    return (row.tier_code, row.rank, row.number, row.points, row.balance, row.reason)


def test_year_end_stars_on_a_balance_with_names_and_a_drop_to_the_lowest(village, tmp_path):
    # stars_on = "yearly": stars by 年度积分 at the year's end (base 100 included), not the year's
    # points; a level 0
    # names the households below every star; star_drop = "lowest" sets a veto's stars to it.
    text = rules_store.DEMO_RULEBOOK.read_text(encoding="utf-8")
    text = text.replace("star_drop_levels = 1", 'star_drop = "lowest"')
    text = text.replace("[honours]\n", '[honours]\nstars_on = "yearly"\n', 1)
    text = text.replace("level = 5\nmin = 90", 'level = 5\nmin = 90\nname = "五星文明户"')
    zero = '[[honours.stars]]\nlevel = 0\nmin = -1000\nname = "待提升户"'
    text = text.replace("level = 1\nmin = 0\n", f"level = 1\nmin = 0\n{zero}\n")
    path = tmp_path / "demo.toml"
    path.write_text(text, encoding="utf-8")
    rules_store.store(path, actor_label="test")
    h1, h2, h3 = village.households
    for day in (date(2026, 2, 5), date(2026, 5, 5), date(2026, 8, 5), date(2026, 10, 5)):
        post(village, h1, "PUB-06", day, Decimal(20))  # 80 …
    post(village, h1, "PUB-06", date(2026, 11, 5), Decimal(10))  # … 90: five stars
    post(village, h2, "PUB-06", date(2026, 2, 5), Decimal(20))
    post(village, h2, "FIL-06", date(2026, 9, 9))  # 0 and a star_drop veto: the lowest level
    post(village, h3, "ENV-06", date(2026, 7, 9), Decimal(-5))  # points -5, 年度积分 95
    result = publishing.year_end(village.village, 2026)
    by_number = {r.number: r for r in result.rows}
    assert result.stars_on_name == "年度积分" and result.balance_name == "年度积分"
    assert (by_number["001"].stars, by_number["001"].star_name) == (5, "五星文明户")
    assert (by_number["001"].stars_value, by_number["001"].points) == (190, 90)
    assert (by_number["002"].stars, by_number["002"].star_name) == (0, "待提升户")
    assert by_number["002"].dropped == 5
    assert (by_number["003"].points, by_number["003"].stars) == (-5, 5)  # on 95, not on -5
    assert [(level, [r.number for r in rows]) for level, rows in result.awards()] == [
        (5, ["001", "003"])
    ]
