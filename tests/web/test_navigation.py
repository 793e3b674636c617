"""The navigation: each entry is shown to the roles whose capability opens its page, read from the one
capability table that core and the plugins declare into."""
from __future__ import annotations

import re

import pytest

from core.access.models import Role
from core.access.scope import CAPABILITIES
from core.plugins import IMPORTS_USE, capabilities, make_plugin_manager

MENU = re.compile(r'<nav class="menu">(.*?)</nav>', re.DOTALL)


def menu_links(client) -> set[str]:
    found = MENU.search(client.get("/").get_data(as_text=True))
    assert found is not None
    return set(re.findall(r'href="([^"]+)"', found.group(1)))


@pytest.mark.parametrize(("role", "shown", "hidden"), [
    (Role.admin, {"/users/", "/audit/", "/plugins/", "/webhooks/", "/imports/", "/dashboard/",
                 "/evaluations/"}, set()),
    (Role.supervisor, {"/ledger/", "/review/", "/imports/", "/tokens/", "/units/"},
     {"/users/", "/audit/", "/plugins/", "/webhooks/"}),
    (Role.leader, {"/dashboard/", "/review/", "/ledger/research", "/circulars/cases"},
     {"/imports/", "/users/", "/tokens/"}),
    (Role.unit_officer, {"/ledger/", "/ledger/matters", "/review/rectifications", "/circulars/"},
     {"/units/", "/imports/", "/review/", "/dashboard/", "/ledger/research"}),
    # Core's Imports entry reaches the roles that may use a plugin's importer, and only those.
    (Role.auditor, {"/imports/", "/findings/"}, {"/ledger/", "/units/", "/review/"}),
    (Role.evaluator, {"/imports/", "/evaluations/"}, {"/ledger/", "/units/", "/findings/"}),
])
def test_each_role_sees_the_entries_its_capabilities_open(client, auth, org, role, shown, hidden):
    org.user("someone", role, org.county_a1 if role == Role.unit_officer else org.province)
    auth.login("someone")
    links = menu_links(client)
    assert shown <= links and not hidden & links, links
    assert {"/ledger/notifications", "/account/password"} <= links  # every signed-in user's own entries


def test_core_declares_its_capabilities_through_the_hook_like_any_plugin():
    table = capabilities(make_plugin_manager())
    assert {name: table[name] for name in CAPABILITIES} == CAPABILITIES
    assert table["audit.view"]  # a plugin's, in the same table
    without_core = capabilities(make_plugin_manager(blocked=["core.builtin"]))
    assert "ledger.view" not in without_core and "audit.view" in without_core


def test_imports_use_is_held_by_the_roles_of_the_importers_offered():
    # Commissioners import past on-site reviews (reviews.manage), as the staff they work beside.
    assert capabilities(make_plugin_manager())[IMPORTS_USE] == {Role.admin, Role.supervisor, Role.auditor,
                                                                Role.evaluator, Role.commissioner}
    blocked = capabilities(make_plugin_manager(blocked=["audit", "third_party_eval"]))
    assert blocked[IMPORTS_USE] == {Role.admin, Role.supervisor, Role.commissioner}
