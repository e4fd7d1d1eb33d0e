"""The language switch: a POST form, so it carries a CSRF token like every other form."""

from flask import Blueprint, current_app, redirect, session
from wtforms import HiddenField

from .forms import Form
from .safety import safe_next

bp = Blueprint("settings", __name__)


class LanguageForm(Form):
    lang = HiddenField()
    next = HiddenField()


@bp.post("/language")
def set_language():
    form = LanguageForm()
    if form.validate_on_submit() and form.lang.data in current_app.config["LANGUAGES"]:
        session["lang"] = form.lang.data
    return redirect(safe_next(form.next.data))
