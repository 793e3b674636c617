"""The XLSForm expression language: one case table, run on the server and in the browser code.

``expression_cases.json`` holds ``{expr, values, current, today, now, expect | error}``; every
case is evaluated by ``plugins.survey.expressions`` and, through node, by
``plugins/survey/static/survey/expressions.js``, and both must give the expected result (and,
for errors, the same message and position).
"""
from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from core.errors import ValidationError
from plugins.survey.expressions import (
    EvalContext,
    ExpressionError,
    evaluate,
    parse,
    references,
    to_boolean,
    to_string,
)

HERE = Path(__file__).parent
REPO = HERE.parents[2]
CASES: list[dict[str, Any]] = json.loads((HERE / "expression_cases.json").read_text("utf-8"))
RUNNER = HERE / "expressions_node_runner.js"
MSGIDS = REPO / "plugins" / "survey" / "expressions" / "MSGIDS_zh.txt"


def normalise(value: Any) -> Any:
    """Encode a result as the case table does: NaN, infinities and dates as small objects."""
    if isinstance(value, list):
        return [normalise(item) for item in value]
    if isinstance(value, bool | str):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return {"number": "NaN"}
        if math.isinf(value):
            return {"number": "Infinity" if value > 0 else "-Infinity"}
        return value
    if isinstance(value, datetime):
        return {"datetime": to_string(value)}
    if isinstance(value, date):
        return {"date": to_string(value)}
    raise AssertionError(f"unexpected result type {type(value).__name__}: {value!r}")


def same(actual: Any, expected: Any) -> bool:
    """Equal, with 3 == 3.0 but never true == 1."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(actual) is type(expected) and actual == expected
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return float(actual) == float(expected)
    if isinstance(expected, list) and isinstance(actual, list):
        return len(actual) == len(expected) and all(map(same, actual, expected))
    return type(actual) is type(expected) and actual == expected


def context(case: dict[str, Any], today: date | None = None, now: datetime | None = None) -> EvalContext:
    """The case's context; a case without a clock of its own reads ``today`` and ``now``."""
    return EvalContext(
        values=case.get("values", {}),
        current=case.get("current"),
        today=date.fromisoformat(case["today"]) if "today" in case else today,
        now=datetime.fromisoformat(case["now"]) if "now" in case else now,
    )


def run_python(case: dict[str, Any]) -> dict[str, Any]:
    try:
        return {"value": normalise(evaluate(case["expr"], context(case)))}
    except ExpressionError as error:
        return {"error": {"msgid": error.msgid, "position": error.position}}


def case_id(case: dict[str, Any]) -> str:
    expr = case["expr"] if len(case["expr"]) <= 40 else case["expr"][:37] + "..."
    return f"{expr} {json.dumps(case.get('values', case.get('current', '')), ensure_ascii=False)}"


def check(result: dict[str, Any], case: dict[str, Any]) -> None:
    assert "crash" not in result, result["crash"]
    if case.get("error"):
        assert "error" in result, f"expected an error, got {result.get('value')!r}"
        if "position" in case:
            assert result["error"]["position"] == case["position"]
    else:
        assert "value" in result, f"unexpected error {result.get('error')}"
        assert same(result["value"], case["expect"]), (result["value"], case["expect"])


NUMBERED = list(enumerate(CASES))
IDS = [f"{index}:{case_id(case)}" for index, case in NUMBERED]


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 80
    assert sum(1 for case in CASES if case.get("error")) >= 20


@pytest.mark.parametrize(("index", "case"), NUMBERED, ids=IDS)
def test_server_evaluates_case(index: int, case: dict[str, Any]) -> None:
    check(run_python(case), case)


@pytest.fixture(scope="module")
def browser_results() -> list[dict[str, Any]]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not on PATH")
    completed = subprocess.run(
        [node, str(RUNNER), str(HERE / "expression_cases.json")],
        capture_output=True, text=True, timeout=60, check=True,
    )
    results: list[dict[str, Any]] = json.loads(completed.stdout)
    assert len(results) == len(CASES)
    return results


@pytest.mark.parametrize(("index", "case"), NUMBERED, ids=IDS)
def test_browser_agrees_with_server(
    index: int, case: dict[str, Any], browser_results: list[dict[str, Any]]
) -> None:
    browser = browser_results[index]
    check(browser, case)
    server = run_python(case)
    if case.get("error"):
        assert browser["error"] == server["error"]


# ---- behaviour beyond the table ----------------------------------------------------------------


def test_syntax_error_names_the_position_and_token() -> None:
    with pytest.raises(ExpressionError) as caught:
        parse("${a} > 1 )")
    assert caught.value.position == 10
    assert str(caught.value) == "Unexpected ')' at position 10."
    assert isinstance(caught.value, ValidationError)
    assert caught.value.status == 400


def test_unknown_function_is_named() -> None:
    with pytest.raises(ExpressionError, match=r"Unknown function frobnicate\(\) at position 6"):
        parse("1 + (frobnicate(2))")


def test_choice_name_is_refused_clearly() -> None:
    with pytest.raises(ExpressionError, match=r"jr:choice-name\(\) is not supported"):
        parse("jr:choice-name(${c}, '${c}')")


