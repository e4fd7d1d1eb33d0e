"""Blueprints: thin shells that parse a request, call the domain and render or redirect."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from . import (
        admin,
        audit,
        auth,
        evidence,
        exports,
        households,
        ledger,
        lists,
        main,
        public_lists,
        resident,
        rules,
        score_sheets,
        settings,
    )

    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(settings.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(rules.bp)
    app.register_blueprint(households.bp)
    app.register_blueprint(exports.bp)
    app.register_blueprint(lists.bp)
    app.register_blueprint(public_lists.bp)
    app.register_blueprint(score_sheets.bp)
    app.register_blueprint(evidence.bp)
    app.register_blueprint(audit.bp)
    app.register_blueprint(resident.bp)
    app.register_blueprint(ledger.bp)
