"""The demo province in the test database (the demo accounts sign in through the `login` fixture of tests/web)."""
from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest

from core import clock


@pytest.fixture
def demo(app: Any, db_session: Any) -> Any:
    """Seed the demo province (units, accounts, ledger, every plugin's data, reviews, a circular)."""
    from core.demo import seed_demo

    seed_demo(db_session, app.extensions["duban.plugins"], clock.today())
    db_session.commit()
    return db_session


class _Visible(HTMLParser):
    """The text a person sees: no tags, attributes, scripts or styles (nor ``hidden`` elements' text)."""

    def __init__(self, hidden: tuple[str, ...]) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden_tags = hidden
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._hidden_tags:
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self._hidden_tags and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(page: str, *, without: tuple[str, ...] = ()) -> str:
    """The visible text of an HTML page, its runs of white space made single spaces; ``without``: tags left out."""
    parser = _Visible(("script", "style", "template", *without))
    parser.feed(page)
    parser.close()
    return " ".join(" ".join(parser.parts).split())
