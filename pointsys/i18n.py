"""Languages: Chinese (zh_CN) unless the user switched to English for this session."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, session

from .extensions import babel

LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


def select_locale() -> str:
    """The session's chosen language if we have it, else the village default (zh_CN)."""
    # Commands and background work have no session: they speak the village default.
    chosen = session.get("lang") if has_request_context() else None
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def _languages():
        return {"language_names": LANGUAGE_NAMES, "current_locale": select_locale()}
