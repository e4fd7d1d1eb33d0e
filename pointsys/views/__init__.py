"""Blueprints: thin shells that parse a request, call the domain and render or redirect."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from . import admin, auth, households, ledger, main, rules, settings

    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(settings.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(rules.bp)
    app.register_blueprint(households.bp)
    app.register_blueprint(ledger.bp)
