"""Home pages per role (pointsys/dashboard.py) and the server-drawn charts (pointsys/charts.py):
what each role sees, the review queue's count in the menu, the charts' SVG and their tables,
whose figures agree with the standings.

The clock is frozen on Wednesday 2026-11-25, 12:00 in Shanghai (Q4), so weeks and quarters are
the same whenever the suite runs."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from html import unescape

import pytest

from pointsys import charts, dashboard, declarations, ledger, localtime, residents, standings
from pointsys.extensions import db
from pointsys.ledger import Draft
from pointsys.models import User, UserGroup, UserRole
from pointsys.periods import Period
from pointsys.publishing import Deadlines, publish, raise_objection

from .conftest import login
from .test_residents import resident_login

NOON = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)  # Wednesday 12:00 in Shanghai
PASSWORD = "correct horse 1"


@pytest.fixture
def clock(monkeypatch):
    """Freeze the one clock; set `clock.now` to move it."""

    class Clock:
        now = NOON

    monkeypatch.setattr(localtime, "utc_now", lambda: Clock.now)
    return Clock


def _record(village, household, code, day, actor, key, approve_by=None, quantity=None):
    entries = ledger.record(
        village.village, [Draft(household.id, code, day, quantity)], key=key, actor=actor
    ).entries
    if approve_by is not None and entries[0].status == "pending":
        ledger.approve(entries, reviewer=approve_by)
    return entries


def _section(html: str, section_id: str) -> str:
    match = re.search(
        rf'<section class="home-section" id="{section_id}">(.*?)</section>', html, re.S
    )
    assert match, f"no section {section_id}"
    return match.group(1)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def _table(html: str, chart_id: str) -> list[tuple[str, str]]:
    """The (label, value) rows of a chart's table."""
    figure = re.search(rf'<figure class="chart-figure" id="{chart_id}">(.*?)</figure>', html, re.S)
    assert figure, f"no chart {chart_id}"
    body = figure.group(1).split("<tbody>")[1]
    return [
        (unescape(label), value)
        for label, value in re.findall(
            r'<th scope="row">(.*?)</th><td class="num">(.*?)</td>', body
        )
    ]


# ───── charts.py, pure ─────


def test_a_chart_is_an_accessible_svg_that_scales_and_escapes_its_labels():
    chart = charts.Chart(
        key="c",
        title="2026年<各类>积分",
        label_heading="类别",
        value_heading="积分",
        bars=(charts.Bar("环境卫生", Decimal(63)), charts.Bar("<b>x</b>", Decimal("-2.5"))),
        horizontal=True,
    )
    svg = str(chart.svg)
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"')
    assert 'viewBox="0 0 360 ' in svg and 'width="100%"' in svg
    assert '<title id="c-title">2026年&lt;各类&gt;积分</title>' in svg
    assert 'aria-labelledby="c-title"' in svg
    assert "<b>" not in svg and "&lt;b&gt;x&lt;/b&gt;：-2.5" in svg
    assert "类别 · 积分" in svg  # the axes' headings
    assert 'class="bar bar-negative"' in svg and ">63</text>" in svg
    # bars grow from the zero line: the negative one ends where the positive one starts
    rects = re.findall(r'<rect class="[^"]+" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', svg)
    (pos_x, _), (neg_x, neg_w) = rects
    assert abs(float(neg_x) + float(neg_w) - float(pos_x)) < 0.2


def test_columns_have_both_axis_headings_and_long_labels_are_shortened():
    bars = tuple(charts.Bar(f"{m}月", Decimal(m)) for m in range(1, 13))
    chart = charts.Chart("m", "每月", "月", "积分", bars)
    svg = str(chart.svg)
    assert ">积分</text>" in svg and ">月</text>" in svg
    # twelve columns: smaller labels, none cut short
    assert re.search(r'font-size="[\d.]+" text-anchor="middle">12月</text>', svg)
    assert charts.shorten("很长很长很长的类别名称", 60) == "很长很长…"
    assert charts.number(Decimal("2.50")) == "2.5" and charts.number(Decimal("-3.00")) == "-3"


# ───── the home pages ─────


