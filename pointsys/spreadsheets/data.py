"""Plain data the spreadsheets are written from. The pages, the CLI and the tests all hand the
writers these values; the writers never query the database. The honour lists themselves are the
plain values of pointsys.honour_lists, the same the list pages render."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from ..honour_lists import HonourLists


@dataclass(frozen=True)
class NoticeBoard:
    """The quarter's honour lists for the notice board (公示栏): the lists exactly as
    publishing built them (a sheet each, in their order), and what the sheet prints around them."""

    lists: HonourLists
    committee_name: str  # signs the list at the end, e.g. 幸福村村民委员会
    issue: int | None  # None: a draft; 1, 2 …: 第N版 of a published list
    published_on: date | None
    publicity_until: date | None  # last day of the publicity period (公示期)
    qr_url: str | None = None  # the online list; printed as a QR code
    publicity_from: date | None = None  # defaults to published_on
    objections_to: str = ""  # where residents raise objections (异议), e.g. 村务监督委员会

    @property
    def village_name(self) -> str:
        return self.lists.village_name

    @property
    def quarter_code(self) -> str:
        return self.lists.quarter.code


@dataclass(frozen=True, slots=True)
class DetailRow:
    """One approved entry on the entry detail (积分明细公示表)."""

    number: str
    public_name: str
    item_title: str
    article: str
    occurred_on: date
    points: Decimal
    reversal: bool = False  # a correction (冲正) of an earlier entry
    item_code: str = ""
    note: str = ""


@dataclass(frozen=True)
class EntryDetail:
    """Every approved entry of a month or a quarter, by household then date."""

    village_name: str
    committee_name: str
    period_code: str  # "2026-07" or "2026Q3"
    made_on: date
    rows: Iterable[DetailRow]


@dataclass(frozen=True, slots=True)
class StatementRow:
    """One entry of a household's statement and the balance after it."""

    occurred_on: date
    item_title: str
    article: str
    points: Decimal
    balance: Decimal
    reversal: bool = False
    number: str = ""  # the household it was recorded on (differs for a merged household)
    note: str = ""


@dataclass(frozen=True)
class Statement:
    """A household's year: opening balance (base points), every approved entry, running balance."""

    village_name: str
    committee_name: str
    year: int
    number: str
    head_name: str
    group_name: str | None
    opening_balance: Decimal
    rows: list[StatementRow]
    made_on: date
    closing_balance: Decimal | None = None  # defaults to the last row's balance
    balance_name: str = ""  # the balance the running column shows (年度积分); "" → 余额


@dataclass(frozen=True)
class Archive:
    """The whole ledger for the archive: `rows` are tuples in archive.COLUMNS order, streamed
    (a generator is read once, row by row, so memory stays flat)."""

    village_name: str
    made_at: datetime
    rows: Iterable[tuple]
