"""What a clerk is told about caps: "本季度该事项已达上限 10 分，本次计 4 分"."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from ..models import (
    Entry,
    EntryStatus,
)
from ..rulebook import PriorEntry, Rulebook, evaluate
from ..rulebook.messages import N_
from .common import RefusedClaim
from .review import claim_of, live_entries, live_entries_of, prior_years

_LIMIT_NOTICES = {
    "max_per_entry": N_("该事项每次最多计 %(max)s 分，本次计 %(granted)s 分。"),
    "cap": N_("本%(period)s该事项已达上限 %(max)s 分，本次计 %(granted)s 分。"),
    "shared": N_("“%(name)s”几项合计每%(period)s上限 %(max)s 分，本次计 %(granted)s 分。"),
}


def limit_notices(entry: Entry, rulebook: Rulebook) -> list[str]:
    """Why an approved entry got fewer points than asked, in words a clerk understands."""
    from flask_babel import gettext

    from ..rulebook.scoring import PERIOD_NAMES

    version = rulebook.item_on(entry.item_code, entry.occurred_on)
    notices = []
    for limit in filter(None, entry.limits.split(",")):
        kind, _, detail = limit.partition(":")
        granted = entry.points
        if kind == "max_per_entry":
            notices.append(
                gettext(_LIMIT_NOTICES[kind], max=version.max_per_entry, granted=granted)
            )
        elif kind == "cap":
            notices.append(
                gettext(
                    _LIMIT_NOTICES[kind],
                    period=gettext(PERIOD_NAMES[detail]),
                    max=version.cap(detail),
                    granted=granted,
                )
            )
        elif kind == "shared":
            shared = next(c for c in rulebook.shared_caps if c.code == detail)
            notices.append(
                gettext(
                    _LIMIT_NOTICES[kind],
                    name=shared.name,
                    period=gettext(PERIOD_NAMES[shared.period]),
                    max=shared.max,
                    granted=granted,
                )
            )
    return notices


@dataclass(frozen=True)
class Preview:
    """What approving a pending entry would grant now, and why it would be less (or refused)."""

    granted: Decimal | None  # None: approval would be refused
    notices: list[str]


def preview(entry: Entry, rulebook: Rulebook, prior: Sequence[PriorEntry] | None = None) -> Preview:
    """Approval's outcome for a pending entry, if nothing else is approved first (for reviewers).

    `prior`: the household's live entries of the years around the entry, when the caller has
    read them already (notices_of reads them for a whole submission in one query)."""
    from flask_babel import gettext

    if prior is None:
        prior = live_entries(entry.household_id, *prior_years(rulebook, entry))
    decision = evaluate(rulebook, claim_of(entry), prior)
    if decision.refusal is not None:
        return Preview(None, [gettext(N_("提醒：")) + str(RefusedClaim(decision.refusal))])
    if decision.granted != decision.requested:
        trial = Entry(
            item_code=entry.item_code,
            occurred_on=entry.occurred_on,
            points=decision.granted,
            limits=",".join(decision.limits),
        )
        notices = [gettext(N_("提醒：")) + n for n in limit_notices(trial, rulebook)]
        return Preview(decision.granted, notices)
    return Preview(decision.granted, [])


def notices_for(entry: Entry, rulebook: Rulebook) -> list[str]:
    if entry.status == EntryStatus.APPROVED.value:
        return limit_notices(entry, rulebook)
    # Pending: say what approval would grant if nothing else is approved first.
    return preview(entry, rulebook).notices


def notices_of(entries: Sequence[Entry], rulebook: Rulebook) -> list[list[str]]:
    """notices_for() of each entry, reading the live entries once per year of conduct rather than
    once per entry: a 2,000-row score sheet was 4,000 queries, seconds on PostgreSQL."""
    pending = [e for e in entries if e.status != EntryStatus.APPROVED.value]
    prior: dict[int, dict[int, list[PriorEntry]]] = {}  # year → household → its live entries
    for year in sorted({e.occurred_on.year for e in pending}):
        households = sorted({e.household_id for e in pending if e.occurred_on.year == year})
        whole = any(
            prior_years(rulebook, e)[0] is None for e in pending if e.occurred_on.year == year
        )
        prior[year] = live_entries_of(households, None if whole else year - 1, year + 1)
    return [
        limit_notices(e, rulebook)
        if e.status == EntryStatus.APPROVED.value
        else preview(e, rulebook, prior[e.occurred_on.year][e.household_id]).notices
        for e in entries
    ]
