"""Honour-list pages: draft, publish, issues, print, objections, year end, and the public page."""

from decimal import Decimal

import pytest

from pointsys import ledger, publishing
from pointsys.extensions import db
from pointsys.localtime import app_today
from pointsys.models import Objection, Publication
from pointsys.periods import Period, quarter_of

from .conftest import csrf_token, login
from .test_publishing import DEADLINES, close, seven

Q3 = Period.parse("2026Q3")
PASSWORD = "correct horse 1"


@pytest.fixture
def published(village):
    """2026Q3 closed and published (issue 1, publicity from today); returns the veto entry."""
    veto = seven(village)
    close(village)
    publishing.publish(village.village, Q3, village.admin, DEADLINES)
    db.session.commit()
    return veto


def republish(village, veto):
    ledger.reopen_quarter(village.village, Q3, actor=village.admin, reason="更正")
    ledger.reverse(veto, actor=village.admin, reason="更正", key="fix")
    close(village)
    publishing.publish(village.village, Q3, village.admin, DEADLINES, reason="更正误记")
    db.session.commit()


def issue(number):
    return db.session.execute(db.select(Publication).filter_by(issue=number)).scalar_one()


def html(response):
    return response.get_data(as_text=True)


def test_the_public_page_needs_no_login_and_shows_masked_names(client, published):
    response = client.get("/public/demo/lists")
    assert response.status_code == 200
    page = html(response)
    assert "幸福村 2026年第三季度积分红黑榜" in page
    assert "张*明" in page and "张三明" not in page
    assert "一票否决：虐待、遗弃家庭成员" in page
    assert client.get(f"/public/demo/lists/{issue(1).id}").status_code == 200
    assert client.get("/public/nowhere/lists").status_code == 404
    assert "/public/demo/lists" in html(client.get("/"))


def test_the_public_page_shows_the_latest_issue_and_links_the_earlier_one(
    client, village, published
):
    republish(village, published)
    page = html(client.get("/public/demo/lists"))
    assert "第 2 版" in page
    assert f"/public/demo/lists/{issue(1).id}" in page
    # Issue 2 no longer has 002 on the black list; issue 1 still does.
    assert "一票否决" not in page
    assert "一票否决" in html(client.get(f"/public/demo/lists/{issue(1).id}"))


def test_staff_list_pages_need_a_login(client, published):
    assert client.get("/lists/").status_code == 302
    assert client.get(f"/lists/{issue(1).id}/print").status_code == 302


def test_admin_previews_the_draft_and_publishes_issue_two(client, village, published):
    login(client, "admin", PASSWORD)
    draft = html(client.get("/lists/draft?quarter=2026Q3"))
    assert "草稿" in draft and "公布第 2 版" in draft
    assert 'name="reason" required' in draft
    token = csrf_token(client, "/lists/draft?quarter=2026Q3")
    refused = client.post("/lists/publish", data={"csrf_token": token, "quarter": "2026Q3"})
    assert refused.status_code == 400
    assert "这将是 2026Q3 红黑榜的第 2 版：请写明重新公布的原因（会随榜公示）。" in html(refused)
    response = client.post(
        "/lists/publish",
        data={"csrf_token": token, "quarter": "2026Q3", "publicity_days": "5", "reason": "复核"},
        follow_redirects=True,
    )
    assert "已公布 2026Q3 红黑榜第 2 版。" in html(response)
    second = issue(2)
    assert (second.publicity_end - second.publicity_start).days == 4
    assert second.reason == "复核"
    page = html(client.get(f"/lists/{second.id}"))
    assert "与第 1 版相比" in page and "没有变化。" in page


def test_publishing_from_the_page_uses_the_deployments_deadlines(
    tmp_path, app, client, village, published
):
    """Without [publicity] in the rulebook (the demo has one: it is taken out here)."""
    from .test_list_periods import demo_text, use

    use(tmp_path, demo_text(publicity=""))
    app.config.update(PUBLICITY_DAYS=4, OBJECTION_DAYS=3)
    login(client, "admin", PASSWORD)
    assert "默认 4 天" in html(client.get("/lists/draft?quarter=2026Q3"))
    token = csrf_token(client, "/lists/draft?quarter=2026Q3")
    data = {"csrf_token": token, "quarter": "2026Q3", "reason": "复核"}
    assert client.post("/lists/publish", data=data).status_code == 302
    second = issue(2)
    assert (second.publicity_end - second.publicity_start).days == 3  # four days, inclusive
    assert second.objection_days == 3


