"""How long the server's check of one survey answer takes, with compiled expressions and without.

Converts the 20-question form of ``bench/survey_submit.py`` and checks a few thousand of its
answer sets with ``plugins.survey.engine.check``, in process (no HTTP, no database): once with
the expressions run by the tree-walking interpreter, once with them compiled to closures (what
the server does). Prints microseconds per check for both, the best of 5 rounds of CPU time (each
round times both, so that a busy machine slows both alike), and their ratio.

It then checks answers against a one-question form whose constraint is the catastrophic
pattern ``a*a*a*a*a*a*b`` (a backtracking engine takes seconds on 55 characters of 'a'), with
answers of 55 and 5,000 characters (the most a respondent may send), and prints the cost of one
answer (the target is under 10 ms).

    .venv/bin/python bench/survey_check.py                 # 2,000 answer sets, 5 rounds
    .venv/bin/python bench/survey_check.py --checks 5000
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime
from typing import Any
from unittest import mock

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from survey_submit import QUESTIONS, answers, form_csv  # noqa: E402

from plugins.survey import engine  # noqa: E402
from plugins.survey.engine import Moment, check, walks_needed  # noqa: E402
from plugins.survey.expressions.evaluator import interpreted  # noqa: E402
from plugins.survey.xlsform import convert  # noqa: E402

ROUNDS = 5
MOMENT = Moment(datetime(2026, 11, 1, 9), datetime(2026, 11, 1, 9, 5), day_only=False)


def checking_time(definition: dict[str, Any], answer_sets: list[dict[str, str]]) -> float:
    """Microseconds of CPU time per check, over all of ``answer_sets``."""
    walks = walks_needed(definition)  # as the cached published form passes it
    started = time.process_time()
    for raw in answer_sets:
        check(definition, raw, MOMENT, "default", walks)
    return (time.process_time() - started) / len(answer_sets) * 1e6


def best_rounds(definition: dict[str, Any], answer_sets: list[dict[str, str]]) -> tuple[float, float]:
    """The fastest of :data:`ROUNDS` rounds, interpreted and compiled.

    Each round times both, one after the other, so that both meet the same machine.
    """
    interpreter, closures = [], []
    for _ in range(ROUNDS):
        with mock.patch.object(engine, "compiled", interpreted):
            interpreter.append(checking_time(definition, answer_sets))
        closures.append(checking_time(definition, answer_sets))
    return min(interpreter), min(closures)


CATASTROPHIC_FORM = b"""\
| survey |      |      |       |                           |
|        | type | name | label | constraint                |
|        | text | code | Code  | regex(., 'a*a*a*a*a*a*b') |
"""


def catastrophic_cost(length: int, answers: int = 200) -> float:
    """Milliseconds of CPU time to check one answer of ``length`` characters against the pattern."""
    definition = convert(CATASTROPHIC_FORM, form_id="bench_regex").definition
    raw = {"code": "a" * length}
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.process_time()
        for _ in range(answers):
            check(definition, raw, MOMENT, "default", 1)
        best = min(best, (time.process_time() - started) / answers * 1e3)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=2000, help="answer sets per round")
    args = parser.parse_args()
    definition = convert(form_csv(), form_id="bench").definition
    answer_sets = [answers(respondent) for respondent in range(args.checks)]
    failing = sum(not check(definition, raw, MOMENT, "default").ok for raw in answer_sets)
    interpreter, closures = best_rounds(definition, answer_sets)
    print(f"{QUESTIONS}-question form, {len(answer_sets)} answer sets ({failing} refused), "
          f"best of {ROUNDS} rounds of CPU time")
    print(f"  interpreted expressions: {interpreter:7.1f} µs per check")
    print(f"  compiled expressions:    {closures:7.1f} µs per check")
    print(f"  ratio:                   {interpreter / closures:7.2f}")
    print("catastrophic pattern a*a*a*a*a*a*b, per answer (target < 10 ms):")
    for length in (55, 5000):
        print(f"  {length:5d} characters:        {catastrophic_cost(length):7.3f} ms")


if __name__ == "__main__":
    main()
