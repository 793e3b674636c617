"""The compiled expressions give exactly what the tree-walking interpreter gives.

Every expression of the case table and of the fixture forms runs against every context of the
table, hypothesis adds random expressions against random answers, and whole forms are checked
both ways: values (types, NaN and the sign of zero included), errors and their positions must
be the same.
"""
from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plugins.survey import engine
from plugins.survey.definition import walk
from plugins.survey.engine import EXPRESSION_KEYS, Moment, check
from plugins.survey.expressions import EvalContext, ExpressionError, compiled, evaluate, parse
from plugins.survey.expressions.evaluator import interpreted
from plugins.survey.expressions.functions import FUNCTIONS
from plugins.survey.expressions.parser import BINDING_POWER
from plugins.survey.xlsform import convert
from tests.plugins.survey.test_expressions import context

HERE = Path(__file__).parent
CASES: list[dict[str, Any]] = json.loads((HERE / "expression_cases.json").read_text("utf-8"))
# The fixture forms with the most varied expressions (converting a form takes a while).
FORMS = ["choice_filter_test.xlsx", "tutorial.xls", "widgets.xls", "xlsform_spec_test.xlsx", "demo"]
TODAY = date(2024, 5, 31)
NOW = datetime(2024, 5, 31, 14, 30, 15, 250000)

# Shapes the compiler treats specially: constants that decide (or do not decide) and/or/if,
# comparisons with a literal on either side, literal choices and patterns, and errors raised
# from inside them.
EDGES = [
    "regex(., ${p}) and false()", "false() and regex(., ${p})", "true() or regex(., ${p})",
    "regex(., ${p}) or true()", "not(regex(., ${p}))", "if(true(), ${a}, regex(., ${p}))",
    "if(false(), regex(., ${p}), ${a})", "if(${a}, 1, 'x')", "coalesce('', ${a}, 'x', regex(., ${p}))",
    "coalesce('', '')", "coalesce(${a}, '')", "coalesce('', 0)", "regex(., concat('(a+)', '+'))", "regex(., '[')",
    "regex(${a}, 5)", "selected(${a}, ' x ')", "selected(${a}, 1)", "selected(${a}, ${b})", "count-selected(${r})",
    "string-length()", "string-length(${r})", "string-length(1 div 0)", "'x' = ${a}", "${a} != 1", "1 != ${a}",
    "${a} = true()", "true() != ${a}", "1 = ${r}", "${r} = 'b'", "${a} = ${b}", "'2024-01-02' = ${a}",
    "${a} >= '2024-01-02'", "today() - 1", "-(0)", "-${a}", "- -${a}", "1 div 0", "0 div 0", "-1 mod 0",
    "concat('a', today())", "string(now())", "number()", ". * 2 > ${a} + 1", "${a} and ${b} or not(${c})",
    "boolean(${r}) and count(${r}) > 1", "once(${a})", "int('3.7') + round(2.5) - floor(-0.5)",
    "pow(0, -1)", "-pow(0, -1)", "1 * -0", "format-date(${a}, '%Y')", "date(${a}) = today()",
]


def function_calls() -> list[str]:
    """Each function with answers as arguments, and with a literal last argument, both as a
    value and as a condition."""
    found = []
    for name, (fewest, most, _) in sorted(FUNCTIONS.items()):
        for count in {fewest} if most == fewest else {fewest, fewest + 1}:
            answers = ["${a}", "${b}", "${c}", "${r}"][:count]
            for args in (answers, answers[:-1] + ["'a'"]) if answers else ([],):
                call = f"{name}({', '.join(args)})"
                found += [call, f"if({call}, 'y', 'n')", f"{call} or ''"]
    return found


CONTEXTS = [
    EvalContext({"a": "x", "b": "x y", "c": "", "r": ["a", "b"], "p": "^x"}, current="x", today=TODAY, now=NOW),
    EvalContext({"a": "2024-01-02", "b": 3, "r": [], "p": "(x*)*y"}, current="xxxx", today=TODAY, now=NOW),
    EvalContext({"a": True, "b": "", "r": ["1"], "p": "["}, current="", today=TODAY, now=NOW),
    EvalContext({"a": 1.0, "b": "1", "r": [None, "2"], "p": "[0-9]"}, current="7", today=TODAY, now=NOW),
    EvalContext({"a": "-0", "b": math.nan, "p": ""}, current=-0.0, today=TODAY, now=NOW),
    EvalContext({"a": date(2024, 5, 31), "b": datetime(2024, 1, 2, 12)}, current=" 1 ", today=TODAY, now=NOW),
]


