"""The household roster (花名册) in Excel: read, plan, apply; template and export; web import.

    parsed = parse_roster(data)          # read.py: the file's two sheets, as text
    plan = plan_import(village, data)    # plan.py: what would change, every problem by cell
    apply_import(village, plan, actor=user)   # apply.py: all of it or nothing (caller commits)
    workbook_bytes(village, households)  # export.py: the template's layout

Reading never writes: `plan_import` lists what would change and every problem by sheet, row and
column; `apply_import` writes all of it or nothing.
"""

from .apply import apply_import, plan_numbers
from .export import export_households, workbook_bytes
from .plan import Plan, plan_import, plan_parsed
from .read import (
    DEFAULT_MAX_BYTES,
    HOUSEHOLD_COLUMNS,
    HOUSEHOLD_SHEET,
    MEMBER_COLUMNS,
    MEMBER_SHEET,
    PARSED_VERSION,
    Parsed,
    Problem,
    RosterError,
    open_workbook,
    parse_roster,
)
from .upload import commit_upload, load_parsed, load_upload, preview_upload, store_upload

__all__ = [
    "DEFAULT_MAX_BYTES",
    "HOUSEHOLD_COLUMNS",
    "HOUSEHOLD_SHEET",
    "MEMBER_COLUMNS",
    "MEMBER_SHEET",
    "PARSED_VERSION",
    "Parsed",
    "Plan",
    "Problem",
    "RosterError",
    "apply_import",
    "commit_upload",
    "export_households",
    "load_parsed",
    "load_upload",
    "open_workbook",
    "parse_roster",
    "plan_import",
    "plan_numbers",
    "plan_parsed",
    "preview_upload",
    "store_upload",
    "workbook_bytes",
]
