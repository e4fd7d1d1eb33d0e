"""Database connection settings and the checks that turn driver errors into one-line messages.

SQLite has one writer at a time. A transaction that reads first and writes later (a plain,
deferred BEGIN) cannot wait for the write lock: when another writer holds it, or has committed
since the transaction's first read, the upgrade fails at once with SQLITE_BUSY, whatever the busy
timeout. So a transaction that is going to write begins with BEGIN IMMEDIATE: it takes the write
lock up front, waiting for it within the busy timeout, and then nothing it does can fail for
being second. Readers are not blocked by it (WAL). Which transactions write is known by where they
run: a request with a method that changes something (POST …), a `flask` command (but for the
read-only ones below), or code inside `writing()`; pages that only read (GET) keep
the deferred BEGIN, so page views and exports never queue behind one another.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import Flask, g, has_app_context, has_request_context, request
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from .config import ConfigError, describe_database
from .extensions import db

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Commands that only read (an export of a big ledger takes a while) or sit idle between
# statements (the shell): holding the write lock there would make every clerk wait.
READ_ONLY_COMMANDS = frozenset({"shell", "routes", "export"})
# SQLite's result codes for "another connection holds the lock" (extended codes share the low byte).
_SQLITE_BUSY_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})
# PostgreSQL: serialization failure, deadlock, lock wait timeout, statement timeout.
_POSTGRES_BUSY_STATES = frozenset({"40001", "40P01", "55P03", "57014"})


def configure(app: Flask) -> None:
    """Turn on SQLite's WAL, foreign keys and busy timeout for every connection the app opens,
    and begin writing transactions with the write lock (see the module's docstring)."""
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
        conn.exec_driver_sql("BEGIN IMMEDIATE" if wants_write_lock() else "BEGIN")

    with app.app_context():
        for engine in db.engines.values():
            event.listen(engine, "connect", _sqlite_pragmas)
            if engine.dialect.name == "sqlite":
                event.listen(engine, "begin", _sqlite_begin)


def wants_write_lock() -> bool:
    """Whether a transaction beginning now is one that will write, and so takes SQLite's write
    lock at once."""
    if has_app_context() and "pointsys_will_write" in g:
        return bool(g.pointsys_will_write)
    if has_request_context():
        return request.method not in READ_ONLY_METHODS
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return False  # tests and scripts calling the domain directly: they lock as they write
    names = set()
    while ctx is not None:
        names.add(ctx.info_name)
        ctx = ctx.parent
    return not names & READ_ONLY_COMMANDS


def reads_first() -> None:
    """This request writes (POST) but reads, and does slow work, before it knows what to write
    (a sign-in hashes the password): its transactions begin deferred, holding no lock meanwhile,
    and it writes inside `writing()`."""
    g.pointsys_will_write = False


@contextmanager
def writing() -> Iterator[None]:
    """Around the write of a page that only reads by its method (GET) but writes all the same (an
    export recording who took it): the read transaction ends, and the transactions begun inside
    take the write lock; the caller commits inside."""
    if db.session().in_transaction() and db.session.get_bind().dialect.name == "sqlite":
        db.session.commit()
    before = g.get("pointsys_will_write")
    g.pointsys_will_write = True
    try:
        yield
    finally:
        if before is None:
            g.pop("pointsys_will_write", None)
        else:
            g.pointsys_will_write = before


def is_busy(error: OperationalError) -> bool:
    """Whether the error is another transaction's lock outlasting the wait (SQLite's busy timeout,
    a PostgreSQL lock or statement timeout or deadlock), not a database that cannot be reached."""
    orig = error.orig
    if isinstance(orig, sqlite3.OperationalError):
        code = getattr(orig, "sqlite_errorcode", None)
        if code is not None:
            return code & 0xFF in _SQLITE_BUSY_CODES
        return "locked" in str(orig) or "busy" in str(orig)
    return getattr(orig, "sqlstate", None) in _POSTGRES_BUSY_STATES


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
