"""Periods of the honour lists ([honours] period), tiers of place and points, the latest
deductions list (latest = N) and [publicity]: closing, publishing, pages and workbooks."""

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from pointsys import ledger, publishing, rules_store
from pointsys.extensions import db
from pointsys.ledger import PointsError
from pointsys.models import Objection, Publication, PublicationRow
from pointsys.period_names import period_name
from pointsys.periods import Period
from pointsys.publishing import PublishingError
from pointsys.rulebook import loads
from pointsys.rulebook.honours import tier_for
from pointsys.rulebook.model import HonourPolicy, Tier
from pointsys.spreadsheets import from_ledger
from pointsys.spreadsheets.notice_board import notice_board_bytes
from pointsys.working_days import DayCount

from .conftest import login
from .test_publishing import DEADLINES, TODAY, post

H1 = Period.parse("2026H1")
OCT = Period.parse("2026-10")
PASSWORD = "correct horse 1"
DEMO = rules_store.DEMO_RULEBOOK.read_text(encoding="utf-8")
PUBLICITY = DEMO[DEMO.index("[publicity]") : DEMO.index("# 门牌二维码页")]
EXPOSURE = """[[honours.tiers]]
code = "exposure"
name = "曝光台"
side = "black"
latest = 2
names = "{names}"

"""


def demo_text(period=None, exposure=None, publicity=None) -> str:
    """The demo rulebook with a list period, a latest-deductions tier (names) and another
    [publicity] table (or none: "")."""
    text = DEMO
    if period:
        text = text.replace("[honours]\n", f'[honours]\nperiod = "{period}"\n', 1)
    if exposure:
        at = text.index("# 星级文明户")
        text = text[:at] + EXPOSURE.format(names=exposure) + text[at:]
    if publicity is not None:
        text = text.replace(PUBLICITY, publicity)
    return text


def use(tmp_path, text: str) -> None:
    """Load `text` as the village's rulebook in force."""
    path = tmp_path / f"rulebook-{len(list(tmp_path.iterdir()))}.toml"
    path.write_text(text, encoding="utf-8")
    rules_store.store(path, actor_label="test")
    db.session.commit()


# ───────────────────────── pure: days, names, tiers ─────────────────────────

NATIONAL_DAY = DayCount(
    working_days=True,
    holidays=frozenset(date(2026, 10, d) for d in range(1, 8)),
    workdays=frozenset({date(2026, 9, 27)}),
)


def test_seven_working_days_from_a_friday_skip_the_weekend_and_the_national_day_holidays():
    # Fri 25, (Sat 26 off), Sun 27 调休, Mon 28, Tue 29, Wed 30, (Oct 1–7 off), Thu 8, Fri 9
    assert NATIONAL_DAY.span_end(date(2026, 9, 25), 7) == date(2026, 10, 9)
    assert NATIONAL_DAY.span_end(date(2026, 9, 25), 1) == date(2026, 9, 25)
    # a span starting on a day off begins on the next working day
    assert NATIONAL_DAY.span_end(date(2026, 10, 3), 1) == date(2026, 10, 8)
    # an objection raised on Wed 30 Sep with 2 working days: Thu 8 and Fri 9 October
    assert NATIONAL_DAY.after(date(2026, 9, 30), 2) == date(2026, 10, 9)


def test_calendar_days_count_every_day_as_before():
    calendar = DayCount()
    assert calendar.span_end(date(2026, 9, 25), 7) == date(2026, 10, 1)
    assert calendar.after(date(2026, 9, 25), 7) == date(2026, 10, 2)
    with pytest.raises(ValueError):
        calendar.span_end(date(2026, 9, 25), 0)


def test_every_kind_of_period_has_one_chinese_name(app):
    with app.test_request_context():
        names = [
            period_name(Period.parse(code)) for code in ("2026Q3", "2026-07", "2026B4", "2026H1")
        ]
        names.append(period_name(Period.parse("2026")))
    assert names == ["2026年第三季度", "2026年7月", "2026年7–8月", "2026年上半年", "2026年"]


def test_a_place_rule_with_min_needs_both():
    red = Tier("red", "红榜", "red", min=Decimal("0.1"), top=2)
    policy = HonourPolicy(tiers=(red,))
    field = [Decimal(5), Decimal(0), Decimal(0), Decimal(-1)]
    assert tier_for(policy, Decimal(5), field) == red
    assert tier_for(policy, Decimal(0), field) is None  # second place, but not above 0
    bottom = Tier("black", "黑榜", "black", below=Decimal(0), bottom=1)
    policy = HonourPolicy(tiers=(bottom,))
    assert tier_for(policy, Decimal(-1), field) == bottom
    assert tier_for(policy, Decimal(0), [Decimal(0), Decimal(1)]) is None  # last, not below 0


