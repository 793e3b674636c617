"""Counting answers: per question and per unit, with sample size and a 95% Wilson interval."""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.org.models import Unit
from plugins.survey.definition import pick, walk
from plugins.survey.models import Survey, SurveyResponse

if TYPE_CHECKING:
    from core.access.scope import Scope

Z95 = 1.959963984540054


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for a share of ``successes`` in ``n`` (95% by default).

    Better than the normal approximation for small samples and shares near 0 or 1; with
    no answers the interval is the whole of [0, 1].
    """
    if n <= 0:
        return 0.0, 1.0
    share = successes / n
    denominator = 1 + z * z / n
    centre = (share + z * z / (2 * n)) / denominator
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass
class Row:
    """One answer's count among the ``n`` who answered the question."""

    value: str
    label: str
    count: int
    n: int

    @property
    def share(self) -> float:
        return self.count / self.n if self.n else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.count, self.n)


@dataclass
class QuestionResult:
    """Counts for one choice question (``multiple``: one may pick several, shares add up past 1)."""

    name: str
    label: str
    n: int
    rows: list[Row] = field(default_factory=list)
    multiple: bool = False


def responses(session: Session, survey: Survey) -> list[tuple[int | None, dict[str, Any]]]:
    """Every response's unit and answers, oldest first."""
    return [(unit_id, answers) for unit_id, answers in session.execute(
        select(SurveyResponse.unit_id, SurveyResponse.answers)
        .where(SurveyResponse.survey_id == survey.id).order_by(SurveyResponse.id))]


def dated_responses(session: Session, survey: Survey) -> list[tuple[int | None, date, dict[str, Any]]]:
    """Every response's unit, day of arrival and answers, in the order they arrived."""
    return [(unit_id, day, answers) for unit_id, day, answers in session.execute(
        select(SurveyResponse.unit_id, SurveyResponse.submitted_on, SurveyResponse.answers)
        .where(SurveyResponse.survey_id == survey.id).order_by(SurveyResponse.submitted_on, SurveyResponse.id))]


def tally(survey: Survey, answers: Iterable[dict[str, Any]], language: str) -> list[QuestionResult]:
    """Counts and shares for every top-level choice question (select one, select multiple)."""
    rows = list(answers)
    results = []
    for node in walk(survey.definition["nodes"]):
        if node["kind"] != "question" or node.get("type") not in ("select_one", "select_multiple"):
            continue
        counter: Counter[str] = Counter()
        answered = 0
        for answer in rows:
            value = answer.get(node["name"])
            if not isinstance(value, str) or not value:
                continue
            answered += 1
            counter.update(value.split() if node["type"] == "select_multiple" else [value])
        labels = {choice["name"]: pick(choice["label"], language) or choice["name"]
                  for choice in node.get("choices", [])}
        order = list(labels) + sorted(set(counter) - set(labels))
        results.append(QuestionResult(node["name"], pick(node["label"], language) or node["name"], answered,
                                      [Row(value, labels.get(value, value), counter[value], answered)
                                       for value in order], multiple=node["type"] == "select_multiple"))
    return results


def by_unit(rows: Iterable[tuple[int | None, dict[str, Any]]]) -> dict[int, list[dict[str, Any]]]:
    """The answers of :func:`responses` grouped by the unit they speak about (those about none left out)."""
    grouped: dict[int, list[dict[str, Any]]] = {}
    for unit_id, answers in rows:
        if unit_id is not None:
            grouped.setdefault(unit_id, []).append(answers)
    return grouped


def share(answers: Iterable[dict[str, Any]], field_name: str, values: Iterable[str]) -> tuple[int, int]:
    """How many answered ``field_name`` with one of ``values``, among those who answered it."""
    wanted = set(values)
    hits = total = 0
    for answer in answers:
        value = answer.get(field_name)
        if not isinstance(value, str) or not value:
            continue
        total += 1
        if wanted & set(value.split()):
            hits += 1
    return hits, total


def unit_results(scope: Scope, survey: Survey, rows: list[tuple[int | None, dict[str, Any]]],
                 language: str) -> list[tuple[Unit, int, list[QuestionResult]]]:
    """Per unit the caller may see, in code order: the unit, its number of responses, its counts."""
    grouped = by_unit(rows)
    if not grouped:
        return []
    visible = scope.session.scalars(scope.select(Unit).where(Unit.id.in_(list(grouped))))
    return [(unit, len(grouped[unit.id]), tally(survey, grouped[unit.id], language))
            for unit in sorted(visible, key=lambda unit: unit.code)]
