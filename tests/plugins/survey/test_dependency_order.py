"""Calculations, relevance and constraints in dependency order; forms refused at import for what
their expressions cannot do; regular expressions in linear time on real forms."""
from __future__ import annotations

import time
from datetime import datetime

import pytest

from plugins.survey.engine import Moment, check, walks_needed
from plugins.survey.xlsform import FormRejected, convert

MOMENT = Moment(datetime(2026, 6, 1, 9), datetime(2026, 6, 1, 9, 5), day_only=False)
CHAIN = """\
| survey |           |      |       |             |            |
|        | type      | name | label | calculation | constraint |
|        | calculate | a    |       | ${b} + 1    |            |
|        | calculate | b    |       | ${c} + 1    |            |
|        | calculate | c    |       | ${d} + 1    |            |
|        | calculate | d    |       | 1           |            |
|        | integer   | q    | Four? |             | . = ${a}   |
"""
# The phone-number constraint of pyxform's tests/bug_example_xls/UCL_Biomass_Plot_Form.xlsx.
PHONE_CONSTRAINT = "regex(.,'^(([0-9]{1})*[- .(]*([0-9]{3})[- .)]*[0-9]{3}[- .]*[0-9]{4})+$')"
PHONE = f"""\
| survey |      |               |                   |          |            |
|        | type | name          | label             | required | constraint |
|        | text | leader_number | Your Phone Number | yes      | {PHONE_CONSTRAINT} |
"""
CATASTROPHIC = """\
| survey |      |      |        |                           |
|        | type | name | label  | constraint                |
|        | text | code | Code   | regex(., 'a*a*a*a*a*a*b') |
"""
POSITIONS = """\
| survey |              |       |       |                                                 |
|        | type         | name  | label | calculation                                     |
|        | begin repeat | kids  | Kids  |                                                 |
|        | integer      | kage  | Age   |                                                 |
|        | calculate    | nth   |       | position(..)                                    |
|        | calculate    | prev  |       | indexed-repeat(${kage}, ${kids}, position(..) - 1) |
|        | end repeat   |       |       |                                                 |
|        | calculate    | older | | ${kage} > 10 |
"""


def definition(text: str) -> dict:
    return convert(text.encode(), form_id="test").definition


def test_chained_calculations_are_evaluated_in_dependency_order() -> None:
    form = definition(CHAIN)
    assert walks_needed(form) == 4
    checked = check(form, {"q": "4"}, MOMENT, "default")
    assert checked.ok, checked.errors
    assert [checked.answers[name] for name in "abcd"] == ["4", "3", "2", "1"]
    assert not check(form, {"q": "3"}, MOMENT, "default").ok


def test_a_cycle_is_refused_at_import_naming_the_row() -> None:
    reason = _refusal(CHAIN.replace("| 1           |", "| ${a}        |"))
    assert reason.startswith("[row : 2] On the 'survey' sheet, the value of 'a' depends on itself")
    assert "${a} → ${b} → ${c} → ${d} → ${a}" in reason


def _refusal(text: str) -> str:
    with pytest.raises(FormRejected) as caught:
        convert(text.encode(), form_id="test")
    return str(caught.value.message.params["reason"])


def test_an_expression_that_does_not_parse_is_refused_with_sheet_row_and_column() -> None:
    reason = _refusal(CHAIN.replace(". = ${a}  ", ". = = ${a}"))
    assert reason.startswith("[row : 6] On the 'survey' sheet, the 'constraint' value of 'q' cannot be read")


def test_an_unsupported_function_is_refused_not_read_as_false() -> None:
    reason = _refusal(CHAIN.replace("| ${b} + 1    |", "| pulldata('f', 'x', 'y', ${d}) |"))
    assert "[row : 2]" in reason and "'calculation'" in reason and "pulldata() is not supported" in reason


def test_a_look_around_is_refused_at_import() -> None:
    reason = _refusal(CATASTROPHIC.replace("a*a*a*a*a*a*b", "^(?=a)a+$    "))
    assert "[row : 2]" in reason and "look-around or a back-reference" in reason


def test_the_phone_number_constraint_of_a_real_form_accepts_a_phone_number() -> None:
    form = definition(PHONE)
    assert check(form, {"leader_number": "555-123-4567"}, MOMENT, "default").ok
    assert not check(form, {"leader_number": "call me"}, MOMENT, "default").ok


def test_a_catastrophic_pattern_checks_a_long_answer_at_once() -> None:
    form = definition(CATASTROPHIC)
    started = time.perf_counter()
    checked = check(form, {"code": "a" * 4999}, MOMENT, "default")
    assert time.perf_counter() - started < 0.5
    assert set(checked.errors) == {"code"}
    assert check(form, {"code": "a" * 4998 + "b"}, MOMENT, "default").ok


def test_position_and_indexed_repeat_in_a_repeat() -> None:
    form = definition(POSITIONS)
    checked = check(form, {"kids": [{"kage": "3"}, {"kage": "12"}, {"kage": "7"}]}, MOMENT, "default")
    assert checked.ok, checked.errors
    assert [kid["nth"] for kid in checked.answers["kids"]] == ["1", "2", "3"]
    assert [kid.get("prev", "") for kid in checked.answers["kids"]] == ["", "3", "12"]
    assert checked.answers["older"] == "true"  # any instance over 10, as XPath compares a node-set
