"""The rule condition language: what it accepts, what it refuses, and where."""
from __future__ import annotations

import numpy as np
import pytest

from core.scoring.expressions import ExpressionError, parse

COLUMNS = {
    "overdue_days": np.array([40.0, 10.0, np.nan]),
    "survey.not_delivered": np.array([0.62, 0.1, 0.5]),
    "reported_done": np.array([1.0, 0.0, 1.0]),
}


def run(text: str) -> list[bool]:
    return np.asarray(parse(text, set(COLUMNS)).evaluate(COLUMNS.__getitem__)).tolist()


def test_conditions_combine_comparisons_arithmetic_and_logic():
    assert run("overdue_days > 30") == [True, False, False]
    assert run("reported_done and survey.not_delivered >= 0.5") == [True, False, True]
    assert run("not (overdue_days > 30) or survey.not_delivered * 100 > 60") == [True, True, True]
    assert run("missing(overdue_days)") == [False, False, True]


def test_a_comparison_with_a_missing_value_is_false_even_for_not_equal():
    assert run("overdue_days != 10") == [True, False, False]


@pytest.mark.parametrize("text, column", [
    ("overdue_days > > 30", 16),
    ("(overdue_days > 30", 19),
    ("overdue_days $ 3", 14),
    ("overdue_days > 1 < 2", 18),
    ("overdue_days >", 15),
    ("__import__('os')", 12),
])
def test_syntax_errors_name_their_column(text, column):
    with pytest.raises(ExpressionError) as caught:
        parse(text, set(COLUMNS) | {"__import__"})
    assert caught.value.column == column
    assert str(column) in str(caught.value.message)


def test_an_unknown_feature_is_refused_at_its_position():
    with pytest.raises(ExpressionError) as caught:
        parse("overdue_days > 3 and audit.severe_findings > 0", set(COLUMNS))
    assert caught.value.column == 22
    assert "audit.severe_findings" in str(caught.value.message)


def test_deep_nesting_is_refused_rather_than_overflowing_the_stack():
    with pytest.raises(ExpressionError):
        parse("(" * 200 + "overdue_days" + ")" * 200, set(COLUMNS))
