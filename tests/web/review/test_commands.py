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


def test_model_train_says_what_it_is_doing_before_the_long_part(runner, db_session, review):
    """It used to run silently until the end."""
    result = runner.invoke(args=["model", "train"])
    assert "正在更新评分" in result.output and "正在用已记录的复核结果训练候选模型" in result.output


def test_the_training_report_reads_in_the_command_lines_language(app):
    from core.i18n import translator
    from web.commands.scoring import training_report

    metrics = {"folds": 3, "validated": 120, "model": "ensemble", "best_fitted": "ensemble",
               "best_simple": "overdue_days", "candidates": {"ensemble": {"auc": 0.71, "precision": 0.5}},
               "auc": 0.7, "precision_at_budget": 0.55, "recall_at_budget": 0.4,
               "calibration": [{"predicted": 0.2, "observed": 0.25, "count": 40}]}
    lines = [line.render(translator("zh_CN")) for line in training_report(300, 90, metrics, 20, 12.34)]
    assert lines[0] == "用时 12.3 秒，共 300 条复核结果（其中 90 条发现问题）。"
    assert "交叉验证 AUC：0.700。" in lines
    assert "每轮 20 次复核的精确率：0.550。" in lines
    assert all(not line.isascii() for line in lines)  # no English line left over
