"""Login refusals tell nothing about which names exist; a lock holds per name and address."""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from core.access.models import LoginFailure, Role

REFUSAL = "登录失败"
FLASH = re.compile(r'<p class="flash [^"]*"[^>]*>(.*?)</p>', re.S)


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"LOGIN_RATE_LIMIT": "1000 per minute"}


def _browser(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _login(client, username: str, password: str = "correct-horse-battery"):
    return client.post("/login", data={"username": username, "password": password})


def _answer(response) -> tuple[int, list[str], str | None]:
    page = response.get_data(as_text=True)
    return response.status_code, FLASH.findall(page), response.headers.get("Location")


def test_known_and_unknown_names_get_the_same_answers(app, org):
    org.user("admin", Role.admin)
    known, unknown = _browser(app, "198.51.100.1"), _browser(app, "198.51.100.2")
    answers = [(_answer(_login(known, "admin", "wrong-password-x")),
                _answer(_login(unknown, "nobody-here", "wrong-password-x"))) for _ in range(7)]
    for real, made_up in answers:
        assert real == made_up
    statuses = [real[0] for real, _ in answers]
    assert statuses == [200, 200, 200, 200, 200, 429, 429]
    assert all(REFUSAL in real[1][0] for real, _ in answers)
    # The right password during the lock gets the same answer as a made-up name.
    assert _answer(_login(known, "admin")) == _answer(_login(unknown, "nobody-here"))


def test_a_lock_from_one_address_does_not_lock_the_holder_out_of_another(app, org):
    org.user("admin", Role.admin)
    attacker, holder = _browser(app, "203.0.113.66"), _browser(app, "192.0.2.10")
    for _ in range(6):
        _login(attacker, "admin", "guess-guess-guess")
    assert _login(attacker, "admin").status_code == 429  # locked there, even with the password
    response = _login(holder, "admin")
    assert response.status_code == 302 and holder.get("/").status_code == 200


def test_the_lock_grows_and_ends(app, org, db_session):
    org.user("admin", Role.admin)
    browser = _browser(app, "203.0.113.7")
    for _ in range(5):
        _login(browser, "admin", "guess-guess-guess")
    first = db_session.query(LoginFailure).one()
    first_lock = first.locked_until - first.last_failed_at
    assert first_lock == timedelta(seconds=30)
    # The lock runs out (moved back in time), and the next failure locks for twice as long.
    db_session.execute(update(LoginFailure).values(locked_until=first.last_failed_at - timedelta(seconds=1)))
    db_session.commit()
    assert _login(browser, "admin", "guess-guess-guess").status_code == 200
    db_session.expire_all()
    second = db_session.query(LoginFailure).one()
    assert second.failures == 6 and second.locked_until - second.last_failed_at == timedelta(seconds=60)
    # Then the right password gets in and the count starts over.
    db_session.execute(update(LoginFailure).values(locked_until=None))
    db_session.commit()
    assert _login(browser, "admin").status_code == 302
    assert db_session.query(LoginFailure).count() == 0


def test_the_current_password_check_counts_towards_the_lock(app, org):
    org.user("wang", Role.supervisor, org.province)
    browser = _browser(app, "192.0.2.50")
    assert _login(browser, "wang").status_code == 302
    for _ in range(6):
        page = browser.post("/account/password", data={
            "current": "not-my-password", "new": "another-long-secret", "confirm": "another-long-secret"})
    assert REFUSAL in page.get_data(as_text=True)
    browser.post("/logout")
    assert _login(browser, "wang").status_code == 429


def test_the_refusal_speaks_english_to_an_english_browser(app, org):
    browser = _browser(app, "192.0.2.77")
    browser.post("/lang", data={"lang": "en", "next": "/login"})
    page = _login(browser, "nobody-here", "wrong-password-x").get_data(as_text=True)
    assert "Wrong username or password" in page
