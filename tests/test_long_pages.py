"""Long pages stay short: door plaques print in batches, a score sheet preview costs a few queries.

benchmarks/long_pages.py measures the full sizes (5,000 households, a 2,000-row sheet); these
tests pin the shape that keeps them fast: a bounded page, and queries that do not grow per row.
"""

import io
import re
from datetime import date

import pytest
from flask_babel import refresh
from openpyxl import load_workbook
from sqlalchemy import event

from pointsys import score_sheet
from pointsys.extensions import db
from pointsys.households import new_plaque_token
from pointsys.localtime import app_today
from pointsys.models import Household
from pointsys.score_sheet.layout import FIRST_ROW
from pointsys.views.households import PLAQUES_PER_BATCH

from .conftest import csrf_token, login

PASSWORD = "correct horse 1"


def add_households(village, count: int, group_id: int | None, start: int = 100) -> None:
    """`count` more active households (户号 from `start`), and plaque tokens for every household."""
    db.session.execute(
        db.insert(Household),
        [
            {
                "village_id": village.village.id,
                "number": f"{start + i:04d}",
                "head_name": f"户主{start + i}",
                "group_id": group_id,
                "status": "active",
                "registered_on": date(2020, 1, 1),
                "plaque_token": new_plaque_token(),
            }
            for i in range(count)
        ],
    )
    for household in village.households:
        household.plaque_token = household.plaque_token or new_plaque_token()
    db.session.commit()


def plaque_numbers(html: str) -> list[str]:
    return re.findall(r'<p class="number">户号 (\S+)</p>', html)


def test_plaques_print_in_batches_that_cover_every_household_once(client, village):
    # 3 households from the fixture (001, 002 in 一组; 003 in none) + 200 in 一组 = 203.
    add_households(village, 200, village.group.id)
    login(client, "admin", PASSWORD)
    first = client.get("/households/plaques").get_data(as_text=True)
    assert PLAQUES_PER_BATCH == 96 and PLAQUES_PER_BATCH % 6 == 0  # whole A4 sheets
    assert first.count('class="plaque"') == 96
    assert "共 203 块门牌，分 3 批打印，每批 96 块（16 张 A4，每张 6 块）。" in first
    assert "本批：第 1 / 3 批，户号 001 至 0192，共 96 块。" in first
    assert 'href="/households/plaques?page=2">下一批</a>' in first
    assert 'href="/households/plaques?page=3">第 3 批</a>' in first
    # Group by group: 一组 has 202 plaques, in three batches of its own.
    group = village.group.id
    assert "一组（202 块）：" in first
    assert f'href="/households/plaques?group={group}&amp;page=3">第 3 批</a>' in first

    seen = []
    for page in (1, 2, 3):
        html = client.get(f"/households/plaques?page={page}").get_data(as_text=True)
        seen += plaque_numbers(html)
    assert len(seen) == len(set(seen)) == 203
    last = client.get("/households/plaques?page=3").get_data(as_text=True)
    assert "本批：第 3 / 3 批，户号 0289 至 0299，共 11 块。" in last
    assert ">上一批</a>" in last and ">下一批</a>" not in last

    grouped = client.get(f"/households/plaques?group={group}&page=3").get_data(as_text=True)
    assert plaque_numbers(grouped) == [f"{n:04d}" for n in range(290, 300)]
    beyond = client.get("/households/plaques?page=9").get_data(as_text=True)
    assert "这一批没有门牌可打印。" in beyond and 'class="plaque"' not in beyond


def test_the_plaques_page_in_english(client, village):
    add_households(village, 1, village.group.id)
    login(client, "admin", PASSWORD)
    client.post("/language", data={"csrf_token": csrf_token(client), "lang": "en"})
    # The village fixture's app context outlives the requests, and Flask-Babel keeps the locale
    # it chose there: forget it, as a new request of a real server would.
    refresh()
    html = client.get("/households/plaques").get_data(as_text=True)
    assert "4 plaques in 1 batch(es) of 96 (16 A4 sheets, 6 a sheet)." in html


def sheet_with_ticks(village, rows: int) -> bytes:
    """一组's score sheet for today with ENV-01 (no review) and ENV-02 (reviewed) ticked."""
    generated = score_sheet.generate(
        village.village, village.group, ["ENV-01", "ENV-02"], app_today()
    )
    wb = load_workbook(io.BytesIO(generated.data))
    for row in range(FIRST_ROW, FIRST_ROW + rows):
        wb.active.cell(row=row, column=3, value="√")
        wb.active.cell(row=row, column=4, value="√")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def count_queries(app):
    counted: list[str] = []

    def count(conn, cursor, statement, *args):
        counted.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    yield counted
    event.remove(db.engine, "before_cursor_execute", count)


def test_a_score_sheet_preview_does_not_query_once_per_row(client, village, count_queries):
    """2,000 rows took 4,000 entry queries and 2,000 household queries: 30 s on PostgreSQL."""
    add_households(village, 58, village.group.id)  # 一组: 001, 002 and 58 more
    login(client, "clerk", PASSWORD)
    token = csrf_token(client, "/score-sheets/upload")
    queries = {}
    for rows in (5, 60):
        data = sheet_with_ticks(village, rows)
        count_queries.clear()
        response = client.post(
            "/score-sheets/upload",
            data={"csrf_token": token, "file": (io.BytesIO(data), "评分表.xlsx")},
            content_type="multipart/form-data",
        )
        page = response.get_data(as_text=True)
        assert response.status_code == 200, page
        assert page.count('<tr><td class="wide">') == 2 * rows
        # Reads only: the preview writes its rows and rolls back, and SQLite's driver writes them
        # one statement each (PostgreSQL's in a few batches), with no round trip to pay.
        queries[rows] = sum(1 for q in count_queries if q.lstrip().upper().startswith("SELECT"))
    assert queries[60] == queries[5], queries
