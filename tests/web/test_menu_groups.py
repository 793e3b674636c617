"""The navigation is a few labelled groups, built from the entries' ``group``; a plugin puts its entries in
core's groups or in one of its own without changing core."""
from __future__ import annotations

import re

import pytest
from flask import Blueprint

from core.access.models import Role
from core.hookspecs import hookimpl
from core.hooktypes import MENU_SOURCES, MenuItem

NAV = re.compile(r'<nav class="menu">(.*?)</nav>', re.DOTALL)
GROUP = re.compile(r'<details class="menu-group"><summary>([^<]+)</summary>'
                   r'<div class="menu-items">(.*?)</div></details>', re.DOTALL)


class HotlinePlugin:
    """Two entries in a group of the plugin's own, one in core's Sources group."""

    @hookimpl
    def duban_blueprints(self):
        bp = Blueprint("hotline", __name__, url_prefix="/hotline")
        for name in ("orders", "callers", "imports"):
            bp.add_url_rule(f"/{name}", name, lambda: "ok")
        return [bp]

    @hookimpl
    def duban_menu_items(self, user):
        return [MenuItem("hotline.orders", "Hotline orders", order=340, group="Hotline desk"),
                MenuItem("hotline.callers", "Callers", order=341, group="Hotline desk"),
                MenuItem("hotline.imports", "Hotline files", order=342, capability="tips.triage",
                         group=MENU_SOURCES)]


@pytest.fixture
def app_config():
    return {"PLUGINS": [HotlinePlugin()]}


def _nav(client) -> str:
    found = NAV.search(client.get("/").get_data(as_text=True))
    assert found is not None
    return found.group(1)


def test_an_administrator_sees_a_few_labelled_groups_instead_of_every_entry_in_a_row(client, auth, org):
    org.user("someone", Role.admin)
    auth.login("someone")
    nav = _nav(client)
    groups = {label: re.findall(r'href="([^"]+)"', links) for label, links in GROUP.findall(nav)}
    assert {"台账与调研", "督查与通报", "数据来源", "系统管理"} <= set(groups)
    assert {"/users/", "/audit/", "/units/", "/plugins/"} <= set(groups["系统管理"])
    assert "/hotline/imports" in groups["数据来源"] and "/tips/" in groups["数据来源"]
    assert groups["Hotline desk"] == ["/hotline/orders", "/hotline/callers"]
    outside = re.findall(r'href="([^"]+)"', GROUP.sub("", nav))
    assert len(outside) <= 4, outside  # the dashboard, notifications, the password …
    assert len(re.findall(r'href="', nav)) >= 27  # every entry is still there


def test_a_group_with_a_single_entry_for_this_user_is_a_plain_link(client, auth, org):
    org.user("evaluator", Role.evaluator)
    auth.login("evaluator")
    nav = _nav(client)
    assert [label for label, _links in GROUP.findall(nav)] == ["Hotline desk"]  # none of core's
    assert {"/evaluations/", "/imports/"} <= set(re.findall(r'href="([^"]+)"', nav))  # Imports: its one source entry
