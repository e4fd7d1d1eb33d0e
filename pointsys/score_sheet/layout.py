"""What the generated sheet and the parser agree on: columns, their kinds, the hidden metadata."""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

from flask_babel import gettext
from openpyxl.utils import column_index_from_string
from openpyxl.utils.cell import coordinate_from_string

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
    """One thing wrong with the upload, in words, with the cell it is about (if any).

    `text` is the whole sentence (place and fault, for the command line and logs); `row`,
    `column`, `number` and `what` are its parts, for the preview's table of problems.
    """

    text: str
    cell: str | None = None
    row: int | None = None
    column: str = ""  # the column's header as the clerk sees it: "户号", "ENV-02 …", "日期"
    number: str = ""  # the row's 户号, when it has one
    what: str = ""  # what is wrong, without the place

    def __str__(self) -> str:
        return self.text

    @property
    def fault(self) -> str:
        return self.what or self.text

    def sort_key(self) -> tuple[int, int, int, str]:
        """Sheet-wide problems first, then by row and by column, as the clerk reads the sheet."""
        if not self.cell:
            return (0, 0, 0, self.text)
        letters, row = coordinate_from_string(self.cell)
        return (1, row, column_index_from_string(letters), self.text)


def in_sheet_order(problems) -> list[Problem]:
    return sorted(problems, key=Problem.sort_key)


@dataclass(frozen=True)
class Cell:
    """Where a draft came from, so a refusal by the ledger can point back at it."""

    row: int
    number: str
    column: str  # the column's name: "PUB-01 志愿服务（按小时）"
    ref: str  # "E7"

    def problem(self, text: str) -> Problem:
        place = {"row": self.row, "column": self.column, "cell": self.ref, "text": text}
        parts = {"row": self.row, "column": self.column, "number": self.number, "what": text}
        if not self.number:
            return Problem(
                gettext("第 %(row)s 行“%(column)s”列（%(cell)s）：%(text)s", **place),
                self.ref,
                **parts,
            )
        return Problem(
            gettext(
                "第 %(row)s 行（户号 %(number)s）“%(column)s”列（%(cell)s）：%(text)s",
                number=self.number,
                **place,
            ),
            self.ref,
            **parts,
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


# How the header row is printed whole (issue 17: headers were cut off on paper). Excel wraps a
# cell at its column width, counted in widths of "0"; a Chinese character takes about two.
HEADER_LINE_POINTS = 15  # one line of the bold 11 pt header, in points
HEADER_MIN_HEIGHT = 48
ITEM_MIN_WIDTH, ITEM_MAX_WIDTH = 12, 24
HEADER_LINES = 4  # an item's column widens until its header fits in this many lines


def display_width(text: str) -> int:
    """The text's width in Excel's units: 2 for a wide (CJK, full-width) character, 1 else."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def header_lines(text: str, width: float) -> int:
    """Lines the text wraps to in a column this wide (a unit of padding on each line)."""
    return max(1, math.ceil(display_width(text) / max(1, width - 1)))


def item_width(header: str) -> int:
    """An item column wide enough for its header in HEADER_LINES lines, within bounds."""
    wanted = math.ceil(display_width(header) / HEADER_LINES) + 1
    return min(ITEM_MAX_WIDTH, max(ITEM_MIN_WIDTH, wanted))


def header_height(headers_and_widths) -> float:
    """The header row's height in points: every header whole, at its column's width."""
    lines = max((header_lines(text, width) for text, width in headers_and_widths), default=1)
    return max(HEADER_MIN_HEIGHT, lines * HEADER_LINE_POINTS + 6)


def number_text(value) -> str:
    """A quantity as people write it (2, 1.5), for the preview."""
    return "" if value is None else plain(value)
