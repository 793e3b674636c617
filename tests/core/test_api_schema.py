"""Posted values held to JSON Schema as JSON Schema means it (core.api_schema)."""
from __future__ import annotations

import pytest

from core.api_schema import row_problems, value_problem


@pytest.mark.parametrize(("value", "schema"), [
    (1.0, {"type": "integer"}),
    (None, {"type": ["string", "null"]}),
    ("990102", {"type": "string", "pattern": "^[0-9]{6}$"}),
    ("2024-02-29", {"type": "string", "format": "date"}),
    (0.5, {"type": "number", "exclusiveMinimum": 0, "maximum": 1}),
    (None, {"type": ["string", "null"], "enum": ["a", None]}),
])
def test_conforming_values_pass(value, schema):
    assert value_problem(value, schema) is None


@pytest.mark.parametrize(("value", "schema"), [
    (True, {"type": "integer"}),
    (True, {"type": "number"}),
    (float("nan"), {"type": "number"}),
    (1.5, {"type": "integer"}),
    ("1", {"type": "number"}),
    ({}, {"type": ["string", "null"]}),
    ("990102\n", {"type": "string", "pattern": "^[0-9]{6}$"}),  # $ ends the text, as in ECMA-262
    ("٩٩٠١٠٢", {"type": "string", "pattern": "^\\d{6}$"}),  # \d is ASCII
    ("2023-02-29", {"type": "string", "format": "date"}),
    ("20230228", {"type": "string", "format": "date"}),
    ("", {"type": "string", "minLength": 1}),
    ("xx", {"type": "string", "maxLength": 1}),
    (0, {"type": "number", "exclusiveMinimum": 0}),
    ("", {"type": ["string", "null"], "enum": ["a", None]}),
])
def test_values_that_break_the_schema_are_refused(value, schema):
    assert value_problem(value, schema) is not None


def test_required_fields_and_one_of_are_reported_per_field():
    schema = {"required": ["a"], "oneOf": [{"required": ["b"]}, {"required": ["c"]}],
              "properties": {"b": {"type": "integer"}}}
    assert [(e.line, e.column) for e in row_problems(3, {"b": 1}, schema)] == [(3, "a")]
    assert [(e.line, e.column) for e in row_problems(3, {"a": 1, "b": 1, "c": 1}, schema)] == [(3, None)]
    assert [(e.line, e.column) for e in row_problems(3, {"a": 1, "b": "x"}, schema)] == [(3, "b")]
    assert [(e.line, e.column) for e in row_problems(3, "row", schema)] == [(3, None)]


def test_a_keyword_that_is_not_checked_is_refused_rather_than_ignored():
    with pytest.raises(ValueError, match="multipleOf"):
        value_problem(3, {"type": "integer", "multipleOf": 2})