def test_publishing_an_open_quarter_is_refused_with_the_reason(client, village):
    login(client, "admin", PASSWORD)
    current = quarter_of(app_today()).code
    token = csrf_token(client, "/lists/")
    response = client.post("/lists/publish", data={"csrf_token": token, "quarter": current})
    assert response.status_code == 400
    assert "还没有结束" in html(response) and "不能公布红黑榜。" in html(response)
    assert db.session.execute(db.select(Publication)).first() is None


def test_only_admins_publish(client, village, published):
    login(client, "clerk", PASSWORD)
    token = csrf_token(client, "/lists/")
    response = client.post("/lists/publish", data={"csrf_token": token, "quarter": "2026Q3"})
    assert response.status_code == 403


def test_the_print_page_has_a4_css_page_breaks_and_the_committee(client, village, published):
    login(client, "clerk", PASSWORD)
    page = html(client.get(f"/lists/{issue(1).id}/print"))
    assert "print.css" in page
    # One sheet per list with rows (超红榜, 黄榜, 黑榜); the empty 红榜 is left out.
    assert page.count('class="print-sheet"') == 3
    assert "幸福村村民委员会" in page and "张*明" in page
    css = html(client.get("/static/print.css"))
    assert "size: A4" in css and "break-before: page" in css and "counter(page)" in css


def test_clerk_records_an_objection_and_the_supervisor_answers_it(client, village, published):
    login(client, "clerk", PASSWORD)
    page = f"/lists/{issue(1).id}"
    first = html(client.get(page))
    # Step one picks whose objection it is from the village's households, not a typed number.
    assert '<option value="002">002 李四</option>' in first
    assert "登记异议</button>" not in first
    chosen = html(client.get(f"{page}?household=002"))
    assert "002 户（户主 李四）的异议" in chosen
    assert 'name="raised_by" required type="text" value="李四"' in chosen
    # Step two picks the entry from that household's approved entries of the quarter.
    day = published.occurred_on.isoformat()
    assert f'<option value="{published.id}">{day} {published.item_title} -20</option>' in chosen
    token = csrf_token(client, page)
    response = client.post(
        f"{page}/objections",
        data={"csrf_token": token, "number": "009", "raised_by": "李四", "text": "不属实"},
    )
    assert response.status_code == 400 and "没有户号为“009”的户，请核对。" in html(response)
    response = client.post(
        f"{page}/objections", data={"csrf_token": token, "raised_by": "李四", "text": "不属实"}
    )
    assert response.status_code == 400 and "请选择是哪一户提出的异议。" in html(response)
    response = client.post(
        f"{page}/objections",
        data={
            "csrf_token": token,
            "number": "002",
            "raised_by": "李四",
            "text": "不属实",
            "entry_id": str(published.id),
        },
        follow_redirects=True,
    )
    assert "异议已登记，请监督委员会按期答复。" in html(response)
    objection = db.session.execute(db.select(Objection)).scalar_one()
    assert objection.recorded_by_id == village.clerk.id
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "supervisor", PASSWORD)
    listing = html(client.get("/lists/objections"))
    assert "答复期限" in listing and "不属实" in listing
    assert f"针对 {day} 的“{published.item_title}”" in listing

    token = csrf_token(client, "/lists/objections")
    url = f"/lists/objections/{objection.id}/settle"
    response = client.post(url, data={"csrf_token": token, "decision": "dismissed", "answer": ""})
    assert response.status_code == 400
    response = client.post(
        url,
        data={"csrf_token": token, "decision": "upheld", "answer": "误记", "correct_entry": "y"},
        follow_redirects=True,
    )
    assert f"异议 #{objection.id} 已答复。" in html(response)
    db.session.expire_all()
    assert db.session.get(Objection, objection.id).status == "upheld"
    assert issue(2).reason == f"异议 #{objection.id} 成立：误记"


def test_pages_name_people_never_their_accounts(client, village, published):
    """Issue 17: a resident's objection shows 村民（户号 001）, a publisher their name."""
    household = village.households[0]
    label = f"resident:demo:{household.number}"
    publishing.raise_objection(issue(1), household.id, "不属实", label)
    db.session.commit()
    login(client, "supervisor", PASSWORD)
    listing = html(client.get("/lists/objections"))
    assert f"村民（户号 {household.number}）" in listing and "resident:" not in listing
    shown = html(client.get(f"/lists/{issue(1).id}"))
    assert village.admin.display_name in shown and "resident:" not in shown
    assert f"· {village.admin.username}" not in shown
    index = html(client.get("/lists/?quarter=2026Q3"))
    assert f"<td>{village.admin.display_name}</td>" in index


