"""pointsys: a village points system (积分制). create_app() is the only thing defined here."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from .config import (
    ENV_PREFIX,
    PACKAGE_DIR,
    PROJECT_DIR,
    Defaults,
    check_public_base_url,
    check_timezone,
    database_url,
    instance_path_from_env,
    load_or_create_secret_key,
    secure_cookie_settings,
)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults → instance/config.py → POINTSYS_* environment → test_config."""
    app = Flask(
        __name__,
        instance_path=instance_path_from_env(),
        instance_relative_config=True,
        template_folder=os.path.join(PROJECT_DIR, "templates"),
    )
    os.makedirs(app.instance_path, exist_ok=True)

    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env(ENV_PREFIX)
    if test_config:
        app.config.from_mapping(test_config)

    secure_cookie_settings(app.config)
    check_timezone(app.config)
    check_public_base_url(app.config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_or_create_secret_key(app.instance_path)
    url = database_url(app.config.get("DATABASE_URL"), app.instance_path)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES", os.path.join(PACKAGE_DIR, "translations")
    )

    from . import database, errors, formatting, i18n, navigation, security
    from .cli import register_cli
    from .extensions import csrf, db, login_manager, migrate
    from .views import hygiene, register_blueprints

    if app.config["PROXY_FIX"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]

    db.init_app(app)
    database.configure(app)
    migrate.init_app(app, db, directory=os.path.join(PACKAGE_DIR, "migrations"))
    hygiene.init_app(app)  # before CSRF and the blueprints: its hook first, its `int` in routes
    csrf.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    navigation.init_app(app)
    errors.init_app(app)
    formatting.register(app)
    security.init_app(app)
    register_blueprints(app)
    register_cli(app)
    return app
