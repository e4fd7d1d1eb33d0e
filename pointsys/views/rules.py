"""The rulebook as residents read it: public, like the paper copy on the notice board."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, render_template, request
from flask_babel import get_locale

from ..extensions import db
from ..localtime import app_today
from ..models import RulebookSnapshot, Village
from ..rulebook.describe import (
    account_texts,
    changes,
    honours_texts,
    limits_text,
    plaque_text,
    points_text,
    precision_text,
    publicity_text,
    star_texts,
)
from ..rules_store import in_force

bp = Blueprint("rules", __name__, url_prefix="/rules")


@bp.get("/")
def index():
    codes = db.session.execute(
        db.select(RulebookSnapshot.village_code).distinct().order_by(RulebookSnapshot.village_code)
    ).scalars()
    names = {code: name for code, name in db.session.execute(db.select(Village.code, Village.name))}
    villages = [(code, names.get(code, code)) for code in codes]
    return render_template("rules/index.html", villages=villages)


@bp.get("/<village_code>")
def show(village_code: str):
    current = in_force(village_code)
    if not current.loaded:
        abort(404)
    snapshot, rulebook = current.snapshot, current.rulebook
    try:
        on = date.fromisoformat(request.args.get("on", ""))
    except ValueError:
        on = app_today()
    language = str(get_locale())
    categories = []
    for category in rulebook.categories:
        rows = []
        for code in category.items:
            version = rulebook.items[code].version_on(on)
            if version is not None:
                rows.append(
                    {
                        "version": version,
                        "points": points_text(version, language),
                        "limits": limits_text(rulebook, version, language),
                    }
                )
        categories.append((category, rows))
    return render_template(
        "rules/show.html",
        snapshot=snapshot,
        rulebook=rulebook,
        on=on,
        categories=categories,
        changes=changes(rulebook),
        precision=precision_text(rulebook, language),
        plaque=plaque_text(rulebook, language),
        honours=honours_texts(rulebook, language),
        publicity=publicity_text(rulebook, language),
        account=account_texts(rulebook, language),
        stars=star_texts(rulebook, language),
    )
