"""The home page: what a signed-in user can do, or a way in for everyone else."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func

from ..extensions import db
from ..models import Household, Village

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    if current_user.is_resident:
        return redirect(url_for("resident.home"))
    villages = []
    if current_user.is_authenticated:
        rows = db.session.execute(
            db.select(Village, func.count(Household.id))
            .outerjoin(Household)
            .group_by(Village.id)
            .order_by(Village.code)
        ).all()
        villages = [(village, count) for village, count in rows]
    # Everyone, signed in or not, may open each village's published honour lists.
    public = db.session.execute(db.select(Village).order_by(Village.code)).scalars().all()
    return render_template("main/index.html", villages=villages, public_villages=public)
