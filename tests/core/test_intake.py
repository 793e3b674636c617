"""An import is one transaction: every row goes in, or none does; a refused file reports why."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.audit_log import AuditEntry
from core.errors import ValidationError
from core.hooktypes import ImportContext, Importer
from core.i18n import Message
from core.importing import ImportReport, RowError
from core.intake import run_import
from core.org.models import Unit, UnitLevel
from core.org.units import save_unit


def _units(session):
    return session.scalar(select(func.count()).select_from(Unit).where(Unit.code.like("IMP-%")))


def _importer(failing_line=None, refuse=False, crash=False, seen=None):
    def handler(session, data, filename, context):
        if seen is not None:
            seen.append(filename)
        for code in data.decode().split():
            save_unit(session, Unit(), code=f"IMP-{code}", name=code, level=UnitLevel.county, region_code="990199",
                      parent=None)
        if refuse:
            raise ValidationError("The file has no header row.")
        if crash:
            raise RuntimeError("disk full")
        report = ImportReport(created=len(data.split()))
        if failing_line is not None:
            report.extend([RowError(failing_line, "code", Message("Bad code."))])
        return report

    return Importer(kind="units-test", label="Units", handler=handler)


def test_a_clean_import_is_committed_under_its_actor(db_session):
    seen = []
    report = run_import(db_session, _importer(seen=seen), b"A B C", "units.csv", ImportContext(actor="importer:zhang"))
    assert report.ok and report.created == 3
    assert seen == ["units.csv"]  # the importer may tell formats apart by the file's name
    db_session.rollback()  # nothing pending: it was committed
    assert _units(db_session) == 3
    actors = set(db_session.scalars(select(AuditEntry.actor).where(AuditEntry.table_name == "units")))
    assert actors == {"importer:zhang"}


def test_one_bad_row_leaves_nothing_written(db_session):
    report = run_import(db_session, _importer(failing_line=3), b"A B C", "units.csv", ImportContext(actor="t"))
    assert not report.ok and [error.line for error in report.errors] == [3]
    assert _units(db_session) == 0


def test_a_dry_run_writes_nothing(db_session):
    report = run_import(db_session, _importer(), b"A B", "units.csv", ImportContext(actor="t", dry_run=True))
    assert report.ok and report.created == 2
    assert _units(db_session) == 0


def test_a_refused_file_is_one_problem_with_the_reason_and_nothing_written(db_session):
    report = run_import(db_session, _importer(refuse=True), b"A B", "units.csv", ImportContext(actor="t"))
    assert report.errors == [RowError(None, None, Message("The file has no header row."))]
    assert _units(db_session) == 0


def test_an_unexpected_failure_rolls_back_and_is_raised(db_session):
    with pytest.raises(RuntimeError, match="disk full"):
        run_import(db_session, _importer(crash=True), b"A B", "units.csv", ImportContext(actor="t"))
    assert _units(db_session) == 0
