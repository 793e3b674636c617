"""No page a role reaches shows a registered internal key where a person reads.

The keys come from the registries themselves: the signal kinds (and every feature of
scoring's catalogue), the plugins and the sources they feed, the values of every enum
stored in a column, and the choice names of the stored survey definitions. The demo
province is walked as a supervision office's staff, a reporting unit and an evaluator,
following every link each reaches from the home page, in Chinese (the default), and
only the visible text is read (no tags, attributes, scripts or styles).

Choices:
- Chinese pages only: there an English word is never an ordinary word of the page, so an
  enum value that is also an English word ("public", "open", "once") can only be a key
  shown raw. On English pages the same words are the labels themselves.
- Keys of digits only (a survey's choice named by a unit's region code, 990102) are left
  out: codes are what staff read beside names (the region filter, unit lists).
- Text in ``<code>`` is left out: it is the rule language's vocabulary (feature names such as
  ``overdue_days``, rule ids), shown on purpose beside each name on the rules page, where staff
  write conditions with them.
- The demo accounts' user names are left out: a name is what the history shows of who
  acted, and one demo account is called "admin", as the role is.
"""
from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from sqlalchemy import Enum, select

from core.db import Base
from core.demo import DEMO_ACCOUNTS
from core.plugins import plugin_names, signal_kinds, source_labels
from core.scoring.catalogue import catalogue_for
from plugins.survey.models import Survey
from tests.web.pages.conftest import visible_text

SKIPPED_PATHS = ("/logout", "/static", "/lang", "/api/", "/favicon")
DOWNLOADS = (".xlsx", ".csv", ".docx", ".zip", ".pdf", ".png", ".jpg", ".svg", ".ico", ".json", ".xml", ".txt")
MAX_PAGES = 120
TOKEN = re.compile(r"[A-Za-z0-9_]+(?:[.:][A-Za-z0-9_]+)*")


def _choice_names(node) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for choice in node.get("choices") or () if isinstance(node.get("choices"), list) else ():
            if isinstance(choice, dict) and choice.get("name"):
                found.add(str(choice["name"]))
        for value in node.values():
            found |= _choice_names(value)
    elif isinstance(node, list):
        for value in node:
            found |= _choice_names(value)
    return found


def registered_keys(app, session) -> dict[str, str]:
    """Every registered internal key, with the registry it comes from."""
    pm = app.extensions["duban.plugins"]
    keys: dict[str, str] = {}
    kinds = signal_kinds(pm)
    for kind in kinds:
        keys[kind.name] = keys[f"{kind.source}.{kind.name}"] = "signal kind"
    for name in catalogue_for(session, kinds).names:
        keys.setdefault(name, "scoring feature")
    for name in [*plugin_names(pm), *source_labels(pm)]:
        keys.setdefault(name, "plugin or source")
    for table in Base.metadata.tables.values():
        for column in table.columns:
            if isinstance(column.type, Enum) and column.type.enum_class is not None:
                for member in column.type.enum_class:
                    keys.setdefault(str(member.value), f"enum {column.type.enum_class.__name__}")
    for definition in session.scalars(select(Survey.definition)):
        for name in _choice_names(definition):
            keys.setdefault(name, "survey choice")
    for username, _password, _label in DEMO_ACCOUNTS:
        keys.pop(username, None)
    return {key: origin for key, origin in keys.items() if not key.isdigit()}


def _links(page: str) -> list[str]:
    found = []
    for href in re.findall(r'href="([^"#]+)', page):
        path = urlparse(href.replace("&amp;", "&"))
        if path.scheme or path.netloc or not path.path.startswith("/"):
            continue
        if path.path.startswith(SKIPPED_PATHS) or path.path.endswith(DOWNLOADS):
            continue
        found.append(path.path + (f"?{path.query}" if path.query else ""))
    return found


def walk(client, start: str = "/") -> dict[str, str]:
    """The visible text of every page reached from ``start`` by following links (GET, HTML, 200)."""
    seen: dict[str, str] = {}
    queue = [start]
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        response = client.get(path)
        seen[path] = ""
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        page = response.get_data(as_text=True)
        seen[path] = visible_text(page, without=("code",))
        queue.extend(link for link in _links(page) if link not in seen)
    return {path: text for path, text in seen.items() if text}


@pytest.mark.parametrize("username", ["duchashi", "hedong", "pinggu"])
def test_no_page_a_role_reaches_shows_an_internal_key(app, demo, login, username):
    keys = registered_keys(app, demo)
    assert {"hotline_12345.complaints", "public", "very_satisfied", "media_tips"} <= set(keys)  # the registries read
    pages = walk(login(username))
    assert len(pages) > 5
    shown = sorted({(path, token, keys[token]) for path, text in pages.items()
                    for token in TOKEN.findall(text) if token in keys})
    assert shown == []
