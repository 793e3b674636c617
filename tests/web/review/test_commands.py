"""``duban queue`` in the contract's columns, and ``duban model train`` refusing too few outcomes."""
from __future__ import annotations

import csv
import io
import json

from sqlalchemy import func, select

from core.scoring.models import ScoringModel


def test_queue_as_csv_has_the_contract_columns_in_order(runner, review):
    result = runner.invoke(args=["queue", "--format", "csv", "--limit", "2"])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0][:8] == ["rank", "task_id", "matter_code", "unit_code", "priority", "p_problem", "mode", "reasons"]
    assert [row[0] for row in rows[1:]] == ["1", "2"]
    assert {row[6] for row in rows[1:]} <= {"ranked", "explore"}
    assert all(row[2] == "M-9" for row in rows[1:])


def test_queue_as_json_and_as_a_users_scope(runner, review):
    everything = json.loads(runner.invoke(args=["queue", "--format", "json"]).output)
    assert len(everything) == 3
    city = json.loads(runner.invoke(args=["queue", "--format", "json", "--as", "astaff"]).output)
    assert {row["unit_code"] for row in city} == {"A1", "A2"}
    priorities = [row["priority"] for row in everything]
    assert priorities == sorted(priorities, reverse=True)


def test_model_train_with_too_few_outcomes_fails_and_keeps_the_rules(runner, db_session, review):
    result = runner.invoke(args=["model", "train"])
    assert result.exit_code != 0
    assert "10" in result.output
    assert db_session.scalar(select(func.count()).select_from(ScoringModel)) == 0
