"""Spreadsheet data from the database: the notice board of a draft or of a published issue (the
lists publishing builds, as the list pages show them), the entry detail, a household's statement
and the archive."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.sql.elements import ColumnElement

from .. import ledger_queries, publishing, rules_store, standings
from ..extensions import db
from ..localtime import to_local
from ..models import Household, Publication, Village
from ..periods import Period
from ..rulebook import Rulebook
from ..rulebook.describe import plain
from ..rulebook.honours import public_name
from .data import (
    Archive,
    DetailRow,
    EntryDetail,
    NoticeBoard,
    Statement,
    StatementRow,
)

STATUS_LABELS = {"pending": _l("待审核"), "approved": _l("已审核"), "rejected": _l("已驳回")}
KIND_LABELS = {"entry": _l("记录"), "reversal": _l("冲正")}
RECORDED_AT, REVIEWED_AT = 19, 21  # archive_rows: Entry.created_at, Entry.reviewed_at


def committee_name(village: Village) -> str:
    return _("%(village)s村民委员会", village=village.name)


def draft_notice_board(
    village: Village,
    period: Period,
    *,
    today: date,
    qr_url: str | None = None,
    rulebook: Rulebook | None = None,
    everyone: bool = False,
) -> NoticeBoard:
    """The quarter's lists as they stand now (publishing.draft_lists, the draft page's lists),
    dated today and marked as a draft. `everyone` adds a list of every ranked household."""
    return NoticeBoard(
        lists=publishing.draft_lists(village, period, rulebook, everyone=everyone),
        committee_name=committee_name(village),
        issue=None,
        published_on=today,
        publicity_until=None,
        qr_url=qr_url,
        objections_to=_("村务监督委员会"),
    )


def published_notice_board(publication: Publication, *, qr_url: str | None = None) -> NoticeBoard:
    """A published issue exactly as frozen (publishing.published_lists, the print and public
    pages' lists), with its issue number and publicity period."""
    lists = publishing.published_lists(publication)
    village = db.session.get(Village, publication.village_id)
    return NoticeBoard(
        lists=lists,
        committee_name=committee_name(village),
        issue=publication.issue,
        published_on=publication.publicity_start,
        publicity_until=publication.publicity_end,
        qr_url=qr_url,
        objections_to=_("村务监督委员会"),
    )


def entry_detail(
    village: Village, period: Period, *, today: date, households: ColumnElement[bool] | None = None
) -> EntryDetail:
    """Every approved entry of the month or quarter, streamed, names as on the lists; only of the
    households matching `households` when given (a group leader's: access.py)."""
    policy = rules_store.in_force(village.code).rulebook.honours

    def rows() -> Iterator[DetailRow]:
        for entry in ledger_queries.approved_entries(village, period, households):
            yield DetailRow(
                entry.number,
                public_name(policy, entry.head_name),
                entry.item_title,
                entry.article,
                entry.occurred_on,
                entry.points,
                entry.kind == "reversal",
                entry.item_code,
                entry.note or "",
            )

    return EntryDetail(village.name, committee_name(village), period.code, today, rows())


def statement(household: Household, year: int, *, today: date) -> Statement:
    """A household's year: the running balance comes from standings (it agrees with balance())."""
    period = Period.parse(str(year))
    opening, entries = standings.running_balance(household, period.start, period.end)
    rows = [
        _reset_row(e, balance)
        if isinstance(e, standings.Reset)
        else StatementRow(
            e.occurred_on,
            f"{e.item_title}（{e.level}）" if e.level else e.item_title,  # 获得各级表彰（省级）
            e.article,
            e.points,
            balance,
            e.kind == "reversal",
            e.number,
            e.note or "",
        )
        for e, balance in entries
    ]
    group = household.group.name if household.group else None
    return Statement(
        household.village.name,
        committee_name(household.village),
        year,
        household.number,
        household.head_name,
        group,
        opening,
        rows,
        today,
        balance_name=_(rules_store.in_force(household.village.code).rulebook.main_balance.name),
    )


def _reset_row(reset: standings.Reset, balance) -> StatementRow:
    """A reset of the main balance as a line of its own: the running balance never restarts
    silently (分值 is what the reset took away or kept)."""
    name = _(reset.balance.name)
    if reset.carried:
        title = _(
            "%(name)s清零，结转欠分，从 %(opening)s 分起算",
            name=name,
            opening=plain(reset.opening),
        )
    else:
        title = _("%(name)s清零，重新从 %(base)s 分起算", name=name, base=plain(reset.opening))
    return StatementRow(reset.occurred_on, title, "", reset.opening - reset.closing, balance)


def archive(village: Village, *, now: datetime) -> Archive:
    """Every entry of the village, streamed in the archive's column order. `now` is aware; the
    录入时间 and 审核时间 columns are written on its clock (the village's local time)."""
    statuses = {k: str(v) for k, v in STATUS_LABELS.items()}
    kinds = {k: str(v) for k, v in KIND_LABELS.items()}

    def rows() -> Iterator[tuple]:
        for r in ledger_queries.archive_rows(village):
            values = list(r)
            values[10] = statuses.get(values[10], values[10])
            values[11] = kinds.get(values[11], values[11])
            for at in RECORDED_AT, REVIEWED_AT:
                if values[at] is not None:
                    values[at] = to_local(values[at], now.tzinfo).replace(tzinfo=None)
            yield values

    return Archive(village.name, now, rows())
