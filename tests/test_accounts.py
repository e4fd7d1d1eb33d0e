"""Staff account commands: create-user, reset-password, set-role, each audited."""

from pointsys.extensions import db
from pointsys.models import AuditEvent, User


def _invoke(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def _user(app, username):
    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one()
        return user, sorted(r.value for r in user.roles)


def _events(app, action):
    with app.app_context():
        return (
            db.session.execute(
                db.select(AuditEvent).filter_by(action=action).order_by(AuditEvent.id)
            )
            .scalars()
            .all()
        )


def test_create_user_with_several_roles(app):
    result = _invoke(
        app,
        "create-user",
        "wang",
        "--name",
        "王主任",
        "--role",
        "admin",
        "--role",
        "supervisor",
        input="long enough 1\nlong enough 1\n",
    )
    assert result.exit_code == 0, result.output
    assert "已创建账号 wang。" in result.output
    user, roles = _user(app, "wang")
    assert roles == ["admin", "supervisor"]
    assert user.check_password("long enough 1")
    assert "long enough 1" not in user.password_hash
    (event,) = _events(app, "create")
    assert event.actor_label == "cli"
    assert event.after == {
        "username": "wang",
        "display_name": "王主任",
        "roles": ["admin", "supervisor"],
    }


def test_create_user_refusals_are_one_line_and_write_nothing(app):
    cases = [
        (
            ["create-user", "x", "--name", "某", "--role", "clerk", "--password", "long enough 1"],
            "Error: 用户名只能用 2–50 个英文字母、数字、点、下划线或连字符。",
        ),
        (
            ["create-user", "li", "--name", "李", "--role", "clerk", "--password", "short"],
            "Error: 密码至少需要 8 个字符。",
        ),
        (
            ["create-user", "li", "--name", " ", "--role", "clerk", "--password", "long enough 1"],
            "Error: 请填写姓名。",
        ),
    ]
    for args, message in cases:
        result = _invoke(app, *args)
        assert result.exit_code == 1
        assert result.output.strip() == message
    _invoke(
        app, "create-user", "li", "--name", "李", "--role", "clerk", "--password", "long enough 1"
    )
    result = _invoke(
        app, "create-user", "li", "--name", "李", "--role", "clerk", "--password", "long enough 1"
    )
    assert result.output.strip() == "Error: 用户名“li”已被使用。"
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(User.id))).scalar_one() == 1


def test_reset_password(app):
    _invoke(
        app, "create-user", "li", "--name", "李", "--role", "clerk", "--password", "first pass 1"
    )
    result = _invoke(app, "reset-password", "li", "--password", "second pass 2")
    assert result.exit_code == 0 and "已重置 li 的密码。" in result.output
    user, _roles = _user(app, "li")
    assert user.check_password("second pass 2") and not user.check_password("first pass 1")
    (event,) = _events(app, "reset_password")
    assert event.before is None and event.after is None  # never the hash
    result = _invoke(app, "reset-password", "nobody", "--password", "second pass 2")
    assert result.exit_code == 1
    assert result.output.strip() == "Error: 没有用户名为“nobody”的账号。"


def test_set_role_replaces_roles_and_records_before_and_after(app):
    _invoke(
        app, "create-user", "li", "--name", "李", "--role", "clerk", "--password", "first pass 1"
    )
    result = _invoke(app, "set-role", "li", "--role", "group_leader", "--role", "supervisor")
    assert result.exit_code == 0, result.output
    assert _user(app, "li")[1] == ["group_leader", "supervisor"]
    (event,) = _events(app, "set_roles")
    assert event.before == {"roles": ["clerk"]}
    assert event.after == {"roles": ["group_leader", "supervisor"]}


def test_unknown_role_is_refused_by_the_command(app):
    result = _invoke(app, "set-role", "li", "--role", "king")
    assert result.exit_code == 2
    assert "'king' is not one of 'admin', 'clerk', 'group_leader', 'supervisor'" in result.output
