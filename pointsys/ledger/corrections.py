"""Corrections: a reversal entry cancels an approved entry; nothing is edited."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .. import audit, rules_store
from ..extensions import db
from ..models import (
    Entry,
    EntryStatus,
    RulebookSnapshot,
    Submission,
    User,
    Village,
    utcnow,
)
from ..rulebook import evaluate
from ..rulebook.messages import N_
from .common import (
    PointsError,
    Recorded,
    content_digest,
    entry_state,
    find_replay,
    lock_villages,
    open_submission,
)
from .quarters import closed_periods
from .review import (
    claim_of,
    live_entries,
    lock_household,
    lock_households,
    prior_years,
    reject,
)


def reverse(
    entry: Entry, *, actor: User, reason: str, key: str, today: date | None = None
) -> Recorded:
    """Cancel an approved entry (or a reversal) with a new entry of the opposite points.

    The reversal is dated on the original's conduct day, so it lands in the same period and
    frees the same caps. Companions posted with the entry (quantity_from) are reversed with it,
    their reversals following the entry's in the result. Replaying the key returns the first
    reversals. The caller commits.
    """
    reason = (reason or "").strip()
    village = db.session.get(Village, entry.village_id)
    digest = content_digest("reversal", [entry.id, reason])
    replay = find_replay(village, key, digest)
    if replay is not None:
        return replay
    if not reason:
        raise PointsError(N_("冲正时请写明理由，它会和冲正记录一起公示。"))
    # Locked before anything is read (village, then household: the order every writer keeps),
    # and the entry read again: another reversal may have committed since it was loaded.
    lock_villages([entry.village_id])
    lock_household(entry.household_id)
    db.session.expire(entry)
    if entry.status != EntryStatus.APPROVED.value:
        raise PointsError(
            N_("记录 #%(id)s 还没有审核通过，不需要冲正；待审核的记录请直接驳回。"), id=entry.id
        )
    if entry.reversed_by is not None:
        raise PointsError(
            N_("记录 #%(id)s 已经被记录 #%(by)s 冲正过了。"), id=entry.id, by=entry.reversed_by.id
        )
    period = closed_periods(village).containing(entry.occurred_on)
    if period is not None:
        raise PointsError(
            N_("%(quarter)s 已结账，不能冲正这个季度的记录；请村两委先重新开账。")
            if period.kind == "quarter"
            else N_("%(quarter)s 已结账，不能冲正这一期的记录；请村两委先重新开账。"),
            quarter=period.code,
        )
    # Companions posted with the entry (items accumulating its quantity) go with it, in this
    # transaction: reversing a source reverses them, reversing that reversal revives them.
    for companion in entry.companions:
        db.session.expire(companion)
    companions = [c for c in entry.companions if c.reversed_by is None]
    for revived in (entry, *companions):
        _check_revival(revived)
    submission = open_submission(village, key, digest, "reversal", actor)
    return Recorded(_post_reversals(entry, companions, submission.id, actor, reason))


def _post_reversals(
    entry: Entry, companions: list[Entry], submission_id: int, actor, reason: str
) -> list[Entry]:
    """The reversal of an entry and of its live companions (linked to the first reversal),
    flushed and audited: the reversal first, as reverse() returns it."""
    reversal = _reversal(entry, submission_id, actor, reason, None)
    db.session.add(reversal)
    db.session.flush()
    made = [reversal]
    for companion in companions:
        made.append(_reversal(companion, submission_id, actor, reason, reversal.id))
        db.session.add(made[-1])
    db.session.flush()
    for original, new in zip((entry, *companions), made, strict=True):
        audit.record(
            "entry_reversed",
            "entry",
            original.id,
            actor=actor,
            before=entry_state(original),
            after={**entry_state(new), "id": new.id, "reason": reason},
        )
    return made


def _reversal(
    entry: Entry, submission_id: int, actor: User, reason: str, source_entry_id: int | None
) -> Entry:
    """The entry cancelling `entry`: opposite points, same day (same periods, same caps freed)."""
    return Entry(
        village_id=entry.village_id,
        household_id=entry.household_id,
        submission_id=submission_id,
        kind="reversal",
        reverses_id=entry.id,
        rulebook_snapshot_id=entry.rulebook_snapshot_id,
        item_code=entry.item_code,
        item_version=entry.item_version,
        item_title=entry.item_title,
        article=entry.article,
        occurred_on=entry.occurred_on,
        quantity=None if entry.quantity is None else -entry.quantity,
        requested=-entry.points,
        points=-entry.points,
        veto=entry.veto,
        note=reason,
        source="reversal",
        status=EntryStatus.APPROVED.value,
        created_by_id=actor.id,
        created_label=actor.username,
        reviewed_by_id=actor.id,
        reviewed_at=utcnow(),
        review_note=reason,
        level=entry.level,
        source_entry_id=source_entry_id,
    )


def _check_revival(entry: Entry) -> None:
    """Reversing a reversal brings its entry back: refuse when the entry's points no longer fit
    its caps (or its once-per-period rule), which later entries may have used in the meantime.

    Found by the ledger's state machine test: without this, cancel → new entries → revive
    could leave a household above an item's cap.
    """
    depth, root = 0, entry
    while root.reverses_id is not None:
        depth, root = depth + 1, db.session.get(Entry, root.reverses_id)
    if depth % 2 == 0:  # reversing cancels the root entry: it frees caps, never uses them
        return
    rulebook = rules_store.rulebook_of(db.session.get(RulebookSnapshot, root.rulebook_snapshot_id))
    prior = live_entries(root.household_id, *prior_years(rulebook, root))
    # A companion is scored as it was posted: with the source item's entry.
    via = root.source_entry.item_code if root.source_entry_id is not None else None
    decision = evaluate(rulebook, claim_of(root, via=via), prior)
    if decision.refusal is not None or abs(decision.granted) < abs(root.points):
        raise PointsError(
            N_("恢复记录 #%(id)s 的 %(points)s 分会超出该事项本期上限，不能撤销冲正；请新记一条。"),
            id=root.id,
            points=root.points,
        )


@dataclass
class SubmissionReversed:
    """What reverse_submission() did: the reversals it added, the pending entries it rejected,
    and whether this was a replay of the same key (then nothing new was done)."""

    reversals: list[Entry] = field(default_factory=list)
    rejected: list[Entry] = field(default_factory=list)
    replayed: bool = False


# A whole submission can be taken back when it was a unit someone entered at once.
REVERSIBLE_SOURCES = ("form", "batch", "sheet", "declaration")


def reverse_submission(
    submission: Submission, *, actor: User, reason: str, key: str
) -> SubmissionReversed:
    """Take back a whole submission (a wrong batch or score sheet) with one reason: each approved
    entry still counting is reversed on the ledger, each pending one rejected; entries already
    rejected or reversed stay as they are. All or nothing: any entry that cannot be taken back
    (its period closed, four eyes …) refuses the whole with its message, and the caller rolls
    back. Idempotent by `key`. The caller commits."""
    reason = (reason or "").strip()
    village = db.session.get(Village, submission.village_id)
    digest = content_digest("submission_reversal", [submission.id, reason])
    replay = find_replay(village, key, digest)
    if replay is not None:
        return SubmissionReversed(replay.entries, [], replayed=True)
    if not reason:
        raise PointsError(N_("撤销整批时请写明理由，它会和冲正记录一起公示。"))
    if submission.source not in REVERSIBLE_SOURCES:
        raise PointsError(N_("提交 #%(id)s 本身是冲正，不能整批撤销。"), id=submission.id)
    entries = list(
        db.session.execute(
            db.select(Entry).filter_by(submission_id=submission.id).order_by(Entry.id)
        ).scalars()
    )
    # Village, then households in id order: the order every writer keeps. Then read the
    # entries again: another review or reversal may have committed since they were loaded.
    lock_villages([village.id])
    lock_households(sorted({e.household_id for e in entries}))
    for entry in entries:
        db.session.refresh(entry)
    pending = [e for e in entries if e.status == EntryStatus.PENDING.value]
    live = [e for e in entries if e.is_approved and e.reversed_by is None]
    if not pending and not live:
        raise PointsError(N_("提交 #%(id)s 的记录都已驳回或冲正，没有可撤销的。"), id=submission.id)
    closed = closed_periods(village)
    for entry in live:
        period = closed.containing(entry.occurred_on)
        if period is not None:
            raise PointsError(
                N_("记录 #%(id)s 在 %(quarter)s，已结账，不能撤销整批；请村两委先重新开账。"),
                id=entry.id,
                quarter=period.code,
            )
    result = SubmissionReversed()
    if pending:
        reviewed = reject(pending, reviewer=actor, reason=reason)
        if reviewed.refused:
            entry, problem = reviewed.refused[0]
            raise PointsError(
                N_("记录 #%(id)s 不能驳回，整批未作任何处理：%(problem)s"),
                id=entry.id,
                problem=str(problem),
            )
        result.rejected = reviewed.done
    taken_back = open_submission(village, key, digest, "reversal", actor)
    for entry in live:
        for companion in entry.companions:
            db.session.expire(companion)
        companions = [c for c in entry.companions if c.reversed_by is None]
        result.reversals += _post_reversals(entry, companions, taken_back.id, actor, reason)
    audit.record(
        "submission_reversed",
        "submission",
        submission.id,
        actor=actor,
        after={
            "reason": reason,
            "reversed": [e.id for e in live],
            "rejected": [e.id for e in result.rejected],
        },
    )
    return result
