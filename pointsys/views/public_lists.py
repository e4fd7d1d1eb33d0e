"""The public honour lists (no login): a village's published lists, as on the notice board."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from .. import publishing
from ..extensions import db
from ..models import Publication, Village

bp = Blueprint("public_lists", __name__, url_prefix="/public")


def _village_or_404(code: str) -> Village:
    village = db.session.execute(db.select(Village).filter_by(code=code)).scalar_one_or_none()
    if village is None:
        abort(404)
    return village


@bp.get("/<village_code>/lists")
def index(village_code: str):
    """The latest issue of each published quarter, with links to earlier issues."""
    village = _village_or_404(village_code)
    quarters: dict[str, list[Publication]] = {}
    for publication in publishing.issues(village):  # newest quarter, newest issue first
        quarters.setdefault(publication.quarter_code, []).append(publication)
    latest = [
        (issues[0], publishing.published_lists(issues[0]), issues[1:])
        for issues in quarters.values()
    ]
    return render_template("public_lists/index.html", village=village, latest=latest)


@bp.get("/<village_code>/lists/<int:publication_id>")
def show(village_code: str, publication_id: int):
    village = _village_or_404(village_code)
    publication = db.get_or_404(Publication, publication_id)
    if publication.village_id != village.id:
        abort(404)
    return render_template(
        "public_lists/show.html",
        village=village,
        publication=publication,
        lists=publishing.published_lists(publication),
        issues=publishing.issues_of(publication),
    )
