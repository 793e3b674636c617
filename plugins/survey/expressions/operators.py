"""XPath's binary operators on values: ``=`` and ``!=`` (:func:`equals`, :func:`not_equals`),
the relational ones (:func:`relation`) and the arithmetic ones.

A list is a node-set (a field's nodes: one for a field, one per instance for a repeat's field
read outside it). XPath 1.0 §3.4 compares a node-set existentially: ``${t} = '3'`` holds when
any of its nodes holds '3', and a node-set compared with a boolean counts as ``boolean()`` of
it, which is whether it has nodes.
"""
from __future__ import annotations

import math
import operator
from collections.abc import Callable
from datetime import date

from .functions import Scalar, Value, day_number, parse_date, to_boolean, to_number, to_string

Relation = Callable[[float, float], bool]


def _scalar_equals(a: Scalar, b: Scalar) -> bool:
    """``=`` on two values that are not node-sets: as booleans if either is one, else as numbers
    if either is a number, else as dates if either is a date (falling back to text), else as
    text."""
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


def _nodes(value: list[Value]) -> list[Scalar]:
    """A node-set's nodes as scalars (a nested list is the nodes of a nested repeat)."""
    out: list[Scalar] = []
    for item in value:
        if isinstance(item, list):
            out.extend(_nodes(item))
        else:
            out.append(item)
    return out


def _equality(left: Value, right: Value, same: bool) -> bool:
    """``=`` when ``same``, else ``!=``: existential over node-sets (so ``!=`` is not ``not(=)``)."""
    if isinstance(left, list) and isinstance(right, list):
        others = [to_string(node) for node in _nodes(right)]
        return any((to_string(node) == other) is same for node in _nodes(left) for other in others)
    if isinstance(right, list):
        left, right = right, left
    if isinstance(left, list):
        other: Scalar = right  # type: ignore[assignment]  # both lists were handled above
        if isinstance(other, bool):
            return (bool(left) == other) is same
        if isinstance(other, str):  # the common case, ${q} = 'x', without the general rules
            return any((to_string(node) == other) is same for node in _nodes(left))
        return any(_scalar_equals(node, other) is same for node in _nodes(left))
    return _scalar_equals(left, right) is same  # type: ignore[arg-type]  # neither is a list here


def equals(left: Value, right: Value) -> bool:
    """XPath ``=``."""
    return _equality(left, right, True)


def not_equals(left: Value, right: Value) -> bool:
    """XPath ``!=``."""
    return _equality(left, right, False)


def relation(apply: Relation, left: Value, right: Value) -> bool:
    """``<``, ``<=``, ``>`` or ``>=`` (``apply``) on numbers, existential over node-sets."""
    if isinstance(left, list):
        if isinstance(right, bool):
            return apply(1.0 if left else 0.0, 1.0 if right else 0.0)
        rights = [to_number(node) for node in _nodes(right)] if isinstance(right, list) else [to_number(right)]
        return any(apply(to_number(node), y) for node in _nodes(left) for y in rights)
    if isinstance(right, list):
        if isinstance(left, bool):
            return apply(1.0 if left else 0.0, 1.0 if right else 0.0)
        x = to_number(left)
        return any(apply(x, to_number(node)) for node in _nodes(right))
    return apply(to_number(left), to_number(right))


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


RELATIONS: dict[str, Relation] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
# The operators that read both sides as numbers (a node-set as its first node); Python's float
# operators already give IEEE 754 results (overflow is infinite), except for ``div`` and ``mod``.
ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "div": divide,
    "mod": modulo,
}
