"""Values, XPath conversions and the function library of the XLSForm expression language.

A value is one of: ``str``, ``float`` (XPath numbers are doubles, NaN and infinities
included), ``bool``, ``date``, ``datetime`` (naive, wall-clock time) or a ``list`` of values
(the answers of one field across a repeat, a "nodeset").  Select-multiple answers are
space-separated strings, as in XForms.

Every rule here is mirrored in ``static/survey/expressions.js``; the shared case table in
``tests/plugins/survey/expression_cases.json`` holds the two to the same results.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeAlias

import re2

from core.i18n import N_

from .lexer import ExpressionError

if TYPE_CHECKING:
    from .context import EvalContext

Scalar: TypeAlias = str | float | bool | date | datetime
Value: TypeAlias = Scalar | list["Value"]

EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
MS_PER_DAY = 86_400_000
MAX_REGEX_LENGTH = 200

# XPath whitespace only, so that both implementations strip and split the same characters.
XML_SPACE = " \t\r\n"
_CHOICE_SEPARATOR = re.compile(r"[ \t\r\n]+")
_XPATH_NUMBER = re.compile(r"[ \t\r\n]*(-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))[ \t\r\n]*\Z")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})\Z")
_DATETIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2})"
    r"(?::([0-9]{2})(?:\.([0-9]{1,9}))?)?(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?\Z"
)


# ---------------------------------------------------------------------------------------------
# Conversions (XPath string(), number(), boolean())
# ---------------------------------------------------------------------------------------------


def to_value(raw: Any) -> Value:
    """Bring a Python answer (``None``, int, Decimal, list, …) into the value model."""
    if raw is None:
        return ""
    if isinstance(raw, (bool, str, float)):
        return raw
    if isinstance(raw, (int, Decimal)):
        return float(raw)
    if isinstance(raw, datetime):
        return raw.replace(tzinfo=None)
    if isinstance(raw, date):
        return raw
    if isinstance(raw, (list, tuple)):
        return [to_value(item) for item in raw]
    return str(raw)


def scalar(value: Value) -> Scalar:
    """A nodeset stands for its first node (XPath); an empty one for the empty string."""
    if isinstance(value, list):
        return scalar(value[0]) if value else ""
    return value


def to_string(value: Value) -> str:
    """XPath ``string()``: numbers without exponent clutter, dates in ISO 8601."""
    value = scalar(value)
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format_number(value)
    if isinstance(value, datetime):
        return (
            f"{_iso_date(value)}T{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
            f".{value.microsecond // 1000:03d}"
        )
    return _iso_date(value)


def to_number(value: Value) -> float:
    """XPath ``number()``, extended as ODK does: dates count days since 1970-01-01."""
    value = scalar(value)
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return value
    if isinstance(value, date):
        return day_number(value)
    match = _XPATH_NUMBER.match(value)
    if match:
        return float(match.group(1))
    parsed = parse_date(value)
    return day_number(parsed) if parsed is not None else math.nan


def to_boolean(value: Value) -> bool:
    """XPath ``boolean()``: empty string, 0 and NaN are false; a nodeset is true if non-empty."""
    if isinstance(value, list):
        return bool(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return not (value == 0 or math.isnan(value))
    if isinstance(value, str):
        return value != ""
    return True


def format_number(number: float) -> str:
    """Format a number exactly as JavaScript's ``String(number)`` does."""
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number == 0:
        return "0"
    sign = "-" if number < 0 else ""
    # repr gives the shortest digits that round-trip, as ECMAScript requires; only the layout
    # (where the point goes, when to use an exponent) differs, and is redone here.
    mantissa, _, exponent = repr(abs(number)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    point = len(whole) + (int(exponent) if exponent else 0)
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    k = len(digits)
    if k <= point <= 21:
        text = digits + "0" * (point - k)
    elif 0 < point <= 21:
        text = digits[:point] + "." + digits[point:]
    elif -6 < point <= 0:
        text = "0." + "0" * -point + digits
    else:
        e = point - 1
        text = digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + ("+" if e >= 0 else "-")
        text += str(abs(e))
    return sign + text


# ---------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------


def _iso_date(value: date) -> str:
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def parse_date(text: str) -> date | datetime | None:
    """``YYYY-MM-DD`` as a date; ``YYYY-MM-DDTHH:MM[:SS[.fff]][offset]`` as a wall-clock
    datetime (the offset is dropped); anything else, or an impossible date, as ``None``."""
    text = text.strip(XML_SPACE)
    try:
        match = _DATE.match(text)
        if match:
            return date(*(int(part) for part in match.groups()))
        match = _DATETIME.match(text)
        if match:
            year, month, day, hour, minute, second, fraction = match.groups()
            millis = int((fraction or "0")[:3].ljust(3, "0"))
            return datetime(
                int(year), int(month), int(day), int(hour), int(minute), int(second or 0),
                millis * 1000,
            )
    except ValueError:  # 2024-02-30, hour 25, year 0
        return None
    return None


def day_number(value: date) -> float:
    """Days since 1970-01-01; a datetime adds the fraction of its day (to the millisecond)."""
    days = value.toordinal() - EPOCH_ORDINAL
    if isinstance(value, datetime):
        millis = (
            days * MS_PER_DAY
            + ((value.hour * 60 + value.minute) * 60 + value.second) * 1000
            + value.microsecond // 1000
        )
        return millis / MS_PER_DAY
    return float(days)


def from_day_number(days: float) -> date | datetime | None:
    """The inverse of :func:`day_number`; ``None`` outside years 1–9999 or for NaN."""
    if not math.isfinite(days):
        return None
    millis = math.floor(days * MS_PER_DAY + 0.5) if days != math.floor(days) else None
    try:
        if millis is None:
            return date.fromordinal(int(days) + EPOCH_ORDINAL)
        whole, rest = divmod(millis, MS_PER_DAY)
        base = date.fromordinal(whole + EPOCH_ORDINAL)
        return datetime(base.year, base.month, base.day) + timedelta(milliseconds=rest)
    except (ValueError, OverflowError):
        return None


def to_date(value: Value) -> date | datetime | None:
    """Interpret a value as a date or datetime, or ``None`` when it is not one."""
    value = scalar(value)
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return parse_date(value)
    if isinstance(value, bool):
        return None
    return from_day_number(value)


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def format_date(value: Value, pattern: str) -> str:
    """ODK ``format-date``: %Y %y %m %n %b %d %e %a %H %h %M %S %3; '' if not a date."""
    moment = to_date(value)
    if moment is None:
        return ""
    hour = minute = second = millis = 0
    if isinstance(moment, datetime):
        hour, minute, second = moment.hour, moment.minute, moment.second
        millis = moment.microsecond // 1000
    codes = {
        "Y": f"{moment.year:04d}",
        "y": f"{moment.year % 100:02d}",
        "m": f"{moment.month:02d}",
        "n": str(moment.month),
        "b": _MONTHS[moment.month - 1],
        "d": f"{moment.day:02d}",
        "e": str(moment.day),
        "a": _WEEKDAYS[moment.weekday()],
        "H": f"{hour:02d}",
        "h": str(hour),
        "M": f"{minute:02d}",
        "S": f"{second:02d}",
        "3": f"{millis:03d}",
        "%": "%",
    }
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern[i] == "%" and i + 1 < len(pattern) and pattern[i + 1] in codes:
            out.append(codes[pattern[i + 1]])
            i += 2
        else:
            out.append(pattern[i])
            i += 1
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# Regular expressions
# ---------------------------------------------------------------------------------------------

def _unsupported(pattern: str, construct: str) -> ExpressionError:
    return ExpressionError(
        N_("The regular expression %(pattern)s uses %(construct)s, which Duban does not "
           "support."),
        pattern=f"'{pattern}'",
        construct=f"'{construct}'",
    )


_OUTSIDE_COMMON = re.compile(r"\\.|(\(\?(?:P?<[^=!]|[a-zA-Z]))|(\{,)|([*+?}]\+)")
_FOREIGN_ESCAPES = frozenset("AZzGCpPQE")


def check_regex(pattern: str) -> None:
    """Refuse what RE2 cannot run, and what browsers and RE2 read differently.

    Patterns run on RE2 (``google-re2``), whose time is linear in the answer's length whatever
    the pattern, so no pattern is refused for being slow. RE2 has no look-arounds and no
    back-references, which ODK's engines (Java's and JavaScript's) have: such patterns are
    refused. Constructs outside what both RE2 and the browser's matcher read alike (named
    groups, inline flags, ``\\A``, ``\\z``, possessive quantifiers, ``{,n}``) are refused too.
    """
    if len(pattern) > MAX_REGEX_LENGTH:
        raise ExpressionError(
            N_("The regular expression is too long (%(length)s characters; the limit is "
               "%(limit)s)."),
            length=len(pattern),
            limit=MAX_REGEX_LENGTH,
        )
    for match in _OUTSIDE_COMMON.finditer(pattern):
        text = match.group(0)
        if text.startswith("\\"):
            if text[1:] in _FOREIGN_ESCAPES:
                raise _unsupported(pattern, text)
            continue
        raise _unsupported(pattern, text[:3])
    _re2(pattern)


@lru_cache(maxsize=256)
def _re2(pattern: str) -> re2._Regexp:
    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile(pattern, options)
    except re2.error as error:
        reason = str(error.args[0].decode("utf-8", "replace") if error.args and isinstance(error.args[0], bytes)
                     else error)
        if "perl operator" in reason or "escape sequence" in reason:
            raise ExpressionError(
                N_("The regular expression %(pattern)s uses a look-around or a back-reference, "
                   "which Duban's linear-time matcher cannot run (%(reason)s)."),
                pattern=f"'{pattern}'",
                reason=reason,
            ) from None
        raise ExpressionError(
            N_("The regular expression %(pattern)s is not valid."), pattern=f"'{pattern}'"
        ) from None


@lru_cache(maxsize=256)
def compile_regex(pattern: str) -> re2._Regexp:
    """Check and compile ``pattern`` for RE2; ``\\d``, ``\\w`` and ``\\b`` are ASCII, as in browsers,
    and ``$`` is the end of the answer."""
    check_regex(pattern)
    return _re2(pattern)


# ---------------------------------------------------------------------------------------------
# The function library
# ---------------------------------------------------------------------------------------------

Function = Callable[[Sequence[Value], "EvalContext"], Value]


def _flatten(args: Sequence[Value]) -> list[Value]:
    out: list[Value] = []
    for arg in args:
        out.extend(arg if isinstance(arg, list) else [arg])
    return out


def split_choices(value: Value) -> list[str]:
    """The whitespace-separated parts of a value (a select-multiple answer's choices); only XPath
    whitespace separates, as in the browser."""
    return [part for part in _CHOICE_SEPARATOR.split(to_string(value)) if part]


def is_selected(answer: Value, choice: str) -> bool:
    """``selected(answer, choice)``; an answer with no choice holds only the empty one, as in ODK."""
    return choice in (split_choices(answer) or [""])


def _integral(fn: Callable[[float], int], number: float) -> float:
    if not math.isfinite(number):
        return number
    result = float(fn(number))
    return math.copysign(0.0, number) if result == 0 else result


def _offset(value: Value, length: int) -> int | None:
    """A substr() offset: truncated, counted from the end when negative, kept inside the text;
    ``None`` for NaN (nothing is taken)."""
    number = to_number(value)
    if math.isnan(number):
        return None
    offset = int(max(-1e15, min(1e15, _integral(math.trunc, number))))
    if offset < 0:
        offset += length
    return max(0, min(offset, length))


def _substr(args: Sequence[Value], ctx: EvalContext) -> str:
    """ODK ``substr(text, start[, end])``: 0-based offsets, a negative one counted from the end."""
    chars = to_string(args[0])
    start = _offset(args[1], len(chars))
    end = _offset(args[2], len(chars)) if len(args) > 2 else len(chars)
    if start is None or end is None or end < start:
        return ""
    return chars[start:end]


def _selected_at(args: Sequence[Value], ctx: EvalContext) -> str:
    choices = split_choices(args[0])
    index = to_number(args[1])
    if not math.isfinite(index) or index < 0 or index >= len(choices):
        return ""
    return choices[int(index)]


def _power_of_ten(exponent: int) -> float:
    result = 1.0
    for _ in range(abs(exponent)):
        result *= 10.0
    return result


def _round_half_up(number: float) -> float:
    """JavaScript's ``Math.round`` on a finite number: the nearest integer, a half going up."""
    lower = math.floor(number)
    return lower + 1.0 if number - lower >= 0.5 else float(lower)


def round_number(number: float, digits: float = 0.0) -> float:
    """ODK ``round(x, n)``: halves go away from zero (``round(-2.5)`` is -3), ``n`` may be negative."""
    if math.isnan(digits) or math.isnan(number):
        return math.nan
    if math.isinf(number):
        return number
    try:
        scale = 10.0 ** max(-400.0, min(400.0, digits))
    except OverflowError:
        scale = math.inf
    shifted = abs(number) * scale
    rounded = _round_half_up(shifted) if math.isfinite(shifted) else shifted
    if scale == 0:
        result = math.nan if rounded == 0 else math.inf
    else:
        result = rounded / scale
    return -result if number < 0 else result


def power(base: float, exponent: float) -> float:
    """``pow`` with JavaScript's answers where Python's ``math.pow`` would raise or differ.

    Integer exponents give the same bits in both implementations; a fractional exponent may
    differ from the browser's in the last binary digit (the server's result stands).
    """
    if math.isnan(exponent) or (abs(base) == 1 and math.isinf(exponent)):
        return math.nan
    if math.isfinite(exponent) and exponent == math.floor(exponent) and abs(exponent) <= 2**53:
        # Integer powers by squaring: libm and V8 may round pow() differently in the last
        # digit, but both do the same multiplications the same way.
        result, factor, remaining = 1.0, base, int(abs(exponent))
        while remaining:
            if remaining % 2:
                result *= factor
            factor *= factor
            remaining //= 2
        if exponent >= 0:
            return result
        if result == 0:
            return -math.inf if math.copysign(1.0, result) < 0 else math.inf
        return 1.0 / result
    if base == 0 and exponent < 0:
        return math.inf
    try:
        return math.pow(base, exponent)
    except OverflowError:  # the exponent is fractional here, so the sign is +
        return math.inf
    except ValueError:  # negative base, fractional exponent
        return math.nan


def _extreme(args: Sequence[Value], pick: Callable[[float, float], float]) -> float:
    numbers = [to_number(item) for item in _flatten(args)]
    if not numbers or any(math.isnan(number) for number in numbers):
        return math.nan
    result = numbers[0]
    for number in numbers[1:]:
        result = pick(result, number)
    return result


def _sum(args: Sequence[Value], ctx: EvalContext) -> float:
    total = 0.0
    for item in _flatten(args):
        total += to_number(item)
    return total


def _count(args: Sequence[Value], ctx: EvalContext) -> float:
    # A list is a repeat's answers; any other value is a single node.
    return float(len(args[0])) if isinstance(args[0], list) else 1.0


def indexed_repeat(name: str, index: Value, ctx: EvalContext) -> Value:
    """``indexed-repeat(${name}, ${repeat}, index)``: the field's node in the index-th instance
    (1-based), or no node."""
    answers = ctx.lists.get(name)
    if answers is None:
        answers = ctx.values.get(name)
    if not isinstance(answers, (list, tuple)):
        answers = [] if answers is None else [answers]
    number = to_number(index)
    if not math.isfinite(number) or number < 1 or number >= len(answers) + 1:
        return []
    return [to_value(answers[int(number) - 1])]


def _regex(args: Sequence[Value], ctx: EvalContext) -> bool:
    return compile_regex(to_string(args[1])).search(to_string(args[0])) is not None


def _date(args: Sequence[Value], ctx: EvalContext) -> Value:
    moment = to_date(args[0])
    if moment is None and isinstance(scalar(args[0]), str):
        moment = from_day_number(to_number(args[0]))  # date('7'): a count of days, as ODK reads it
    if moment is None:
        return ""
    return date(moment.year, moment.month, moment.day)


def _normalize_space(value: Value) -> str:
    return " ".join(split_choices(value))


def _current_or(args: Sequence[Value], ctx: EvalContext) -> Value:
    return args[0] if args else ctx.current_value()


def _before(text: str, sep: str) -> str:
    index = text.find(sep)
    return "" if index < 0 else text[:index]


def _after(text: str, sep: str) -> str:
    index = text.find(sep)
    return "" if index < 0 else text[index + len(sep) :]


# name: (fewest arguments, most arguments or None for any number, implementation).
# ``if`` and ``coalesce`` are evaluated lazily by the evaluator, ``indexed-repeat`` reads its
# field's every instance (:func:`indexed_repeat`); their entries only give arity.
FUNCTIONS: dict[str, tuple[int, int | None, Function]] = {
    "if": (3, 3, lambda a, c: a[1] if to_boolean(a[0]) else a[2]),
    "coalesce": (2, None, lambda a, c: next((v for v in a if to_string(v) != ""), "")),
    "once": (1, 1, lambda a, c: a[0]),
    "not": (1, 1, lambda a, c: not to_boolean(a[0])),
    "true": (0, 0, lambda a, c: True),
    "false": (0, 0, lambda a, c: False),
    "boolean": (1, 1, lambda a, c: to_boolean(a[0])),
    "boolean-from-string": (1, 1, lambda a, c: to_string(a[0]) in ("true", "1")),
    "string": (0, 1, lambda a, c: to_string(_current_or(a, c))),
    "number": (0, 1, lambda a, c: to_number(_current_or(a, c))),
    "int": (1, 1, lambda a, c: _integral(math.trunc, to_number(a[0]))),
    "round": (1, 2, lambda a, c: round_number(*(to_number(v) for v in a))),
    "floor": (1, 1, lambda a, c: _integral(math.floor, to_number(a[0]))),
    "ceiling": (1, 1, lambda a, c: _integral(math.ceil, to_number(a[0]))),
    "abs": (1, 1, lambda a, c: abs(to_number(a[0]))),
    "pow": (2, 2, lambda a, c: power(to_number(a[0]), to_number(a[1]))),
    "sqrt": (1, 1, lambda a, c: math.sqrt(n) if (n := to_number(a[0])) >= 0 else math.nan),
    "pi": (0, 0, lambda a, c: math.pi),
    "min": (1, None, lambda a, c: _extreme(a, min)),
    "max": (1, None, lambda a, c: _extreme(a, max)),
    "sum": (1, 1, _sum),
    "count": (1, 1, _count),
    "selected": (2, 2, lambda a, c: is_selected(a[0], to_string(a[1]).strip(XML_SPACE))),
    "count-selected": (1, 1, lambda a, c: float(len(split_choices(a[0])))),
    "selected-at": (2, 2, _selected_at),
    "string-length": (0, 1, lambda a, c: float(len(to_string(_current_or(a, c))))),
    "normalize-space": (0, 1, lambda a, c: _normalize_space(_current_or(a, c))),
    "concat": (0, None, lambda a, c: "".join(to_string(v) for v in a)),
    "join": (1, None, lambda a, c: to_string(a[0]).join(to_string(v) for v in _flatten(a[1:]))),
    "substr": (2, 3, _substr),
    "substring-before": (2, 2, lambda a, c: _before(to_string(a[0]), to_string(a[1]))),
    "substring-after": (2, 2, lambda a, c: _after(to_string(a[0]), to_string(a[1]))),
    "contains": (2, 2, lambda a, c: to_string(a[1]) in to_string(a[0])),
    "starts-with": (2, 2, lambda a, c: to_string(a[0]).startswith(to_string(a[1]))),
    "ends-with": (2, 2, lambda a, c: to_string(a[0]).endswith(to_string(a[1]))),
    "regex": (2, 2, _regex),
    "position": (1, 1, lambda a, c: float(c.position)),
    "indexed-repeat": (3, 3, lambda a, c: a[0]),
    "today": (0, 0, lambda a, c: c.today_date()),
    "now": (0, 0, lambda a, c: c.now_datetime()),
    "date": (1, 1, _date),
    "decimal-date-time": (1, 1, lambda a, c: to_number(v) if to_date(v := a[0]) else math.nan),
    "format-date": (2, 2, lambda a, c: format_date(a[0], to_string(a[1]))),
    "format-date-time": (2, 2, lambda a, c: format_date(a[0], to_string(a[1]))),
}

LAZY = frozenset({"if", "coalesce", "indexed-repeat"})

# ODK functions a form may use elsewhere but Duban does not evaluate: they need the choice
# lists, the repeat position, external data or randomness, or floating-point functions whose
# last digit differs between Python and browsers.
UNSUPPORTED = frozenset({
    "jr:choice-name", "jr:itext", "pulldata", "instance",
    "current", "randomize", "random", "uuid", "digest", "area", "distance", "geofence",
    "checklist", "weighted-checklist", "last", "sin", "cos", "tan", "asin", "acos", "atan",
    "atan2", "exp", "exp10", "log", "log10", "translate", "substring", "version", "property",
    "encrypt-string", "base64-decode", "decimal-time", "date-time",
})
