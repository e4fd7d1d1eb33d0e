"""What an export asks for, checked: a period of the right kind, a household by its 户号.

Shared by the download pages (views/exports.py) and `flask export` (exports_cli.py), so both
refuse the same requests with the same words.
"""

from __future__ import annotations

from flask_babel import gettext as _

from . import access
from .extensions import db
from .models import Household, Village
from .periods import Period, PeriodError

EXAMPLES = {
    "quarter": "2026Q3",
    "month": "2026-07",
    "two_months": "2026B4",
    "half_year": "2026H2",
    "year": "2026",
}


class ExportRequestError(ValueError):
    """A period or household the form asked for that we cannot export; the message says why."""


def parse_period(text: str, kinds: tuple[str, ...]) -> Period:
    """The period asked for, of one of `kinds`; ExportRequestError with the expected form."""
    try:
        period = Period.parse(text)
    except PeriodError:
        period = None
    if period is None or period.kind not in kinds:
        raise ExportRequestError(
            _(
                "看不懂“%(text)s”：请写成 %(examples)s 这样",
                text=text,
                examples=_("或").join(EXAMPLES[k] for k in kinds),
            )
        )
    return period


def household_by_number(village: Village, number: str, person=None) -> Household:
    """The household with this 户号; for a `person` (a page's user), only one they may see — a
    group leader asking for a household outside their groups is told it does not exist."""
    number = number.strip()
    household = db.session.execute(
        db.select(Household).filter_by(village_id=village.id, number=number)
    ).scalar_one_or_none()
    if household is None or (
        person is not None and not access.can_see_household(person, household)
    ):
        raise ExportRequestError(_("没有户号为“%(number)s”的户", number=number))
    return household