def test_catastrophic_patterns_run_in_linear_time() -> None:
    # Backtracking engines take seconds on 55 characters of this; RE2 takes microseconds on 5,000.
    started = time.perf_counter()
    assert evaluate("regex(., 'a*a*a*a*a*a*b')", EvalContext(current="a" * 5000)) is False
    assert evaluate("regex(., ${pattern})", EvalContext({"pattern": "(x*)*y"}, current="x" * 5000)) is False
    assert time.perf_counter() - started < 0.5


def test_patterns_re2_cannot_run_are_refused_before_they_run() -> None:
    with pytest.raises(ExpressionError, match="look-around or a back-reference") as caught:
        parse("regex(${code}, '^(?=a)a+$')")
    assert caught.value.position == 16
    with pytest.raises(ExpressionError, match="look-around or a back-reference"):
        parse("regex(${code}, '(a)\\1')")


def test_the_browser_refuses_what_the_server_refuses() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not on PATH")
    script = (
        "const X = require(process.argv[1]);"
        "for (const p of ['^(?=a)a+$', '(a)\\\\1', '(?<n>a)']) {"
        "  try { X.evaluate(\"regex('a', '\" + p + \"')\", {}); console.log('ran'); }"
        "  catch (e) { console.log(e.msgid); } }"
        "const started = Date.now();"
        "console.log(X.evaluate(\"regex(., 'a*a*a*a*a*a*b')\", {current: 'a'.repeat(5000)}),"
        "  Date.now() - started < 2000);"
    )
    done = subprocess.run([node, "-e", script, str(REPO / "plugins/survey/static/survey/expressions.js")],
                          capture_output=True, text=True, check=True)
    lines = done.stdout.splitlines()
    assert lines[0].startswith("The regular expression %(pattern)s uses a look-around")
    assert lines[1].startswith("The regular expression %(pattern)s uses a look-around")
    assert lines[2] == "The regular expression %(pattern)s uses %(construct)s, which Duban does not support."
    assert lines[3] == "false true"


def test_nesting_and_length_limits() -> None:
    assert to_string(evaluate("(" * 50 + "${a}" + ")" * 50, EvalContext({"a": "ok"}))) == "ok"
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse("(" * 51 + "1" + ")" * 51)
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse("if(" * 60 + "1" + ", 1, 1)" * 60)
    with pytest.raises(ExpressionError, match=r"too long \(2001 characters"):
        parse("1" * 2001)


def test_today_is_injected() -> None:
    ctx = EvalContext({"due": "2024-06-01"}, today=date(2024, 5, 31))
    assert evaluate("${due} > today()", ctx) is True
    assert evaluate("${due} - today()", ctx) == 1.0
    later = EvalContext({"due": "2024-06-01"}, today=date(2024, 6, 2))
    assert evaluate("${due} > today()", later) is False


def test_answers_keep_their_python_types() -> None:
    ctx = EvalContext({"n": 3, "when": date(2024, 1, 2), "at": datetime(2024, 1, 2, 12)})
    assert evaluate("${n} * 2", ctx) == 6.0
    assert evaluate("${when} = '2024-01-02'", ctx) is True
    assert evaluate("${at} > ${when}", ctx) is True
    assert to_string(evaluate("${at}", ctx)) == "2024-01-02T12:00:00.000"


def test_relevant_and_calculation_helpers() -> None:
    ctx = EvalContext({"fruits": "apple pear", "price": "2.5", "qty": "4"})
    assert to_boolean(evaluate("selected(${fruits}, 'pear')", ctx)) is True
    assert to_string(evaluate("${price} * ${qty}", ctx)) == "10"
    assert to_string(evaluate("${price} * ${missing}", ctx)) == "NaN"


def test_references_for_dependency_order() -> None:
    assert references("if(${a} > 1, concat(${b}, /data/grp/c), ${a})") == {"a", "b", "c"}
    assert references(". >= 0") == set()
    with pytest.raises(ExpressionError):
        references("${a} +")


def test_parsed_trees_are_cached_and_shared() -> None:
    assert parse("${x} + 1") is parse("${x} + 1")


# ---- messages ---------------------------------------------------------------------------------


def _translations() -> dict[str, str]:
    pairs = (line.split("\t") for line in MSGIDS.read_text("utf-8").splitlines() if line)
    return {msgid: chinese for msgid, chinese in pairs}


def test_every_message_raised_by_the_table_has_a_chinese_translation() -> None:
    translations = _translations()
    raised = {run_python(case)["error"]["msgid"] for case in CASES if case.get("error")}
    assert raised
    assert raised <= set(translations), raised - set(translations)


def test_translations_keep_every_placeholder() -> None:
    placeholder = re.compile(r"%\([a-z_]+\)s")
    for msgid, chinese in _translations().items():
        assert re.search(r"[\u4e00-\u9fff]", chinese), msgid
        assert sorted(placeholder.findall(chinese)) == sorted(placeholder.findall(msgid)), msgid


def test_error_renders_in_chinese() -> None:
    translations = _translations()
    with pytest.raises(ExpressionError) as caught:
        parse("1 +")
    rendered = caught.value.message.render(lambda msgid: translations.get(msgid, msgid))
    assert "4" in rendered and re.search(r"[\u4e00-\u9fff]", rendered)
