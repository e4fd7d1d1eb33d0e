"""Every workbook pointsys writes is formula-safe and survives any stored text.

A village whose names, addresses, members and notes are hostile — formulas, the other characters a
spreadsheet turns into formulas, an error value, control characters — is exported through every
workbook; each file is opened again and no cell may be a formula or an error, and the hostile
text must read back as the text it was (less what XML cannot carry).
"""

import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from pointsys import audit, audit_trail, ledger, publishing, score_sheet
from pointsys.extensions import db
from pointsys.households.roster import export_households
from pointsys.ledger import Draft
from pointsys.models import Member
from pointsys.periods import Period
from pointsys.spreadsheets import (
    cells,
    from_ledger,
    write_archive,
    write_entry_detail,
    write_notice_board,
    write_statement,
)

TODAY = date(2026, 11, 21)
Q3 = Period.parse("2026Q3")
LINK = '=HYPERLINK("http://evil.example","x")'
# What each stored value is, and what a cell must read back: control characters dropped.
HEAD_1, HEAD_2, HEAD_3 = LINK, "-2+3", "王\x01五\x1b\ufffe"
ADDRESS_1, ADDRESS_2, ADDRESS_3 = "+1+1", "@SUM(A1)", "\t=1+1"
GROUP = "@SUM(A1:A9)"
MEMBER = "#N/A"
NOTE = "\r=cmd|' /C calc'!A0\x07"
ACTOR = "=1+1\x02"
READ_BACK = {
    HEAD_1: LINK,
    HEAD_2: "-2+3",
    HEAD_3: "王五",
    ADDRESS_1: "+1+1",
    ADDRESS_2: "@SUM(A1)",
    ADDRESS_3: "\t=1+1",
    GROUP: GROUP,
    MEMBER: MEMBER,
    NOTE: "\r=cmd|' /C calc'!A0",
    ACTOR: "=1+1",
}


def written(writer, data) -> bytes:
    buffer = io.BytesIO()
    writer(data, buffer)
    return buffer.getvalue()


