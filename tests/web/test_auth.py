"""Logging in and out, passwords, the language switch, CSRF and throttling."""
from __future__ import annotations

from core.access.models import LoginFailure, Role


def test_login_page_is_chinese_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert "登录" in page
    assert 'lang="zh-CN"' in page


def test_language_switch_to_english_and_back(client):
    client.post("/lang", data={"lang": "en", "next": "/login"})
    page = client.get("/login").get_data(as_text=True)
    assert "Log in" in page and "登录" not in page.replace("中文", "")
    client.post("/lang", data={"lang": "zh_CN", "next": "/login"})
    assert "登录" in client.get("/login").get_data(as_text=True)


def test_login_home_logout(client, auth, org):
    org.user("wang", Role.supervisor, org.province)
    response = auth.login("wang")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert "督查室工作人员" in home or "Supervision staff" in home
    auth.logout()
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused(client, auth, org):
    org.user("wang", Role.supervisor, org.province)
    page = auth.login("wang", "not-the-password").get_data(as_text=True)
    assert "用户名或密码错误" in page
    assert client.get("/").status_code == 302


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(client, auth, org, db_session):
    org.user("wang", Role.supervisor, org.province)
    for _ in range(5):
        auth.login("wang", "wrong-password-x")
    response = auth.login("wang")
    assert response.status_code == 429
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    lock = db_session.query(LoginFailure).filter_by(username="wang").one()
    assert lock.locked_until is not None and lock.source == "127.0.0.1"


def test_login_requests_are_rate_limited_per_address(client, auth, org):
    statuses = [auth.login(f"nobody{i}", "whatever-password").status_code for i in range(12)]
    assert 429 in statuses
    assert statuses[0] == 200


def test_post_without_csrf_token_is_refused(client, org):
    org.user("wang", Role.supervisor, org.province)
    response = client.post("/login", data={"username": "wang", "password": "correct-horse-battery"}, csrf=False)
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_password_change_ends_other_sessions(app, client, auth, org):
    org.user("wang", Role.supervisor, org.province)
    auth.login("wang")
    other = app.test_client()
    other.post("/login", data={"username": "wang", "password": "correct-horse-battery"})
    assert other.get("/").status_code == 200
    response = client.post("/account/password", data={
        "current": "correct-horse-battery", "new": "a-brand-new-secret", "confirm": "a-brand-new-secret"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302
    auth.logout()
    assert auth.login("wang", "a-brand-new-secret").status_code == 302


def test_login_starts_a_fresh_session(client, auth, org):
    org.user("wang", Role.supervisor, org.province)
    with client.session_transaction() as session:
        session["planted"] = "by-attacker"
    auth.login("wang")
    with client.session_transaction() as session:
        assert "planted" not in session


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"  # pages may show what others must not see
    assert len(response.headers.getlist("Content-Security-Policy")) == 1


def test_a_views_own_security_header_is_kept(app, client):
    @app.get("/_test/framed")
    def framed():
        return "ok", 200, {"X-Frame-Options": "SAMEORIGIN", "Cache-Control": "max-age=60"}

    response = client.get("/_test/framed")
    assert response.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert response.headers["Cache-Control"] == "max-age=60"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_open_redirect_after_login_is_refused(client, auth, org):
    org.user("wang", Role.supervisor, org.province)
    response = client.post("/login?next=https://evil.example/", data={
        "username": "wang", "password": "correct-horse-battery"})
    assert response.headers["Location"] == "/"
