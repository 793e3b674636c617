"""Posted rows held to the JSON Schema the OpenAPI document gives for them.

An API post's rows are checked against their schema before a handler reads them, so what
the document refuses is refused (a number where text is due, ``{}`` for a link, a value
outside an enum), whichever handler — core's or a plugin's — stores the rows. Import
parsers are lenient on purpose (a spreadsheet's ``"3"`` is a number); a JSON client is
told exactly what the document says. Each problem is a :class:`RowError` naming the row's
position and the field, in the user's language.

Only the keywords Duban's schemas use are understood (:data:`KEYWORDS`); a schema with
another keyword is refused when it is checked, so the document never promises a check
that is not made.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from core.i18n import N_, Message, message
from core.importing.errors import RowError
from core.importing.parsers import shown

KEYWORDS = frozenset({
    "type", "enum", "required", "properties", "oneOf", "minLength", "maxLength", "pattern", "format",
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "description", "default", "examples",
})
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_TYPE_MESSAGES = {
    "string": N_("%(value)s is not text; put it in quotes."),
    "number": N_("%(value)s is not a number."),
    "integer": N_("%(value)s is not a whole number."),
    "boolean": N_("%(value)s is not true or false."),
    "object": N_("%(value)s is not a JSON object."),
    "array": N_("%(value)s is not a list."),
    "null": N_("%(value)s is not null."),
}


def _is(value: Any, kind: str) -> bool:
    if kind == "null":
        return value is None
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or \
            (isinstance(value, float) and value.is_integer())
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if kind == "string":
        return isinstance(value, str)
    if kind == "object":
        return isinstance(value, dict)
    if kind == "array":
        return isinstance(value, list)
    raise ValueError(f"unknown JSON type {kind!r}")


def _quoted(value: Any) -> str:
    """``value`` as JSON would spell it (``null``, ``true``), cut short if long."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return shown(value)


def value_problem(value: Any, schema: Mapping[str, Any]) -> Message | None:
    """What is wrong with one field's ``value`` under ``schema``, or None."""
    unknown = set(schema) - KEYWORDS
    if unknown:
        raise ValueError(f"schema keywords not checked: {sorted(unknown)}")
    kinds = schema.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else list(kinds)
        if not any(_is(value, kind) for kind in kinds):
            wanted = next(kind for kind in kinds if kind != "null")
            return message(_TYPE_MESSAGES[wanted], value=_quoted(value))
    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(_quoted(choice) for choice in schema["enum"] if choice is not None)
        return message(N_("%(value)s is not one of: %(allowed)s."), value=_quoted(value), allowed=allowed)
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            return message(N_("A value is required.")) if schema["minLength"] == 1 else \
                message(N_("At least %(count)s characters."), count=schema["minLength"])
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            return message(N_("At most %(count)s characters."), count=schema["maxLength"])
        if "pattern" in schema and not _pattern(schema["pattern"]).search(value):
            return message(N_("%(value)s does not have the expected form %(pattern)s."), value=_quoted(value),
                           pattern=schema["pattern"])
        if schema.get("format") == "date" and not _is_date(value):
            return message(N_("%(value)s is not a date; write dates as YYYY-MM-DD."), value=_quoted(value))
    if _is(value, "number"):
        if ("minimum" in schema and value < schema["minimum"]) or \
                ("exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]):
            return message(N_("%(value)s is too small."), value=_quoted(value))
        if ("maximum" in schema and value > schema["maximum"]) or \
                ("exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"]):
            return message(N_("%(value)s is too large."), value=_quoted(value))
    return None


def _pattern(pattern: str) -> re.Pattern[str]:
    """An ECMA-262 pattern as JSON Schema means it: ``\\d`` is ASCII, and ``$`` ends the text
    (Python's would also match before a final line feed)."""
    return re.compile(re.sub(r"(?<!\\)\$$", r"\\Z", pattern), re.ASCII)


def _is_date(text: str) -> bool:
    if not _ISO_DATE.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def row_problems(position: int, row: Any, schema: Mapping[str, Any]) -> list[RowError]:
    """Every way the posted ``row`` (at ``position``) breaks its ``schema``; empty when it conforms."""
    if not isinstance(row, dict):
        return [RowError(position, None, message(N_("Each row must be a JSON object.")))]
    unknown = set(schema) - KEYWORDS
    if unknown:
        raise ValueError(f"schema keywords not checked: {sorted(unknown)}")
    problems = [RowError(position, name, message(N_("A value is required.")))
                for name in schema.get("required", ()) if name not in row]
    for name, field_schema in (schema.get("properties") or {}).items():
        if name in row:
            problem = value_problem(row[name], field_schema)
            if problem is not None:
                problems.append(RowError(position, name, problem))
    choices = schema.get("oneOf")
    if choices and sum(not row_problems(position, row, choice) for choice in choices) != 1:
        fields = [name for choice in choices for name in choice.get("required", ())]
        problems.append(RowError(position, None, message(N_("Give exactly one of: %(fields)s."),
                                                         fields=", ".join(fields))))
    return problems