def test_a_latest_tier_never_takes_a_household():
    exposure = Tier("exposure", "曝光台", "black", latest=5)
    policy = HonourPolicy(tiers=(exposure,))
    assert tier_for(policy, Decimal(-100), [Decimal(-100), Decimal(0)]) is None


def test_the_rulebook_reads_period_latest_names_and_publicity():
    rulebook = loads(
        demo_text(
            "half_year",
            "masked",
            "[publicity]\ndays = 5\nworking_days = true\nholidays = [2026-10-01]\n"
            "workdays = [2026-09-27]\n\n",
        ),
        "demo.toml",
    )
    assert rulebook.honours.period == "half_year"
    exposure = rulebook.honours.tiers[-1]
    assert (exposure.latest, exposure.names, exposure.of_entries) == (2, "masked", True)
    assert exposure not in rulebook.honours.household_tiers
    publicity = rulebook.publicity
    assert (publicity.days, publicity.working_days, publicity.objection_days) == (5, True, 7)
    assert publicity.holidays == {date(2026, 10, 1)} and publicity.workdays == {date(2026, 9, 27)}
    plain = loads(demo_text(publicity=""), "demo.toml")
    assert plain.honours.period == "quarter" and plain.publicity is None


# ───────────────────────── closing and publishing other periods ─────────────────────────


def test_a_half_year_is_closed_published_and_refuses_entries_end_to_end(tmp_path, village):
    # the top 3, but only with more than 0: 002 (-5) and 003 (0) are not on it
    use(tmp_path, demo_text("half_year").replace("top = 3   ", "min = 0.1\ntop = 3   "))
    h1, h2, _ = village.households
    post(village, h1, "PUB-06", date(2026, 3, 5), Decimal(20))
    post(village, h2, "ENV-06", date(2026, 5, 9), Decimal(-5))
    ledger.close_period(village.village, H1, actor=village.admin, today=TODAY)
    db.session.commit()
    assert ledger.period_closed(village.village, H1)
    # any day of the half-year is refused, by recording and by review
    with pytest.raises(ledger.SubmissionRefused) as refused:
        ledger.record(
            village.village,
            [ledger.Draft(h1.id, "SAF-01", date(2026, 2, 1))],
            key="late",
            actor=village.clerk,
            today=TODAY,
        )
    assert str(refused.value.problems[0][1]) == (
        "2026H1 已结账，不能再记这一期的分；如确需补记，请村两委先重新开账。"
    )
    publication = publishing.publish(village.village, H1, village.admin, DEADLINES, today=TODAY)
    db.session.commit()
    assert (publication.quarter_code, publication.quarter_start, publication.period_end) == (
        "2026H1",
        date(2026, 1, 1),
        date(2026, 7, 1),
    )
    lists = publishing.published_lists(publication)
    assert lists.period == H1
    top = next(x for x in lists.lists if x.tier_code == "super_red")
    assert [(r.number, r.points) for r in top.rows] == [("001", Decimal(20))]
    # the black list's reason names the half-year
    yellow = next(x for x in lists.lists if x.tier_code == "yellow")
    assert yellow.rows[0].reason == "本半年积分在 -10 至 0 之间（不含 0）"
    with pytest.raises(PublishingError) as wrong:
        publishing.publish(
            village.village, Period.parse("2026Q1"), village.admin, DEADLINES, today=TODAY
        )
    assert str(wrong.value) == "本村红黑榜按半年排名、结账和公布，请写成 2026H2 这样。"


def test_a_pending_entry_of_a_closed_half_year_cannot_be_reviewed(tmp_path, village):
    use(tmp_path, demo_text("half_year"))
    h1 = village.households[0]
    pending = ledger.record(
        village.village,
        [ledger.Draft(h1.id, "PUB-06", date(2026, 3, 5), Decimal(5))],
        key="pending",
        actor=village.clerk,
        today=TODAY,
    ).entries[0]
    db.session.commit()
    with pytest.raises(PointsError) as error:
        ledger.close_period(village.village, H1, actor=village.admin, today=TODAY)
    assert str(error.value) == "2026H1 还有 1 条待审核的记录，请先审核完再结账。"
    db.session.rollback()
    ledger.reject([pending], reviewer=village.supervisor, reason="重复")
    ledger.close_period(village.village, H1, actor=village.admin, today=TODAY)
    db.session.commit()
    result = ledger.approve(
        [
            ledger.record(
                village.village,
                [ledger.Draft(h1.id, "PUB-06", date(2026, 8, 5), Decimal(5))],
                key="later",
                actor=village.clerk,
                today=TODAY,
            ).entries[0]
        ],
        reviewer=village.supervisor,
        today=TODAY,
    )
    assert not result.refused  # the second half-year is open


