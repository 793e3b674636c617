"""Rewriting what pyxform writes into the ``${name}`` form the expression language reads.

pyxform turns "or other" into ``selected(../fav_color, 'other')``, and a ``choice_filter``
names the choice sheet's columns bare (``${state}=cf``). The expression language refers to
fields only as ``${name}``, so at import such paths become ``${fav_color}`` and such column
names become ``${__choice_cf}``, read from each choice while filtering. The same rewritten
text goes to the browser, so server and browser read one expression.
"""
from __future__ import annotations

import re

CHOICE_PREFIX = "__choice_"
_TOKEN = re.compile(
    r"""(?P<string>'[^']*'|"[^"]*")"""
    r"""|(?P<ref>\$\{[^}]*\})"""
    r"""|(?P<relative>(?:\.\./)+(?:[A-Za-z_][\w.\-]*/)*(?P<last>[A-Za-z_][\w.\-]*))"""
    r"""|(?P<name>[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)(?P<call>\s*\()?"""
)
_KEYWORDS = frozenset({"and", "or", "div", "mod"})


def rewrite(expr: str, choice_columns: frozenset[str] | None = None) -> str:
    """``expr`` with ``../name`` paths as ``${name}``; in a choice filter, bare column names too.

    Inside a choice filter (``choice_columns`` given) a bare name that is a column of the
    choice sheet reads that column of the choice being tested; any other bare name reads as
    the empty string, as XPath reads a missing node.
    """
    if not expr:
        return expr

    def replace(match: re.Match[str]) -> str:
        if match.group("string") or match.group("ref"):
            return match.group(0)
        if match.group("relative"):
            return "${" + match.group("last") + "}"
        name = match.group("name")
        if match.group("call") or choice_columns is None or name in _KEYWORDS:
            return match.group(0)
        if _after_slash(match):
            return match.group(0)
        if name in choice_columns:
            return "${" + CHOICE_PREFIX + name + "}"
        return "''"

    return _TOKEN.sub(replace, expr)


def _after_slash(match: re.Match[str]) -> bool:
    """A name that is a step of an absolute path (``/data/name``) is left to the parser."""
    start = match.start()
    return start > 0 and match.string[start - 1] == "/"
