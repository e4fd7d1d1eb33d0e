"""Publishing a period's lists (a quarter unless the rulebook's [honours] period says otherwise):
an immutable issue (第N版) with its publicity period (公示期)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func

from .. import audit, rules_store
from ..extensions import db
from ..honour_lists import HonourList, HonourLists, ListRow, red_side_first
from ..ledger import check_list_period, period_closed
from ..localtime import app_today
from ..models import Entry, Publication, PublicationRow, RulebookSnapshot, User, Village
from ..periods import Period
from ..rulebook import Rulebook
from ..rulebook.messages import N_
from ..translated import TranslatedError
from ..working_days import DayCount
from .lists import balance_heading, draft_lists


class PublishingError(TranslatedError):
    """Publishing or an objection refused; the message says why and what to do."""


@dataclass(frozen=True)
class Deadlines:
    """How long an issue stays up for objections (公示期) and how long the committee has to
    answer one, in calendar or working days (`count`). They are the rulebook's [publicity]
    when it has one, else the deployment's PUBLICITY_DAYS and OBJECTION_DAYS (calendar days);
    the page or command that publishes passes them in."""

    publicity_days: int = 7
    objection_days: int = 7
    count: DayCount = field(default_factory=DayCount)

    @classmethod
    def from_config(cls, config: Mapping) -> Deadlines:
        return cls(
            publicity_days=int(config.get("PUBLICITY_DAYS", cls.publicity_days)),
            objection_days=int(config.get("OBJECTION_DAYS", cls.objection_days)),
        )

    @classmethod
    def of(cls, rulebook: Rulebook | None, config: Mapping) -> Deadlines:
        """The rulebook's [publicity] when it has one, else from_config(config)."""
        publicity = rulebook.publicity if rulebook is not None else None
        if publicity is None:
            return cls.from_config(config)
        return cls(
            publicity_days=publicity.days,
            objection_days=publicity.objection_days,
            count=DayCount(publicity.working_days, publicity.holidays, publicity.workdays),
        )

    @classmethod
    def for_village(cls, village: Village, config: Mapping) -> Deadlines:
        """of() the rulebook in force for the village."""
        return cls.of(rules_store.in_force(village.code).rulebook, config)

    def publicity_end(self, start: date) -> date:
        """The last day of a publicity period that begins on `start`."""
        return self.count.span_end(start, self.publicity_days)

    def objection_due(self, raised_on: date, days: int | None = None) -> date:
        """The day an objection raised on `raised_on` must be answered by."""
        return self.count.after(raised_on, days if days is not None else self.objection_days)


def publish(
    village: Village,
    quarter: Period,
    actor: User,
    deadlines: Deadlines,
    *,
    reason: str | None = None,
    today: date | None = None,
) -> Publication:
    """Freeze the period's lists as the next issue; the publicity period starts today and
    lasts `deadlines.publicity_days` (calendar or working days, as `deadlines` count).

    `quarter` is the period of the lists: of the kind the rulebook in force names in [honours]
    period (a quarter by default). Refused for another kind, and for a period that has not
    ended or is not closed (entries could still change it). The caller commits.
    """
    today = today or app_today()
    check_list_period(village, quarter, PublishingError)
    if today < quarter.end:
        raise PublishingError(
            N_("%(quarter)s 还没有结束（到 %(end)s 前），不能公布红黑榜。"),
            quarter=quarter.code,
            end=quarter.end.isoformat(),
        )
    if not period_closed(village, quarter):
        raise PublishingError(
            N_("%(quarter)s 还没有结账，请先结账再公布红黑榜，以免公布后记录还在变。"),
            quarter=quarter.code,
        )
    days = deadlines.publicity_days
    if days < 1:
        raise PublishingError(N_("公示期至少 1 天。"))
    current = rules_store.in_force(village.code)
    snapshot = current.snapshot
    lists = draft_lists(village, quarter, current.rulebook)
    previous = latest_issue(village, quarter)
    if previous is not None and not (reason or "").strip():
        # A second issue replaces a list villagers have read: the notice says why.
        raise PublishingError(
            N_("这将是 %(quarter)s 红黑榜的第 %(issue)s 版：请写明重新公布的原因（会随榜公示）。"),
            quarter=quarter.code,
            issue=previous.issue + 1,
        )
    last_entry = db.session.execute(
        db.select(func.max(Entry.id)).where(
            Entry.village_id == village.id,
            Entry.occurred_on >= quarter.start,
            Entry.occurred_on < quarter.end,
        )
    ).scalar_one()
    publication = Publication(
        village_id=village.id,
        quarter_start=quarter.start,
        quarter_code=quarter.code,
        period_end=quarter.end,
        issue=(previous.issue + 1) if previous else 1,
        rulebook_snapshot_id=snapshot.id if snapshot else None,
        rulebook_version=snapshot.version if snapshot else "",
        last_entry_id=last_entry,
        scope=lists.scope,
        names=lists.names,
        published_by_id=actor.id,
        published_label=actor.username,
        publicity_start=today,
        publicity_end=deadlines.publicity_end(today),
        objection_days=deadlines.objection_days,
        reason=(reason or "").strip() or None,
    )
    publication.rows = [
        PublicationRow(
            position=position,
            tier_code=honour_list.tier_code,
            tier_name=honour_list.tier_name,
            side=honour_list.side,
            rank=row.rank,
            household_id=row.household_id,
            number=row.number,
            public_name=row.public_name,
            group_name=row.group_name,
            points=row.points,
            balance=row.balance,
            reason=row.reason,
            entry_id=row.entry_id,
            occurred_on=row.occurred_on,
            item_title=row.item_title or None,
        )
        for position, (honour_list, row) in enumerate(lists.rows, start=1)
    ]
    db.session.add(publication)
    db.session.flush()
    audit.record(
        "list_published",
        "publication",
        publication.id,
        actor=actor,
        after={
            "quarter": quarter.code,
            "issue": publication.issue,
            "rows": len(publication.rows),
            "last_entry_id": last_entry,
            "publicity": [
                publication.publicity_start.isoformat(),
                publication.publicity_end.isoformat(),
            ],
        },
    )
    return publication


