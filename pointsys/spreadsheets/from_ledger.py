"""Spreadsheet data straight from the ledger: the draft notice board from standings() and the
rulebook's honour policy (before anything is published), the entry detail, a household's
statement and the archive. Publication hands the writers its own frozen NoticeBoard instead."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import ledger_queries, standings
from ..localtime import to_local
from ..models import Household, Village
from ..periods import Period
from ..rulebook import Rulebook
from ..rulebook.honours import public_name
from .data import (
    Archive,
    DetailRow,
    EntryDetail,
    ListRow,
    ListSection,
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
    """The quarter's lists as they stand now: a section per tier of the rulebook, in its order,
    names masked as the policy says. `everyone` adds a list of every ranked household."""
    rulebook = rulebook or _rulebook(village)
    policy = rulebook.honours
    result = standings.standings(village, period, rulebook)
    by_tier: dict[str, list[ListRow]] = {tier.code: [] for tier in policy.tiers}
    every: list[ListRow] = []
    for standing in result.rows:
        if standing.rank is None:
            continue
        tier = standing.tier
        reason = _("一票否决") if standing.vetoed else ""
        list_row = ListRow(
            standing.rank,
            standing.number,
            public_name(policy, standing.head_name),
            standing.group_name,
            standing.points,
            standing.balance,
            tier.name if tier else "",
            reason,
        )
        every.append(list_row)
        if tier is not None:
            by_tier[tier.code].append(list_row)
    sections = [ListSection(t.name, t.side, by_tier[t.code]) for t in policy.tiers]
    if everyone or not sections:
        sections.append(ListSection(_("全村积分排名"), "red", every))
    return NoticeBoard(
        village_name=village.name,
        committee_name=committee_name(village),
        quarter_code=period.code,
        issue=None,
        published_on=today,
        publicity_until=None,
        lists=sections,
        qr_url=qr_url,
        objections_to=_("村务监督委员会"),
    )


def entry_detail(village: Village, period: Period, *, today: date) -> EntryDetail:
    """Every approved entry of the month or quarter, streamed, names as on the lists."""
    policy = _rulebook(village).honours

    def rows() -> Iterator[DetailRow]:
        for entry in ledger_queries.approved_entries(village, period):
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
        StatementRow(
            e.occurred_on,
            e.item_title,
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
    )


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


def _rulebook(village: Village) -> Rulebook:
    return standings.rulebook_for(village)


def published_notice_board(publication, *, qr_url: str | None = None) -> NoticeBoard:
    """A published issue exactly as frozen (its rows, names and reasons), for the notice board."""
    from ..extensions import db
    from ..publishing import published_lists

    village = db.session.get(Village, publication.village_id)
    lists = published_lists(publication)
    sections = [
        ListSection(
            honour_list.tier_name,
            honour_list.side,
            [
                ListRow(
                    row.rank,
                    row.number,
                    row.public_name,
                    row.group_name,
                    row.points,
                    row.balance,
                    honour_list.tier_name,
                    row.reason,
                )
                for row in honour_list.rows
            ],
        )
        for honour_list in lists.lists
    ]
    return NoticeBoard(
        village_name=village.name,
        committee_name=committee_name(village),
        quarter_code=publication.quarter_code,
        issue=publication.issue,
        published_on=publication.publicity_start,
        publicity_until=publication.publicity_end,
        lists=sections,
        qr_url=qr_url,
        objections_to=_("村务监督委员会"),
    )