def test_overdue_objections_are_flagged_on_the_supervisor_page(client, village, published):
    objection = publishing.raise_objection(issue(1), village.households[1].id, "不属实", "李四")
    db.session.commit()
    db.session.execute(db.text("UPDATE objection SET due_on = '2020-01-01'"))
    db.session.commit()
    login(client, "supervisor", PASSWORD)
    page = html(client.get("/lists/objections"))
    assert "已超期" in page and f'id="objection-{objection.id}"' in page


def test_the_year_end_page_lists_star_households(client, village, published):
    login(client, "admin", PASSWORD)
    page = html(client.get("/lists/year?year=2026"))
    assert "幸福村 2026 年度星级文明户" in page
    assert "★★★ 3 星级文明户" in page  # 001: 35 points


def test_a_published_issue_downloads_as_the_notice_board_it_froze(client, village, published):
    import io

    from openpyxl import load_workbook

    republish(village, published)  # issue 2: the veto was reversed
    login(client, "clerk", PASSWORD)
    first = client.get(f"/lists/{issue(1).id}/notice-board.xlsx")
    assert first.status_code == 200
    assert "attachment" in first.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(first.data))
    cells = [
        str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value
    ]
    assert not any("草稿" in c for c in cells) and "张*明" in cells  # published, not a draft
    assert "黑榜" in {ws.title for ws in book.worksheets}  # issue 1 keeps its black list
    second = load_workbook(io.BytesIO(client.get(f"/lists/{issue(2).id}/notice-board.xlsx").data))
    second_cells = [
        str(c.value) for ws in second.worksheets for row in ws.iter_rows() for c in row if c.value
    ]
    assert any("（第2版）" in c for c in second_cells)
    assert client.get("/lists/999/notice-board.xlsx").status_code == 404


def _texts(data: bytes) -> list[str]:
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    return [
        str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value
    ]


def test_the_notice_board_prints_the_deployments_public_link_never_a_local_one(
    app, client, village, published
):
    login(client, "clerk", PASSWORD)
    path = f"/lists/{issue(1).id}/notice-board.xlsx"
    # Unset (the clerk works on the server itself, at 127.0.0.1): no link rather than a local one.
    texts = _texts(client.get(path, base_url="http://127.0.0.1:5000").data)
    assert not any("扫码" in t or "127.0.0.1" in t or "localhost" in t for t in texts)
    app.config["PUBLIC_BASE_URL"] = "http://192.168.1.10:8000"
    texts = _texts(client.get(path, base_url="http://127.0.0.1:5000").data)
    assert "扫码查看网上公示：http://192.168.1.10:8000/public/demo/lists" in texts
    assert not any("127.0.0.1" in t for t in texts)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("192.168.1.10", "POINTSYS_PUBLIC_BASE_URL “192.168.1.10” 不是网址；"),
        ("http://127.0.0.1:5000", "POINTSYS_PUBLIC_BASE_URL “http://127.0.0.1:5000” 是本机地址，"),
        ("http://localhost", "POINTSYS_PUBLIC_BASE_URL “http://localhost” 是本机地址，"),
        (
            "https://x.cn/lists",
            "POINTSYS_PUBLIC_BASE_URL “https://x.cn/lists” 只写协议、主机和端口",
        ),
    ],
)
def test_a_public_base_url_no_phone_can_open_stops_start_up(tmp_path, value, message):
    from pointsys import create_app
    from pointsys.config import ConfigError

    with pytest.raises(ConfigError) as refused:
        create_app({"TESTING": True, "PUBLIC_BASE_URL": value, "SECRET_KEY": "x"})
    assert str(refused.value.message).startswith(message)


def test_the_print_page_and_the_notice_board_sign_alike(client, village, published):
    login(client, "clerk", PASSWORD)
    page = html(client.get(f"/lists/{issue(1).id}/print"))
    day = issue(1).publicity_start
    signed = f"{day.year}年{day.month}月{day.day}日"
    assert f"幸福村村民委员会<br>{signed}" in page
    texts = _texts(client.get(f"/lists/{issue(1).id}/notice-board.xlsx").data)
    assert "幸福村村民委员会" in texts and signed in texts


# The demo rulebook's [honours] with the black side written first: every rendering must still
# show the red side first, in the rulebook's order within each side.
BLACK_SIDE_FIRST = """[honours]
scope = "village"
names = "masked"

[[honours.tiers]]
code = "yellow"
name = "黄榜"
side = "black"
min = -10
below = 0

[[honours.tiers]]
code = "black"
name = "黑榜"
side = "black"
below = -10
veto = true

[[honours.tiers]]
code = "super_red"
name = "超红榜"
side = "red"
top = 3

[[honours.tiers]]
code = "red"
name = "红榜"
side = "red"
min = 30

"""


