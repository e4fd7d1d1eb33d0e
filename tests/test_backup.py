"""Backups: `flask backup DIR` and `flask restore BACKUP`, round trip on both databases."""

import json
import os
import shutil
import sqlite3
import threading
import uuid
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from pointsys import backup as backups
from pointsys import standings
from pointsys.cli import init_database
from pointsys.demo import build_demo
from pointsys.extensions import db
from pointsys.localtime import app_today
from pointsys.models import Household, Publication
from pointsys.publishing import Deadlines, published_lists

from .conftest import _libpq, _unavailable, make_app

PHOTO = b"\xff\xd8\xff\xe0 not really a jpeg, but bytes to carry \xff\xd9"
UPLOAD = b"PK\x03\x04 a kept upload"


def require_pg_tools(url: str) -> None:
    if not url.startswith("sqlite"):
        for tool in ("pg_dump", "pg_restore"):
            if shutil.which(tool) is None:
                _unavailable(
                    "PostgreSQL client tools", "POINTSYS_REQUIRE_POSTGRES", f"{tool} not on PATH"
                )


def demo_app(url: str):
    """An app on `url` holding the demo village (entries, a published list) and two files."""
    app = make_app(url)
    with app.app_context():
        init_database()
        build_demo(app.instance_path, Deadlines.from_config(app.config))
    instance = Path(app.instance_path)
    (instance / "evidence" / "2026" / "08").mkdir(parents=True, exist_ok=True)
    (instance / "evidence" / "2026" / "08" / ("a" * 64 + ".jpg")).write_bytes(PHOTO)
    (instance / "uploads" / "score_sheets").mkdir(parents=True, exist_ok=True)
    (instance / "uploads" / "score_sheets" / ("b" * 64 + ".xlsx")).write_bytes(UPLOAD)
    return app


def what_residents_see(app) -> dict:
    """Every household's balance and every published list, row by row."""
    with app.app_context():
        today = app_today()
        balances = {
            h.number: standings.balance(h, today)
            for h in db.session.execute(db.select(Household).order_by(Household.number)).scalars()
        }
        lists = {}
        for publication in db.session.execute(db.select(Publication)).scalars():
            lists[publication.id] = repr(published_lists(publication))  # every row, field by field
        db.session.remove()
        return {"balances": balances, "lists": lists}


def ledger_refuses_updates(app) -> bool:
    with app.app_context():
        try:
            db.session.execute(text("UPDATE entry SET points = 0"))
        except DBAPIError:
            return True
        finally:
            db.session.rollback()
            db.session.remove()
            db.engine.dispose()
        return False


def run(app, *args):
    result = app.test_cli_runner().invoke(args=[str(a) for a in args])
    return result.exit_code, result.output.strip()