def latest_issue(village: Village, quarter: Period) -> Publication | None:
    """The newest issue of the period's lists, or None if never published."""
    return db.session.execute(
        db.select(Publication)
        .filter_by(village_id=village.id, quarter_code=quarter.code)
        .order_by(Publication.issue.desc())
        .limit(1)
    ).scalar_one_or_none()


def issues(village: Village) -> list[Publication]:
    """Every issue of the village, newest period first (a half-year before the quarter
    that starts with it), then newest issue first."""
    return list(
        db.session.execute(
            db.select(Publication)
            .filter_by(village_id=village.id)
            .order_by(
                Publication.quarter_start.desc(),
                Publication.period_end.desc(),
                Publication.issue.desc(),
            )
        ).scalars()
    )


def issues_of(publication: Publication) -> list[Publication]:
    """Every issue of the same period, oldest first."""
    return list(
        db.session.execute(
            db.select(Publication)
            .filter_by(village_id=publication.village_id, quarter_code=publication.quarter_code)
            .order_by(Publication.issue)
        ).scalars()
    )


def previous_issue(publication: Publication) -> Publication | None:
    return next((p for p in reversed(issues_of(publication)) if p.issue < publication.issue), None)


@dataclass(frozen=True)
class Change:
    """A household whose line differs between two issues: (tier, rank, points) before and after;
    None on one side when the household was not on any list in that issue."""

    number: str
    public_name: str
    before: PublicationRow | None
    after: PublicationRow | None


def difference(older: Publication, newer: Publication) -> list[Change]:
    """What changed from one issue to the next, by 户号 (the lines of a latest-deductions list
    by their entry, after the households' lines)."""
    before = {_key(r): r for r in older.rows}
    after = {_key(r): r for r in newer.rows}
    changes = []
    for key in sorted(
        set(before) | set(after), key=lambda k: (k[0], (before.get(k) or after[k]).number, k[1])
    ):
        a, b = before.get(key), after.get(key)
        if a is not None and b is not None and _line(a) == _line(b):
            continue
        row = b or a
        changes.append(Change(row.number, row.public_name, a, b))
    return changes


def _key(row: PublicationRow) -> tuple[int, int]:
    """A household's line by its household, an entry's line by its entry."""
    return (1, row.entry_id) if row.entry_id is not None else (0, row.household_id)


def _line(row: PublicationRow) -> tuple:
    return (row.tier_code, row.rank, row.points, row.balance, row.reason)


def day_count_of(publication: Publication) -> DayCount:
    """How the issue's days are counted: by the [publicity] of the rulebook it was published
    under (working days, holidays, 调休), else in calendar days."""
    if publication.rulebook_snapshot_id is None:
        return DayCount()
    snapshot = db.session.get(RulebookSnapshot, publication.rulebook_snapshot_id)
    publicity = rules_store.rulebook_of(snapshot).publicity
    if publicity is None:
        return DayCount()
    return DayCount(publicity.working_days, publicity.holidays, publicity.workdays)


def in_publicity(publication: Publication, day: date) -> bool:
    return publication.publicity_start <= day <= publication.publicity_end


def published_lists(publication: Publication) -> HonourLists:
    """An issue as HonourLists (the same shape as a draft), for the print page, the public page
    and the notice-board spreadsheet. Every tier of the rulebook it was published under is
    there, in order, empty ones too."""
    village = db.session.get(Village, publication.village_id)
    snapshot = (
        db.session.get(RulebookSnapshot, publication.rulebook_snapshot_id)
        if publication.rulebook_snapshot_id
        else None
    )
    by_tier: dict[str, HonourList] = {}
    if snapshot is not None:
        tiers = red_side_first(rules_store.rulebook_of(snapshot).honours.tiers)
        by_tier = {
            t.code: HonourList(t.code, t.name, t.side, [], t.latest, t.names if t.latest else "")
            for t in tiers
        }
    for row in publication.rows:
        honour_list = by_tier.setdefault(
            row.tier_code,
            HonourList(
                row.tier_code,
                row.tier_name,
                row.side,
                [],
                # without its rulebook, an entry's line still says its list is one of entries
                None if row.entry_id is None else 0,
            ),
        )
        honour_list.rows.append(
            ListRow(
                rank=row.rank,
                household_id=row.household_id,
                number=row.number,
                public_name=row.public_name,
                group_name=row.group_name,
                points=row.points,
                balance=row.balance,
                tier_name=row.tier_name,
                reason=row.reason,
                entry_id=row.entry_id,
                occurred_on=row.occurred_on,
                item_title=row.item_title or "",
            )
        )
    return HonourLists(
        village_code=village.code,
        village_name=village.name,
        period=Period.parse(publication.quarter_code),
        scope=publication.scope,
        names=publication.names,
        lists=list(by_tier.values()),
        balance_name=(
            balance_heading(rules_store.rulebook_of(snapshot))
            if snapshot is not None
            else HonourLists.balance_name
        ),
    )
