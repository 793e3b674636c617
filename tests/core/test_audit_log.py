"""The audit trail records every change and detects tampering."""
from __future__ import annotations

from sqlalchemy import select, text

from core import audit_log
from core.access.models import Role
from core.audit_log import AuditEntry
from core.org.models import Unit


def test_every_change_is_recorded_with_actor_and_values(db_session, org):
    unit = db_session.scalar(select(Unit).where(Unit.code == "A1"))
    unit.name = "河东新区"
    db_session.commit()
    entry = db_session.scalars(
        select(AuditEntry).where(AuditEntry.table_name == "units", AuditEntry.action == "update")
        .order_by(AuditEntry.id.desc())).first()
    assert entry.actor == "tests"
    assert entry.before == {"name": "河东区"} and entry.after == {"name": "河东新区"}
    db_session.delete(db_session.scalar(select(Unit).where(Unit.code == "P-EDU")))
    db_session.commit()
    deleted = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "delete")).one()
    assert deleted.before["code"] == "P-EDU"


def test_password_hashes_are_masked(db_session, org):
    org.user("wang", Role.supervisor, org.province)
    entry = db_session.scalars(select(AuditEntry).where(AuditEntry.table_name == "users")).first()
    assert entry.after["password_hash"] == "***"


def test_verify_passes_then_detects_an_edited_row(db_session, org, runner):
    checked, problems = audit_log.verify(db_session)
    assert checked > 5 and problems == []
    assert "intact" in runner.invoke(args=["audit", "verify"]).output
    db_session.execute(text("UPDATE audit_log SET actor = 'someone-else' WHERE id = 3"))
    _checked, problems = audit_log.verify(db_session)
    assert [p.entry_id for p in problems] == [3]
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0 and "entry 3" in result.output


def test_verify_detects_a_deleted_row_and_a_removed_tail(db_session, org):
    last = db_session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()))
    db_session.execute(text("DELETE FROM audit_log WHERE id = 2"))
    _checked, problems = audit_log.verify(db_session)
    assert any(p.entry_id == 3 for p in problems)
    db_session.rollback()
    db_session.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": last})
    _checked, problems = audit_log.verify(db_session)
    assert problems and "removed" in problems[-1].reason