def test_a_month_is_closed_and_published_and_a_quarter_is_refused(tmp_path, village):
    use(tmp_path, demo_text("month"))
    h1 = village.households[0]
    post(village, h1, "SAF-01", date(2026, 10, 12))
    with pytest.raises(PointsError) as wrong:
        ledger.close_period(
            village.village, Period.parse("2026Q3"), actor=village.admin, today=TODAY
        )
    assert str(wrong.value) == "本村红黑榜按月排名、结账和公布，请写成 2026-07 这样。"
    with pytest.raises(PointsError) as early:
        ledger.close_period(
            village.village, Period.parse("2026-11"), actor=village.admin, today=TODAY
        )
    assert str(early.value) == "2026-11 还没有结束（到 2026-12-01 前），不能结账。"
    db.session.rollback()
    ledger.close_period(village.village, OCT, actor=village.admin, today=TODAY)
    db.session.commit()
    assert ledger.is_closed(village.village, date(2026, 10, 31))
    assert not ledger.is_closed(village.village, date(2026, 11, 1))
    publication = publishing.publish(village.village, OCT, village.admin, DEADLINES, today=TODAY)
    db.session.commit()
    assert publishing.latest_issue(village.village, OCT).id == publication.id
    board = from_ledger.published_notice_board(publication)
    workbook = load_workbook(io.BytesIO(notice_board_bytes(board)))
    sheet = workbook["超红榜"]
    assert sheet["A1"].value == "幸福村2026年10月积分红黑榜"
    assert [c.value for c in sheet[4]][4] == "本月积分"


def test_a_closed_quarter_stays_closed_after_the_rulebook_turns_to_half_years(tmp_path, village):
    h1 = village.households[0]
    post(village, h1, "SAF-01", date(2026, 1, 12))
    q1 = Period.parse("2026Q1")
    ledger.close_quarter(village.village, q1, actor=village.admin, today=TODAY)
    first = publishing.publish(village.village, q1, village.admin, DEADLINES, today=TODAY)
    db.session.commit()
    use(tmp_path, demo_text("half_year"))
    with pytest.raises(ledger.SubmissionRefused) as refused:
        ledger.record(
            village.village,
            [ledger.Draft(h1.id, "SAF-01", date(2026, 2, 1))],
            key="late",
            actor=village.clerk,
            today=TODAY,
        )
    assert str(refused.value.problems[0][1]) == (
        "2026Q1 已结账，不能再记这个季度的分；如确需补记，请村两委先重新开账。"
    )
    # the half-year that starts with that quarter is closed and published on its own
    ledger.close_period(village.village, H1, actor=village.admin, today=TODAY)
    second = publishing.publish(village.village, H1, village.admin, DEADLINES, today=TODAY)
    db.session.commit()
    assert (first.issue, second.issue) == (1, 1)
    assert first.quarter_start == second.quarter_start
    assert publishing.issues(village.village) == [second, first]
    # the old quarter can still be reopened
    ledger.reopen_period(village.village, q1, actor=village.admin, reason="补记")
    db.session.commit()
    assert not ledger.period_closed(village.village, q1)
    assert ledger.is_closed(village.village, date(2026, 2, 1))  # still inside closed 2026H1


def test_the_red_list_bar_looks_back_quarters_as_a_duration_for_monthly_lists(tmp_path, village):
    """bar_red_list_quarters = 4 (demo): a veto on 2026-01-10 bars January 2027's red list
    (four quarters back from 2027-01-01 is 2026-01-01) but not February's (2026-02-01)."""
    from pointsys import standings

    use(tmp_path, demo_text("month"))
    h2 = village.households[1]
    post(village, h2, "FIL-06", date(2026, 1, 10))
    january = standings.standings(village.village, Period.parse("2027-01")).of(h2.id)
    february = standings.standings(village.village, Period.parse("2027-02")).of(h2.id)
    assert january.barred_from_red and not february.barred_from_red


# ───────────────────────── the latest deductions ─────────────────────────