def run(function: Callable[[], Any]) -> tuple[Any, ...]:
    """What ``function`` gives, or the error it raises (with message id and position)."""
    try:
        return ("value", function())
    except ExpressionError as error:
        return ("error", error.msgid, error.position)


def identical(a: Any, b: Any) -> bool:
    """The same value: same type, NaN equal to NaN, 0.0 not equal to -0.0."""
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(map(identical, a, b))
    if isinstance(a, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    return bool(a == b)


def both_ways(expr: str, ctx: EvalContext) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    return run(lambda: interpreted(expr)(ctx)), run(lambda: compiled(expr)(ctx))


# Repeats with a count, sum() and count() over them, conditions reading later fields (two
# walks), a choice filter and a constraint comparing with another answer.
MIXED = b"""survey,type,name,label,calculation,relevant,constraint,repeat_count,choice_filter,required
,integer,n,N,,,. >= 0 and . <= 5,,,yes
,begin repeat,kids,Kids,,,,${n},,
,text,kname,Name,,,string-length(.) > 1,,,
,integer,kage,Age,,${n} > 1,. < ${adult_age},,,
,end repeat,,,,,,,,
,calculate,total,,sum(${kage}),,,,,
,calculate,howmany,,count(${kids}),,,,,
,integer,adult_age,Adult age,,,. > ${total} div 10,,,
,select_one c,pick,Pick,,${total} > 3 or ${howmany} = 0,,,${n}=cf,
,select_multiple c,many,Many,,,count-selected(.) <= ${n},,,${later}
,text,later,Later,,,,,,
choices,list_name,name,label,cf
,c,a,A,1
,c,b,B,2
,c,c,C,1
"""


@pytest.fixture(scope="module")
def definitions() -> dict[str, dict[str, Any]]:
    """The forms (the demo form among them) as the engine reads them."""
    sources = {name: (HERE / "fixtures" / "xlsforms" / name).read_bytes() for name in FORMS if name != "demo"}
    sources["demo"] = (HERE.parents[2] / "plugins" / "survey" / "demo_form.md").read_bytes()
    sources["mixed"] = MIXED
    return {name: convert(source, form_id="x").definition for name, source in sources.items()}


def form_expressions(definitions: dict[str, dict[str, Any]]) -> set[str]:
    return {node[key] for definition in definitions.values() for node in walk(definition["nodes"])
            for key in EXPRESSION_KEYS if node.get(key)}


def test_every_expression_agrees_in_every_context(definitions: dict[str, dict[str, Any]]) -> None:
    expressions = sorted({case["expr"] for case in CASES} | form_expressions(definitions) | set(EDGES)
                         | set(function_calls()))
    contexts = [context(case, TODAY, NOW) for case in CASES] + CONTEXTS  # a fixed clock: both runs read it
    differing, outcomes = [], set()
    for expr in expressions:
        for ctx in contexts:
            interpreter, closures = both_ways(expr, ctx)
            outcomes.add(closures[0])
            if not identical(interpreter, closures):
                differing.append((expr, ctx, interpreter, closures))
    assert not differing, differing[:5]
    assert len(expressions) > 500 and outcomes == {"value", "error"}


def test_evaluate_runs_the_compiled_form_and_compiles_once() -> None:
    assert compiled("${x} + 1") is compiled("${x} + 1")
    ctx = EvalContext({"x": "2"})
    assert evaluate("${x} + 1", ctx) == evaluate(parse("${x} + 1"), ctx) == 3.0


def test_an_error_keeps_its_position_inside_a_constant_looking_part() -> None:
    ctx = EvalContext({"p": "["}, current="x")
    with pytest.raises(ExpressionError) as caught:
        compiled("true() and regex(., ${p})")(ctx)
    assert caught.value.position == 21
    with pytest.raises(ExpressionError):
        compiled("regex(., ${p}) and false()")(ctx)


# ---- random expressions ------------------------------------------------------------------------

LEAVES = st.sampled_from([
    "${a}", "${b}", "${r}", "${p}", "${missing}", ".", "0", "1", "2.5", "100", ".5", "''", "'a'", "'a b'",
    "' 1 '", "'2024-01-02'", "'2024-01-02T10:30'", "'true'", "'NaN'", "'^[a-z]+$'", "'['", "'%Y-%m-%d'",
    "true()", "false()", "today()", "now()", "pi()", "string()", "number()", "string-length()",
])


def calls(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    def with_arguments(name: str) -> st.SearchStrategy[str]:
        fewest, most, _ = FUNCTIONS[name]
        count = st.integers(fewest, most if most is not None else fewest + 2)
        arguments = count.flatmap(lambda n: st.lists(inner, min_size=n, max_size=n))
        return arguments.map(lambda args: f"{name}({', '.join(args)})")

    return st.sampled_from(sorted(FUNCTIONS)).flatmap(with_arguments)


def grown(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    operators = st.sampled_from(sorted(BINDING_POWER))
    return st.one_of(
        inner.map(lambda x: f"-({x})"),
        st.builds(lambda op, x, y: f"({x}) {op} ({y})", operators, inner, inner),
        st.builds(lambda op, x, y: f"{x} {op} {y}", operators, inner, inner),
        calls(inner),
    )


EXPRESSIONS = st.recursive(LEAVES, grown, max_leaves=10)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(["", "0", "1", "-1", " 2.5 ", "abc", "a b", "a\tb c", "2024-01-02", "2024-01-02T10:30:00+08:00",
                     "2024-02-30", "true", "NaN", "(x*)*y", "^a", "[", "%Y"]),
    st.floats(),
    st.integers(-10**6, 10**6),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)),
    st.text(max_size=5),
)
RANDOM_CONTEXTS = st.builds(
    lambda values, current: EvalContext(values, current=current, today=TODAY, now=NOW),
    st.fixed_dictionaries({"a": SCALARS, "b": SCALARS, "r": st.lists(SCALARS, max_size=3), "p": SCALARS}),
    SCALARS,
)