def safe_values(data: bytes) -> set[str]:
    """Every text value of the workbook, after checking that no cell is a formula or an error
    and that every formula-like text carries the quote prefix."""
    wb = load_workbook(io.BytesIO(data))
    texts = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type not in ("f", "e"), (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.add(cell.value)
                    if cells.needs_quote(cell.value):
                        assert cell.data_type == "s" and cell.quotePrefix, cell.coordinate
    return texts


@pytest.fixture
def hostile(village):
    """The test village with hostile text everywhere a workbook prints stored text, a Q3
    entry per household (one with a hostile note) and a published Q3."""
    h1, _h2, h3 = village.households
    village.group.name = GROUP
    for household, head, address in zip(
        village.households, (HEAD_1, HEAD_2, HEAD_3), (ADDRESS_1, ADDRESS_2, ADDRESS_3), strict=True
    ):
        household.head_name = head
        household.address = address
    h3.group_id = village.group.id
    h1.members.append(Member(name=MEMBER, relation="子"))
    db.session.commit()
    for number, household in enumerate(village.households):
        result = ledger.record(
            village.village,
            [Draft(household.id, "SAF-03", date(2026, 7, 5), note=NOTE if number == 0 else "")],
            key=f"hostile-{number}",
            actor=village.clerk,
            today=TODAY,
        )
        if result.entries[0].status == "pending":
            ledger.approve(result.entries, reviewer=village.supervisor, today=TODAY)
        db.session.commit()
    audit.record("login_failed", "user", None, actor=ACTOR)
    db.session.commit()
    ledger.close_quarter(village.village, Q3, actor=village.admin, today=TODAY)
    db.session.commit()
    return village


def every_workbook(v) -> dict[str, bytes]:
    h1 = v.households[0]
    publication = publishing.publish(
        v.village, Q3, v.admin, publishing.Deadlines(7, 7), today=TODAY
    )
    db.session.commit()
    zone = ZoneInfo("Asia/Shanghai")
    draft = from_ledger.draft_notice_board(v.village, Q3, today=TODAY, everyone=True)
    published = from_ledger.published_notice_board(publication, qr_url="https://example.org/l")
    return {
        "roster": export_households(v.village),
        "score sheet": score_sheet.generate(
            v.village, v.group, ["ENV-02"], date(2026, 8, 3), today=TODAY
        ).data,
        "notice board (draft)": written(write_notice_board, draft),
        "notice board (published)": written(write_notice_board, published),
        "entry detail": written(
            write_entry_detail, from_ledger.entry_detail(v.village, Q3, today=TODAY)
        ),
        "statement": written(write_statement, from_ledger.statement(h1, 2026, today=TODAY)),
        "archive": written(write_archive, from_ledger.archive(v.village, now=datetime.now(UTC))),
        "audit trail": audit_trail.xlsx_file(audit_trail.rows(audit_trail.Filters(), zone)).read(),
    }


# Hostile values each workbook prints whole in a cell of its own (names may be masked on the
# public lists, and the statement names the head inside a sentence).
WHOLE = {
    "roster": {HEAD_1, HEAD_2, HEAD_3, ADDRESS_1, ADDRESS_2, ADDRESS_3, GROUP, MEMBER},
    "score sheet": {HEAD_1, HEAD_2, HEAD_3, GROUP},
    "notice board (draft)": {GROUP},
    "notice board (published)": {GROUP},
    "entry detail": set(),
    "statement": set(),
    "archive": {HEAD_1, HEAD_2, HEAD_3, NOTE},
    "audit trail": {ACTOR},
}


def test_every_workbook_writes_hostile_text_as_text(hostile):
    books = every_workbook(hostile)
    assert books.keys() == WHOLE.keys()
    for name, data in books.items():
        texts = safe_values(data)
        missing = {READ_BACK[v] for v in WHOLE[name]} - texts
        assert not missing, (name, missing)
    statement = safe_values(books["statement"])
    assert any(f"户主：{LINK}" in t for t in statement)


def test_the_score_sheet_made_for_a_hostile_group_reads_back(hostile):
    """The hidden page keeps the group's name as text, so the upload is matched to its group."""
    sheet = score_sheet.generate(
        hostile.village, hostile.group, ["ENV-02"], date(2026, 8, 3), today=TODAY
    )
    parsed = score_sheet.parse(hostile.village, sheet.data)
    assert parsed.group.id == hostile.group.id
    assert [p.text for p in parsed.problems] == ["评分表里没有填写任何分数；请填好后再上传。"]


@pytest.mark.parametrize(
    "value,expected",
    [
        ("a\x00b\x08c\x0b\x0c\x0e\x1f", "abc"),
        ("tab\tline\ncr\r", "tab\tline\ncr\r"),
        ("x\ud800y\udfffz", "xyz"),  # lone surrogates: not encodable at all
        ("\ufffe\uffff", ""),
        ("中文 \u2028 \x85 😀", "中文 \u2028 \x85 😀"),  # XML carries these
        ("x" * 40_000, "x" * 32_767),
    ],
)
def test_text_a_cell_cannot_hold_is_dropped(value, expected):
    assert cells.value_of(value) == expected


def test_numbers_stay_numbers_and_errors_stay_text():
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(cells.row(ws, [-2, "-2", "#DIV/0!", "\x00=1", 1.5]))
    buffer = io.BytesIO()
    wb.save(buffer)
    (row,) = load_workbook(buffer).active.iter_rows()
    assert [c.value for c in row] == [-2, "-2", "#DIV/0!", "=1", 1.5]
    assert [c.data_type for c in row] == ["n", "s", "s", "s", "n"]
    assert [bool(c.quotePrefix) for c in row] == [False, True, True, True, False]
