"""Cell parsers: each turns one non-empty cell into a Python value or raises CellError.

A parser receives whatever the reader produced (text from CSV, numbers, dates or
text from Excel, any JSON value from JSON Lines) and never a blank cell:
:func:`map_rows` deals with blanks before calling it.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from core.i18n import N_
from core.importing.errors import CellError
from core.mail_address import is_mail_address

Parser = Callable[[Any], Any]

SHOWN_CHARS = 40
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?", re.ASCII)
_TIME = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?", re.ASCII)
_CODE_SEPARATORS = re.compile(r"[;；,，、]")
_REGION = re.compile(r"\d{6}", re.ASCII)
_TRUE = frozenset({"1", "yes", "y", "true", "t", "是", "有"})
_FALSE = frozenset({"0", "no", "n", "false", "f", "否", "无"})


def shown(value: Any) -> str:
    """``value`` as it may be quoted back in a message: text, cut short if long."""
    text = str(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def _as_text(value: Any) -> str:
    """A cell as text; whole numbers typed into Excel lose their ``.0``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _number_text(value: Any) -> str:
    # NFKC turns full-width digits (１２３) into ASCII; commas group thousands.
    return unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")


def text(value: Any) -> str:
    """Non-empty text. Whole numbers from Excel come back without ``.0``."""
    result = _as_text(value)
    if not result:
        raise CellError(N_("A value is required."))
    return result


def optional_text(value: Any) -> str | None:
    """Text, or ``None`` when the cell is empty."""
    if value is None:
        return None
    return _as_text(value) or None


def integer(value: Any) -> int:
    """A whole number; accepts ``1,234`` and ``12.0`` but not ``12.5``."""
    if isinstance(value, bool):
        raise CellError(N_("%(value)s is not a whole number."), value=shown(value))
    if isinstance(value, int):
        return value
    number = decimal(value)
    if number != number.to_integral_value():
        raise CellError(N_("%(value)s is not a whole number."), value=shown(value))
    return int(number)


def decimal(value: Any) -> Decimal:
    """A number as :class:`~decimal.Decimal` (exact for money); accepts ``1,234.5``."""
    if isinstance(value, bool):
        raise CellError(N_("%(value)s is not a number."), value=shown(value))
    if isinstance(value, int):
        return Decimal(value)
    # str() first, so an Excel float such as 0.1 does not bring binary noise along.
    try:
        number = Decimal(_number_text(value))
    except InvalidOperation:
        raise CellError(N_("%(value)s is not a number."), value=shown(value)) from None
    if not number.is_finite():
        raise CellError(N_("%(value)s is not a number."), value=shown(value))
    return number