@settings(max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(expr=EXPRESSIONS, ctx=RANDOM_CONTEXTS)
def test_random_expressions_agree(expr: str, ctx: EvalContext) -> None:
    interpreter, closures = both_ways(expr, ctx)
    assert identical(interpreter, closures), (interpreter, closures)


# ---- whole forms -------------------------------------------------------------------------------

BY_TYPE = {
    "integer": ["0", "3", "5", "15", "49", "50", "72", "80", "101", "-1"],
    "decimal": ["10.5", "11", "18.39", "12.25", ".5", "1e1"],
    "date": ["2026-11-01", "2026-10-31", "2027-01-01", "2026-02-29"],
    "time": ["10:30", "23:59:59", "24:00"],
    "datetime": ["2026-11-01T10:00", "2026-11-01 10:00:00"],
    "acknowledge": ["OK"],
    "text": ["a", "x@y.com", "why not", "意见"],
}
ANYTHING = ["", "0", "5", "-3", "abc", "10.6", "1e3", "2026-11-01", "10:30", "OK", "yes", "no", "other", "意见"]


def random_answers(nodes: list[dict[str, Any]], rng: random.Random) -> dict[str, Any]:
    """Answers as a respondent might send them: mostly fitting the question, some not, some missing."""
    out: dict[str, Any] = {}
    for node in nodes:
        if node["kind"] in ("group", "meta"):
            out.update(random_answers(node["children"], rng))
        elif node["kind"] == "repeat":
            out[node["name"]] = [random_answers(node["children"], rng) for _ in range(rng.randrange(4))]
        elif rng.random() < 0.85:
            names = [choice["name"] for choice in node.get("choices") or []] or ["x"]
            fitting = (names + [" ".join(names[:2]), names[:3]] if node["type"] == "select_multiple" else
                       names if node["type"] == "select_one" else BY_TYPE.get(node["type"], ANYTHING))
            out[node["name"]] = rng.choice(fitting if rng.random() < 0.75 else ANYTHING)
    return out


def test_whole_forms_are_checked_alike(definitions: dict[str, dict[str, Any]],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    moment = Moment(datetime(2026, 11, 1, 9), datetime(2026, 11, 1, 9, 5), False)
    answer_sets = {name: [random_answers(definition["nodes"], random.Random(f"{name}{index}")) for index in range(60)]
                   for name, definition in definitions.items()}
    results = {name: [check(definitions[name], raw, moment, "default") for raw in sets]
               for name, sets in answer_sets.items()}
    monkeypatch.setattr(engine, "compiled", interpreted)
    for name, sets in answer_sets.items():
        assert [check(definitions[name], raw, moment, "default") for raw in sets] == results[name], name
    assert sum(not result.ok for found in results.values() for result in found) > 50
