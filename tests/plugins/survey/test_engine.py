"""Checking answers on the server: repeats, answers read across the form, choice filters."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from plugins.survey.engine import Moment, check
from plugins.survey.xlsform import convert

FAMILY = b"""survey,type,name,label,calculation,relevant,constraint,repeat_count,choice_filter
,integer,n,Children,,,. >= 0 and . <= 5,,
,begin repeat,kids,Child,,,,${n},
,text,kname,Name,,,string-length(.) > 1,,
,integer,kage,Age,,,. < ${adult_age},,
,end repeat,,,,,,,
,calculate,total,,sum(${kage}),,,,
,integer,adult_age,Adult from,,,. > ${total} div 10,,
,select_one c,pick,Pick,,${total} > 3,,,${n}=cf
choices,list_name,name,label,cf
,c,a,A,1
,c,b,B,2
"""
MOMENT = Moment(datetime(2026, 11, 1, 9), datetime(2026, 11, 1, 9, 5), False)


@pytest.fixture(scope="module")
def family() -> dict[str, Any]:
    return convert(FAMILY, form_id="family").definition


def test_repeats_are_summed_and_checked_against_a_later_answer(family: dict[str, Any]) -> None:
    kids = [{"kname": "Li", "kage": "7"}, {"kname": "W", "kage": "9"}]
    checked = check(family, {"n": "2", "kids": kids, "adult_age": "18", "pick": "b"}, MOMENT, "default")
    assert checked.answers == {"n": "2", "kids": [{"kname": "Li", "kage": "7"}, {"kage": "9"}], "total": "16",
                               "adult_age": "18", "pick": "b"}
    assert set(checked.errors) == {"kids~1~kname"}  # one letter is too short
    younger = check(family, {"n": "2", "kids": kids, "adult_age": "8", "pick": "b"}, MOMENT, "default")
    assert set(younger.errors) == {"kids~1~kname", "kids~1~kage"}  # 9 is not under 8


def test_choices_follow_the_filter_and_conditions_follow_the_calculation(family: dict[str, Any]) -> None:
    kids = [{"kname": "Li", "kage": "7"}, {"kname": "Wu", "kage": "9"}]
    filtered = check(family, {"n": "2", "kids": kids, "adult_age": "18", "pick": "a"}, MOMENT, "default")
    assert str(filtered.errors["pick"]) == "Choose one of the options offered."  # a is for one child
    small = check(family, {"n": "1", "kids": [{"kname": "Li", "kage": "1"}], "adult_age": "18", "pick": "a"},
                  MOMENT, "default")
    assert small.ok and small.answers["total"] == "1" and "pick" not in small.answers  # not asked
