"""Evaluate an XLSForm expression against a form's answers, with XPath 1.0 semantics.

Evaluation never raises for arithmetic (division by zero gives ±Infinity or NaN) or for odd
answers (an empty or non-numeric answer is NaN in arithmetic and comparisons); it raises
:class:`ExpressionError` only for a regular expression built at run time that fails
:func:`~.functions.check_regex`.

:func:`evaluate` runs the compiled form (:mod:`.compiler`). :func:`interpret` walks the syntax
tree node by node instead: it is the plain statement of the semantics, which the compiled
closures are tested against (``tests/plugins/survey/test_compiled.py``) and timed against
(``bench/survey_check.py``).
"""
from __future__ import annotations

from functools import lru_cache

from .compiler import Compiled, compile_node, compiled
from .context import EvalContext
from .functions import FUNCTIONS, Value, indexed_repeat, to_boolean, to_number, to_string
from .lexer import ExpressionError
from .operators import ARITHMETIC, RELATIONS, equals, not_equals, relation
from .parser import Binary, Call, Current, Literal, Negate, Node, Ref, parse


def evaluate(expr: Node | str, context: EvalContext) -> Value:
    """Evaluate ``expr`` (text, parsed and compiled once, or a node from :func:`parse`).

    Returns ``str``, ``float``, ``bool``, ``date``, ``datetime`` or a ``list`` (a repeat's
    answers); use :func:`to_boolean` for ``relevant``/``constraint``/``required`` and
    :func:`to_string` to store a ``calculation``.
    """
    run = compiled(expr) if isinstance(expr, str) else compile_node(expr)
    return run(context)


@lru_cache(maxsize=4096)
def interpreted(expr: str) -> Compiled:
    """``expr`` run by :func:`interpret`, in the shape :func:`~.compiler.compiled` returns."""
    node = parse(expr)
    return lambda ctx: interpret(node, ctx)


def interpret(node: Node, ctx: EvalContext) -> Value:
    """Evaluate ``node`` by walking the tree: the reference for the compiled closures."""
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Ref):
        return ctx.value_of(node.name)
    if isinstance(node, Current):
        return ctx.current_value()
    if isinstance(node, Negate):
        return -to_number(interpret(node.operand, ctx))
    if isinstance(node, Binary):
        return _binary(node, ctx)
    if isinstance(node, Call):
        return _call(node, ctx)
    raise TypeError(f"not an expression node: {node!r}")


def _call(node: Call, ctx: EvalContext) -> Value:
    if node.name == "if":
        chosen = node.args[1] if to_boolean(interpret(node.args[0], ctx)) else node.args[2]
        return interpret(chosen, ctx)
    if node.name == "coalesce":
        for arg in node.args:
            value = interpret(arg, ctx)
            if to_string(value) != "":
                return value
        return ""
    if node.name == "position":
        return float(ctx.position)
    if node.name == "indexed-repeat":
        field = node.args[0]
        assert isinstance(field, Ref)  # noqa: S101  (the parser allows nothing else)
        return indexed_repeat(field.name, interpret(node.args[2], ctx), ctx)
    _, _, function = FUNCTIONS[node.name]
    args = [interpret(arg, ctx) for arg in node.args]
    try:
        return function(args, ctx)
    except ExpressionError as error:  # a regular expression built from answers
        if error.position is None:
            error.position = node.args[-1].position
        raise


def _binary(node: Binary, ctx: EvalContext) -> Value:
    op = node.op
    if op == "and":
        return to_boolean(interpret(node.left, ctx)) and to_boolean(interpret(node.right, ctx))
    if op == "or":
        return to_boolean(interpret(node.left, ctx)) or to_boolean(interpret(node.right, ctx))
    left, right = interpret(node.left, ctx), interpret(node.right, ctx)
    if op == "=":
        return equals(left, right)
    if op == "!=":
        return not_equals(left, right)
    if op in RELATIONS:
        return relation(RELATIONS[op], left, right)
    return ARITHMETIC[op](to_number(left), to_number(right))