def exposure_village(tmp_path, village, names="group"):
    use(tmp_path, demo_text(exposure=names))
    h1, h2, h3 = village.households
    post(village, h1, "PUB-06", date(2026, 7, 5), Decimal(20))
    post(village, h1, "ENV-06", date(2026, 7, 20), Decimal(-1), key="a")
    post(village, h3, "ENV-06", date(2026, 8, 1), Decimal(-2), key="b")
    wrong = post(village, h2, "ENV-06", date(2026, 9, 1), Decimal(-3), key="c")
    post(village, h2, "ENV-06", date(2026, 10, 1), Decimal(-4), key="d")  # Q4: not listed
    ledger.reverse(wrong, actor=village.admin, reason="误记", key="undo", today=TODAY)
    db.session.commit()
    return h1, h2, h3


def test_the_latest_deductions_are_approved_live_penalties_newest_first(tmp_path, village):
    exposure_village(tmp_path, village)
    lists = publishing.draft_lists(village.village, Period.parse("2026Q3"))
    exposure = next(x for x in lists.lists if x.tier_code == "exposure")
    assert exposure.of_entries and exposure.names == "group"
    rows = [(r.rank, r.public_name, r.item_title, r.occurred_on, r.points) for r in exposure.rows]
    assert rows == [
        (1, "", "畜禽散养污染道路", date(2026, 8, 1), Decimal(-2)),  # 003 has no group
        (2, "一组", "畜禽散养污染道路", date(2026, 7, 20), Decimal(-1)),
    ]
    # it is no household's tier: the other lists are those of the rulebook without it
    without = publishing.draft_lists(
        village.village, Period.parse("2026Q3"), loads(demo_text(), "demo.toml")
    )
    assert [(x.tier_code, x.rows) for x in without.lists] == [
        (x.tier_code, x.rows) for x in lists.lists if x.tier_code != "exposure"
    ]


def test_the_latest_deductions_name_the_head_masked_or_in_full(tmp_path, village):
    exposure_village(tmp_path, village, "masked")
    rows = publishing.draft_lists(village.village, Period.parse("2026Q3")).lists[-1].rows
    assert [r.public_name for r in rows] == ["王*", "张*明"]
    use(tmp_path, demo_text(exposure="full"))
    rows = publishing.draft_lists(village.village, Period.parse("2026Q3")).lists[-1].rows
    assert [r.public_name for r in rows] == ["王五", "张三明"]


def test_a_published_issue_keeps_its_latest_deductions(tmp_path, client, village):
    exposure_village(tmp_path, village)
    q3 = Period.parse("2026Q3")
    ledger.close_quarter(village.village, q3, actor=village.admin, today=TODAY)
    publication = publishing.publish(village.village, q3, village.admin, DEADLINES, today=TODAY)
    db.session.commit()
    stored = [r for r in publication.rows if r.entry_id is not None]
    assert [(r.item_title, r.occurred_on, r.balance) for r in stored] == [
        ("畜禽散养污染道路", date(2026, 8, 1), None),
        ("畜禽散养污染道路", date(2026, 7, 20), None),
    ]
    draft = publishing.draft_lists(village.village, q3)
    published = publishing.published_lists(publication)
    assert published.lists[-1] == draft.lists[-1]
    assert publishing.difference(publication, publication) == []
    # pages: the group's name, the item and the day; never the household's 户号 or name
    public = client.get("/public/demo/lists").get_data(as_text=True)
    section = public[public.index('data-tier="exposure"') :]
    section = section[: section.index("</section>")]
    assert "曝光台" in section and "畜禽散养污染道路" in section and "2026-08-01" in section
    assert "一组" in section and "001" not in section and "张" not in section
    login(client, "admin", PASSWORD)
    printed = client.get(f"/lists/{publication.id}/print").get_data(as_text=True)
    assert "畜禽散养污染道路" in printed and "2026-07-20" in printed
    # the workbook: its own columns
    workbook = load_workbook(
        io.BytesIO(notice_board_bytes(from_ledger.published_notice_board(publication)))
    )
    sheet = workbook["曝光台"]
    assert [c.value for c in sheet[4]] == ["序号", "村民小组", "扣分事项", "日期", "分值"]
    assert [c.value for c in sheet[5]] == [1, None, "畜禽散养污染道路", "2026年8月1日", -2]
    assert [c.value for c in sheet[6]] == [2, "一组", "畜禽散养污染道路", "2026年7月20日", -1]
    draft_book = load_workbook(
        io.BytesIO(
            notice_board_bytes(from_ledger.draft_notice_board(village.village, q3, today=TODAY))
        )
    )
    assert [c.value for c in draft_book["曝光台"][5]] == [c.value for c in sheet[5]]


# ───────────────────────── publicity ─────────────────────────


