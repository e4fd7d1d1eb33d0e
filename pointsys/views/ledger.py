"""The ledger's pages (积分记录): the blueprint, what its pages share, and the read-only pages —
a household's ledger, the standings of a quarter and quarter closing.

Recording lives in views/entries.py, review in views/review.py: they add their pages to this
module's `bp` (they import it; this module imports neither), and views.register_blueprints imports
them before registering `bp`. All of them are thin: they parse the request, call pointsys.ledger /
pointsys.standings, commit or roll back, and render.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import access, ledger, rules_store, standings
from ..extensions import db
from ..ledger import lookup
from ..localtime import app_today
from ..models import Entry, EntryStatus
from ..periods import Period, PeriodError, quarter_of
from ..rulebook import Rulebook
from ..rulebook.describe import points_text, signed
from ..rulebook.model import ItemVersion
from .common import ADMINS, STAFF, current_village, household_or_404, role_required
from .hygiene import page_number
from .ledger_forms import LEVEL_SEPARATOR, ConfirmForm, ReopenForm

bp = Blueprint("ledger", __name__, url_prefix="/ledger")

PER_PAGE = 50
STATUS_LABELS = {
    EntryStatus.PENDING.value: _l("待审核"),
    EntryStatus.APPROVED.value: _l("已审核"),
    EntryStatus.REJECTED.value: _l("已驳回"),
}
SOURCE_LABELS = {
    "form": _l("单条记分"),
    "batch": _l("批量记分"),
    "sheet": _l("评分表导入"),
    "declaration": _l("村民申报"),
    "reversal": _l("冲正"),
}


@bp.app_context_processor
def _labels():
    return {"entry_status_labels": STATUS_LABELS, "entry_source_labels": SOURCE_LABELS}


def rulebook_of_entry(entry: Entry) -> Rulebook:
    """The rulebook the entry was scored under (invariant 2), not the one in force now."""
    from ..models import RulebookSnapshot

    return rules_store.rulebook_of(db.session.get(RulebookSnapshot, entry.rulebook_snapshot_id))


@dataclass(frozen=True)
class ItemChoice:
    """An item as the entry forms offer it: code, title, points in words, article, and what the
    quantity box means for it (None: no quantity)."""

    code: str
    label: str
    quantity_hint: str | None


def quantity_hint(version: ItemVersion) -> str | None:
    scoring = version.scoring
    if scoring.kind == "points":
        return None
    if scoring.kind == "range":
        return _(
            "（在 %(low)s 至 %(high)s 之间选分值）",
            low=signed(scoring.low),
            high=signed(scoring.high),
        )
    if scoring.kind == "per_member":
        return _("（单位：人）")
    if scoring.kind == "levels":
        return None
    return _("（单位：%(unit)s）", unit=scoring.unit or "")


def item_catalogue(rulebook: Rulebook, on: date) -> list[tuple[str, list[ItemChoice]]]:
    """The items in force on `on`, grouped by category, for the entry forms' <select>: a levels
    item once per level; an item accumulating another's quantity (quantity_from) not at all, as
    it is posted only with that item's entries."""
    language = str(get_locale())
    groups = []
    for category in rulebook.categories:
        choices = []
        for code in category.items:
            version = rulebook.items[code].version_on(on)
            if version is None or version.scoring.quantity_from:
                continue
            for level in version.scoring.levels:
                choices.append(
                    ItemChoice(
                        f"{code}{LEVEL_SEPARATOR}{level.name}",
                        f"{code} {version.title} — {level.name} {signed(level.points)}"
                        f" · {version.article}",
                        None,
                    )
                )
            if version.scoring.levels:
                continue
            label = f"{code} {version.title} · {points_text(version, language)} · {version.article}"
            choices.append(ItemChoice(code, label, quantity_hint(version)))
        if choices:
            groups.append((category.name, choices))
    return groups


def parse_period(text: str | None, default: Period) -> tuple[Period, str | None]:
    """The period a query string asks for, or the default and an error message."""
    text = (text or "").strip()
    if not text:
        return default, None
    try:
        return Period.parse(text), None
    except PeriodError:
        return default, _("看不懂期间 “%(text)s”，请写成 2026Q3 这样。", text=text)


@bp.get("/households/<int:household_id>")
@role_required(STAFF)
def household(household_id: int):
    """A household's ledger: every entry (newest first), balance, this quarter's rank and tier."""
    place = household_or_404(household_id)
    village = current_village()
    today = app_today()
    page = db.paginate(
        lookup.of_household(place), page=page_number(), per_page=PER_PAGE, error_out=False
    )
    quarter = quarter_of(today)
    account = standings.account(place, today)
    return render_template(
        "ledger/household.html",
        household=place,
        page=page,
        balance=account.main,
        account=account,
        today=today,
        quarter=quarter,
        standing=standings.standings(village, quarter).of(place.id),
    )


@bp.get("/standings")
@role_required(STAFF)
def standings_page():
    village = current_village()
    period, error = parse_period(request.args.get("period"), quarter_of(app_today()))
    table = standings.standings(village, period)
    # A group leader sees their groups' rows, ranked as in the village's table.
    rows = access.visible_rows(current_user, table.rows)
    return render_template(
        "ledger/standings.html",
        village=village,
        table=table,
        rows=rows,
        scoped=len(rows) < len(table.rows),
        period=period,
        error=error,
    ), (400 if error else 200)


@bp.get("/quarters")
@role_required(ADMINS)
def quarters():
    village = current_village()
    today = app_today()
    kind = ledger.list_period_kind(village)
    states = lookup.quarter_states(village, [today.year - 1, today.year], today, kind)
    return render_template(
        "ledger/quarters.html",
        states=list(reversed(states)),
        reopen_form=ReopenForm(formdata=None),
        confirm_form=ConfirmForm(formdata=None),
    )


def _quarter(code: str, any_kind: bool = False) -> Period:
    """The period of the URL: of the lists' kind ([honours] period), or of any kind to reopen
    one closed before the rulebook changed it."""
    try:
        period = Period.parse(code)
    except PeriodError:
        abort(404)
    if not any_kind and period.kind != ledger.list_period_kind(current_village()):
        abort(404)
    return period


@bp.route("/quarters/<code>/close", methods=["GET", "POST"])
@role_required(ADMINS)
def close_quarter(code: str):
    """A confirmation page; its POST closes the quarter."""
    village = current_village()
    period = _quarter(code)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            ledger.close_quarter(village, period, actor=current_user)
            db.session.commit()
        except ledger.PointsError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(
                _("%(quarter)s 已结账；这个季度不能再记分、审核或冲正。", quarter=period.code)
                if period.kind == "quarter"
                else _("%(quarter)s 已结账；这一期不能再记分、审核或冲正。", quarter=period.code),
                "success",
            )
        return redirect(url_for("ledger.quarters"))
    return render_template("ledger/close.html", period=period, form=form)


@bp.post("/quarters/<code>/reopen")
@role_required(ADMINS)
def reopen_quarter(code: str):
    village = current_village()
    period = _quarter(code, any_kind=True)
    form = ReopenForm()
    if not form.validate_on_submit():
        for error in form.reason.errors:
            flash(_("重新开账理由：%(error)s", error=error), "error")
        return redirect(url_for("ledger.quarters"))
    try:
        ledger.reopen_quarter(village, period, actor=current_user, reason=form.reason.data)
        db.session.commit()
    except ledger.PointsError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(_("%(quarter)s 已重新开账。", quarter=period.code), "success")
    return redirect(url_for("ledger.quarters"))