@pytest.fixture
def overdue_objection(village, clock):
    """2025Q4 closed and published on 2026-01-01; an objection raised the next day, due on
    2026-01-09, still open: overdue by 320 days on 2026-11-25."""
    quarter = Period.parse("2025Q4")
    ledger.close_period(village.village, quarter, actor=village.admin, today=date(2026, 1, 1))
    issue = publish(village.village, quarter, village.admin, Deadlines(), today=date(2026, 1, 1))
    objection = raise_objection(
        issue, village.households[1].id, "我家的分算错了", "户号 002", today=date(2026, 1, 2)
    )
    db.session.commit()
    return objection


def test_the_supervisor_sees_the_queue_and_overdue_objections_in_red(
    village, clock, overdue_objection, client
):
    h1, h2, _ = village.households
    _record(village, h1, "SAF-03", date(2026, 11, 20), village.clerk, "a")
    _record(village, h2, "FIL-02", date(2026, 11, 2), village.clerk, "b")
    db.session.commit()
    login(client, "supervisor", PASSWORD)
    html = client.get("/").get_data(as_text=True)
    section = _section(html, "home-supervisor")
    assert "2 条记录等待审核" in section
    # oldest conduct first, each a link to its entry
    text = _text(section)
    assert text.index("2026-11-02 · 户号 002 李四 · 探望孤寡老人") < text.index("2026-11-20")
    line = re.search(
        rf'<li id="home-objection-{overdue_objection.id}" class="error">(.*?)</li>', section, re.S
    )
    assert line, "an overdue objection is shown in red"
    assert "已超期 320 天（期限 2026-01-09）" in _text(line.group(1))
    # the menu's review entry carries the count
    assert '审核 <span class="badge">2</span></a>' in html
    assert "home-clerk" not in html and "home-admin" not in html


def test_the_menu_count_follows_the_queue(village, clock, client):
    _record(village, village.households[0], "SAF-03", date(2026, 11, 20), village.clerk, "a")
    db.session.commit()
    login(client, "admin", PASSWORD)
    assert '审核 <span class="badge">1</span>' in client.get("/rules/").get_data(as_text=True)
    ledger.approve(ledger.lookup.entries_in(village.village, [1]), reviewer=village.supervisor)
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert 'class="badge"' not in html and ">审核</a>" in html  # nothing waits: no badge


def test_the_clerk_sees_today_and_this_week_in_local_time(village, clock, client):
    h1, h2, h3 = village.households
    # Sunday 22 November (last week), Monday 23, and Wednesday 25 at 01:00 in Shanghai, which
    # is still Tuesday in UTC: it counts as today.
    for key, moment, household in (
        ("sun", datetime(2026, 11, 22, 2, 0, tzinfo=UTC), h1),
        ("mon", datetime(2026, 11, 23, 2, 0, tzinfo=UTC), h2),
        ("wed", datetime(2026, 11, 24, 17, 0, tzinfo=UTC), h3),
    ):
        clock.now = moment
        _record(village, household, "SAF-01", localtime.app_today(), village.clerk, key)
    _record(village, h1, "SAF-02", date(2026, 11, 24), village.clerk2, "other clerk")
    db.session.commit()
    clock.now = NOON
    login(client, "clerk", PASSWORD)
    html = client.get("/").get_data(as_text=True)
    section = _section(html, "home-clerk")
    assert "今天记了 1 条，本周 2 条。" in section
    text = _text(section)
    # newest first, at the village's time; another clerk's entry is not theirs
    assert "户号 003 王五 · 参加治安巡逻 +1 · 2026-11-25 01:00" in text
    assert text.index("户号 003") < text.index("户号 002") < text.index("户号 001")
    assert "主动调解邻里纠纷成功" not in text
    # quick entry by 户号 or pinyin goes to the household's record page
    assert 'action="/ledger/record"' in section and 'name="q"' in section
    response = client.get("/ledger/record?q=001")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/ledger/record?household={h1.id}")
    assert "home-supervisor" not in html and "/ledger/review" not in html  # no review entry


