"""Staff sign-in, navigation by role, and CSRF on every form."""

from sqlalchemy import func

from pointsys.extensions import db
from pointsys.models import AuditEvent

from .conftest import csrf_token, login


def test_login_and_logout(client, make_user):
    make_user("clerk1", roles=("clerk",))
    html = login(client, "clerk1", "correct horse 1").get_data(as_text=True)
    assert "欢迎，CLERK1。" in html
    assert "CLERK1（记分员）" in html
    response = client.post("/auth/logout", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert "工作人员登录" in client.get("/").get_data(as_text=True)


def test_wrong_password_and_unknown_user_get_the_same_message(app, client, make_user):
    make_user("clerk1")
    for username, password in (("clerk1", "wrong"), ("nobody", "correct horse 1")):
        html = login(client, username, password).get_data(as_text=True)
        assert "用户名或密码不正确。" in html
    with app.app_context():
        failed = db.session.execute(
            db.select(func.count()).where(AuditEvent.action == "login_failed")
        ).scalar_one()
    assert failed == 2


def test_empty_login_form_names_each_field(client):
    token = csrf_token(client, "/auth/login")
    html = client.post("/auth/login", data={"csrf_token": token}).get_data(as_text=True)
    assert "请填写用户名。" in html and "请填写密码。" in html


def test_login_without_csrf_is_refused(client, make_user):
    make_user("clerk1")
    response = client.post(
        "/auth/login", data={"username": "clerk1", "password": "correct horse 1"}
    )
    assert response.status_code == 400


def test_logout_is_post_only(client, make_user):
    make_user("clerk1")
    login(client, "clerk1", "correct horse 1")
    assert client.get("/auth/logout").status_code == 405


def test_navigation_by_role(client, make_user):
    make_user("admin1", roles=("admin", "supervisor"))
    make_user("clerk1", roles=("clerk",))
    html = login(client, "admin1", "correct horse 1").get_data(as_text=True)
    assert '<a href="/admin/users">用户</a>' in html
    assert "ADMIN1（村两委、监督委员）" in html
    client.post("/auth/logout", data={"csrf_token": csrf_token(client)})
    html = login(client, "clerk1", "correct horse 1").get_data(as_text=True)
    assert "/admin/users" not in html
    assert client.get("/admin/users").status_code == 403


def test_admin_pages_need_login(client):
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


def test_next_parameter_cannot_leave_the_site(client, make_user):
    make_user("clerk1")
    token = csrf_token(client, "/auth/login")
    response = client.post(
        "/auth/login?next=//evil.example/",
        data={"csrf_token": token, "username": "clerk1", "password": "correct horse 1"},
    )
    assert response.headers["Location"] == "/"


def test_error_pages_are_in_chinese(client, make_user):
    assert "页面不存在" in client.get("/no-such-page").get_data(as_text=True)
    make_user("clerk1", roles=("clerk",))
    login(client, "clerk1", "correct horse 1")
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "您的账号没有打开此页面的权限。如需开通，请联系村两委。" in response.get_data(
        as_text=True
    )


def test_expired_form_is_explained(client):
    response = client.post("/auth/login", data={"username": "x", "password": "y"})
    assert response.status_code == 400
    assert "页面停留太久或已在别处退出，请刷新页面后重新提交。" in response.get_data(as_text=True)


def test_unreachable_database_gives_a_page_not_a_traceback(instance_path):
    from .conftest import make_app

    app = make_app("postgresql://postgres@127.0.0.1:1/nowhere")
    response = app.test_client().get("/admin/users")
    assert response.status_code == 302  # anonymous: no database needed yet
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "u:1:0"  # forces a user lookup, which needs the database
    response = client.get("/")
    assert response.status_code == 503
    assert "数据库暂时无法连接" in response.get_data(as_text=True)


def test_sessions_expire_and_cookies_are_httponly(client, make_user):
    make_user("clerk1")
    token = csrf_token(client, "/auth/login")
    response = client.post(
        "/auth/login",
        data={"csrf_token": token, "username": "clerk1", "password": "correct horse 1"},
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie


def test_security_headers(client):
    headers = client.get("/").headers
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
