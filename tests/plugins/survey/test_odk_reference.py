"""Duban's two expression evaluators checked against the ODK ecosystem's own.

A fixed-seed corpus of XLSForm expressions (``odk_corpus.py``) is evaluated by Enketo's
``openrosa-xpath-evaluator`` and ODK Web Forms' ``@getodk/xpath`` over an XForm instance
(``odk_reference/evaluate.mjs``, in Node with jsdom), by Duban's server evaluator and by its
browser evaluator (``expressions.js``, in the same Node process). Wherever the two references
agree, both of Duban's must give their answer, except for the deliberate deviations of
:data:`DEVIATIONS`, each of which docs/plugins/survey.md explains.

The references are installed by ``odk_reference/setup.sh`` (npm) the first time the test runs.
Without Node the test is skipped on a workstation and fails under CI (``CI`` set).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from plugins.survey.expressions import EvalContext, ExpressionError, evaluate, to_boolean, to_string

from .odk_corpus import (
    CONTEXT_INSTANCE,
    INSTANCES,
    REPEAT,
    REPEAT_FIELDS,
    TOP_FIELDS,
    Case,
    corpus,
    current,
    duban_values,
    repeat_lists,
    xpath,
)

HERE = Path(__file__).parent
REFERENCE = HERE / "odk_reference"
CORPUS_SIZE = 4000

# The deliberate deviations: name -> (test of a case and the references' common answer, reason).
# docs/plugins/survey.md lists the same names; at most ten.
Deviation = Callable[[Case, Any], bool]
_EXPONENT_TEXT = re.compile(r"^\s*-?[0-9.]+e[0-9]+\s*$|^\s*-?Infinity\s*$")


def _reads_exponent_or_infinity(case: Case, world: dict[str, Any]) -> bool:
    """The expression reads, from a field it names or a literal, a text such as '1e3' or 'Infinity'."""
    names = set(re.findall(r"\$\{([^}]+)\}", case.expr))
    if re.search(r"(^|[^.])\.($|[^.])", case.expr):
        names.add("t" if case.context == "rep" else "txt")
    texts: list[str] = []
    for name in names & set(TOP_FIELDS + REPEAT_FIELDS):
        texts += world[name] if isinstance(world[name], list) else [world[name]]
    texts += re.findall(r"'([^']*)'", case.expr)
    return any(_EXPONENT_TEXT.match(text) for text in texts)


DEVIATIONS: dict[str, tuple[Callable[[Case, dict[str, Any], Any], bool], str]] = {
    "number-grammar": (
        lambda case, world, answer: _reads_exponent_or_infinity(case, world),
        "XPath 1.0 §4.4: number() reads only digits with an optional point; '1e3' and "
        "'Infinity' are NaN",
    ),
    "invalid-date": (
        lambda case, world, answer: answer == {"value": "Invalid Date"},
        "a value that is not a date has no date text: Duban gives the empty string, where the "
        "JavaScript evaluators print JavaScript's 'Invalid Date'",
    ),
}


def _node() -> str | None:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("Node.js is required for the ODK differential test under CI")
        pytest.skip("node is not on PATH")
    return node


@pytest.fixture(scope="module")
def references_installed() -> str:
    node = _node()
    assert node is not None
    if not (REFERENCE / "node_modules" / "@getodk" / "xpath" / "dist" / "index.js").exists():
        if shutil.which("npm") is None:
            if os.environ.get("CI"):
                pytest.fail("npm is required to install the ODK reference evaluators under CI")
            pytest.skip("npm is not on PATH")
        subprocess.run(["bash", str(REFERENCE / "setup.sh")], check=True, timeout=300)
    return node


def _duban_context(world: dict[str, Any], case: Case) -> dict[str, Any]:
    return {
        "values": duban_values(world, case.context),
        "current": current(world, case.context),
        "position": CONTEXT_INSTANCE if case.context == "rep" else 1,
        "lists": repeat_lists(world),
    }


def _server(case: Case, context: dict[str, Any]) -> dict[str, Any]:
    try:
        value = evaluate(case.expr, EvalContext(**context))
    except ExpressionError as error:
        return {"error": error.msgid}
    return {"value": to_boolean(value) if case.read_as == "boolean" else to_string(value)}


def run_corpus(node: str) -> list[dict[str, Any]]:
    worlds, cases = corpus(CORPUS_SIZE)
    payload = {
        "spec": {"top": list(TOP_FIELDS), "repeat": REPEAT, "repeatFields": list(REPEAT_FIELDS),
                 "instances": INSTANCES, "contextInstance": CONTEXT_INSTANCE,
                 "currentTop": "txt", "currentRepeat": "t"},
        "worlds": worlds,
        "cases": [{**asdict(case), "xpath": xpath(case), "duban_context": _duban_context(worlds[case.world], case)}
                  for case in cases],
    }
    done = subprocess.run([node, str(REFERENCE / "evaluate.mjs")], input=json.dumps(payload), text=True,
                          capture_output=True, check=True, timeout=120, cwd=REFERENCE)
    results = json.loads(done.stdout)
    rows = []
    for case, found in zip(cases, results, strict=True):
        context = _duban_context(worlds[case.world], case)
        rows.append({"case": case, "world": worlds[case.world], "xpath": xpath(case), **found,
                     "server": _server(case, context)})
    return rows


def deviation(row: dict[str, Any]) -> str | None:
    """The name of the deliberate deviation that explains a disagreement, if any."""
    for name, (applies, _reason) in DEVIATIONS.items():
        if applies(row["case"], row["world"], row["odk"]):
            return name
    return None


def test_duban_agrees_with_the_odk_evaluators(references_installed: str) -> None:
    rows = run_corpus(references_installed)
    agreed = [row for row in rows if "value" in row["enketo"] and row["enketo"] == row["odk"]]
    counts: Counter[str] = Counter()
    unexplained = []
    for row in agreed:
        for side in ("server", "duban"):
            if row[side] == row["odk"]:
                continue
            name = deviation(row)
            counts[name or "unexplained"] += 1
            if name is None:
                unexplained.append((side, row["case"].context, row["case"].expr, row["xpath"],
                                    row["odk"], row[side]))
    kinds = Counter(row["case"].kind for row in agreed)
    print(f"\n{len(rows)} cases, references agree on {len(agreed)} ({dict(kinds)}); "
          f"disagreements by deviation: {dict(counts)}")
    assert len(DEVIATIONS) <= 10
    assert len(agreed) >= len(rows) * 0.8, "the references should agree on most of the corpus"
    assert not unexplained, "\n".join(map(repr, unexplained[:40])) + f"\n… {len(unexplained)} in all"
