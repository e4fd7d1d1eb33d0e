"""Record a parsed sheet through the ledger (all or nothing), or try it and roll back (preview).

The preview is the ledger itself run on the drafts and rolled back, so what the clerk sees —
requested points, points granted at once for items needing no review, cap reminders — is what
the commit will do, and a replay of an imported sheet shows as such before anything is pressed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from flask_babel import gettext

from .. import ledger, rules_store, uploads
from ..extensions import db
from ..ledger import PointsError, SubmissionRefused
from ..ledger.common import Actor, RefusedClaim
from ..ledger.notices import notices_of
from ..localtime import app_today
from ..models import Household
from ..rulebook.describe import signed
from ..rulebook.messages import N_
from .layout import Problem, ScoreSheetError, in_sheet_order, number_text
from .parse import Parsed


class ScoreSheetRefused(Exception):
    """The sheet (or the ledger) refused: nothing was written; `problems` say where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Line:
    """One entry as it would be (or was) recorded."""

    cell: str
    number: str
    head_name: str
    item: str
    quantity: str
    requested: Decimal
    points: Decimal | None  # granted at once (items needing no review); None while pending
    status: str
    notices: tuple[str, ...]

    @property
    def requested_text(self) -> str:
        return signed(self.requested)

    @property
    def points_text(self) -> str:
        return "" if self.points is None else signed(self.points)


@dataclass(frozen=True)
class Outcome:
    lines: list[Line]
    replayed: bool
    dry_run: bool

    @property
    def pending(self) -> int:
        return sum(1 for line in self.lines if line.status == "pending")


def record(
    village,
    parsed: Parsed,
    *,
    actor: Actor,
    today: date | None = None,
    dry_run: bool = False,
) -> Outcome:
    """Record every filled cell as one submission, or none; with dry_run, roll it back after.

    Raises ScoreSheetRefused with every problem at its cell, in the sheet's order: the sheet's
    own (date, headers, cells that are not ticks or numbers) together with the ledger's
    refusals of the cells that were readable (ranges, once-per rules, caps), so a faulty sheet
    is corrected in one go. The caller commits a real run.
    """
    problems = list(parsed.problems)
    result = None
    drafts = parsed.drafts
    if parsed.on is None:  # no date (a problem already): check what the cells say, as of today
        day = today or app_today()
        drafts = [replace(draft, on=day) for draft in drafts]
    if drafts:
        try:
            result = ledger.record(
                village, drafts, key=parsed.key, actor=actor, source="sheet", today=today
            )
        except SubmissionRefused as exc:
            problems.extend(
                parsed.cells[index].problem(str(problem))
                for index, problem in exc.problems
                if parsed.on is not None or _about_the_value(problem)
            )
        except PointsError as exc:
            problems.append(Problem(str(exc)))
    elif not problems:  # parse() says so already; a Parsed made by hand may not
        problems.append(Problem(gettext("评分表里没有填写任何分数；请填好后再上传。")))
    if problems:
        db.session.rollback()  # the readable cells were only being checked: nothing stays
        raise ScoreSheetRefused(in_sheet_order(problems))
    rulebook = rules_store.in_force(village.code).rulebook
    entries = result.entries
    # One query for the heads' names and one for the notices, not one each per row (issue 13).
    heads = _head_names({entry.household_id for entry in entries})
    notices = [[] for _ in entries] if result.replayed else notices_of(entries, rulebook)
    lines = [
        Line(
            cell=cell.ref,
            number=cell.number,
            head_name=heads[entry.household_id],
            item=cell.column,
            quantity=entry.level or number_text(entry.quantity),  # a level's name, or a number
            requested=entry.requested,
            points=entry.points,
            status=entry.status,
            notices=tuple(notes),
        )
        for cell, entry, notes in zip(parsed.cells, entries, notices, strict=True)
    ]
    if dry_run:
        db.session.rollback()
    return Outcome(lines, result.replayed, dry_run)


# Refusals about what a cell says, whatever the day: the only ledger refusals worth reporting
# while the sheet's date is missing (its cells are then checked as of today, and a refusal about
# the day — not yet come, quarter closed, once per quarter — would be about a day nobody wrote).
VALUE_REFUSALS = frozenset(
    {
        "quantity_required",
        "points_required",
        "out_of_range",
        "level_required",
        "unknown_level",
        "below_value_bands",
        "too_many_members",
    }
)


def _about_the_value(problem: PointsError) -> bool:
    return isinstance(problem, RefusedClaim) and problem.refusal.code in VALUE_REFUSALS


def _head_names(household_ids: set[int]) -> dict[int, str]:
    ids = sorted(household_ids)
    names: dict[int, str] = {}
    for start in range(0, len(ids), 500):  # bounded IN lists
        rows = db.session.execute(
            db.select(Household.id, Household.head_name).where(
                Household.id.in_(ids[start : start + 500])
            )
        )
        names.update((household_id, name) for household_id, name in rows)
    return names


def store_upload(directory: str, data: bytes) -> str:
    """Keep an upload between preview and commit, named by its sha256 (old ones are dropped)."""
    return uploads.store_upload(directory, data)


def load_upload(directory: str, digest: str) -> bytes:
    """The kept upload with this sha256, checked again, or a ScoreSheetError."""
    try:
        return uploads.load_upload(directory, digest)
    except uploads.KeptUploadGone:
        raise ScoreSheetError(N_("预览已失效（文件只保留两天），请重新上传评分表。")) from None
    except uploads.KeptUploadChanged:
        raise ScoreSheetError(N_("保存的评分表文件已被改动，请重新上传。")) from None