def _page_rows(page: str) -> list[tuple]:
    """(tier, rank, 户号, name, points, balance, reason) of every row of every list on a page."""
    from lxml import html as lxml_html

    rows = []
    for section in lxml_html.fromstring(page).xpath('//section[contains(@class, "honour-list")]'):
        tier = section.xpath('.//*[contains(@class, "honour-title")]')[0].text_content().strip()
        for tr in section.xpath(".//tbody/tr"):
            cells = [td.text_content().strip() for td in tr.xpath("./td")]
            rank, number, name, _group, points, balance, *reason = cells  # reason: black side
            reason = reason[0] if reason else ""
            rows.append((tier, int(rank), number, name, Decimal(points), Decimal(balance), reason))
    return rows


def _workbook_rows(data: bytes) -> list[tuple]:
    """The same for a notice-board workbook: a sheet per list, its rows from row 5 on."""
    import io

    from openpyxl import load_workbook

    rows = []
    for ws in load_workbook(io.BytesIO(data)).worksheets:
        for values in ws.iter_rows(min_row=5, values_only=True):
            if not isinstance(values[0], int):  # 本季度无, or the gap before the signature
                break
            rank, number, name, _group, points, balance, tier, reason = values
            assert tier == ws["A2"].value  # the row's 等级 is the sheet's list
            points, balance = Decimal(str(points)), Decimal(str(balance))
            rows.append((tier, rank, number, name, points, balance, reason or ""))
    return rows


def test_the_pages_and_the_workbooks_show_the_same_lists_row_by_row(client, village, tmp_path):
    from pointsys import rules_store

    source = rules_store.DEMO_RULEBOOK.read_text(encoding="utf-8")
    reordered = tmp_path / "demo.toml"
    reordered.write_text(
        source[: source.index("[honours]")]
        + BLACK_SIDE_FIRST
        + source[source.index("[[honours.stars]]") :],
        encoding="utf-8",
    )
    rules_store.store(reordered, actor_label="test")
    db.session.commit()
    seven(village)  # a veto (002 on 黑榜) and a threshold (003 on 黄榜)
    close(village)
    publishing.publish(village.village, Q3, village.admin, DEADLINES)
    db.session.commit()
    expected = [
        (t.tier_name, r.rank, r.number, r.public_name, r.points, r.balance, r.reason)
        for t, r in publishing.draft_lists(village.village, Q3).rows
    ]
    assert [row[0] for row in expected] == ["超红榜"] * 5 + ["黄榜", "黑榜"]
    assert expected[-2][-1] == "本季积分在 -10 至 0 之间（不含 0）"
    assert expected[-1][2:] == ("002", "李*", -20, 80, "一票否决：虐待、遗弃家庭成员")

    login(client, "clerk", PASSWORD)
    published = issue(1).id
    renderings = {
        "draft page": _page_rows(html(client.get("/lists/draft?quarter=2026Q3"))),
        "print page": _page_rows(html(client.get(f"/lists/{published}/print"))),
        "public page": _page_rows(html(client.get(f"/public/demo/lists/{published}"))),
        "issue workbook": _workbook_rows(client.get(f"/lists/{published}/notice-board.xlsx").data),
        "draft workbook": _workbook_rows(
            client.get("/exports/notice-board.xlsx?quarter=2026Q3").data
        ),
    }
    for name, rows in renderings.items():
        assert rows == expected, name


def test_the_lists_name_the_balance_they_print(client, published):
    # The demo declares [[balances]]: its lists print the main balance by its own name (年度积分),
    # on the public page and in the notice-board workbook; a legacy [account] keeps 累计积分.
    from io import BytesIO

    from openpyxl import load_workbook

    from pointsys.publishing.lists import balance_heading
    from pointsys.rulebook import loads
    from pointsys.spreadsheets import from_ledger
    from pointsys.spreadsheets.notice_board import write_notice_board

    page = html(client.get("/public/demo/lists"))
    assert '<th class="num wide">年度积分</th>' in page and "累计积分" not in page
    board = from_ledger.published_notice_board(issue(1), qr_url="http://village.example/")
    buffer = BytesIO()
    write_notice_board(board, buffer)
    sheet = load_workbook(BytesIO(buffer.getvalue())).worksheets[0]
    assert [c.value for c in sheet[4]][5] == "年度积分"
    legacy = loads(
        '[rulebook]\nvillage = "x"\nname = "x"\nversion = "1"\neffective = 2026-01-01\n'
        '[account]\nbase_points = 100\n[[categories]]\ncode = "c"\nname = "c"\n'
        '[[categories.items]]\ncode = "A"\ntitle = "a"\narticle = "1"\npoints = 1\n'
    )
    assert balance_heading(legacy) == "累计积分"
