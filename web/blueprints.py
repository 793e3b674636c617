"""Registering core's and the plugins' blueprints, and the navigation."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pluggy
from flask import Flask, current_app, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from core.access.scope import Scope
from core.hooktypes import MenuItem
from web import db
from web.forms import ActionForm


def _with_urls(batches: list[list[MenuItem]], shown: Callable[[MenuItem], bool]) -> list[tuple[MenuItem, str]]:
    entries = []
    for batch in batches:
        for item in batch or ():
            if not shown(item):
                continue
            try:
                entries.append((item, url_for(item.endpoint)))
            except BuildError:
                continue  # a blueprint that is not mounted in this app
    return sorted(entries, key=lambda entry: (entry[0].order, entry[0].endpoint))


def menu_for(pm: pluggy.PluginManager, user: Any) -> list[tuple[MenuItem, str]]:
    """The user's navigation entries with their URLs, in order: those whose capability the user holds."""
    if not user or not getattr(user, "is_authenticated", False):
        return []
    scope = Scope(db.session(), user, current_app.extensions["duban.capabilities"])
    return _with_urls(pm.hook.duban_menu_items(user=user),
                      lambda item: item.capability is None or scope.can(item.capability))


def grouped(entries: list[tuple[MenuItem, str]]) -> list[tuple[str, list[tuple[MenuItem, str]]]]:
    """``entries`` under their headings, in order: (group msgid, its entries), ``""`` for a link of its own.

    A group the user sees a single entry of is shown as that entry alone: a heading over one
    link only adds a click. Groups come where their first entry would.
    """
    by_group: dict[str, list[tuple[MenuItem, str]]] = {}
    for entry in entries:
        by_group.setdefault(entry[0].group, []).append(entry)
    result: list[tuple[str, list[tuple[MenuItem, str]]]] = []
    for entry in entries:
        group = entry[0].group
        members = by_group.get(group)
        if not group or (members is not None and len(members) == 1):
            result.append(("", [entry]))
        elif members is not None:
            result.append((group, members))
            del by_group[group]
    return result


def public_links(pm: pluggy.PluginManager) -> list[tuple[MenuItem, str]]:
    """Links to the pages anyone may use without an account, with their URLs, in order."""
    return _with_urls(pm.hook.duban_public_links(), lambda _item: True)


def register_blueprints(app: Flask, pm: pluggy.PluginManager) -> None:
    """Mount every blueprint the plugins serve (core's come from ``web.builtin``); set up the navigation."""
    for batch in pm.hook.duban_blueprints():
        for blueprint in batch or ():
            app.register_blueprint(blueprint)

    @app.context_processor
    def _navigation() -> dict[str, Any]:
        return {
            "menu": lambda: menu_for(pm, current_user),
            "menu_groups": lambda: grouped(menu_for(pm, current_user)),
            "public_links": lambda: public_links(pm),
            # formdata=None: drawing a button never reads the request body (it may be
            # the oversized upload an error page is reporting).
            "action_form": lambda: ActionForm(formdata=None),
        }
