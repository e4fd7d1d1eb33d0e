"""Configuration: defaults, the instance file, POINTSYS_* environment variables, checks."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import click
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from .localtime import UnknownZone, zone

# The package and the checkout around it (templates/, rules/): the one definition everything uses.
PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
ENV_PREFIX = "POINTSYS"
SECRET_KEY_FILE = "secret_key"


class ConfigError(click.ClickException):
    """A setting that cannot work; shown as one line by the CLI instead of a traceback."""


class Defaults:
    """Settings every deployment starts from; instance/config.py and POINTSYS_* override them."""

    DATABASE_URL = None  # None: SQLite at instance/pointsys.sqlite
    SQLITE_BUSY_TIMEOUT_MS = 5000
    BABEL_DEFAULT_LOCALE = "zh_CN"
    # The village's clock (an IANA zone name): "today", periods and every shown time follow it.
    TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Secure cookies are switched on by POINTSYS_SESSION_COOKIE_SECURE=true behind HTTPS;
    # REMEMBER_COOKIE_SECURE follows it unless set itself (see secure_cookie_settings).
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Staff and residents alike: a sign-in lasts this long, then one signs in again.
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    # One request: a full batch of evidence photos (5 × 5 MB) with room for the form around it.
    MAX_CONTENT_LENGTH = 32 * 1024 * 1024
    # Nobody is offered "remember me"; should it come, it lasts no longer than a session.
    REMEMBER_COOKIE_DURATION = timedelta(hours=8)
    # Sign-in throttling: this many failures within LOGIN_LOCK_MINUTES lock the account / address.
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    LOGIN_MAX_FAILURES_PER_ADDRESS = 20
    LOGIN_LOCK_MINUTES = 15
    # Residents' PINs, counted apart from staff (README, "Resident access"): per household and
    # per address within RESIDENT_LOGIN_LOCK_MINUTES, and per household within 24 hours (0: none).
    RESIDENT_LOGIN_MAX_FAILURES_PER_HOUSEHOLD = 5
    RESIDENT_LOGIN_MAX_FAILURES_PER_ADDRESS = 20
    RESIDENT_LOGIN_MAX_FAILURES_PER_DAY = 10
    RESIDENT_LOGIN_LOCK_MINUTES = 15
    # Behind a reverse proxy (nginx), trust one X-Forwarded-For/-Proto hop for the client address.
    PROXY_FIX = False
    ROSTER_MAX_BYTES = 5 * 1024 * 1024  # a 5,000-household roster is well under 1 MB
    # Honour lists: the rulebook format has no setting for these yet, so the deployment sets them.
    PUBLICITY_DAYS = 7  # 公示期: calendar days a published list stays up for objections
    OBJECTION_DAYS = 7  # days the supervision committee has to settle an objection
    # A score sheet covers one village group: a few hundred rows, far below either limit.
    SCORE_SHEET_MAX_BYTES = 2 * 1024 * 1024
    SCORE_SHEET_MAX_ROWS = 2000
    # Evidence photos: a phone photo is 2–4 MB; refuse bigger files and more than this per entry.
    EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
    EVIDENCE_MAX_PER_ENTRY = 5
    EVIDENCE_MAX_PIXELS = 50_000_000  # read from the header, refused before decoding
    WTF_CSRF_TIME_LIMIT = None  # the session lifetime already bounds a token's life
    # Where villagers' phones reach the app (http://192.168.1.10:8000, https://jifen.example.cn):
    # printed as the notice board's link and QR code. None: printouts carry no link.
    PUBLIC_BASE_URL = None


def secure_cookie_settings(config) -> None:
    """Served over HTTPS (SESSION_COOKIE_SECURE): the remember-me cookie is Secure as well."""
    config.setdefault("REMEMBER_COOKIE_SECURE", bool(config["SESSION_COOKIE_SECURE"]))


def check_public_base_url(config) -> None:
    """PUBLIC_BASE_URL, when set, must be an address a phone can open (public_links)."""
    from .public_links import PublicLinkError, checked_base

    try:
        config["PUBLIC_BASE_URL"] = checked_base(config.get("PUBLIC_BASE_URL"))
    except PublicLinkError as exc:
        raise ConfigError(str(exc)) from None


def check_timezone(config) -> None:
    """TIMEZONE must name a zone; Flask-Babel's date filters are set to the same zone."""
    name = config.get("TIMEZONE")
    try:
        zone(name)
    except UnknownZone:
        raise ConfigError(
            f"POINTSYS_TIMEZONE “{name}” 不是有效的时区名称；"
            "应为 IANA 时区名，如 Asia/Shanghai 或 UTC（系统缺少时区数据时请安装 tzdata）"
        ) from None
    config["TIMEZONE"] = str(name).strip()
    config["BABEL_DEFAULT_TIMEZONE"] = config["TIMEZONE"]


def instance_path_from_env() -> str | None:
    """An instance folder given by POINTSYS_INSTANCE_PATH, read before the app exists."""
    value = os.environ.get(f"{ENV_PREFIX}_INSTANCE_PATH")
    return os.path.abspath(value) if value else None


def load_or_create_secret_key(instance_path: str) -> str:
    """Read the instance's secret key, generating it once (mode 0600) if the deployment has none."""
    path = Path(instance_path) / SECRET_KEY_FILE
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    key = secrets.token_hex(32)
    # O_EXCL: two workers starting together must not write two different keys.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key + "\n")
    return key


def database_url(configured: str | None, instance_path: str) -> URL:
    """The SQLAlchemy URL to use, or a ConfigError naming POINTSYS_DATABASE_URL."""
    if not configured:
        return make_url("sqlite:///" + str(Path(instance_path) / "pointsys.sqlite"))
    try:
        url = make_url(str(configured).strip())
    except ArgumentError as exc:
        raise ConfigError(
            f"POINTSYS_DATABASE_URL 格式不正确（{exc}）；"
            "应形如 postgresql://用户@主机:5432/数据库 或 sqlite:///路径"
        ) from None
    backend = url.get_backend_name()
    if backend in ("postgres", "postgresql"):
        # psycopg 3 is the one PostgreSQL driver we ship; plain postgresql:// would mean psycopg2.
        url = url.set(drivername="postgresql+psycopg")
    elif backend != "sqlite":
        raise ConfigError(
            f"POINTSYS_DATABASE_URL 使用了不支持的数据库“{backend}”；仅支持 postgresql 与 sqlite"
        )
    return url


def describe_database(url: URL) -> str:
    """The URL as it may be printed: the password hidden."""
    return url.render_as_string(hide_password=True)
