"""The score-sheet pages: choose and download, upload and preview, commit all or nothing."""

import io
import re
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pointsys import ledger
from pointsys.extensions import db
from pointsys.ledger import Draft
from pointsys.models import Entry

from .conftest import csrf_token, login

DAY = date(2026, 8, 3)
PASSWORD = "correct horse 1"


@pytest.fixture
def clerk(client, village):
    login(client, "clerk", PASSWORD)
    return client


def download(client, village, *items, on="2026-08-03"):
    query = {"group": village.group.id, "item": list(items), "on": on}
    return client.get("/score-sheets/download", query_string=query)


def filled(client, village, cells, items=("ENV-02", "PUB-01")) -> bytes:
    response = download(client, village, *items)
    assert response.status_code == 200, response.get_data(as_text=True)
    wb = load_workbook(io.BytesIO(response.data))
    for ref, value in cells.items():
        wb.active[ref] = value
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(client, content: bytes, name="评分表.xlsx"):
    token = csrf_token(client, "/score-sheets/upload")
    return client.post(
        "/score-sheets/upload",
        data={"csrf_token": token, "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def commit_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'name="(csrf_token|sha256)" type="hidden" value="([^"]*)"', html))


def entries():
    return db.session.execute(db.select(Entry).order_by(Entry.id)).scalars().all()


def test_clerks_and_admins_see_the_pages_others_do_not(client, village):
    login(client, "supervisor", PASSWORD)
    assert "评分表" not in client.get("/").get_data(as_text=True)
    for path in ("/score-sheets/", "/score-sheets/upload", "/score-sheets/download"):
        assert client.get(path).status_code == 403
    client.post("/auth/logout", data={"csrf_token": csrf_token(client)})
    for name in ("clerk", "admin"):
        login(client, name, PASSWORD)
        page = client.get("/score-sheets/").get_data(as_text=True)
        assert 'href="/score-sheets/"' in page and "一组" in page
        assert "ENV-02 门前三包落实到位（+1/次，打√）" in page
        client.post("/auth/logout", data={"csrf_token": csrf_token(client)})


def test_download_names_the_file_for_the_group_and_date(clerk, village):
    response = download(clerk, village, "ENV-02", "PUB-01")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.data)).active
    assert ws["C2"].value == "ENV-02 门前三包落实到位（+1/次，打√）"


@pytest.mark.parametrize(
    ("items", "on", "message"),
    [
        ((), "2026-08-03", "请至少选择一个积分事项。"),
        (
            ("ENV-08",),
            "2026-03-01",
            "事项 ENV-08 在 2026-03-01 不适用（尚未施行或已停用），不能放进评分表。",
        ),
    ],
)
def test_download_refusals_are_shown_on_the_form(clerk, village, items, on, message):
    response = download(clerk, village, *items, on=on)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_upload_preview_commit_then_replay(clerk, village, app):
    content = filled(clerk, village, {"C3": "√", "D3": 10, "C4": 1})
    response = upload(clerk, content)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "将记录 3 条，其中 3 条待监督委员审核，其余即时入账。" in html
    assert "提醒：该事项每次最多计 4 分，本次计 4 分。" in html
    assert entries() == []  # the preview wrote nothing
    fields = commit_fields(html)
    kept = Path(app.instance_path) / "uploads" / "score_sheets" / f"{fields['sha256']}.xlsx"
    assert kept.read_bytes() == content
    done = clerk.post("/score-sheets/commit", data=fields, follow_redirects=True)
    assert "评分表已导入：记录 3 条，其中 3 条待审核。" in done.get_data(as_text=True)
    assert [(e.item_code, e.source, e.created_label) for e in entries()] == [
        ("ENV-02", "sheet", "clerk"),
        ("PUB-01", "sheet", "clerk"),
        ("ENV-02", "sheet", "clerk"),
    ]
    again = upload(clerk, content).get_data(as_text=True)
    assert "这份评分表已经导入过（记录了 3 条），再次导入不会重复记分。" in again
    assert "确认导入" not in again
    done = clerk.post("/score-sheets/commit", data=fields, follow_redirects=True)
    assert "这份评分表已经导入过，没有重复记分。" in done.get_data(as_text=True)
    assert len(entries()) == 3


def test_a_sheet_with_problems_is_shown_and_nothing_can_be_committed(clerk, village):
    response = upload(clerk, filled(clerk, village, {"C3": "√", "D4": "两小时"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    # one row of the problems table: row, 户号, column, cell, what is wrong
    assert re.sub(r"\s+", "", _problems_table(html)) == (
        '<tr><tdclass="num">4</td><td>002</td><td>PUB-01志愿服务（按小时）</td><td>D4</td>'
        '<tdclass="wideerror">“两小时”不是数字；请只填数字，如2或1.5。</td></tr>'
    )
    assert (
        "评分表有问题，没有记录任何分数。下面是全部问题，请在 Excel 中一次改正后重新上传。"
    ) in html
    assert "确认导入" not in html
    assert entries() == []


def _problems_table(html: str) -> str:
    body = html.split('<table class="grid problems">', 1)[1].split("</table>", 1)[0]
    return body.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def test_every_problem_of_a_sheet_is_shown_in_one_upload(clerk, village):
    cells = {"F1": None, "C3": -7, "D3": "两小时", "E3": "x", "C4": -3}
    html = upload(clerk, filled(clerk, village, cells, ("ENV-06", "PUB-01", "ENV-02")))
    rows = re.findall(
        r"<tr><td class=\"num\">(\d*)</td><td>(\d*)</td><td>([^<]*)</td>"
        r"<td>(\w*)</td><td class=\"wide error\">([^<]*)</td></tr>",
        html.get_data(as_text=True),
    )
    assert html.status_code == 400
    assert rows == [
        ("1", "", "日期", "F1", "没有填写日期；请填写行为发生的日期，如 2026-08-03。"),
        (
            "3",
            "001",
            "ENV-06 畜禽散养污染道路",
            "C3",
            "事项 ENV-06 的分值须在 -5 到 -1 之间（最多一位小数），填的是 -7。",
        ),
        (
            "3",
            "001",
            "PUB-01 志愿服务（按小时）",
            "D3",
            "“两小时” 不是数字；请只填数字，如 2 或 1.5。",
        ),
        (
            "3",
            "001",
            "ENV-02 门前三包落实到位",
            "E3",
            "“x” 不是打勾；得分请填 1 或 √，不得分请留空。",
        ),
    ]
    assert entries() == []


def test_what_changed_between_preview_and_commit_refuses_the_whole_sheet(clerk, village):
    html = upload(clerk, filled(clerk, village, {"C3": "√", "D3": "√"}, ("ENV-02", "ENV-01")))
    fields = commit_fields(html.get_data(as_text=True))
    h = village.households[0]
    ledger.record(village.village, [Draft(h.id, "ENV-01", DAY)], key="k", actor=village.clerk)
    db.session.commit()
    response = clerk.post("/score-sheets/commit", data=fields)
    assert response.status_code == 409
    assert re.sub(r"\s+", " ", _problems_table(response.get_data(as_text=True))).strip() == (
        '<tr><td class="num">3</td><td>001</td><td>ENV-01 庭院整洁，季度检查合格</td><td>D3</td>'
        '<td class="wide error">事项 ENV-01 每季度只计一次，本季度已经记过。</td></tr>'
    )
    assert len(entries()) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "请选择填好的评分表文件。"),
        (b"a,b\n1,2\n", "这是 CSV 或文本文件（只是扩展名改成了 .xlsx）"),
    ],
)
def test_upload_refusals(clerk, village, content, message):
    if content is None:
        token = csrf_token(clerk, "/score-sheets/upload")
        response = clerk.post("/score-sheets/upload", data={"csrf_token": token})
    else:
        response = upload(clerk, content, "名单.xlsx")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_a_commit_of_an_unknown_file(clerk, village):
    token = csrf_token(clerk, "/score-sheets/upload")
    response = clerk.post(
        "/score-sheets/commit",
        data={"csrf_token": token, "sha256": "0" * 64},
        follow_redirects=True,
    )
    assert "预览已失效（文件只保留两天），请重新上传评分表。" in response.get_data(as_text=True)
    assert clerk.post("/score-sheets/commit").status_code == 400
