"""XPath's binary operators on values: ``=`` and ``!=`` (:func:`equals`), and the numeric ones."""
from __future__ import annotations

import math
import operator
from collections.abc import Callable
from datetime import date

from .functions import Value, day_number, parse_date, scalar, to_boolean, to_number, to_string


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


# The operators that read both sides as numbers; Python's float operators already give
# IEEE 754 results (NaN compares false, overflow is infinite), except for ``div`` and ``mod``.
NUMERIC: dict[str, Callable[[float, float], Value]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "div": divide,
    "mod": modulo,
}
