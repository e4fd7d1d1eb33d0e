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


def test_a_fuzzy_an_empty_or_a_half_plural_translation_counts_as_missing(monkeypatch):
    from babel.messages.catalog import Catalog

    shipped = catalog.read_catalog("en")
    some = [m.id for m in shipped if m.id and isinstance(m.id, str)][:3]

    def damaged(locale):
        copy = Catalog(locale=locale)
        for message in shipped:
            if message.id:
                copy.add(message.id, message.string, flags=message.flags)
        copy[some[0]].flags.add("fuzzy")
        copy[some[1]].string = ""
        copy.delete(some[2])
        copy.add((some[2], some[2] + "s"), ("One", ""))  # the plural form left empty
        return copy

    monkeypatch.setattr(catalog, "read_catalog", damaged)
    monkeypatch.setattr(catalog, "extract", lambda: shipped)
    assert catalog.missing() == {"en": sorted(some)}


def test_english_counts_of_one_are_singular(client, make_user):
    from pointsys.rulebook.messages import singular_english, translate

    assert translate("每次 {points} 分", "en", points="+1") == "+1 point each time"
    assert translate("每次 {points} 分", "en", points="+2") == "+2 points each time"
    assert translate("每次 {points} 分", "zh_CN", points="+1") == "每次 +1 分"
    assert singular_english("-1 points; 0.1 points; 11 points; 1 households") == (
        "-1 point; 0.1 points; 11 points; 1 household"
    )
    # The app's own messages too, and the menu says what the page does.
    make_user("clerk1")
    client.post("/language", data={"csrf_token": csrf_token(client), "lang": "en"})
    html = login(client, "clerk1", "correct horse 1").get_data(as_text=True)
    assert ">Record points</a>" in html and "Menu" in html
    with client.application.test_request_context():
        from flask import session
        from flask_babel import gettext, refresh

        session["lang"] = "en"
        refresh()
        assert gettext("即时入账 %(points)s 分", points="+1") == "posted at once: +1 point"
