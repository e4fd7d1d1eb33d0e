"""The ledger: the only code that writes entries — record, review, reverse, close a quarter.

Entries start pending; a supervisor approves (caps and once-per-period rules are applied then,
inside the approving transaction, with the household's row locked) or rejects them. Items the
rulebook marks as needing no review are approved as they are recorded. Nothing is edited or
deleted: a correction is a reversal entry, and the database refuses anything else.
"""

from .common import (
    Actor,
    Draft,
    PointsError,
    Recorded,
    RefusedClaim,
    Reviewed,
    SubmissionRefused,
    drafts_digest,
)
from .corrections import REVERSIBLE_SOURCES, SubmissionReversed, reverse, reverse_submission
from .notices import Preview, limit_notices, preview
from .quarters import (
    ClosedPeriods,
    check_list_period,
    close_period,
    close_quarter,
    closed_periods,
    is_closed,
    list_period_kind,
    period_closed,
    reopen_period,
    reopen_quarter,
)
from .recording import DraftOutcome, parse_quantity, preview_record, record
from .review import approve, live_entries, lock_household, reject

__all__ = [
    "REVERSIBLE_SOURCES",
    "Actor",
    "ClosedPeriods",
    "Draft",
    "DraftOutcome",
    "PointsError",
    "Preview",
    "Recorded",
    "RefusedClaim",
    "Reviewed",
    "SubmissionRefused",
    "SubmissionReversed",
    "approve",
    "check_list_period",
    "close_period",
    "close_quarter",
    "closed_periods",
    "drafts_digest",
    "is_closed",
    "limit_notices",
    "list_period_kind",
    "live_entries",
    "lock_household",
    "parse_quantity",
    "period_closed",
    "preview",
    "preview_record",
    "record",
    "reject",
    "reopen_period",
    "reopen_quarter",
    "reverse",
    "reverse_submission",
]
