"""Recording entries: checked all together, written all or none, idempotent by key."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from .. import audit, rules_store
from ..extensions import db
from ..localtime import app_today
from ..models import (
    Entry,
    EntryStatus,
    Household,
    RulebookSnapshot,
    User,
    Village,
)
from ..rulebook import Claim, PriorEntry, Rulebook, evaluate, needs_history
from ..rulebook.messages import N_
from .common import (
    ONE_DECIMAL,
    SOURCES,
    Actor,
    Draft,
    PointsError,
    Recorded,
    RefusedClaim,
    SubmissionRefused,
    drafts_digest,
    entry_state,
    find_replay,
    label,
    lock_villages,
    open_submission,
)
from .notices import notices_of
from .quarters import ClosedPeriods, closed_periods
from .review import approve_now, live_entries_of, lock_households, member_counts


def record(
    village: Village,
    drafts: Sequence[Draft],
    *,
    key: str,
    actor: Actor,
    source: str = "form",
    today: date | None = None,
) -> Recorded:
    """Record entries (pending, or approved at once for items needing no review), all or none.

    `key` is the submission's idempotency key: replaying the same content returns the entries
    recorded the first time; the same key with other content is refused. The caller commits.
    """
    assert source in SOURCES
    today = today or app_today()
    digest = drafts_digest(source, drafts)
    replay = find_replay(village, key, digest)
    if replay is not None:
        return replay
    if not drafts:
        raise PointsError(N_("没有要记录的内容：请至少选择一户。"))
    snapshot, rulebook = _rulebook(village)
    problems: list[tuple[int, PointsError]] = []
    # Before reading what the checks depend on: the village (no quarter closes meanwhile), then
    # every household of the batch in id order, as a review locks them, so a batch posting
    # items without review and an approval cannot each hold a household the other waits for.
    lock_villages([village.id])
    lock_households(sorted({d.household_id for d in drafts}))
    households = _households(village, {d.household_id for d in drafts})
    closed = closed_periods(village)
    members = member_counts(sorted(households))
    for index, draft in enumerate(drafts):
        problem = _check(
            draft,
            households.get(draft.household_id),
            rulebook,
            closed,
            today,
            members.get(draft.household_id),
        )
        if problem is not None:
            problems.append((index, problem))
    if problems:
        raise SubmissionRefused(problems)

    # A savepoint: if posting refuses an entry, everything this call wrote goes, and nothing else.
    savepoint = db.session.begin_nested()
    submission = open_submission(village, key, digest, source, actor)
    entries = []
    for draft in drafts:
        version = rulebook.item_on(draft.item, draft.on)
        decision = evaluate(rulebook, Claim(draft.item, draft.on, draft.quantity, draft.level), [])
        entries.append(
            Entry(
                village_id=village.id,
                household_id=draft.household_id,
                submission_id=submission.id,
                kind="entry",
                rulebook_snapshot_id=snapshot.id,
                item_code=draft.item,
                item_version=version.effective,
                item_title=version.title,
                article=version.article,
                occurred_on=draft.on,
                quantity=draft.quantity,
                requested=decision.requested,
                member_ids=sorted(draft.member_ids) or None,
                level=draft.level,
                note=draft.note or None,
                source=source,
                status=EntryStatus.PENDING.value,
                created_by_id=actor.id if isinstance(actor, User) else None,
                created_label=label(actor),
            )
        )
    db.session.add_all(entries)
    db.session.flush()
    audit.record_many(
        [
            {
                "action": "entry_recorded",
                "obj_type": "entry",
                "obj_id": e.id,
                "after": entry_state(e),
            }
            for e in entries
        ],
        actor=actor,
    )
    result = Recorded(entries)
    # A resident's declaration is always reviewed, whatever the item says.
    direct = [
        e
        for e in entries
        if source != "declaration" and not rulebook.item_on(e.item_code, e.occurred_on).review
    ]
    if direct:
        # Items the rulebook posts without review are approved now, under the same rules.
        reviewed = approve_now(direct, actor=actor, today=today)
        if reviewed.refused:
            problems = [(entries.index(entry), problem) for entry, problem in reviewed.refused]
            savepoint.rollback()
            raise SubmissionRefused(sorted(problems, key=lambda p: p[0]))
    savepoint.commit()
    for notices in notices_of(entries, rulebook):
        result.notices.extend(notices)
    return result


def _rulebook(village: Village) -> tuple[RulebookSnapshot, Rulebook]:
    current = rules_store.in_force(village.code)
    if not current.loaded:
        raise PointsError(
            N_("本村还没有加载积分管理细则，不能记分；请村两委先运行 flask rules load。")
        )
    return current.snapshot, current.rulebook


def _households(village: Village, ids: Iterable[int]) -> dict[int, Household]:
    rows = db.session.execute(
        db.select(Household).where(Household.village_id == village.id, Household.id.in_(ids))
    ).scalars()
    return {h.id: h for h in rows}


def _check(
    draft: Draft,
    household: Household | None,
    rulebook: Rulebook,
    closed: ClosedPeriods,
    today: date,
    members: int | None = None,
) -> PointsError | None:
    """What is wrong with one draft before anything is written, or None."""
    if household is None:
        return PointsError(N_("没有这一户（编号 %(id)s）。"), id=draft.household_id)
    if not household.is_active:
        return PointsError(N_("%(number)s 户已迁出或注销，不能再记分。"), number=household.number)
    if household.registered_on is not None and draft.on < household.registered_on:
        return PointsError(
            N_(
                "%(number)s 户 %(since)s 起在册，不能记在册之前（%(on)s）的分；"
                "请核对行为日期或户籍登记日期。"
            ),
            number=household.number,
            since=household.registered_on.isoformat(),
            on=draft.on.isoformat(),
        )
    if draft.on > today:
        return PointsError(
            N_("行为日期 %(on)s 还没到；请填写行为实际发生的日期。"), on=draft.on.isoformat()
        )
    period = closed.containing(draft.on)
    if period is not None:
        return PointsError(
            N_("%(quarter)s 已结账，不能再记这个季度的分；如确需补记，请村两委先重新开账。")
            if period.kind == "quarter"
            else N_("%(quarter)s 已结账，不能再记这一期的分；如确需补记，请村两委先重新开账。"),
            quarter=period.code,
        )
    version = rulebook.item_on(draft.item, draft.on)
    # A range item's quantity is its points: the engine checks them at the rulebook's precision.
    is_points = version is not None and version.scoring.kind == "range"
    if (
        draft.quantity is not None
        and not is_points
        and draft.quantity != draft.quantity.quantize(ONE_DECIMAL)
    ):
        return PointsError(N_("数量最多一位小数，填的是 %(value)s。"), value=draft.quantity)
    decision = evaluate(
        rulebook, Claim(draft.item, draft.on, draft.quantity, draft.level, members), []
    )
    if decision.refusal is not None:
        return RefusedClaim(decision.refusal)
    if draft.member_ids:
        known = {m.id for m in household.members}
        if not set(draft.member_ids) <= known:
            return PointsError(
                N_("所选家庭成员不属于 %(number)s 户，请重新选择。"), number=household.number
            )
    return None


# Hours, yuan or people: far beyond any real one, and small enough that the points it scores stay
# exact in Decimal's 28 digits and fit the ledger's 64-bit hundredths.
MAX_QUANTITY = 1_000_000_000


def parse_quantity(text: str | None) -> Decimal | None:
    """A quantity typed into a form or a sheet ("2", "1.5", "") as a Decimal; PointsError if not."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise PointsError(N_("数量 “%(value)s” 不是数字。"), value=text) from None
    if not value.is_finite():
        raise PointsError(N_("数量 “%(value)s” 不是数字。"), value=text)
    if abs(value) > MAX_QUANTITY:
        raise PointsError(
            N_("数量 “%(value)s” 太大：请填不超过 %(limit)s 的数。"),
            value=text,
            limit=f"{MAX_QUANTITY:,}",
        )
    return value


