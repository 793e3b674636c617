"""Numbers in query strings: a page or id too large for the database is a 400 with a message, never a 500.

``?page=99999999999999999999`` reached the database as an OFFSET it cannot hold (SQLite:
"Python int too large to convert to SQLite INTEGER"; PostgreSQL: bigint out of range).
"""
from __future__ import annotations

import pytest

from core.access.models import Role

HUGE = "99999999999999999999"
TOO_LARGE = "page 的数值过大。"

LISTS = ["/ledger/", "/ledger/matters", "/ledger/overdue", "/ledger/research", "/ledger/notifications",
         "/dashboard/tasks", "/review/"]


@pytest.fixture
def supervisor(org, auth):
    org.user("chief", Role.admin)
    auth.login("chief")


@pytest.mark.parametrize("path", LISTS)
def test_a_page_number_too_large_is_refused_with_a_message(client, supervisor, path):
    response = client.get(path, query_string={"page": HUGE})
    assert response.status_code == 400, (path, response.status_code)
    assert TOO_LARGE in response.get_data(as_text=True)


@pytest.mark.parametrize("path", LISTS)
def test_the_largest_page_number_is_an_empty_page_and_odd_digits_are_ignored(client, supervisor, path):
    assert client.get(path, query_string={"page": str(2**31 - 1)}).status_code == 200
    for odd in ("²", "٣", "-1", "1e3", " 2"):
        assert client.get(path, query_string={"page": odd}).status_code == 200, (path, odd)


@pytest.mark.parametrize(("path", "name"), [("/ledger/", "matter"), ("/dashboard/tasks", "unit_id"),
                                            ("/audit/", "before")])
def test_an_id_too_large_is_refused_with_a_message(client, supervisor, path, name):
    response = client.get(path, query_string={name: HUGE})
    assert response.status_code == 400
    assert f"{name} 的数值过大。" in response.get_data(as_text=True)
