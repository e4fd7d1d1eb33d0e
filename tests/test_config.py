"""Configuration precedence, the generated secret key, and database URL checks."""

import stat

import pytest

from pointsys import create_app
from pointsys.config import ConfigError, database_url


def test_precedence_defaults_instance_env_test_config(instance_path, monkeypatch):
    (instance_path / "config.py").write_text(
        "PER_PAGE = 'instance'\nFROM_INSTANCE = 'instance'\nFROM_ENV = 'instance'\n"
        "FROM_TEST = 'instance'\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("POINTSYS_FROM_ENV", "env")
    monkeypatch.setenv("POINTSYS_FROM_TEST", "env")
    monkeypatch.setenv("POINTSYS_MAX_CONTENT_LENGTH", "1234")  # JSON-parsed: becomes an int
    app = create_app({"FROM_TEST": "test"})
    assert app.config["BABEL_DEFAULT_LOCALE"] == "zh_CN"  # a default nobody overrode
    assert app.config["FROM_INSTANCE"] == "instance"
    assert app.config["FROM_ENV"] == "env"
    assert app.config["FROM_TEST"] == "test"
    assert app.config["MAX_CONTENT_LENGTH"] == 1234


def test_default_database_is_sqlite_in_instance_folder(instance_path):
    app = create_app()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    assert url.get_backend_name() == "sqlite"
    assert url.database == str(instance_path / "pointsys.sqlite")


def test_secret_key_generated_once_and_private(instance_path):
    first = create_app().config["SECRET_KEY"]
    second = create_app().config["SECRET_KEY"]
    assert first == second and len(first) == 64
    key_file = instance_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_secret_key_from_environment_wins(instance_path, monkeypatch):
    monkeypatch.setenv("POINTSYS_SECRET_KEY", "from-env")
    assert create_app().config["SECRET_KEY"] == "from-env"
    assert not (instance_path / "secret_key").exists()


def test_postgres_urls_use_psycopg3(tmp_path):
    for given in ("postgresql://u@h/db", "postgres://u@h/db", "postgresql+psycopg://u@h/db"):
        assert database_url(given, str(tmp_path)).drivername == "postgresql+psycopg"


def test_malformed_database_url_names_the_setting(tmp_path):
    with pytest.raises(ConfigError) as info:
        database_url("not a url", str(tmp_path))
    assert info.value.message == (
        "POINTSYS_DATABASE_URL 格式不正确（Could not parse SQLAlchemy URL from given URL string）；"
        "应形如 postgresql://用户@主机:5432/数据库 或 sqlite:///路径"
    )


def test_unsupported_database_is_refused(tmp_path):
    with pytest.raises(ConfigError) as info:
        database_url("mysql://root@localhost/test", str(tmp_path))
    assert info.value.message == (
        "POINTSYS_DATABASE_URL 使用了不支持的数据库“mysql”；仅支持 postgresql 与 sqlite"
    )


def test_session_cookies_are_hardened(instance_path):
    app = create_app()
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
