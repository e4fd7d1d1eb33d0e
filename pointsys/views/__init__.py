"""Blueprints: thin shells that parse a request, call the domain and render or redirect."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Every blueprint, and the request hook that tells the audit trail where writes come from."""
    from . import (
        admin,
        audit,
        auth,
        common,
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

    # isort: split
    # Imported for what they do: they add their pages to ledger.bp before it is registered.
    from . import entries, review  # noqa: F401

    common.init_app(app)

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
    app.register_blueprint(ledger.bp)  # with the pages of entries and review
