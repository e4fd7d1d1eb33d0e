"""The home page: what each signed-in role needs to do now (pointsys.dashboard), or a way in."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func

from .. import dashboard
from ..extensions import db
from ..localtime import app_today, app_zone
from ..models import Household, Village
from .common import village_or_none

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    if current_user.is_resident:
        return redirect(url_for("resident.home"))
    # Everyone, signed in or not, may open each village's published honour lists.
    public = db.session.execute(db.select(Village).order_by(Village.code)).scalars().all()
    if not current_user.is_authenticated:
        return render_template("main/index.html", public_villages=public)
    village = village_or_none()
    if village is None:  # an account tied to no village, with several villages about
        rows = db.session.execute(
            db.select(Village, func.count(Household.id))
            .outerjoin(Household)
            .group_by(Village.id)
            .order_by(Village.code)
        ).all()
        return render_template(
            "main/index.html", villages=list(rows), public_villages=public, home=None
        )
    return render_template(
        "main/index.html",
        village=village,
        home=dashboard.home(village, current_user, app_today(), app_zone()),
        public_villages=public,
    )