@pytest.fixture
def restore_target(any_database_url, postgres_url, tmp_path):
    """Where the backup goes back to: a new SQLite file, or a new PostgreSQL database."""
    if any_database_url.startswith("sqlite"):
        yield "sqlite:///" + str(tmp_path / "restored.sqlite")
        return
    name = "pointsys_restore_" + uuid.uuid4().hex[:12]
    with psycopg.connect(_libpq(postgres_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield make_url(any_database_url).set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(_libpq(postgres_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def test_round_trip(instance_path, any_database_url, restore_target, tmp_path, monkeypatch):
    require_pg_tools(any_database_url)
    source = demo_app(any_database_url)
    before = what_residents_see(source)
    assert before["lists"] and any(before["balances"].values())

    code, output = run(source, "backup", tmp_path / "backups")
    assert code == 0, output
    (folder,) = backups.backups_in(tmp_path / "backups")
    assert output == (f"备份完成：{folder}（12 户，55 条积分记录，1 期红黑榜，2 个照片和上传文件）")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["revision"] and manifest["counts"]["entries"] == 55
    assert any(name.startswith("entry") for name in manifest["triggers"])
    assert set(manifest["files"]) >= {
        "evidence/2026/08/" + "a" * 64 + ".jpg",
        "uploads/score_sheets/" + "b" * 64 + ".xlsx",
    }

    # Another machine: a new instance folder and an empty database.
    monkeypatch.setenv("POINTSYS_INSTANCE_PATH", str(tmp_path / "elsewhere"))
    (tmp_path / "elsewhere").mkdir()
    target = make_app(restore_target)
    code, output = run(target, "restore", folder)
    assert code == 0, output
    assert output == (
        f"已从 {folder} 恢复（12 户，55 条积分记录，1 期红黑榜，2 个照片和上传文件），已核对无误。"
    )
    assert what_residents_see(target) == before
    assert ledger_refuses_updates(target)  # the append-only triggers came back too
    restored = tmp_path / "elsewhere" / "evidence" / "2026" / "08" / ("a" * 64 + ".jpg")
    assert restored.read_bytes() == PHOTO

    # Once it holds data, only --force overwrites it.
    code, output = run(target, "restore", folder)
    assert code == 1
    assert output == (
        "Error: 要恢复到的数据库里已有数据（12 户，55 条积分记录）；"
        "确定要用备份覆盖它，请加 --force。"
    )
    code, output = run(target, "restore", folder, "--force")
    assert code == 0, output
    assert what_residents_see(target) == before


def test_a_backup_taken_while_entries_are_written_is_consistent(
    instance_path, sqlite_url, tmp_path
):
    """A plain copy of the live file was corrupt 2 times in 6; the backup API never is."""
    app = demo_app(sqlite_url)
    path = make_url(sqlite_url).database
    stop = threading.Event()
    written = []

    def keep_writing():
        connection = sqlite3.connect(path, isolation_level=None, timeout=30)
        connection.execute("PRAGMA journal_mode=WAL")
        while not stop.is_set():
            connection.execute(
                "INSERT INTO audit_event (at, actor_label, action, object_type)"
                " VALUES (CURRENT_TIMESTAMP, 'writer', 'test_write', 'test')"
            )
            written.append(1)
        connection.close()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        folders = []
        for _ in range(6):
            code, output = run(app, "backup", tmp_path / "backups")
            assert code == 0, output
            folders.append(backups.backups_in(tmp_path / "backups")[-1])
    finally:
        stop.set()
        writer.join()
    assert len(written) > 0 and len(set(folders)) == 6
    audit_counts = []
    for folder in folders:
        copy = sqlite3.connect(folder / "database.sqlite")
        assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        audit_counts.append(copy.execute("SELECT count(*) FROM audit_event").fetchone()[0])
        entries = copy.execute("SELECT count(*) FROM entry").fetchone()[0]
        copy.close()
        manifest = backups.Manifest.read(folder)
        assert manifest.counts["entries"] == entries == 55
    assert audit_counts == sorted(audit_counts)  # each later copy holds more of the writes


def test_keep_prunes_older_backups(app, tmp_path):
    directory = tmp_path / "backups"
    for _ in range(3):
        code, output = run(app, "backup", directory, "--keep", 2)
        assert code == 0, output
    kept = backups.backups_in(directory)
    assert len(kept) == 2
    assert output.splitlines()[-1] == "已删除 1 份较早的备份，保留最新的 2 份。"
    # A backup cut short keeps its .partial name: never counted, never restored, never pruned.
    partial = directory / (kept[0].name + "-9.partial")
    partial.mkdir()
    code, output = run(app, "backup", directory, "--keep", 1)
    assert len(backups.backups_in(directory)) == 1 and partial.is_dir()


def test_restore_checks_the_backup_before_touching_anything(app, tmp_path):
    require_pg_tools(str(app.config["SQLALCHEMY_DATABASE_URI"]))
    code, output = run(app, "backup", tmp_path / "backups")
    assert code == 0, output
    (folder,) = backups.backups_in(tmp_path / "backups")

    code, output = run(app, "restore", tmp_path)
    assert (code, output) == (
        1,
        f"Error: {tmp_path} 不是 pointsys 备份（里面没有 manifest.json）。",
    )

    database = next(p for p in folder.iterdir() if p.name.startswith("database."))
    data = database.read_bytes()
    database.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # one bit flipped
    code, output = run(app, "restore", folder, "--force")
    assert code == 1
    assert output == (
        f"Error: 备份文件 {database.name} 与记录的 sha256 不符（已损坏或被改动），"
        "不能恢复；请换一份备份。"
    )
    database.unlink()
    code, output = run(app, "restore", folder, "--force")
    assert (code, output) == (1, f"Error: 备份里缺少文件 {database.name}，不能恢复；请换一份备份。")

    other = "postgresql" if database.name.endswith("sqlite") else "sqlite"
    manifest = folder / "manifest.json"
    body = json.loads(manifest.read_text(encoding="utf-8"))
    manifest.write_text(json.dumps({**body, "database": other}), encoding="utf-8")
    code, output = run(app, "restore", folder)
    mine = "sqlite" if other == "postgresql" else "postgresql"
    assert output == f"Error: 这份备份来自 {other} 数据库，不能恢复到 {mine} 数据库。"
    manifest.write_text("{", encoding="utf-8")
    code, output = run(app, "restore", folder)
    assert output == f"Error: {manifest} 的 manifest.json 无法读取（已损坏或不是本系统写的）。"


def test_restore_verifies_counts_and_triggers(tmp_path, instance_path):
    """What the manifest promises is checked in the restored database afterwards."""
    app = demo_app("sqlite:///" + str(tmp_path / "source.sqlite"))
    code, output = run(app, "backup", tmp_path / "backups")
    (folder,) = backups.backups_in(tmp_path / "backups")
    manifest = backups.Manifest.read(folder)
    lying = backups.Manifest(**{**manifest.__dict__, "counts": {**manifest.counts, "entries": 56}})
    (folder / "manifest.json").write_text(lying.to_json(), encoding="utf-8")
    target = make_app("sqlite:///" + str(tmp_path / "target.sqlite"))
    code, output = run(target, "restore", folder)
    assert (code, output) == (1, "Error: 恢复后核对不符：积分记录条数备份中是 56，恢复后是 55。")

    damaged = sqlite3.connect(folder / "database.sqlite", isolation_level=None)
    damaged.execute("DROP TRIGGER entry_no_update")
    damaged.close()
    fixed = backups.Manifest(
        **{
            **manifest.__dict__,
            "files": {
                **manifest.files,
                "database.sqlite": backups._sha256(folder / "database.sqlite"),
            },
        }
    )
    (folder / "manifest.json").write_text(fixed.to_json(), encoding="utf-8")
    code, output = run(target, "restore", folder, "--force")
    assert (code, output) == (1, "Error: 恢复后缺少防止改写账目的触发器：entry_no_update。")


def test_postgresql_messages_without_the_tools_or_the_server(
    postgres_schema_url, tmp_path, instance_path, monkeypatch
):
    app = make_app(postgres_schema_url)
    with app.app_context():
        init_database()
    path = os.environ["PATH"]
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    code, output = run(app, "backup", tmp_path / "backups")
    assert (code, output) == (
        1,
        "Error: 找不到 pg_dump（PostgreSQL 客户端工具）；"
        "请先安装（Debian/Ubuntu：apt install postgresql-client），并与数据库版本一致。",
    )
    assert backups.backups_in(tmp_path / "backups") == []  # nothing half-made left behind
    assert list((tmp_path / "backups").iterdir()) == []

    monkeypatch.setenv("PATH", path)
    unreachable = make_app("postgresql://postgres:s3cret-pw@127.0.0.1:1/pointsys")
    code, output = run(unreachable, "backup", tmp_path / "backups")
    assert code == 1
    assert output.startswith(
        "Error: 无法连接数据库 postgresql+psycopg://postgres:***@127.0.0.1:1/pointsys："
    )
    assert "s3cret-pw" not in output and "\n" not in output
