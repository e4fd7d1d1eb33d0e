"""Plain data the spreadsheets are written from. Publication, the draft-list adapter, the CLI and
the tests all hand the writers these values; the writers never query the database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class ListRow:
    """One household on an honour list, as printed (the name already masked if it must be)."""

    rank: int | None
    number: str  # 户号
    public_name: str  # 户主, masked (张*明) when the rulebook says so
    group_name: str | None
    points: Decimal  # 本季积分
    balance: Decimal | None = None  # 累计积分
    tier_name: str = ""  # 等级
    reason: str = ""  # e.g. 一票否决


@dataclass(frozen=True)
class ListSection:
    """One list (红榜, 黑榜 or another tier): printed as its own sheet."""

    title: str
    side: str  # "red" or "black": decides the colours
    rows: list[ListRow]


@dataclass(frozen=True)
class NoticeBoard:
    """The quarter's honour lists for the notice board (公示栏)."""

    village_name: str
    committee_name: str  # signs the list at the end, e.g. 幸福村村民委员会
    quarter_code: str  # "2026Q3"
    issue: int | None  # None: a draft; 1, 2 …: 第N版 of a published list
    published_on: date | None
    publicity_until: date | None  # last day of the publicity period (公示期)
    lists: list[ListSection]
    qr_url: str | None = None  # the online list; printed as a QR code
    publicity_from: date | None = None  # defaults to published_on
    objections_to: str = ""  # where residents raise objections (异议), e.g. 村务监督委员会


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


@dataclass(frozen=True)
class Archive:
    """The whole ledger for the archive: `rows` are tuples in archive.COLUMNS order, streamed
    (a generator is read once, row by row, so memory stays flat)."""

    village_name: str
    made_at: datetime
    rows: Iterable[tuple]