def iso_date(value: Any) -> dt.date:
    """A date written ``YYYY-MM-DD`` (a time after it is ignored), or an Excel date cell.

    A date that does not exist, such as ``2024-02-30``, is an error.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = str(value).strip()
    match = _DATE.fullmatch(raw)
    if not match:
        raise CellError(N_("%(value)s is not a date; write dates as YYYY-MM-DD."), value=shown(raw))
    year, month, day = (int(part) for part in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise CellError(N_("%(value)s is not a valid date: that day does not exist."),
                        value=shown(raw)) from None


def event_date(value: Any) -> dt.date:
    """The date something happened: :func:`iso_date`, not after today in the instance's time zone, not before 1990.

    For found, evaluated, received, visited and observed dates; deadlines and due
    dates may lie ahead and use :func:`iso_date`.
    """
    from core import clock

    day = iso_date(value)
    if day > clock.today():
        raise CellError(N_("%(value)s is in the future; this column records when something happened."),
                        value=day.isoformat())
    if day < clock.EARLIEST_EVENT:
        raise CellError(N_("%(value)s is before 1990; check the year."), value=day.isoformat())
    return day


def event_time(value: Any) -> dt.datetime:
    """The moment something happened, as an aware UTC datetime: ``YYYY-MM-DD HH:MM[:SS]`` (or ``T``
    between), a date alone (its midnight) or an Excel date-time cell, read in the instance's time zone;
    not after now, not before 1990.

    For received, closed and visited times that outside systems export to the minute (a 12345
    hotline order's 受理时间 and 办结时间).
    """
    from core import clock

    if isinstance(value, dt.datetime):
        local = value.replace(tzinfo=clock.zone()) if value.tzinfo is None else value
    elif isinstance(value, dt.date):
        local = dt.datetime(value.year, value.month, value.day, tzinfo=clock.zone())
    else:
        raw = str(value).strip()
        match = _TIME.fullmatch(raw)
        if not match:
            raise CellError(N_("%(value)s is not a time; write times as YYYY-MM-DD HH:MM."), value=shown(raw))
        year, month, day, hour, minute, second = (int(part) if part else 0 for part in match.groups())
        try:
            local = dt.datetime(year, month, day, hour, minute, second, tzinfo=clock.zone())
        except ValueError:
            raise CellError(N_("%(value)s is not a valid time: that day or hour does not exist."),
                            value=shown(raw)) from None
    instant = local.astimezone(dt.UTC)
    if local.astimezone(clock.zone()).date() > clock.today() or instant > dt.datetime.now(dt.UTC):
        raise CellError(N_("%(value)s is in the future; this column records when something happened."),
                        value=clock.local_text(instant))
    if local.date() < clock.EARLIEST_EVENT:
        raise CellError(N_("%(value)s is before 1990; check the year."), value=local.date().isoformat())
    return instant


def choice(allowed: Mapping[str, str] | Iterable[str]) -> Parser:
    """A parser accepting one of ``allowed``, returning its canonical value.

    Given a mapping, its keys are accepted spellings (such as Chinese synonyms) and
    its values the canonical values, which are accepted too. Matching ignores case
    and surrounding space.
    """
    pairs = allowed.items() if isinstance(allowed, Mapping) else ((v, v) for v in allowed)
    lookup: dict[str, str] = {}
    for spelling, canonical in pairs:
        lookup.setdefault(canonical.casefold(), canonical)
        lookup.setdefault(spelling.strip().casefold(), canonical)
    canonical_first = sorted(lookup, key=lambda key: lookup[key] != key)
    listed = ", ".join(lookup[key] if lookup[key] == key else key for key in canonical_first)

    def parse_choice(value: Any) -> str:
        key = _as_text(value).casefold()
        if key not in lookup:
            raise CellError(N_("%(value)s is not one of: %(allowed)s."),
                            value=shown(value), allowed=listed)
        return lookup[key]

    return parse_choice


def boolean(value: Any) -> bool:
    """Yes or no: accepts ``1/0``, ``yes/no``, ``y/n``, ``true/false``, ``是/否``, ``有/无``."""
    if isinstance(value, bool):
        return value
    key = _as_text(value).casefold()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise CellError(N_("%(value)s is not yes or no; write 1 or 0, yes or no."), value=shown(value))


def code_list(value: Any) -> list[str]:
    """Codes separated by ``;`` ``；`` ``,`` ``，`` or ``、``, in order, without repeats.

    A JSON list is accepted as it is.
    """
    parts = value if isinstance(value, list) else _CODE_SEPARATORS.split(_as_text(value))
    codes = [_as_text(part) for part in parts if part is not None]
    return list(dict.fromkeys(code for code in codes if code))


def email_address(value: Any) -> str:
    """One plain e-mail address (``name@example.cn``) that mail can be sent to, as written.

    See :func:`core.mail_address.is_mail_address`; a list, a display name or a space is refused.
    """
    address = _as_text(value)
    if not is_mail_address(address):
        raise CellError(N_("%(value)s is not a valid e-mail address."), value=shown(address))
    return address


def region_code(value: Any) -> str:
    """A six-digit administrative division code (行政区划代码, GB/T 2260)."""
    if isinstance(value, bool):
        raise CellError(N_("%(value)s is not a region code; it must be exactly 6 digits."),
                        value=shown(value))
    code = _as_text(value)
    if not _REGION.fullmatch(code):
        raise CellError(N_("%(value)s is not a region code; it must be exactly 6 digits."),
                        value=shown(value))
    return code


severity = choice({"一般": "minor", "较重": "major", "严重": "severe"})
"""Severity of a finding: ``minor``/``major``/``severe``, or 一般/较重/严重."""
