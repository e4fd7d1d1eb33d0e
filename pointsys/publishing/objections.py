"""Objections (异议) to a published list, raised during its publicity period and settled once by
the supervision committee: dismissed, or upheld with a correction and a new issue of the list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .. import audit, ledger
from ..extensions import db
from ..localtime import app_today
from ..models import (
    Entry,
    Household,
    Objection,
    ObjectionStatus,
    Publication,
    User,
    Village,
    utcnow,
)
from ..periods import Period
from ..rulebook.messages import N_
from .issues import (
    Deadlines,
    PublishingError,
    day_count_of,
    in_publicity,
    latest_issue,
    publish,
)


def raise_objection(
    publication: Publication,
    household_id: int,
    text: str,
    raised_by_label: str,
    *,
    entry_id: int | None = None,
    recorded_by: User | None = None,
    today: date | None = None,
) -> Objection:
    """Record an objection to a household's place on the list (or to one of its entries).

    The resident page calls this with the resident as `raised_by_label`; a clerk recording one
    on a resident's behalf passes themself as `recorded_by`. The caller commits.
    """
    today = today or app_today()
    text, raised_by_label = (text or "").strip(), (raised_by_label or "").strip()
    quarter = Period.parse(publication.quarter_code)
    if not text:
        raise PublishingError(N_("请写明异议的内容：对哪一户、哪条记录或哪个名次有什么不同意见。"))
    if not raised_by_label:
        raise PublishingError(N_("请写明是谁提出的异议（姓名或户号）。"))
    if not in_publicity(publication, today):
        raise PublishingError(
            N_(
                "%(quarter)s 红黑榜第 %(issue)s 版的公示期是 %(start)s 至 %(end)s，"
                "今天不在公示期内，不能提出异议。"
            ),
            quarter=publication.quarter_code,
            issue=publication.issue,
            start=publication.publicity_start.isoformat(),
            end=publication.publicity_end.isoformat(),
        )
    village = db.session.get(Village, publication.village_id)
    newest = latest_issue(village, quarter)
    if newest is not None and newest.id != publication.id:
        raise PublishingError(
            N_("这一版红黑榜已由第 %(issue)s 版取代，请对最新一版提出异议。"), issue=newest.issue
        )
    household = db.session.get(Household, household_id)
    if household is None or household.village_id != publication.village_id:
        raise PublishingError(N_("没有这一户，请核对户号。"))
    if entry_id is not None:
        entry = db.session.get(Entry, entry_id)
        if entry is None or entry.household_id != household_id or entry.occurred_on not in quarter:
            raise PublishingError(
                N_("记录 #%(id)s 不是户号 %(number)s 在 %(quarter)s 的记录。"),
                id=entry_id,
                number=household.number,
                quarter=publication.quarter_code,
            )
    objection = Objection(
        publication_id=publication.id,
        household_id=household_id,
        entry_id=entry_id,
        text=text,
        raised_by_label=raised_by_label,
        recorded_by_id=recorded_by.id if recorded_by else None,
        raised_on=today,
        # in the days the issue's rulebook counts (working days with [publicity] saying so)
        due_on=day_count_of(publication).after(today, publication.objection_days),
        status=ObjectionStatus.OPEN.value,
    )
    db.session.add(objection)
    db.session.flush()
    audit.record(
        "objection_raised",
        "objection",
        objection.id,
        actor=recorded_by or raised_by_label,
        after={
            "publication": publication.id,
            "household": household.number,
            "entry": entry_id,
            "text": text,
            "raised_by": raised_by_label,
        },
    )
    return objection


def settle_objection(
    objection: Objection,
    *,
    actor: User,
    upheld: bool,
    answer: str,
    deadlines: Deadlines,
    correct_entry: bool = False,
    today: date | None = None,
) -> Objection:
    """Answer an objection, always with a reason the resident will read.

    Upheld with `correct_entry`: the objected entry is reversed (the closed quarter is reopened
    for that one reversal and closed again, each step in the audit trail) and the lists are
    published again as the next issue, which restarts the publicity period. Upheld without it:
    the correction is made by hand (a new entry), then the admin publishes the next issue.
    `deadlines` are those of that next issue. The caller commits.
    """
    today = today or app_today()
    answer = (answer or "").strip()
    if objection.status != ObjectionStatus.OPEN.value:
        raise PublishingError(N_("异议 #%(id)s 已经处理过了。"), id=objection.id)
    if not answer:
        raise PublishingError(N_("处理异议必须写明理由，它会告知提出异议的村民。"))
    if correct_entry and not upheld:
        raise PublishingError(N_("只有异议成立时才更正记录。"))
    if correct_entry and objection.entry is None:
        raise PublishingError(
            N_("异议 #%(id)s 没有指明哪条记录，请手工补录或冲正后再重新公布。"), id=objection.id
        )
    if correct_entry:
        _correct(objection, actor, answer, deadlines, today)
    objection.status = (ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED).value
    objection.answer = answer
    objection.settled_by_id = actor.id
    objection.settled_at = utcnow()
    db.session.flush()
    audit.record(
        "objection_settled",
        "objection",
        objection.id,
        actor=actor,
        before={"status": ObjectionStatus.OPEN.value},
        after={
            "status": objection.status,
            "answer": answer,
            "correction_entry": objection.correction_entry_id,
            "new_publication": objection.new_publication_id,
        },
    )
    return objection


def _correct(
    objection: Objection, actor: User, answer: str, deadlines: Deadlines, today: date
) -> None:
    publication = objection.publication
    village = db.session.get(Village, publication.village_id)
    quarter = Period.parse(publication.quarter_code)
    reason = f"异议 #{objection.id} 成立：{answer}"
    ledger.reopen_period(village, quarter, actor=actor, reason=reason)
    reversal = ledger.reverse(
        objection.entry, actor=actor, reason=reason, key=f"objection-{objection.id}", today=today
    ).entries[0]
    ledger.close_period(village, quarter, actor=actor, today=today)
    new_issue = publish(village, quarter, actor, deadlines, reason=reason, today=today)
    objection.correction_entry_id = reversal.id
    objection.new_publication_id = new_issue.id


def find_household(village: Village, number: str) -> Household:
    """The village's household by 户号, for a clerk typing it in."""
    number = (number or "").strip()
    household = db.session.execute(
        db.select(Household).filter_by(village_id=village.id, number=number)
    ).scalar_one_or_none()
    if household is None:
        raise PublishingError(N_("没有户号为“%(number)s”的户，请核对。"), number=number)
    return household


