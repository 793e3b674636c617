"""A page whose database goes away mid-request answers 503 and asks to try again, in the user's language.

Seen with bench/faults.py --mixed: while PostgreSQL refused connections for 3 s, pages answered
500 ("Something went wrong on our side"), and the error page itself read the signed-in
account's name and menu from the database that had just failed.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from core.access.models import Role


@pytest.fixture
def database_goes_away(app: Any, connection: Any) -> Iterator[None]:
    """The home page reads, then every statement fails as on a cut connection."""
    db = app.extensions["duban.db"]
    down = {"now": False}

    def refuse(*_args: Any) -> None:
        if down["now"]:
            raise OperationalError("SELECT", {}, Exception("server closed the connection unexpectedly"))

    def index() -> str:
        db.session().execute(text("SELECT 1"))
        down["now"] = True
        db.session().execute(text("SELECT 2"))
        return "unreachable"

    event.listen(connection, "before_cursor_execute", refuse)
    app.view_functions["home.index"] = index
    try:
        yield
    finally:
        event.remove(connection, "before_cursor_execute", refuse)


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
