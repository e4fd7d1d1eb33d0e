"""init-db and demo on both databases, and one-line errors for bad database settings."""

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import func, inspect

from pointsys import accounts
from pointsys.extensions import db
from pointsys.models import AuditEvent, Household, ResidentAccess, User, Village, VillageGroup

from .conftest import make_app


def test_init_db_creates_schema_and_is_repeatable(instance_path, any_database_url):
    app = make_app(any_database_url)
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
        assert "数据库已是最新结构。" in result.output
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        db.engine.dispose()
    assert {"village", "household", "member", "user_account", "user_role", "audit_event"} <= tables
    assert "alembic_version" in tables


def test_demo_is_idempotent_and_keeps_data(instance_path, any_database_url):
    app = make_app(any_database_url)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "示范村已创建：村、12 户、账号 admin" in first.output
    logins = json.loads((instance_path / "demo-logins.json").read_text(encoding="utf-8"))
    assert set(logins) == {"admin", "clerk", "leader", "supervisor", "households"}
    assert f"admin / {logins['admin']}" in first.output
    pin = logins["households"]["001"]
    assert len(pin) == 6 and pin.isdigit() and f"001 / {pin}" in first.output

    with app.app_context():
        village = db.session.execute(db.select(Village)).scalar_one()
        db.session.add(Household(village=village, number="999", head_name="新住户"))
        db.session.commit()
        counts = _counts()

    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert "示范村已存在，数据保持不变。" in second.output
    assert f"admin / {logins['admin']}" in second.output
    with app.app_context():
        assert _counts() == counts  # nothing added, nothing removed, the user's household kept
        assert db.session.execute(db.select(Household).filter_by(number="999")).scalar_one()
        admin = db.session.execute(db.select(User).filter_by(username="admin")).scalar_one()
        assert admin.check_password(logins["admin"])
        access = db.session.execute(db.select(ResidentAccess)).scalar_one()
        assert access.household.number == "001" and access.check_pin(pin)
        assert access.pin_version == 1  # not reissued by the second run
        leader = db.session.execute(db.select(User).filter_by(username="leader")).scalar_one()
        assert [
            g.name
            for g in db.session.scalars(
                db.select(VillageGroup).where(VillageGroup.id.in_(leader.group_ids))
            )
        ] == ["一组"]
        # An administrator's choice stands: a leader whose groups were cleared stays without.
        accounts.set_groups(leader, [], actor="test")
        db.session.commit()
    assert f"001 / {pin}" in second.output
    runner.invoke(args=["demo"])
    with app.app_context():
        leader = db.session.execute(db.select(User).filter_by(username="leader")).scalar_one()
        assert leader.group_ids == frozenset()
        db.engine.dispose()


def _counts():
    return tuple(
        db.session.execute(db.select(func.count()).select_from(model)).scalar_one()
        for model in (Village, Household, User, AuditEvent)
    )


def test_demo_writes_are_in_the_audit_trail(app):
    app.test_cli_runner().invoke(args=["demo"])
    with app.app_context():
        actions = db.session.execute(
            db.select(AuditEvent.object_type, func.count()).group_by(AuditEvent.object_type)
        ).all()
    # Households: created (12), then given groups, tags, phones and plaque tokens (12).
    assert dict(actions) == {
        "village": 1,
        "household": 25,  # … and a resident PIN for 001
        "user": 5,  # 4 accounts, and the group leader's group
        "village_group": 3,
        "rulebook_snapshot": 1,
        # The demo ledger: 54 entries recorded, 35 posted without review, 15 approved, one
        # reversed; 2026Q1, Q2 and Q3 closed, and Q3's honour lists published.
        "entry": 105,
        "quarter": 3,
        "publication": 1,
    }


def _flask(args, env_extra, instance_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("POINTSYS_")}
    env.update({"POINTSYS_INSTANCE_PATH": str(instance_path), **env_extra})
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "pointsys", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_malformed_database_url_is_one_line_not_a_traceback(instance_path):
    result = _flask(["init-db"], {"POINTSYS_DATABASE_URL": "::nonsense::"}, instance_path)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "Error: POINTSYS_DATABASE_URL 格式不正确（Could not parse SQLAlchemy URL from given URL "
        "string）；应形如 postgresql://用户@主机:5432/数据库 或 sqlite:///路径"
    )


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        # Port 1 on loopback: nothing listens there, so the connection is refused at once.
        (
            "postgresql://postgres:secret@127.0.0.1:1/nowhere",
            "postgresql+psycopg://postgres:***@127.0.0.1:1/nowhere",
        ),
        ("sqlite:////nonexistent-dir/sub/db.sqlite", "sqlite:////nonexistent-dir/sub/db.sqlite"),
    ],
)
def test_unreachable_database_is_one_line_naming_the_setting(instance_path, url, shown):
    result = _flask(["init-db"], {"POINTSYS_DATABASE_URL": url}, instance_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Error: 无法连接数据库（POINTSYS_DATABASE_URL = {shown}）：")
    assert "secret" not in result.stderr


def test_the_demo_prints_the_addresses_flask_run_serves(instance_path, sqlite_url, monkeypatch):
    from pointsys import addresses

    monkeypatch.setattr(addresses, "lan_addresses", lambda: ["192.168.1.23"])
    runner = make_app(sqlite_url).test_cli_runner()
    here = runner.invoke(args=["demo"])
    assert "  http://127.0.0.1:5000    本机" in here.output
    assert "用 flask --app pointsys run --host 0.0.0.0 启动" in here.output
    village = runner.invoke(args=["demo", "--host", "0.0.0.0", "--port", "8080"])
    assert "  http://127.0.0.1:8080    本机" in village.output
    assert "  http://192.168.1.23:8080    村里的手机和电脑（连同一个网络）" in village.output
    # The variable `flask run` reads gives the same answer.
    monkeypatch.setenv("FLASK_RUN_HOST", "0.0.0.0")
    assert "http://192.168.1.23:5000" in runner.invoke(args=["demo"]).output
    monkeypatch.setattr(addresses, "lan_addresses", lambda: [])
    offline = runner.invoke(args=["demo"]).output
    assert "没有找到本机的局域网 IP：用 ip addr（Windows 用 ipconfig）查看" in offline


def test_serving_urls_name_each_address_once():
    from pointsys.addresses import serving_urls

    assert serving_urls("0.0.0.0", 5000, ["10.0.0.5"]) == [
        ("http://127.0.0.1:5000", False),
        ("http://10.0.0.5:5000", True),
    ]
    assert serving_urls("localhost", 80) == [("http://localhost:80", False)]
    assert serving_urls("192.168.0.9", 5000) == [("http://192.168.0.9:5000", True)]
    assert serving_urls("::1", 5000) == [("http://[::1]:5000", False)]