def households_to_object_for(village: Village) -> list[Household]:
    """The village's households by 户号, for the clerk to pick whose objection it is."""
    return list(
        db.session.execute(
            db.select(Household).filter_by(village_id=village.id).order_by(Household.number)
        ).scalars()
    )


def entries_to_object_to(publication: Publication, household: Household) -> list[Entry]:
    """The household's approved entries of the published period, by day: what an objection may
    name (a pending or rejected entry never counted on the list)."""
    quarter = Period.parse(publication.quarter_code)
    return list(
        db.session.execute(
            db.select(Entry)
            .where(
                Entry.household_id == household.id,
                Entry.status == "approved",
                Entry.occurred_on >= quarter.start,
                Entry.occurred_on < quarter.end,
            )
            .order_by(Entry.occurred_on, Entry.id)
        ).scalars()
    )


@dataclass(frozen=True)
class ObjectionView:
    """An objection with what the supervisor's page needs to know about its deadline."""

    objection: Objection
    overdue: bool
    days_left: int  # negative when overdue


def objections(village: Village, today: date | None = None, *, open_only: bool = False):
    """The village's objections, open ones first (earliest deadline first), each flagged overdue
    when still open after its deadline."""
    today = today or app_today()
    query = (
        db.select(Objection)
        .join(Publication, Publication.id == Objection.publication_id)
        .where(Publication.village_id == village.id)
    )
    if open_only:
        query = query.where(Objection.status == ObjectionStatus.OPEN.value)
    rows = db.session.execute(query).scalars().all()
    rows.sort(key=lambda o: (o.status != ObjectionStatus.OPEN.value, o.due_on, o.id))
    return [_view(o, today) for o in rows]


def _view(objection: Objection, today: date) -> ObjectionView:
    is_open = objection.status == ObjectionStatus.OPEN.value
    return ObjectionView(
        objection,
        overdue=is_open and today > objection.due_on,
        days_left=(objection.due_on - today).days,
    )


def household_objections(household_id: int) -> list[Objection]:
    """A household's objections with their answers, newest first (for the resident page)."""
    return list(
        db.session.execute(
            db.select(Objection).filter_by(household_id=household_id).order_by(Objection.id.desc())
        ).scalars()
    )


def open_for_objection(village: Village, today: date | None = None) -> list[Publication]:
    """The newest issue of each period whose publicity period includes today."""
    today = today or app_today()
    newest: dict[str, Publication] = {}
    for publication in db.session.execute(
        db.select(Publication)
        .filter_by(village_id=village.id)
        .where(Publication.publicity_end >= today)
        .order_by(Publication.quarter_start, Publication.issue)
    ).scalars():
        newest[publication.quarter_code] = publication
    return [p for p in newest.values() if in_publicity(p, today)]


def objections_raised_by(label: str) -> list[Objection]:
    """The objections someone raised (a resident's label), newest first, with their answers."""
    return list(
        db.session.execute(
            db.select(Objection).filter_by(raised_by_label=label).order_by(Objection.id.desc())
        ).scalars()
    )
