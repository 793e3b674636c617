"""``duban evaluations institution add | evaluator add | assign``: setting up evaluations from scripts."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core.access.assignments import assignments_of
from core.access.models import Role
from core.audit_log import AuditEntry
from core.ledger.models import Matter, MatterKind, Task
from plugins.third_party_eval.models import Evaluator, Institution, Score
from tests.conftest import PASSWORD
from tests.plugins.third_party_eval.conftest import csv_file, line

NAME = "青山评估中心"


@pytest.fixture
def roads(db_session, org):
    matter = Matter(code="M-ROAD", title="道路整治", kind=MatterKind.work_report, owner_unit_id=org.province.id)
    db_session.add(matter)
    db_session.flush()
    for unit in (org.county_a1, org.county_a2):
        db_session.add(Task(matter_id=matter.id, unit_id=unit.id, description="任务", deadline=date(2026, 12, 31)))
    db_session.commit()
    return matter


def _duban(runner, *args: str, **kwargs):
    return runner.invoke(args=list(args), **kwargs)


def test_a_script_registers_an_institution_its_evaluator_and_an_assignment_then_imports(
        runner, db_session, org, roads, tmp_path):
    result = _duban(runner, "user", "create", "ev", "--role", "evaluator", "--password-stdin", input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output

    result = _duban(runner, "evaluations", "institution", "add", NAME, "--owner-unit", "A", "--contact", "王工 123")
    assert result.exit_code == 0, result.output
    assert NAME in result.output and "青山市" in result.output
    institution = db_session.scalar(select(Institution).where(Institution.name == NAME))
    assert institution.owner_unit_id == org.city_a.id and institution.contact == "王工 123"
    again = _duban(runner, "evaluations", "institution", "add", NAME)
    assert again.exit_code == 0 and "已" in again.output, again.output
    assert db_session.scalar(select(func.count(Institution.id))) == 1

    result = _duban(runner, "evaluations", "evaluator", "add", "ev", "--institution", NAME)
    assert result.exit_code == 0, result.output
    assert _duban(runner, "evaluations", "evaluator", "add", "ev", "--institution", NAME).exit_code == 0
    evaluator = db_session.scalar(select(Evaluator).where(Evaluator.institution_id == institution.id))
    assert evaluator.user.username == "ev"

    result = _duban(runner, "evaluations", "assign", NAME, "M-ROAD")
    assert result.exit_code == 0, result.output
    assert "ev" in result.output and "M-ROAD" in result.output
    assert _duban(runner, "evaluations", "assign", "ev", "M-ROAD").exit_code == 0  # the same assignment again
    assignments = assignments_of(db_session, evaluator.user_id)
    assert [(a.matter_id, a.unit_id) for a in assignments] == [(roads.id, None)]

    # Every change is on the audit trail, attributed to the command line as the forms attribute theirs.
    written = set(db_session.execute(select(AuditEntry.table_name, AuditEntry.actor).where(
        AuditEntry.table_name.in_(["tpe_institutions", "tpe_evaluators", "assignments"]))))
    assert written == {("tpe_institutions", "cli"), ("tpe_evaluators", "cli"), ("assignments", "cli")}

    # Now `duban import evaluations` takes the institution's rows.
    path = tmp_path / "scores.csv"
    path.write_bytes(csv_file([line(evaluator=NAME, on="2026-04-01"), line(unit="A2", on="2026-04-01")]))
    result = _duban(runner, "import", "evaluations", str(path))
    assert result.exit_code == 0, result.output
    assert db_session.scalar(select(func.count(Score.id))) == 2


def test_the_owner_unit_defaults_to_the_top_of_the_hierarchy(runner, db_session, org):
    result = _duban(runner, "evaluations", "institution", "add", "白水评估所")
    assert result.exit_code == 0, result.output
    assert db_session.scalar(select(Institution.owner_unit_id).where(Institution.name == "白水评估所")) \
        == org.province.id


def test_an_assignment_may_cover_one_units_part_of_a_matter(runner, db_session, org, roads):
    org.user("ev", Role.evaluator)
    assert _duban(runner, "evaluations", "institution", "add", NAME).exit_code == 0
    assert _duban(runner, "evaluations", "evaluator", "add", "ev", "--institution", NAME).exit_code == 0
    result = _duban(runner, "evaluations", "assign", "ev", "M-ROAD", "--unit", "A2")
    assert result.exit_code == 0, result.output
    user_id = db_session.scalar(select(Evaluator.user_id))
    assert [a.unit_id for a in assignments_of(db_session, user_id)] == [org.county_a2.id]
    refused = _duban(runner, "evaluations", "assign", "ev", "M-ROAD", "--unit", "B1")  # no task there
    assert refused.exit_code == 1 and "B1" in refused.output


def test_mistakes_are_told_in_chinese_exit_non_zero_and_write_nothing(runner, db_session, org, roads):
    org.user("staff", Role.supervisor, org.province)
    org.user("ev", Role.evaluator)
    entries = db_session.scalar(select(func.count(AuditEntry.id)))

    def refused(*args: str, says: str) -> None:
        result = _duban(runner, "evaluations", *args)
        assert result.exit_code == 1, (args, result.output)
        assert says in result.output, (args, result.output)

    refused("institution", "add", NAME, "--owner-unit", "NOPE", says="NOPE")
    refused("institution", "add", "  ", says="名称")
    refused("evaluator", "add", "ev", "--institution", NAME, says=NAME)  # not registered yet
    assert _duban(runner, "evaluations", "institution", "add", NAME).exit_code == 0
    entries = db_session.scalar(select(func.count(AuditEntry.id)))
    refused("evaluator", "add", "nobody", "--institution", NAME, says="nobody")
    refused("evaluator", "add", "staff", "--institution", NAME, says="评估")  # not an evaluator account
    refused("assign", NAME, "M-ROAD", says="evaluator add")  # the institution has no evaluators
    refused("assign", "ev", "M-ROAD", says="evaluator add")  # the account belongs to no institution
    refused("assign", "nobody", "M-ROAD", says="nobody")
    assert _duban(runner, "evaluations", "evaluator", "add", "ev", "--institution", NAME).exit_code == 0
    entries = db_session.scalar(select(func.count(AuditEntry.id)))
    refused("assign", "ev", "M-NONE", says="M-NONE")
    refused("assign", NAME, "M-ROAD", "--unit", "ZZ", says="ZZ")
    assert _duban(runner, "evaluations", "institution", "add", "第二评估所").exit_code == 0
    refused("evaluator", "add", "ev", "--institution", "第二评估所", says=NAME)  # one institution per account
    assert db_session.scalar(select(func.count(Evaluator.id))) == 1
    assert not assignments_of(db_session, db_session.scalar(select(Evaluator.user_id)))
    assert db_session.scalar(select(func.count(AuditEntry.id))) == entries + 1  # only the second institution


def test_messages_in_english_when_asked(runner, org, monkeypatch):
    monkeypatch.setenv("DUBAN_LANG", "en")
    result = _duban(runner, "evaluations", "evaluator", "add", "ev", "--institution", "Nowhere")
    assert result.exit_code == 1
    assert "No evaluation institution is named Nowhere." in result.output