def test_the_rulebooks_publicity_beats_the_configuration_and_counts_working_days(
    tmp_path, app, village
):
    use(
        tmp_path,
        demo_text(
            publicity="[publicity]\ndays = 7\nworking_days = true\nobjection_days = 2\n"
            "holidays = [2026-10-01, 2026-10-02, 2026-10-05, 2026-10-06, 2026-10-07]\n"
            "workdays = [2026-09-27]\n\n"
        ),
    )
    app.config.update(PUBLICITY_DAYS=3, OBJECTION_DAYS=3)
    deadlines = publishing.Deadlines.for_village(village.village, app.config)
    assert (deadlines.publicity_days, deadlines.objection_days) == (7, 2)
    h1 = village.households[0]
    post(village, h1, "SAF-01", date(2026, 5, 12))
    q2 = Period.parse("2026Q2")
    ledger.close_quarter(village.village, q2, actor=village.admin, today=TODAY)
    friday = date(2026, 9, 25)  # published on a Friday before the National Day holidays
    publication = publishing.publish(village.village, q2, village.admin, deadlines, today=friday)
    db.session.commit()
    assert publication.publicity_end == date(2026, 10, 9)
    objection = publishing.raise_objection(
        publication, h1.id, "名次不对", "张三明", today=date(2026, 9, 30)
    )
    assert objection.due_on == date(2026, 10, 9)  # Thu 8 and Fri 9 (Sat 3, Sun 4 off)
    db.session.commit()
    assert db.session.get(Objection, objection.id).due_on == date(2026, 10, 9)


def test_without_publicity_the_configuration_decides_in_calendar_days(tmp_path, app, village):
    use(tmp_path, demo_text(publicity=""))
    app.config.update(PUBLICITY_DAYS=4, OBJECTION_DAYS=3)
    deadlines = publishing.Deadlines.for_village(village.village, app.config)
    assert deadlines == publishing.Deadlines(publicity_days=4, objection_days=3)
    assert deadlines.publicity_end(date(2026, 9, 25)) == date(2026, 9, 28)


def test_the_rules_page_states_the_lists_and_the_publicity(tmp_path, client, village):
    use(
        tmp_path,
        demo_text(
            "half_year",
            "group",
            "[publicity]\ndays = 5\nworking_days = true\nholidays = [2026-10-01]\n\n",
        ).replace("top = 3                 # 全村前三名", "top = 3\nmin = 0.1"),
    )
    page = client.get("/rules/demo").get_data(as_text=True)
    assert "红黑榜按半年排名、结账和公布。" in page
    assert "超红榜（红榜）：前 3 名，积分不低于 0.1" in page
    assert "黄榜（黑榜）：积分不低于 -10 且低于 0" in page
    assert "曝光台（黑榜）：本期最近 2 条扣分记录（已审核、未冲正），只写村民小组" in page
    assert (
        "红黑榜公示 5 个工作日；对名单有异议的，村务监督委员会在 7 个工作日内答复。"
        "工作日不含周六、周日和节假日。节假日：2026-10-01。"
    ) in page


def test_the_draft_page_and_the_closing_page_work_on_the_rulebooks_period(
    tmp_path, client, village
):
    use(tmp_path, demo_text("half_year"))
    login(client, "admin", PASSWORD)
    page = client.get("/lists/draft?period=2026H1").get_data(as_text=True)
    assert "幸福村 2026年上半年积分红黑榜" in page and "本半年无。" in page  # no entries yet
    assert client.get("/lists/draft?quarter=2026Q3").status_code == 400
    closing = client.get("/ledger/quarters").get_data(as_text=True)
    assert "2026年上半年" in closing and "2026H1" in closing and "2026Q3" not in closing
    assert client.get("/ledger/quarters/2026Q3/close").status_code == 404
    assert client.get("/ledger/quarters/2026H1/close").status_code == 200


def test_publication_rows_of_entries_are_immutable_too(tmp_path, village):
    exposure_village(tmp_path, village)
    q3 = Period.parse("2026Q3")
    ledger.close_quarter(village.village, q3, actor=village.admin, today=TODAY)
    publication = publishing.publish(village.village, q3, village.admin, DEADLINES, today=TODAY)
    db.session.commit()
    from sqlalchemy import update
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError):
        db.session.execute(
            update(PublicationRow)
            .where(PublicationRow.publication_id == publication.id)
            .values(item_title="改")
        )
    db.session.rollback()
    with pytest.raises(DBAPIError):
        db.session.execute(update(Publication).values(period_end=date(2027, 1, 1)))
    db.session.rollback()