@dataclass(frozen=True)
class DraftOutcome:
    """What recording a draft now would do: refused with `problem`, or asking `requested` and
    getting `granted` when approved (caps and frequencies applied against the approved ledger
    and the drafts before it), with the clerk's notices and whether it posts without review."""

    draft: Draft
    problem: PointsError | None = None
    requested: Decimal | None = None
    granted: Decimal | None = None
    notices: tuple[str, ...] = ()
    posted_at_once: bool = False


def preview_record(
    village: Village, drafts: Sequence[Draft], *, today: date | None = None
) -> list[DraftOutcome]:
    """Each draft's outcome as record() would see it, without writing or locking anything (the
    batch form's preview step). Approval may still grant less if other entries are approved
    first; the notices say so in the same words as after recording."""
    from flask_babel import gettext

    from .notices import limit_notices

    today = today or app_today()
    _, rulebook = _rulebook(village)
    households = _households(village, {d.household_id for d in drafts})
    closed = closed_periods(village)
    members = member_counts(sorted(households))
    years = {d.on.year for d in drafts}
    whole = any(needs_history(rulebook, d.item, d.on) for d in drafts)
    prior = live_entries_of(
        sorted(households),
        None if whole else min(years, default=today.year) - 1,
        max(years, default=today.year) + 1,
    )
    outcomes = []
    for draft in drafts:
        household = households.get(draft.household_id)
        problem = _check(draft, household, rulebook, closed, today, members.get(draft.household_id))
        if problem is not None:
            outcomes.append(DraftOutcome(draft, problem))
            continue
        claim = Claim(draft.item, draft.on, draft.quantity, draft.level, members[household.id])
        decision = evaluate(rulebook, claim, prior[household.id])
        if decision.refusal is not None:
            outcomes.append(DraftOutcome(draft, RefusedClaim(decision.refusal)))
            continue
        notices: list[str] = []
        if decision.granted != decision.requested:
            trial = Entry(
                item_code=draft.item,
                occurred_on=draft.on,
                points=decision.granted,
                limits=",".join(decision.limits),
            )
            notices = [gettext(N_("提醒：")) + n for n in limit_notices(trial, rulebook)]
        prior[household.id].append(
            PriorEntry(draft.item, draft.on, decision.granted, draft.quantity)
        )
        outcomes.append(
            DraftOutcome(
                draft,
                None,
                decision.requested,
                decision.granted,
                tuple(notices),
                not rulebook.item_on(draft.item, draft.on).review,
            )
        )
    return outcomes
