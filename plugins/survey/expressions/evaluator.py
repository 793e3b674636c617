"""Evaluate a parsed XLSForm expression against a form's answers, with XPath 1.0 semantics.

Evaluation never raises for arithmetic (division by zero gives ±Infinity or NaN) or for odd
answers (an empty or non-numeric answer is NaN in arithmetic and comparisons); it raises
:class:`ExpressionError` only for a regular expression built at run time that fails
:func:`~.functions.check_regex`.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .functions import (
    FUNCTIONS,
    Value,
    day_number,
    parse_date,
    scalar,
    to_boolean,
    to_number,
    to_string,
    to_value,
)
from .lexer import ExpressionError
from .parser import Binary, Call, Current, Literal, Negate, Node, Ref, parse


@dataclass(frozen=True)
class EvalContext:
    """What an expression can see.

    ``values`` maps field names to answers: strings as submitted (select-multiple answers
    space-separated), numbers, booleans, dates, datetimes, ``None`` for unanswered, or a list
    for one field's answers across a repeat.  ``current`` is the value ``.`` stands for in a
    constraint.  ``today`` and ``now`` default to the server's clock; datetimes are read as
    wall-clock time (any timezone is dropped).
    """

    values: Mapping[str, Any] = field(default_factory=dict)
    current: Any = None
    today: date | None = None
    now: datetime | None = None

    def value_of(self, name: str) -> Value:
        """The answer for ``name``; an unknown name reads as the empty string."""
        return to_value(self.values.get(name))

    def current_value(self) -> Value:
        """The value of ``.``."""
        return to_value(self.current)

    def today_date(self) -> date:
        """``today()``: the injected date, else the date of ``now``, else the clock's."""
        if isinstance(self.today, datetime):
            return self.today.date()
        if self.today is not None:
            return self.today
        if self.now is not None:
            return self.now.date()
        return date.today()

    def now_datetime(self) -> datetime:
        """``now()``: the injected moment (wall-clock), else the clock's."""
        return (self.now or datetime.now()).replace(tzinfo=None)


def evaluate(expr: Node | str, context: EvalContext) -> Value:
    """Evaluate ``expr`` (text, parsed and cached, or a node from :func:`parse`).

    Returns ``str``, ``float``, ``bool``, ``date``, ``datetime`` or a ``list`` (a repeat's
    answers); use :func:`to_boolean` for ``relevant``/``constraint``/``required`` and
    :func:`to_string` to store a ``calculation``.
    """
    node = parse(expr) if isinstance(expr, str) else expr
    return _eval(node, context)


def _eval(node: Node, ctx: EvalContext) -> Value:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Ref):
        return ctx.value_of(node.name)
    if isinstance(node, Current):
        return ctx.current_value()
    if isinstance(node, Negate):
        return -to_number(_eval(node.operand, ctx))
    if isinstance(node, Binary):
        return _binary(node, ctx)
    if isinstance(node, Call):
        return _call(node, ctx)
    raise TypeError(f"not an expression node: {node!r}")


def _call(node: Call, ctx: EvalContext) -> Value:
    if node.name == "if":
        chosen = node.args[1] if to_boolean(_eval(node.args[0], ctx)) else node.args[2]
        return _eval(chosen, ctx)
    if node.name == "coalesce":
        for arg in node.args:
            value = _eval(arg, ctx)
            if to_string(value) != "":
                return value
        return ""
    _, _, function = FUNCTIONS[node.name]
    args = [_eval(arg, ctx) for arg in node.args]
    try:
        return function(args, ctx)
    except ExpressionError as error:  # a regular expression built from answers
        if error.position is None:
            error.position = node.args[-1].position
        raise


def _binary(node: Binary, ctx: EvalContext) -> Value:
    op = node.op
    if op == "and":
        return to_boolean(_eval(node.left, ctx)) and to_boolean(_eval(node.right, ctx))
    if op == "or":
        return to_boolean(_eval(node.left, ctx)) or to_boolean(_eval(node.right, ctx))
    left, right = _eval(node.left, ctx), _eval(node.right, ctx)
    if op == "=":
        return equals(left, right)
    if op == "!=":
        return not equals(left, right)
    x, y = to_number(left), to_number(right)
    if op == "<":
        return x < y
    if op == "<=":
        return x <= y
    if op == ">":
        return x > y
    if op == ">=":
        return x >= y
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "div":
        return divide(x, y)
    return modulo(x, y)


def equals(left: Value, right: Value) -> bool:
    """XPath ``=``: as booleans if either side is one, else as numbers if either is a number,
    else as dates if either is a date (falling back to text), else as text."""
    a, b = scalar(left), scalar(right)
    if isinstance(a, bool) or isinstance(b, bool):
        return to_boolean(a) == to_boolean(b)
    if isinstance(a, float) or isinstance(b, float):
        return to_number(a) == to_number(b)
    if isinstance(a, date) or isinstance(b, date):
        da = a if isinstance(a, date) else parse_date(a)
        db = b if isinstance(b, date) else parse_date(b)
        if da is not None and db is not None:
            return day_number(da) == day_number(db)
    return to_string(a) == to_string(b)


def divide(x: float, y: float) -> float:
    """IEEE 754 division, as XPath ``div``: never raises."""
    if y == 0:
        if x == 0 or math.isnan(x):
            return math.nan
        return math.copysign(math.inf, x) * math.copysign(1.0, y)
    return x / y


def modulo(x: float, y: float) -> float:
    """XPath ``mod``: the remainder of truncating division (JavaScript's ``%``)."""
    try:
        return math.fmod(x, y)
    except ValueError:  # y == 0 or x infinite
        return math.nan
