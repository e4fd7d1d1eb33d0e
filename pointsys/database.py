"""Database connection settings and the checks that turn driver errors into one-line messages."""

from __future__ import annotations

import sqlite3

from flask import Flask
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from .config import ConfigError, describe_database
from .extensions import db


def configure(app: Flask) -> None:
    """Turn on SQLite's WAL, foreign keys and busy timeout for every connection the app opens."""
    busy_timeout = int(app.config["SQLITE_BUSY_TIMEOUT_MS"])

    def _sqlite_pragmas(dbapi_connection, _record):
        if not isinstance(dbapi_connection, sqlite3.Connection):
            return
        cursor = dbapi_connection.cursor()
        # WAL lets residents read while a clerk writes; foreign keys are off by default in SQLite.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        # pysqlite opens transactions itself, only before DML: a SAVEPOINT would then start (and
        # its RELEASE commit) the whole transaction. Let SQLAlchemy emit BEGIN instead.
        dbapi_connection.isolation_level = None

    def _sqlite_begin(conn):
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN")

    with app.app_context():
        for engine in db.engines.values():
            event.listen(engine, "connect", _sqlite_pragmas)
            if engine.dialect.name == "sqlite":
                event.listen(engine, "begin", _sqlite_begin)


def check_connection(engine: Engine) -> None:
    """Connect once, or raise a ConfigError naming POINTSYS_DATABASE_URL in one line."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except (OperationalError, DBAPIError) as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise ConfigError(
            f"无法连接数据库（POINTSYS_DATABASE_URL = {describe_database(engine.url)}）：{reason}"
        ) from None
