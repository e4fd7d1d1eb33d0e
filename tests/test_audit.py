"""audit.record reads no request: the address comes from the caller or from the unit of work's
origin, which the web layer sets per request, so a page, a command and a test record alike."""

import ast
from pathlib import Path

from pointsys import accounts, audit
from pointsys.extensions import db
from pointsys.models import AuditEvent, Role

from .conftest import csrf_token, login


def _rows(app):
    with app.app_context():
        return db.session.execute(
            db.select(AuditEvent.action, AuditEvent.actor_label, AuditEvent.address).order_by(
                AuditEvent.id
            )
        ).all()


def test_audit_module_does_not_read_the_request():
    tree = ast.parse(Path(audit.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "flask"
        for alias in node.names
    }
    assert not imported & {"request", "has_request_context", "current_app", "g"}


def test_outside_a_request_an_event_has_no_address_unless_given(app):
    with app.app_context():
        audit.record("test", "thing", 1, actor="cli")
        audit.record("test", "thing", 2, actor="cli", address="10.0.0.8")
        with audit.origin("10.0.0.9"):
            # Domain code deep down (here: creating an account) needs no address argument.
            accounts.create_user("clerk7", "C", "long password", {Role.CLERK}, actor_label="t")
            audit.record("test", "thing", 3, actor="cli", address="10.0.0.1")  # given wins
        audit.record("test", "thing", 4, actor="cli")  # the origin ended with its block
        db.session.commit()
    assert [address for *_, address in _rows(app)] == [
        None,
        "10.0.0.8",
        "10.0.0.9",
        "10.0.0.1",
        None,
    ]


def test_record_many_takes_the_origin_too(app):
    with app.app_context(), audit.origin("10.0.0.3"):
        audit.record_many(
            [{"action": "test", "obj_type": "thing", "obj_id": i} for i in (1, 2)], actor="cli"
        )
        db.session.commit()
    assert [address for *_, address in _rows(app)] == ["10.0.0.3", "10.0.0.3"]


def test_a_page_records_its_client_address_and_the_origin_ends_with_the_request(
    app, client, make_user
):
    make_user("admin1", roles=("admin",))
    login(client, "admin1", "correct horse 1")
    token = csrf_token(client)
    client.post(
        "/auth/logout", data={"csrf_token": token}, environ_base={"REMOTE_ADDR": "10.4.4.4"}
    )
    with app.app_context():
        audit.record("test", "thing", 1, actor="cli")
        db.session.commit()
    assert _rows(app)[-2:] == [("logout", "admin1", "10.4.4.4"), ("test", "cli", None)]
