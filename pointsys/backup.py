"""Backups a village can run: a consistent copy taken while the app serves, and its restore.

A backup is a folder `pointsys-backup-YYYYMMDD-HHMMSS/` holding the database (`database.sqlite`,
made by SQLite's online backup API, or `database.pgdump`, made by `pg_dump --format=custom`),
the instance's `evidence/` and `uploads/`, and `manifest.json`: the schema revision, the counts of
households, entries and publications, the append-only triggers, and the sha256 of every file.
It is written under a `.partial` name and renamed when complete, so a backup that was cut short
never looks like one. Restoring checks every sha256 first, refuses a database that holds data
unless forced, and afterwards checks the counts and the triggers in the restored database.

Plain arguments (a SQLAlchemy URL, folders); no Flask. The CLI is pointsys/backup_cli.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psycopg
from flask_babel import lazy_gettext
from sqlalchemy.engine import URL

from .rulebook.messages import N_
from .translated import TranslatedError

FORMAT = "pointsys-backup-1"
PREFIX = "pointsys-backup-"
NAME_RE = re.compile(r"pointsys-backup-\d{8}-\d{6}(-\d+)?")
PARTIAL = ".partial"
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite"
PG_FILE = "database.pgdump"
# The instance folders a backup carries, beside the database.
FOLDERS = ("evidence", "uploads")
# What the manifest counts, and what a restore must find again.
COUNTED = {
    "households": "household",
    "entries": "entry",
    "publications": "publication",
}
COUNT_NAMES = {
    "households": N_("户数"),
    "entries": N_("积分记录条数"),
    "publications": N_("红黑榜期数"),
}


class BackupError(TranslatedError):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class Manifest:
    """What a backup holds (manifest.json)."""

    created: str  # the village's local time, ISO 8601
    database: str  # "sqlite" or "postgresql"
    revision: str | None  # the Alembic revision of the schema
    counts: dict[str, int]
    triggers: list[str]
    files: dict[str, str]  # path inside the backup → sha256

    def to_json(self) -> str:
        body = {"format": FORMAT, **self.__dict__}
        return json.dumps(body, ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        path = folder / MANIFEST
        if not path.is_file():
            raise BackupError(
                N_("%(path)s 不是 pointsys 备份（里面没有 manifest.json）。"), path=str(folder)
            )
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
            if body.pop("format") != FORMAT:
                raise ValueError(body)
            return cls(**body)
        except (ValueError, KeyError, TypeError):
            raise BackupError(
                N_("%(path)s 的 manifest.json 无法读取（已损坏或不是本系统写的）。"),
                path=str(path),
            ) from None


@dataclass(frozen=True)
class State:
    """What a database holds, as a backup and a restore compare it."""

    revision: str | None
    counts: dict[str, int]
    triggers: list[str]

    @property
    def has_data(self) -> bool:
        return any(self.counts.values())


# ---------------------------------------------------------------------------------------- backup


def backup(url: URL, instance_path: str | os.PathLike[str], directory: Path, now: datetime) -> Path:
    """Write a backup of the database and the instance's files into `directory`; its folder."""
    directory.mkdir(parents=True, exist_ok=True)
    final = _free_name(directory, now)
    work = final.with_name(final.name + PARTIAL)
    work.mkdir()
    try:
        # The database first: every file its rows name was written before the row was committed
        # (and files are never deleted), so the files copied afterwards include them all.
        if is_sqlite(url):
            state = _sqlite_backup(_sqlite_path(url), work / SQLITE_FILE)
        else:
            state = _pg_dump(url, work / PG_FILE)
        files = {}
        for folder in FOLDERS:
            files.update(_copy_tree(Path(instance_path) / folder, work / folder, folder))
        database_file = SQLITE_FILE if is_sqlite(url) else PG_FILE
        files[database_file] = _sha256(work / database_file)
        manifest = Manifest(
            created=now.isoformat(timespec="seconds"),
            database="sqlite" if is_sqlite(url) else "postgresql",
            revision=state.revision,
            counts=state.counts,
            triggers=state.triggers,
            files=dict(sorted(files.items())),
        )
        (work / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
        _fsync_tree(work)
        os.rename(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return final


def _free_name(directory: Path, now: datetime) -> Path:
    base = f"{PREFIX}{now:%Y%m%d-%H%M%S}"
    candidate, n = directory / base, 1
    while candidate.exists() or candidate.with_name(candidate.name + PARTIAL).exists():
        n += 1
        candidate = directory / f"{base}-{n}"
    return candidate


def backups_in(directory: Path) -> list[Path]:
    """The complete backups in a folder, oldest first (by name, which is the time taken)."""
    if not directory.is_dir():
        return []
    found = [p for p in directory.iterdir() if NAME_RE.fullmatch(p.name) and p.is_dir()]
    return sorted(found, key=_taken)


def _taken(path: Path) -> tuple[str, int]:
    """pointsys-backup-20261124-030000-2 → ("20261124-030000", 2): a second one that second."""
    stamp = path.name[len(PREFIX) :]
    return stamp[:15], int(stamp[16:] or 1)


def prune(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` complete backups in `directory`; the deleted ones."""
    assert keep >= 1
    complete = [p for p in backups_in(directory) if (p / MANIFEST).is_file()]
    old = complete[:-keep]
    for path in old:
        shutil.rmtree(path)
    return old


def _copy_tree(source: Path, target: Path, prefix: str) -> dict[str, str]:
    """Copy a folder, hashing what was copied; files being written (".…part") are skipped."""
    hashes: dict[str, str] = {}
    if not source.is_dir():
        return hashes
    for path in sorted(source.rglob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        relative = path.relative_to(source)
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            digest = _copy_hashing(path, destination)
        except FileNotFoundError:  # an old kept upload dropped meanwhile
            continue
        hashes[f"{prefix}/{relative.as_posix()}"] = digest
    return hashes


def _copy_hashing(source: Path, destination: Path) -> str:
    digest = hashlib.sha256()
    with open(source, "rb") as src, open(destination, "xb") as dst:
        for chunk in iter(lambda: src.read(1 << 20), b""):
            digest.update(chunk)
            dst.write(chunk)
    shutil.copystat(source, destination)
    return digest.hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as f:
                os.fsync(f.fileno())


# ---------------------------------------------------------------------------------------- SQLite


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError(N_("内存中的 SQLite 数据库无法备份或恢复。"))
    return Path(url.database)


def _sqlite_backup(source: Path, target: Path) -> State:
    """Copy a live SQLite database with its online backup API: one consistent snapshot, taken in
    one step under a read lock that WAL lets writers work beside (a plain copy can be torn)."""
    if not source.is_file():
        raise BackupError(N_("找不到数据库文件 %(path)s。"), path=str(source))
    with _sqlite(source) as src, _sqlite(target) as dst:
        src.backup(dst)
        # A self-contained file: no -wal beside it to lose when the backup is copied away.
        dst.execute("PRAGMA journal_mode=DELETE")
        _check_integrity(dst, target)
        return _sqlite_state(dst)


class _sqlite:
    """A sqlite3 connection closed on exit (sqlite3's own context manager only commits)."""

    def __init__(self, path: Path) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None, timeout=30)

    def __enter__(self) -> sqlite3.Connection:
        return self.connection

    def __exit__(self, *exc: object) -> None:
        self.connection.close()


def _check_integrity(connection: sqlite3.Connection, path: Path) -> None:
    try:
        result = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as exc:  # "file is not a database"
        result = [str(exc)]
    if result != ["ok"]:
        raise BackupError(
            N_("数据库文件 %(path)s 没有通过完整性检查：%(reason)s"),
            path=str(path),
            reason=result[0],
        )


def _sqlite_state(connection: sqlite3.Connection) -> State:
    def names(kind: str) -> list[str]:
        query = "SELECT name FROM sqlite_master WHERE type = ? ORDER BY name"
        return [r[0] for r in connection.execute(query, (kind,))]

    return _state(set(names("table")), names("trigger"), lambda q: connection.execute(q).fetchall())


def _state(tables: set[str], triggers: list[str], query: Callable[[str], list[tuple]]) -> State:
    """Revision and counts read through `query` (the table names are ours, not input)."""
    revision = None
    if "alembic_version" in tables:
        rows = query("SELECT version_num FROM alembic_version")
        revision = rows[0][0] if rows else None
    counts = {
        name: query(f"SELECT count(*) FROM {table}")[0][0] if table in tables else 0
        for name, table in COUNTED.items()
    }
    return State(revision, counts, triggers)


def _sqlite_restore(source: Path, target: Path) -> None:
    """Write the backup into the configured file through SQLite (never a file copy over a live
    database): the backup API takes the target's locks and replaces every page."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with _sqlite(source) as src:
        _check_integrity(src, source)
        with _sqlite(target) as dst:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")  # as the app runs it


def _sqlite_target_state(path: Path) -> State:
    if not path.is_file():
        return State(None, dict.fromkeys(COUNTED, 0), [])
    with _sqlite(path) as connection:
        return _sqlite_state(connection)


# ------------------------------------------------------------------------------------ PostgreSQL


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            N_(
                "找不到 %(tool)s（PostgreSQL 客户端工具）；"
                "请先安装（Debian/Ubuntu：apt install postgresql-client），并与数据库版本一致。"
            ),
            tool=name,
        )
    return found


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq URI without the password, and the environment carrying it (never on a command
    line, where `ps` shows it, nor in a message)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _connect(url: URL) -> psycopg.Connection:
    uri, env = _libpq(url)
    try:
        return psycopg.connect(uri, password=env.get("PGPASSWORD"), connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise BackupError(
            N_("无法连接数据库 %(url)s：%(reason)s"),
            url=url.render_as_string(hide_password=True),
            reason=(str(exc).strip().splitlines() or ["?"])[0],
        ) from None


def _pg_state(connection: psycopg.Connection) -> State:
    schema = connection.execute("SELECT current_schema()").fetchone()[0]
    tables = {
        r[0]
        for r in connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,)
        )
    }
    triggers = connection.execute(
        """SELECT t.tgname FROM pg_trigger t
           JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE NOT t.tgisinternal AND n.nspname = %s ORDER BY t.tgname""",
        (schema,),
    ).fetchall()
    names = [r[0] for r in triggers]
    return _state(tables, names, lambda query: connection.execute(query).fetchall())


def _pg_dump(url: URL, target: Path) -> State:
    """pg_dump in one snapshot, the counts taken in that same snapshot (exported to pg_dump)."""
    pg_dump = _tool("pg_dump")
    uri, env = _libpq(url)
    with _connect(url) as connection:
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        connection.read_only = True
        snapshot = connection.execute("SELECT pg_export_snapshot()").fetchone()[0]
        state = _pg_state(connection)
        schema = connection.execute("SELECT current_schema()").fetchone()[0]
        command = [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={target}"]
        if schema != "public":  # a database shared by schemas (as the tests do): just ours
            command.append(f"--schema={schema}")
        _run([*command, f"--dbname={uri}"], env, "pg_dump")
        connection.rollback()
    return state


def _pg_restore(source: Path, url: URL) -> None:
    pg_restore = _tool("pg_restore")
    uri, env = _libpq(url)
    command = [
        pg_restore,
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",  # all or nothing
        f"--dbname={uri}",
        str(source),
    ]
    _run(command, env, "pg_restore")


def _run(command: list[str], env: dict[str, str], tool: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        raise BackupError(
            N_("%(tool)s 失败：%(reason)s"),
            tool=tool,
            reason=lines[0] if lines else f"exit {result.returncode}",
        )


def _pg_target_state(url: URL) -> State:
    with _connect(url) as connection:
        return _pg_state(connection)


# --------------------------------------------------------------------------------------- restore


def restore(
    folder: Path, url: URL, instance_path: str | os.PathLike[str], *, force: bool = False
) -> Manifest:
    """Restore a backup into the database at `url` and the instance's folders, checked before
    (every sha256) and after (counts, triggers). Refuses a database holding data unless forced."""
    manifest = Manifest.read(folder)
    kind = "sqlite" if is_sqlite(url) else "postgresql"
    if manifest.database != kind:
        raise BackupError(
            N_("这份备份来自 %(backup)s 数据库，不能恢复到 %(target)s 数据库。"),
            backup=manifest.database,
            target=kind,
        )
    for name, expected in manifest.files.items():
        path = folder / name
        if not path.is_file():
            raise BackupError(N_("备份里缺少文件 %(file)s，不能恢复；请换一份备份。"), file=name)
        if _sha256(path) != expected:
            raise BackupError(
                N_(
                    "备份文件 %(file)s 与记录的 sha256 不符（已损坏或被改动），"
                    "不能恢复；请换一份备份。"
                ),
                file=name,
            )
    before = _sqlite_target_state(_sqlite_path(url)) if kind == "sqlite" else _pg_target_state(url)
    if before.has_data and not force:
        raise BackupError(
            N_(
                "要恢复到的数据库里已有数据（%(households)s 户，%(entries)s 条积分记录）；"
                "确定要用备份覆盖它，请加 --force。"
            ),
            **before.counts,
        )
    if kind == "sqlite":
        _sqlite_restore(folder / SQLITE_FILE, _sqlite_path(url))
        after = _sqlite_target_state(_sqlite_path(url))
    else:
        _pg_restore(folder / PG_FILE, url)
        after = _pg_target_state(url)
    for name in FOLDERS:
        for relative in manifest.files:
            if relative.startswith(name + "/"):
                _put(folder / relative, Path(instance_path) / relative)
    _verify(manifest, after)
    return manifest


def _put(source: Path, target: Path) -> None:
    """Copy a file into the instance atomically (the app may read the folder meanwhile)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.restore.part")
    shutil.copy2(source, temporary)
    os.replace(temporary, target)


def _verify(manifest: Manifest, after: State) -> None:
    for name, expected in manifest.counts.items():
        found = after.counts.get(name, 0)
        if found != expected:
            raise BackupError(
                N_("恢复后核对不符：%(what)s备份中是 %(expected)s，恢复后是 %(found)s。"),
                what=lazy_gettext(COUNT_NAMES[name]),  # in the language the message is read in
                expected=expected,
                found=found,
            )
    missing = sorted(set(manifest.triggers) - set(after.triggers))
    if missing:
        raise BackupError(
            N_("恢复后缺少防止改写账目的触发器：%(names)s。"), names="、".join(missing)
        )


def summary_counts(manifest: Manifest) -> dict[str, int]:
    """The counts a message names, with the number of files besides the database."""
    files = sum(1 for name in manifest.files if name.split("/")[0] in FOLDERS)
    return {**manifest.counts, "files": files}
