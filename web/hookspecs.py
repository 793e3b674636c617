"""The web side of the plugin contract: pages, navigation and commands.

These hooks take or return Flask's and click's objects, or name Flask endpoints, so they live
here rather than in :mod:`core.hookspecs`: core stays free of Flask and click. ``create_app``
adds them to the same plugin manager as core's hooks; a plugin implements them with the same
``hookimpl`` (``from core.hookspecs import hookimpl``). Core's own pages and commands come
through them too (``web.builtin``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from core.hookspecs import hookspec

if TYPE_CHECKING:
    import click
    from flask import Blueprint

    from core.access.models import User
    from core.hooktypes import MenuItem


# ---------------------------------------------------------------------------
# Pages and navigation
# ---------------------------------------------------------------------------


@hookspec
def duban_blueprints() -> list[Blueprint]:
    """Return the Flask blueprints this plugin serves.

    Called once in ``create_app``. Name the blueprint after the plugin and keep
    its templates under ``templates/<plugin>/``.
    """


@hookspec
def duban_menu_items(user: User) -> list[MenuItem]:
    """Return navigation entries for ``user``.

    Called for every page drawn for a logged-in user. Returns a list of
    :class:`core.hooktypes.MenuItem`; an entry whose ``capability`` the user does not
    hold is left out, and so is one whose endpoint is not mounted.
    """


@hookspec
def duban_public_links() -> list[MenuItem]:
    """Return links to pages anyone may use without an account (file a tip, typical cases).

    Called when the login page and other public pages are drawn. Returns a list of
    :class:`core.hooktypes.MenuItem`.
    """


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


@hookspec
def duban_cli_commands() -> list[click.Command]:
    """Return extra ``duban`` sub-commands (click commands or groups).

    Called once in ``create_app``; the commands run inside an application context.
    """
