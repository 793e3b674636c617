"""Checking answers on the server: repeats, answers read across the form, choice filters."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from plugins.survey.engine import Moment, check, walks_needed
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
    # 9 is not under 8, so it is dropped; the total of 7 and an empty answer is NaN, as it is
    # stored, and an adult age cannot be above it.
    assert set(younger.errors) == {"kids~1~kname", "kids~1~kage", "adult_age"}
    assert younger.answers["kids"] == [{"kname": "Li", "kage": "7"}, {}] and younger.answers["total"] == "NaN"


def test_choices_follow_the_filter_and_conditions_follow_the_calculation(family: dict[str, Any]) -> None:
    kids = [{"kname": "Li", "kage": "7"}, {"kname": "Wu", "kage": "9"}]
    filtered = check(family, {"n": "2", "kids": kids, "adult_age": "18", "pick": "a"}, MOMENT, "default")
    assert str(filtered.errors["pick"]) == "Choose one of the options offered."  # a is for one child
    small = check(family, {"n": "1", "kids": [{"kname": "Li", "kage": "1"}], "adult_age": "18", "pick": "a"},
                  MOMENT, "default")
    assert small.ok and small.answers["total"] == "1" and "pick" not in small.answers  # not asked


def counted_form(repeat_count: str, before: str = "", after: str = "") -> dict[str, Any]:
    """Children with ages under 18; ``known`` is an age, or 0 when none was kept."""
    sheet = f"""survey,type,name,label,calculation,constraint,repeat_count,relevant
,integer,n,Children,,,,
{before}
,begin repeat,kids,Child,,,{repeat_count},
,text,older,Why older,,,,${{kage}} > 12
,integer,kage,Age,,. < 18,,
,calculate,known,,"coalesce(${{kage}}, 0)",,,
,end repeat,,,,,,
{after}
"""
    return convert(sheet.encode(), form_id="counted").definition


TOTALS = """,calculate,total,,sum(${kage}),,,
,calculate,known_total,,sum(${known}),,,
,calculate,how_many,,count(${kids}),,,"""


def test_sums_count_only_the_instances_the_repeat_count_keeps() -> None:
    form = counted_form("${n}", after=TOTALS)
    assert walks_needed(form) == 2  # the instance reads its own later age
    checked = check(form, {"n": "1", "kids": [{"kage": "8"}, {"kage": "8"}]}, MOMENT, "default")
    assert checked.ok and checked.answers == {"n": "1", "kids": [{"kage": "8", "known": "8"}], "total": "8",
                                              "known_total": "8", "how_many": "1"}


def test_an_answer_a_constraint_refuses_is_not_summed() -> None:
    form = counted_form("${n}", after=TOTALS)
    checked = check(form, {"n": "2", "kids": [{"kage": "8"}, {"kage": "30"}]}, MOMENT, "default")
    assert set(checked.errors) == {"kids~1~kage"}
    assert checked.answers["kids"] == [{"kage": "8", "known": "8"}, {"known": "0"}]
    # The refused age is empty, as a refused answer outside a repeat is: 8 + empty is NaN.
    assert checked.answers["total"] == "NaN" and checked.answers["known_total"] == "8"


def test_a_calculation_before_the_repeat_sums_the_checked_answers() -> None:
    form = counted_form("", before=""",calculate,known_total,,sum(${known}),,,
,text,why,Why so old,,,,${known_total} > 20""")
    assert walks_needed(form) == 3
    young = check(form, {"n": "2", "why": "twins", "kids": [{"kage": "8"}, {"kage": "30"}]}, MOMENT, "default")
    assert young.answers["known_total"] == "8" and "why" not in young.answers  # 30 was refused
    old = check(form, {"n": "2", "why": "twins", "kids": [{"kage": "8"}, {"kage": "15"}]}, MOMENT, "default")
    assert old.ok and old.answers["known_total"] == "23" and old.answers["why"] == "twins"


def test_without_a_repeat_count_every_instance_sent_is_summed() -> None:
    form = counted_form("", after=TOTALS)
    kids = [{"older": "tall", "kage": "7"}, {"older": "tall", "kage": "9"}, {"older": "late", "kage": "13"}]
    checked = check(form, {"n": "3", "kids": kids}, MOMENT, "default")
    # Each instance reads its own age: only the 13-year-old is asked why.
    assert checked.ok and checked.answers["kids"] == [
        {"kage": "7", "known": "7"}, {"kage": "9", "known": "9"}, {"older": "late", "kage": "13", "known": "13"}]
    assert (checked.answers["total"], checked.answers["how_many"]) == ("29", "3")
