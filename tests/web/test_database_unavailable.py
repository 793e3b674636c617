"""A page whose database goes away mid-request answers 503 and asks to try again, in the user's language.

Seen with bench/faults.py --mixed: while PostgreSQL refused connections for 3 s, pages answered
500 ("Something went wrong on our side"), and the error page itself read the signed-in
account's name and menu from the database that had just failed. A page already made when the
connection was cut answered 500 too: closing its session could not roll back.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from core.access.models import Role
from web import db


@pytest.fixture
def refusing(connection: Any) -> Iterator[dict[str, bool]]:
    """Every statement fails as on a cut connection once ``["now"]`` is set."""
    down = {"now": False}

    def refuse(*_args: Any) -> None:
        if down["now"]:
            raise OperationalError("SELECT", {}, Exception("server closed the connection unexpectedly"))

    event.listen(connection, "before_cursor_execute", refuse)
    try:
        yield down
    finally:
        event.remove(connection, "before_cursor_execute", refuse)


@pytest.fixture
def database_goes_away(app: Any, refusing: dict[str, bool]) -> None:
    """The home page reads, then every statement fails as on a cut connection."""
    def index() -> str:
        db.session().execute(text("SELECT 1"))
        refusing["now"] = True
        db.session().execute(text("SELECT 2"))
        return "unreachable"

    app.view_functions["home.index"] = index


def test_a_page_answers_503_without_reading_the_database_again(client, auth, org, database_goes_away):
    org.user("staff", Role.supervisor, org.province)
    auth.login("staff")
    response = client.get("/")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    page = response.get_data(as_text=True)
    assert "数据库暂时不可用" in page
    assert "staff" not in page


def test_a_json_request_gets_the_same_answer_as_json(client, auth, org, database_goes_away):
    org.user("staff", Role.supervisor, org.province)
    auth.login("staff")
    response = client.get("/", headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert response.get_json()["error"]["status"] == 503


def test_a_page_made_before_the_connection_was_cut_is_still_answered(app, client, auth, org, refusing):
    org.user("staff", Role.supervisor, org.province)
    auth.login("staff")

    def index() -> str:
        db.session().execute(text("SELECT 1"))
        refusing["now"] = True  # the session's rollback as the request ends fails
        return "made"

    app.view_functions["home.index"] = index
    response = client.get("/")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "made"
