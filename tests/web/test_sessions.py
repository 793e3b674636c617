"""Session cookies: read as Flask reads them; a request without one starts an empty session."""
from __future__ import annotations

from flask import session

from web.i18n import select_locale
from web.sessions import SessionCookies


def test_the_session_survives_a_round_trip_and_a_forged_cookie_is_ignored(app) -> None:
    assert isinstance(app.session_interface, SessionCookies)

    @app.get("/_test/session/<value>")
    def keep(value: str) -> str:
        before = session.get("kept", "")
        if value != "-":
            session["kept"] = value
        return before

    client = app.test_client()
    assert client.get("/_test/session/one").get_data(as_text=True) == ""
    assert client.get("/_test/session/-").get_data(as_text=True) == "one"
    cookie = client.get_cookie("session")
    assert cookie is not None
    client.set_cookie("session", cookie.value[:-2] + "xx")  # a forged signature
    assert client.get("/_test/session/-").get_data(as_text=True) == ""
    client.delete_cookie("session")
    assert client.get("/_test/session/-").get_data(as_text=True) == ""


def test_the_language_is_parsed_once_per_process(app) -> None:
    with app.test_request_context("/"):
        first = select_locale()
    with app.test_request_context("/"):
        assert select_locale() is first
        session["lang"] = "en"
        assert str(select_locale()) == "en"
