"""What the generated sheet and the parser agree on: columns, their kinds, the hidden metadata."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext

from ..rulebook.describe import plain, signed
from ..rulebook.messages import N_
from ..rulebook.model import ItemVersion
from ..translated import TranslatedError

FORMAT = "pointsys-score-sheet/1"
META_SHEET = "_pointsys"  # hidden: what the upload is checked against
TITLE_ROW = 1
HEADER_ROW = 2
FIRST_ROW = 3
MAX_ITEMS = 20  # more columns than this do not fit on landscape A4 any more
DEFAULT_MAX_BYTES = 2 * 1024 * 1024
DEFAULT_MAX_ROWS = 2000

# How a cell of an item's column is filled: a tick, a quantity, the chosen points, or the name
# of the level chosen (levels items).
TICK, QUANTITY, RANGE, LEVEL = "tick", "quantity", "range", "level"
TICKS = {"1", "√", "✓", "✔"}


class ScoreSheetError(TranslatedError):
    """The sheet cannot be made or read at all; the message says what to do."""


@dataclass(frozen=True)
class ItemColumn:
    """One item's column: where it is, how it is filled, and what its header says."""

    letter: str
    code: str
    kind: str
    header: str  # the full header cell text
    name: str  # "ENV-02 门前三包落实到位": how problems name the column


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the upload, in words, with the cell it is about (if any)."""

    text: str
    cell: str | None = None

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Cell:
    """Where a draft came from, so a refusal by the ledger can point back at it."""

    row: int
    number: str
    column: str  # the column's name: "PUB-01 志愿服务（按小时）"
    ref: str  # "E7"

    def problem(self, text: str) -> Problem:
        place = {"row": self.row, "column": self.column, "cell": self.ref, "text": text}
        if not self.number:
            return Problem(
                gettext("第 %(row)s 行“%(column)s”列（%(cell)s）：%(text)s", **place), self.ref
            )
        return Problem(
            gettext(
                "第 %(row)s 行（户号 %(number)s）“%(column)s”列（%(cell)s）：%(text)s",
                number=self.number,
                **place,
            ),
            self.ref,
        )


def kind_of(version: ItemVersion) -> str:
    scoring = version.scoring.kind
    if scoring == "points":
        return TICK
    if scoring == "range":
        return RANGE
    if scoring == "levels":
        return LEVEL
    return QUANTITY


def column_name(version: ItemVersion) -> str:
    return f"{version.code} {version.title}"


def header_text(version: ItemVersion) -> str:
    """ "ENV-02 门前三包落实到位（+1/次，打√）": the item, its points and how to fill the cell."""
    s = version.scoring
    unit = s.unit or ""
    if s.kind == "points":
        how = gettext(N_("%(points)s/次，打√"), points=signed(s.points))
    elif s.kind == "range":
        how = gettext(N_("%(low)s～%(high)s 分，填分值"), low=signed(s.low), high=signed(s.high))
    elif s.kind == "per_unit":
        how = gettext(N_("每%(unit)s %(points)s，填%(unit)s数"), unit=unit, points=signed(s.points))
    elif s.kind == "per_member":
        how = gettext(N_("每人 %(points)s，填人数"), points=signed(s.points))
    elif s.kind == "bands":
        how = gettext(N_("分段计分，填%(unit)s数"), unit=unit)
    elif s.kind == "levels":
        levels = "/".join(f"{v.name}{signed(v.points)}" for v in s.levels)
        how = gettext(N_("填级别：%(levels)s"), levels=levels)
    elif s.kind == "value_bands":
        bands = "/".join(
            f"{plain(b.min)}–{plain(b.max)}{signed(b.points)}"
            if b.max is not None
            else f"≥{plain(b.min)}{signed(b.points)}"
            for b in s.value_bands
        )
        how = gettext(N_("按价值分档 %(bands)s，填%(unit)s数"), bands=bands, unit=unit)
    else:
        how = gettext(N_("累计达标加分，填%(unit)s数"), unit=unit)
    return f"{column_name(version)}（{how}）"


def number_text(value) -> str:
    """A quantity as people write it (2, 1.5), for the preview."""
    return "" if value is None else plain(value)
