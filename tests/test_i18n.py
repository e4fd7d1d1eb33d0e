"""Chinese by default, English on request, and a complete English catalogue."""

from pointsys import catalog

from .conftest import csrf_token, login


def test_home_page_is_chinese_by_default(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert "村民请扫描门牌上的二维码查看本户积分；工作人员请登录。" in html


def test_language_switch_to_english_and_back(client):
    token = csrf_token(client)
    response = client.post(
        "/language", data={"csrf_token": token, "lang": "en", "next": "/auth/login"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    html = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "<h1>Staff sign-in</h1>" in html
    client.post("/language", data={"csrf_token": csrf_token(client), "lang": "zh_CN"})
    assert "<h1>工作人员登录</h1>" in client.get("/auth/login").get_data(as_text=True)


def test_language_switch_ignores_unknown_languages_and_foreign_redirects(client):
    token = csrf_token(client)
    response = client.post(
        "/language", data={"csrf_token": token, "lang": "fr", "next": "https://evil.example/"}
    )
    assert response.headers["Location"] == "/"
    assert '<html lang="zh-CN">' in client.get("/").get_data(as_text=True)


def test_language_switch_needs_csrf(client):
    assert client.post("/language", data={"lang": "en"}).status_code == 400


def test_error_messages_are_translated(client, make_user):
    make_user("clerk1")
    client.post("/language", data={"csrf_token": csrf_token(client), "lang": "en"})
    html = login(client, "clerk1", "wrong").get_data(as_text=True)
    assert "Wrong username or password." in html


def test_english_catalogue_is_complete():
    assert catalog.missing() == {"en": []}


def test_shipped_compiled_catalogues_are_current():
    assert catalog.stale_compiled() == []
