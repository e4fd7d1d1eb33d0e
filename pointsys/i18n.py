"""Languages: Chinese (zh_CN) unless the user switched to English for this session."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, session
from flask_babel import Domain, get_locale

from .extensions import babel
from .rulebook.messages import singular_english

LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


def select_locale() -> str:
    """The session's chosen language if we have it, else the village default (zh_CN)."""
    # Commands and background work have no session: they speak the village default.
    chosen = session.get("lang") if has_request_context() else None
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


class PointsDomain(Domain):
    """The app's catalogue, with "+1 point" (not "+1 points") where a count of one is filled into
    an English message: gettext's plural forms would need every counted message marked twice."""

    def gettext(self, string, **variables):
        text = super().gettext(string, **variables)
        if variables and get_locale() is not None and get_locale().language == "en":
            return singular_english(text)
        return text


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    # Flask-Babel takes its domain from this (cached) property; ours replaces the plain one.
    babel.domain_instance = PointsDomain(domain=app.config.get("BABEL_DOMAIN", "messages"))

    @app.context_processor
    def _languages():
        return {"language_names": LANGUAGE_NAMES, "current_locale": select_locale()}
