"""Settings that hold for every unit (the scoring rules, training the model) are changed only at the root."""
from __future__ import annotations

from sqlalchemy import func, select

from core.audit_log import AuditEntry
from core.jobs import JobRun
from core.scoring.models import RuleFile, TaskScore

HOSTILE = '[[rule]]\nid = "quiet"\nwhen = "true"\npoints = -1000\nreason = "nothing to see"\n'


def test_a_city_supervisor_can_neither_rewrite_the_rules_nor_train_the_model(client, auth, db_session, review):
    before = db_session.scalar(select(func.count(RuleFile.id)))
    priorities = dict(db_session.execute(select(TaskScore.task_id, TaskScore.priority)).all())
    auth.login("astaff")
    for action in ("save", "preview"):
        assert client.post("/review/rules", data={"text": HOSTILE, "action": action}).status_code == 403
    assert client.post("/review/model/train").status_code == 403
    page = client.get("/review/rules").get_data(as_text=True)
    assert 'name="action" value="save"' not in page  # no save button offered either
    assert db_session.scalar(select(func.count(RuleFile.id))) == before
    assert db_session.scalar(select(func.count(JobRun.id)).where(JobRun.job == "train_model")) == 0
    assert dict(db_session.execute(select(TaskScore.task_id, TaskScore.priority)).all()) == priorities


def test_a_provincial_supervisor_saves_the_rules_on_the_record(client, auth, db_session, review):
    auth.login("staff")
    text = HOSTILE.replace("-1000", "5")
    assert client.post("/review/rules", data={"text": text, "action": "save"}).status_code == 302
    saved = db_session.scalar(select(RuleFile).order_by(RuleFile.id.desc()).limit(1))
    assert saved.text == text and saved.saved_by == "staff"
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.table_name == "scoring_rule_files")
                              .order_by(AuditEntry.id.desc()).limit(1))
    assert (entry.actor, entry.action, entry.after["text"]) == ("staff", "insert", text)
    assert client.post("/review/model/train").status_code == 302
    assert db_session.scalar(select(JobRun.requested_by).where(JobRun.job == "train_model")) == review.staff.id
