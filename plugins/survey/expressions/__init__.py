"""The XLSForm expression language (the ODK XPath subset), evaluated without ``eval``.

Survey forms use it for ``relevant``, ``constraint``, ``calculation``, ``choice_filter`` and
``required``.  The server's answer is authoritative; ``static/survey/expressions.js`` runs the
same language in the browser so the form reacts as it is filled, and a shared case table keeps
the two in agreement.

>>> ctx = EvalContext({"age": "30"}, current="30")
>>> evaluate(". >= 0 and . <= 120", ctx)
True
>>> sorted(references("if(${age} > 17, ${name}, '')"))
['age', 'name']
"""
from __future__ import annotations

from .compiler import compiled
from .context import EvalContext
from .evaluator import evaluate
from .functions import Value, to_boolean, to_number, to_string
from .lexer import ExpressionError
from .parser import Node, Ref, parse, walk

__all__ = [
    "EvalContext",
    "ExpressionError",
    "Node",
    "Value",
    "compiled",
    "evaluate",
    "parse",
    "references",
    "to_boolean",
    "to_number",
    "to_string",
]


def references(expr: Node | str) -> set[str]:
    """The field names an expression reads (``${name}``, or the last step of ``/data/…/name``).

    For ordering calculations by dependency, and for checking that every name exists in the
    form.  Raises :class:`ExpressionError` if ``expr`` does not parse.
    """
    node = parse(expr) if isinstance(expr, str) else expr
    return {found.name for found in walk(node) if isinstance(found, Ref)}
