"""Fixtures for the survey tests: forms from the pyxform project, and surveys made from them."""
from __future__ import annotations

import os
import re
from typing import Any

import pytest

from core.access.models import Role

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "xlsforms")
TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
DEMO_FORM = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "plugins", "survey",
                         "demo_form.md")


def form_bytes(name: str) -> bytes:
    path = DEMO_FORM if name == "demo" else os.path.join(FIXTURES, name)
    with open(path, "rb") as handle:
        return handle.read()


def form_token(page: str) -> str:
    match = TOKEN.search(page)
    assert match, "no form token on the page"
    return match.group(1)


@pytest.fixture
def make_survey(db_session: Any, org: Any):
    """Create (and by default publish) a survey owned by city A from a fixture form."""
    from plugins.survey import service

    def make(name: str = "demo", publish: bool = True, owner: Any = None) -> Any:
        survey = service.create_survey(db_session, form_bytes(name), owner_unit_id=(owner or org.city_a).id,
                                       source_name=name, publish=publish)
        db_session.commit()
        return survey

    return make


@pytest.fixture
def staff(org: Any, auth: Any) -> Any:
    """A supervisor of city A, logged in."""
    user = org.user("sup_a", Role.supervisor, org.city_a)
    auth.login("sup_a")
    return user


@pytest.fixture(name="form_bytes")
def form_bytes_fixture():
    return form_bytes


@pytest.fixture(name="form_token")
def form_token_fixture():
    return form_token


@pytest.fixture(name="fixtures_dir")
def fixtures_dir_fixture() -> str:
    return FIXTURES