def test_the_group_leader_sees_their_groups_and_declarations_to_check(village, clock, client):
    h1, _, h3 = village.households
    leader = User(username="leader", display_name="张组长", village_id=village.village.id)
    leader.role_rows = [UserRole(role="group_leader")]
    leader.group_rows = [UserGroup(group_id=village.group.id)]
    leader.set_password(PASSWORD)
    db.session.add(leader)
    for household, key in ((h1, "d1"), (h3, "d3")):
        declarations.declare(
            household, "FIL-02", date(2026, 11, 20), f"{household.number} 看望了邻居老人", key=key
        )
    db.session.commit()
    login(client, "leader", PASSWORD)
    section = _section(client.get("/").get_data(as_text=True), "home-leader")
    text = _text(section)
    assert "一组：在册 2 户" in text
    assert "待核实的申报" in text and "户号 001 张三明 · 探望孤寡老人" in text
    assert "001 看望了邻居老人" in text
    assert "户号 003" not in text  # 003 is in no group of theirs


def test_a_group_leader_without_groups_is_told_whom_to_ask(village, clock, client, make_user):
    make_user("lonely", ("group_leader",))
    login(client, "lonely", PASSWORD)
    assert "还没有给你分配村民小组，请联系村两委。" in client.get("/").get_data(as_text=True)


def test_several_roles_see_each_section(village, clock, client):
    village.clerk.role_rows.append(UserRole(role="supervisor"))
    db.session.commit()
    login(client, "clerk", PASSWORD)
    html = client.get("/").get_data(as_text=True)
    assert "监督委员：待办" in html and "记分员：今天的工作" in html
    assert "村两委：本期进度" not in html


def test_period_states_from_open_to_published(village, clock):
    place, admin = village.village, village.admin
    q3, q4 = Period.parse("2026Q3"), Period.parse("2026Q4")
    today = date(2026, 11, 25)

    def states():
        return [(s.state, s.pending) for s in dashboard.period_states(place, [q4, q3], today)]

    _record(village, village.households[0], "SAF-03", date(2026, 9, 20), village.clerk, "q3")
    _record(village, village.households[0], "SAF-01", date(2026, 11, 20), village.clerk, "q4")
    assert states() == [("open", 1), ("pending", 1)]
    ledger.approve(ledger.lookup.entries_in(place, [1]), reviewer=village.supervisor)
    assert states() == [("open", 1), ("ready", 0)]
    ledger.close_period(place, q3, actor=admin, today=today)
    assert states()[1] == ("closed", 0)
    issue = publish(place, q3, admin, Deadlines(), today=date(2026, 11, 20))  # until 11-26
    assert states()[1] == ("publicity", 0)
    later = dashboard.period_states(place, [q3], date(2026, 11, 27))
    assert [(s.state, s.issue.id) for s in later] == [("published", issue.id)]


def test_the_admin_sees_the_periods_counts_and_charts_that_match_the_standings(
    village, clock, client
):
    h1, h2, h3 = village.households
    sup = village.supervisor
    _record(village, h1, "SAF-03", date(2026, 2, 10), village.clerk, "q1", sup)  # +5 平安
    _record(village, h2, "CUS-06", date(2026, 8, 3), village.clerk, "q3", sup)  # -5 移风易俗
    _record(village, h3, "ENV-01", date(2026, 11, 2), village.clerk, "q4", sup)  # +2 环境
    _record(village, h1, "FIL-02", date(2026, 11, 3), village.clerk, "q4 pending")
    ledger.close_period(village.village, Period.parse("2026Q3"), actor=village.admin)
    db.session.commit()
    login(client, "admin", PASSWORD)
    html = client.get("/").get_data(as_text=True)
    section = _section(html, "home-admin")
    text = _text(section)
    assert "2026年第四季度 进行中（ 1 条待审核 ）" in text
    assert "2026年第三季度 已结账，红黑榜待公布" in text
    assert "在册 3 户，工作人员 5 人。" in text
    assert section.count('role="img"') == 4

    categories = dict(_table(section, "chart-categories"))
    assert categories["环境卫生"] == "2" and categories["移风易俗"] == "-5"
    assert categories["平安建设"] == "5"

    year = standings.standings(village.village, Period.parse("2026"))
    group_total = sum(s.points for s in year.rows if s.group_name == "一组")
    assert _table(section, "chart-groups") == [("一组", str(group_total)), ("未分组", "2")]

    quarters = _table(section, "chart-periods")
    assert quarters == [("第一季度", "5"), ("第二季度", "0"), ("第三季度", "-5"), ("第四季度", "2")]
    for code, (_, value) in zip(("2026Q1", "2026Q2", "2026Q3", "2026Q4"), quarters, strict=True):
        table = standings.standings(village.village, Period.parse(code))
        assert Decimal(value) == sum(s.points for s in table.rows)

    current = standings.standings(village.village, Period.parse("2026Q4"))
    tiers = dict(_table(section, "chart-tiers"))
    for tier in ("超红榜", "红榜", "黄榜", "黑榜"):
        expected = sum(1 for s in current.rows if s.tier and s.tier.name == tier)
        assert tiers[tier] == str(expected)
    assert sum(int(v) for v in tiers.values()) == 3


