"""Session cookies are revocable and time out: logout, password change, deactivation, lifetimes."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from core.access.accounts import save_account
from core.access.models import Role, User
from web.sessions import LOGIN_AT, SEEN_AT


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"LOGIN_RATE_LIMIT": "1000 per minute"}


def _copy_of(client, app):
    """A second browser holding a copy of ``client``'s session cookie."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def _shift(client, **seconds: int) -> None:
    """Move the login's timestamps in the cookie back in time, as if that much had passed."""
    with client.session_transaction() as session:
        for key, back in (("login", seconds.get("login", 0)), ("seen", seconds.get("seen", 0))):
            name = LOGIN_AT if key == "login" else SEEN_AT
            session[name] -= back


def test_a_copied_cookie_stops_working_after_logout(app, client, auth, org):
    org.user("wang", Role.supervisor, org.province)
    auth.login("wang")
    copy = _copy_of(client, app)
    assert copy.get("/").status_code == 200
    auth.logout()
    response = copy.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert auth.login("wang").status_code == 302  # logging in again works
    assert client.get("/").status_code == 200


def test_a_copied_cookie_stops_working_after_a_password_change(app, client, auth, org):
    org.user("wang", Role.supervisor, org.province)
    auth.login("wang")
    copy = _copy_of(client, app)
    client.post("/account/password", data={
        "current": "correct-horse-battery", "new": "another-long-secret", "confirm": "another-long-secret"})
    assert client.get("/").status_code == 200
    assert copy.get("/").status_code == 302


def test_deactivating_an_account_ends_its_sessions_for_good(client, auth, org, db_session):
    user = org.user("wang", Role.supervisor, org.province)
    auth.login("wang")
    assert client.get("/").status_code == 200

    def save(active: bool) -> None:
        save_account(db_session, user, username="wang", role=Role.supervisor, unit_code="P", active=active)
        db_session.commit()

    save(False)
    assert client.get("/").status_code == 302
    save(True)  # activated again: the old cookie still does not work
    assert client.get("/").status_code == 302
    assert auth.login("wang").status_code == 302


def test_the_session_ends_after_its_absolute_lifetime_however_busy(client, auth, org):
    org.user("wang", Role.supervisor, org.province)
    auth.login("wang")
    _shift(client, login=12 * 3600 - 60)
    assert client.get("/").status_code == 200
    _shift(client, login=61)
    response = client.get("/ledger/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "会话已结束" in page
    assert client.get("/").status_code == 302  # the login is gone, not just refused once


def test_the_session_ends_after_the_idle_timeout(client, auth, org):
    org.user("wang", Role.supervisor, org.province)
    auth.login("wang")
    _shift(client, login=25 * 60, seen=25 * 60)
    assert client.get("/").status_code == 200  # active again: the idle time starts over
    _shift(client, login=25 * 60, seen=25 * 60)
    assert client.get("/").status_code == 200
    _shift(client, seen=30 * 60)
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("app_config", [{"SESSION_IDLE_TIMEOUT": 120, "SESSION_LIFETIME": 600}])
def test_the_lifetimes_are_configurable(client, auth, org):
    org.user("wang", Role.supervisor, org.province)
    auth.login("wang")
    _shift(client, login=100, seen=100)
    assert client.get("/").status_code == 200
    _shift(client, seen=120)
    assert client.get("/").status_code == 302
    auth.login("wang")
    _shift(client, login=600)
    assert client.get("/").status_code == 302


def test_a_session_from_before_the_timestamps_is_ended(client, auth, org):
    org.user("wang", Role.supervisor, org.province)
    auth.login("wang")
    with client.session_transaction() as session:
        del session[LOGIN_AT]
    assert client.get("/").status_code == 302


def test_get_requests_write_nothing_and_the_idle_time_moves_in_the_cookie(client, auth, org, connection):
    org.user("wang", Role.supervisor, org.province)
    auth.login("wang")
    writes: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if statement.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            writes.append(statement)

    client.get("/")  # the first page after login puts a CSRF token in the cookie
    event.listen(connection, "before_cursor_execute", record)
    try:
        fresh = client.get("/")
        assert fresh.status_code == 200 and "session=" not in fresh.headers.get("Set-Cookie", "")
        _shift(client, seen=6 * 60)
        with client.session_transaction() as session:
            stale = session[SEEN_AT]
        moved = client.get("/")
        assert moved.status_code == 200 and "session=" in moved.headers.get("Set-Cookie", "")
        with client.session_transaction() as session:
            assert session[SEEN_AT] >= stale + 6 * 60 - 5
        for path in ("/ledger/", "/account/password"):
            assert client.get(path).status_code == 200
    finally:
        event.remove(connection, "before_cursor_execute", record)
    assert writes == []


def test_logout_raises_the_accounts_session_generation(client, auth, org, db_session):
    user = org.user("wang", Role.supervisor, org.province)
    before = user.session_version
    auth.login("wang")
    auth.logout()
    db_session.expire_all()
    assert db_session.get(User, user.id).session_version == before + 1
