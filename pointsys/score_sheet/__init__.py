"""Score sheets (评分表): the xlsx a clerk fills in on paper or in Excel, then uploads.

generated = generate(village, group, ["ENV-02", "PUB-01"], on=date(2026, 8, 3))
parsed = parse(village, data)        # drafts with their cells, or problems at their cells
outcome = record(village, parsed, actor=user, dry_run=True)   # the preview; then for real

No Flask request here: views and the `flask sheets` commands are thin shells over these.
"""

from .build import Generated, choosable_items, generate
from .layout import DEFAULT_MAX_BYTES, DEFAULT_MAX_ROWS, MAX_ITEMS, Cell, Problem, ScoreSheetError
from .parse import Parsed, parse
from .record import Line, Outcome, ScoreSheetRefused, load_upload, record, store_upload

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_ROWS",
    "MAX_ITEMS",
    "Cell",
    "Generated",
    "Line",
    "Outcome",
    "Parsed",
    "Problem",
    "ScoreSheetError",
    "ScoreSheetRefused",
    "choosable_items",
    "generate",
    "load_upload",
    "parse",
    "record",
    "store_upload",
]
