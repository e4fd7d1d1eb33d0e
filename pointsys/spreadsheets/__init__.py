"""Spreadsheets for print and archive: notice board (公示栏), entry detail (积分明细公示表),
household statement and the full ledger archive.

The writers take plain data (spreadsheets.data, and the honour lists of pointsys.honour_lists)
and write .xlsx to a binary stream; they never touch the database. `from_ledger` builds that data:
the notice board from the lists publishing builds, the rest from standings and the ledger.
"""

from ..honour_lists import HonourList, HonourLists, ListRow
from .archive import write_archive
from .data import (
    Archive,
    DetailRow,
    EntryDetail,
    NoticeBoard,
    Statement,
    StatementRow,
)
from .entry_detail import write_entry_detail
from .notice_board import write_notice_board
from .statement import write_statement

__all__ = [
    "Archive",
    "DetailRow",
    "EntryDetail",
    "HonourList",
    "HonourLists",
    "ListRow",
    "NoticeBoard",
    "Statement",
    "StatementRow",
    "write_archive",
    "write_entry_detail",
    "write_notice_board",
    "write_statement",
]