# ───── the resident's chart: /me/ and the door plaque ─────


@pytest.fixture
def year_of_001(village, clock):
    """001: +5 in Q1, -5 in Q3, +2 in Q4; 002: +2 in Q2 and +5 in Q4 (so 001 is second)."""
    h1, h2, _ = village.households
    sup = village.supervisor
    _record(village, h1, "SAF-03", date(2026, 2, 10), village.clerk, "1", sup)
    _record(village, h1, "CUS-06", date(2026, 8, 3), village.clerk, "2", sup)
    _record(village, h1, "ENV-01", date(2026, 11, 2), village.clerk, "3", sup)
    _record(village, h2, "SAF-02", date(2026, 5, 2), village.clerk, "4", sup)
    _record(village, h2, "SAF-03", date(2026, 11, 2), village.clerk, "5", sup)
    h1.plaque_token = "p" * 32
    pin = residents.issue_pin(h1, actor="test")
    db.session.commit()
    return pin


OWN_YEAR = [("第一季度", "5"), ("第二季度", "0"), ("第三季度", "-5"), ("第四季度", "2")]


def test_the_resident_sees_their_own_year_by_quarter_and_their_place(
    village, clock, year_of_001, client
):
    resident_login(client, "001", year_of_001)
    html = client.get("/me/").get_data(as_text=True)
    assert _table(html, "chart-year") == OWN_YEAR  # 002's points are nowhere
    assert "2026年每季度得分" in html and html.count('role="img"') == 1
    assert "2026年第四季度在全村排第 2 名，共 3 户。" in _text(html)
    # the current quarter's figure is the standings'
    mine = standings.standings(village.village, Period.parse("2026Q4")).of(village.households[0].id)
    assert mine.points == Decimal(2) and mine.rank == 2
    assert '<tr class="highlight"><th scope="row">第四季度</th>' in html


def test_the_door_plaque_shows_the_same_chart(village, clock, year_of_001, client):
    html = client.get("/h/" + "p" * 32).get_data(as_text=True)
    assert _table(html, "chart-year") == OWN_YEAR
    assert "在全村排第 2 名" in html


def test_a_household_merged_in_counts_from_the_merge_as_in_the_standings(village, clock):
    """points_by_period folds a merged household in for the periods ending after the merge."""
    from pointsys.models import HouseholdLink

    h1, h2, _ = village.households
    sup = village.supervisor
    _record(village, h2, "SAF-03", date(2026, 2, 10), village.clerk, "q1", sup)
    _record(village, h2, "SAF-02", date(2026, 5, 10), village.clerk, "q2", sup)
    db.session.add(
        HouseholdLink(
            kind="merge", source_id=h2.id, target_id=h1.id, effective_on=date(2026, 5, 20)
        )
    )
    db.session.flush()
    quarters = [Period.parse(c) for c in ("2026Q1", "2026Q2")]
    by_period = standings.points_by_period(village.village, quarters, h1.id)
    expected = [standings.standings(village.village, q).of(h1.id).points for q in quarters]
    # Q1: not merged yet (002 keeps its +5); Q2: 002's +2 counts for 001
    assert by_period == expected == [Decimal(0), Decimal(2)]
