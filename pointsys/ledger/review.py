"""Review: a supervisor approves (caps applied then, household locked) or rejects."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import func

from .. import audit, rules_store
from ..extensions import db
from ..localtime import app_today
from ..models import (
    Entry,
    EntryStatus,
    Household,
    Member,
    RulebookSnapshot,
    User,
    utcnow,
)
from ..rulebook import Claim, Decision, PriorEntry, evaluate, fed_decisions, needs_history
from ..rulebook.messages import N_
from .common import (
    Actor,
    PointsError,
    RefusedClaim,
    Reviewed,
    entry_state,
    is_cancelled,
    lock_rows,
    lock_villages,
)
from .quarters import ClosedPeriods, closed_periods_for


def approve(
    entries: Sequence[Entry], *, reviewer: User, note: str | None = None, today: date | None = None
) -> Reviewed:
    """Approve pending entries, each under its rulebook's caps; those that cannot be approved stay
    pending and are returned with the reason. The caller commits."""
    return _approve(entries, reviewer=reviewer, note=note, today=today or app_today(), auto=False)


def reject(entries: Sequence[Entry], *, reviewer: User, reason: str) -> Reviewed:
    """Reject pending entries with a reason the household will see. The caller commits."""
    reason = (reason or "").strip()
    if not reason:
        raise PointsError(N_("驳回时请写明理由，农户会看到它。"))
    result = Reviewed()
    if not entries:
        return result
    taken = _lock_for_review(entries)
    closed = closed_periods_for(entries)
    for entry in entries:
        problem = taken.get(entry.id) or reviewable(entry, reviewer, closed)
        if problem is not None:
            result.refused.append((entry, problem))
            continue
        before = entry_state(entry)
        entry.status = EntryStatus.REJECTED.value
        entry.reviewed_by_id = reviewer.id
        entry.reviewed_at = utcnow()
        entry.review_note = reason
        audit.record(
            "entry_rejected",
            "entry",
            entry.id,
            actor=reviewer,
            before=before,
            after={**entry_state(entry), "reason": reason},
        )
        result.done.append(entry)
    db.session.flush()
    return result


def approve_now(entries: Sequence[Entry], *, actor: Actor, today: date) -> Reviewed:
    """Post entries of items the rulebook lets skip review, as they are recorded."""
    return _approve(entries, reviewer=actor, note=None, today=today, auto=True)


def _approve(
    entries: Sequence[Entry], *, reviewer: Actor, note: str | None, today: date, auto: bool
) -> Reviewed:
    result = Reviewed()
    if not entries:
        return result
    by_household = _by_household(entries)
    # Lock the households (in id order: no deadlocks between two reviewers) before reading their
    # approved entries: two approvals cannot both use the last of a cap. One statement for all
    # of them, and one query for their live entries: a batch of 500 is two round trips, not 1,000.
    # Entries posted as they are recorded were written by this transaction: record() has locked.
    taken = {} if auto else _lock_for_review(entries)
    closed = closed_periods_for(entries)
    prior_of = _live_entries_around(entries, by_household)
    events: list[dict[str, object]] = []
    companions: list[Entry] = []

    def refuse(entry: Entry) -> PointsError | None:
        if auto:
            return None
        return taken.get(entry.id) or reviewable(entry, reviewer, closed)

    for entry, decision, problem, fed in _evaluated(by_household, prior_of, refuse):
        if problem is not None:
            result.refused.append((entry, problem))
            continue
        events.append(_post(entry, decision, reviewer, note, auto))
        companions += [_companion(entry, d) for d in fed]
        result.done.append(entry)
    db.session.add_all(companions)
    db.session.flush()
    events += [
        {
            "action": "entry_accumulated",
            "obj_type": "entry",
            "obj_id": c.id,
            "after": {**entry_state(c), "limits": c.limits, "source_entry": c.source_entry_id},
        }
        for c in companions
    ]
    audit.record_many(events, actor=reviewer)
    return result


def _lock_for_review(entries: Sequence[Entry]) -> dict[int, PointsError]:
    """Lock the entries' villages (a quarter cannot close meanwhile) and households (no other
    review of them meanwhile), then read the entries again: they were loaded before the locks,
    and another reviewer may have decided them since. Returns, by entry id, the refusal of
    each entry that was pending when loaded and is no longer."""
    was_pending = {e.id for e in entries if e.status == EntryStatus.PENDING.value}
    lock_villages({e.village_id for e in entries})
    lock_households(sorted({e.household_id for e in entries}))
    ids = sorted(e.id for e in entries)
    for start in range(0, len(ids), 500):  # bounded IN lists
        db.session.execute(
            db.select(Entry)
            .where(Entry.id.in_(ids[start : start + 500]))
            .execution_options(populate_existing=True)
        ).scalars().all()
    return {
        e.id: PointsError(N_("记录 #%(id)s 已被他人审核，本次未作处理。"), id=e.id)
        for e in entries
        if e.id in was_pending and e.status != EntryStatus.PENDING.value
    }


def what_approval_grants(pending: Sequence[Entry]) -> dict[int, Decimal]:
    """entry id → the points approving these pending entries now, in order of conduct, would
    grant (caps and frequencies applied against the approved ledger; 0 where approval would be
    refused). Nothing is written: the resident sees what review would grant, not what was asked."""
    if not pending:
        return {}
    by_household = _by_household(pending)
    prior_of = _live_entries_around(pending, by_household)
    return {
        entry.id: Decimal(0) if problem is not None else decision.granted
        for entry, decision, problem, _ in _evaluated(by_household, prior_of, lambda entry: None)
    }


def _by_household(entries: Sequence[Entry]) -> dict[int, list[Entry]]:
    by_household: dict[int, list[Entry]] = {}
    for entry in entries:
        by_household.setdefault(entry.household_id, []).append(entry)
    return by_household


def _live_entries_around(
    entries: Sequence[Entry], by_household: dict[int, list[Entry]]
) -> dict[int, list[PriorEntry]]:
    """The households' live entries from the year before the entries' to the year after: every
    cap and frequency window an entry can fall in; from their first entry on when an entry's
    item (or an item it feeds) accumulates since the household joined (threshold_period "ever")."""
    years = {e.occurred_on.year for e in entries}
    whole = any(
        needs_history(_rulebook(e), e.item_code, e.occurred_on)
        for e in entries
        if e.kind == "entry"
    )
    return live_entries_of(sorted(by_household), None if whole else min(years) - 1, max(years) + 1)


def _rulebook(entry: Entry):
    return rules_store.rulebook_of(db.session.get(RulebookSnapshot, entry.rulebook_snapshot_id))


def claim_of(entry: Entry, members: int | None = None, via: str | None = None) -> Claim:
    """The claim an entry makes: its item, day, quantity and level (and the household's member
    count when the caller knows it)."""
    return Claim(entry.item_code, entry.occurred_on, entry.quantity, entry.level, members, via)


def member_counts(household_ids: Sequence[int]) -> dict[int, int]:
    """How many members each household has now (per_member items may not count more)."""
    counts = dict.fromkeys(household_ids, 0)
    ids = sorted(set(household_ids))
    for start in range(0, len(ids), 500):  # bounded IN lists
        rows = db.session.execute(
            db.select(Member.household_id, func.count())
            .where(Member.household_id.in_(ids[start : start + 500]))
            .group_by(Member.household_id)
        )
        counts.update({household: count for household, count in rows})
    return counts


def _evaluated(
    by_household: dict[int, list[Entry]],
    prior_of: dict[int, list[PriorEntry]],
    refuse: Callable[[Entry], PointsError | None],
) -> Iterator[tuple[Entry, Decision | None, PointsError | None, list[Decision]]]:
    """Each household's entries in order of conduct, each evaluated under its own rulebook
    against the live entries before it and those granted earlier in this run: (entry, decision,
    problem, companions), the problem None when the entry can be posted, and the companions the
    decisions of items accumulating its quantity (quantity_from) that grant points with it."""
    members = member_counts(sorted(by_household))
    for household_id in sorted(by_household):
        prior = prior_of[household_id]
        for entry in sorted(by_household[household_id], key=lambda e: (e.occurred_on, e.id)):
            decision, fed = None, []
            problem = refuse(entry)
            if problem is None:
                rulebook = _rulebook(entry)
                claim = claim_of(entry, members[household_id])
                decision = evaluate(rulebook, claim, prior)
                if decision.refusal is not None:
                    problem = RefusedClaim(decision.refusal)
                else:
                    fed = fed_decisions(rulebook, claim, prior)
            yield entry, decision, problem, fed
            if problem is None:
                prior.append(
                    PriorEntry(entry.item_code, entry.occurred_on, decision.granted, entry.quantity)
                )
                prior += [PriorEntry(d.item, d.on, d.granted, entry.quantity) for d in fed]


def _post(
    entry: Entry, decision: Decision, reviewer: Actor, note: str | None, auto: bool
) -> dict[str, object]:
    """Post the entry; returns its audit event (recorded with the batch's, in one INSERT)."""
    before = entry_state(entry)
    entry.points = decision.granted
    entry.limits = ",".join(decision.limits)
    entry.veto = ",".join(decision.veto)
    entry.status = EntryStatus.APPROVED.value
    # Posted without review: no reviewer; the audit trail names who recorded it.
    entry.reviewed_by_id = reviewer.id if isinstance(reviewer, User) and not auto else None
    entry.reviewed_at = utcnow()
    entry.review_note = (note or "").strip() or None
    return {
        "action": "entry_posted" if auto else "entry_approved",
        "obj_type": "entry",
        "obj_id": entry.id,
        "before": before,
        "after": {**entry_state(entry), "limits": entry.limits},
    }


def _companion(source: Entry, decision: Decision) -> Entry:
    """The approved entry an item accumulating the source's quantity gets with it: same
    household, day, quantity and attribution, linked back to the source (posted after _post)."""
    version = decision.version
    return Entry(
        village_id=source.village_id,
        household_id=source.household_id,
        submission_id=None,  # not part of what was submitted: a replay returns the source only
        kind="entry",
        rulebook_snapshot_id=source.rulebook_snapshot_id,
        item_code=decision.item,
        item_version=version.effective,
        item_title=version.title,
        article=version.article,
        occurred_on=source.occurred_on,
        quantity=source.quantity,
        requested=decision.requested,
        points=decision.granted,
        limits=",".join(decision.limits),
        veto=",".join(decision.veto),
        source=source.source,
        status=EntryStatus.APPROVED.value,
        created_by_id=source.created_by_id,
        created_label=source.created_label,
        reviewed_by_id=source.reviewed_by_id,
        reviewed_at=source.reviewed_at,
        source_entry_id=source.id,
    )


def reviewable(
    entry: Entry, reviewer: Actor, closed: dict[int, ClosedPeriods]
) -> PointsError | None:
    if entry.status != EntryStatus.PENDING.value:
        return PointsError(N_("记录 #%(id)s 已经审核过了。"), id=entry.id)
    if isinstance(reviewer, User) and entry.created_by_id == reviewer.id:
        return PointsError(
            N_("记录 #%(id)s 是您本人录入的，不能由您审核；请另一位监督委员审核。"), id=entry.id
        )
    period = closed.get(entry.village_id, ClosedPeriods()).containing(entry.occurred_on)
    if period is not None:
        return PointsError(
            N_("%(quarter)s 已结账，不能再审核这个季度的记录；如确需处理，请村两委先重新开账。")
            if period.kind == "quarter"
            else N_("%(quarter)s 已结账，不能再审核这一期的记录；如确需处理，请村两委先重新开账。"),
            quarter=period.code,
        )
    return None


def lock_household(household_id: int) -> None:
    """Serialise writes to one household's ledger until the transaction ends."""
    lock_households([household_id])


def lock_households(household_ids: Sequence[int]) -> None:
    """Serialise writes to these households' ledgers until the transaction ends (after the
    villages' lock, `lock_villages`, always in that order)."""
    lock_rows(Household, household_ids)


def live_entries(household_id: int, from_year: int | None, to_year: int) -> list[PriorEntry]:
    """The household's approved entries, dated within the years given (from its first entry when
    from_year is None), that are not cancelled by a reversal (a reversed reversal revives its
    entry): what caps, frequencies and accumulations count."""
    return live_entries_of([household_id], from_year, to_year)[household_id]


def prior_years(rulebook, entry: Entry) -> tuple[int | None, int]:
    """The years of live entries scoring `entry` needs: around its year, or its whole history."""
    year = entry.occurred_on.year
    whole = needs_history(rulebook, entry.item_code, entry.occurred_on)
    return (None if whole else year - 1), year + 1


def live_entries_of(
    household_ids: Sequence[int], from_year: int | None, to_year: int
) -> dict[int, list[PriorEntry]]:
    """live_entries() of several households, in one query."""
    live: dict[int, list[PriorEntry]] = {h: [] for h in household_ids}
    rows = []
    for start in range(0, len(household_ids), 500):  # bounded IN lists
        rows += db.session.execute(
            db.select(
                Entry.id,
                Entry.kind,
                Entry.reverses_id,
                Entry.household_id,
                Entry.item_code,
                Entry.occurred_on,
                Entry.points,
                Entry.quantity,
            ).where(
                Entry.household_id.in_(household_ids[start : start + 500]),
                Entry.status == EntryStatus.APPROVED.value,
                Entry.occurred_on >= date(from_year or 1, 1, 1),
                Entry.occurred_on < date(to_year + 1, 1, 1),
            )
        ).all()
    reversed_by = {r.reverses_id: r.id for r in rows if r.reverses_id is not None}
    for row in rows:
        if row.kind != "entry":
            continue
        if not is_cancelled(row.id, reversed_by):
            live[row.household_id].append(
                PriorEntry(row.item_code, row.occurred_on, row.points, row.quantity)
            )
    return live
