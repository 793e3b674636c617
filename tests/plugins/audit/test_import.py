"""Importing findings: formats, row-by-row reports, one transaction, idempotent re-imports."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from core.audit_log import AuditEntry, verify
from core.hooktypes import ImportContext
from core.importing.progress import reporting
from core.intake import run_import
from core.plugins import importers
from core.signals import Signal
from plugins.audit.models import Finding, Severity, Status
from tests.plugins.audit.conftest import HEADERS_ZH, csv_bytes, jsonl_bytes, row, xlsx_bytes


def _import(app, session, data, name="findings.csv", user=None, dry_run=False):
    importer = importers(app.extensions["duban.plugins"])["audit"]
    context = ImportContext(actor=user.username if user else "cli", user_id=user.id if user else None,
                            dry_run=dry_run)
    return run_import(session, importer, data, name, context)


def _findings(session):
    return {f.ref: f for f in session.scalars(select(Finding))}


def test_a_csv_in_chinese_headers_creates_findings(app, db_session, org, ledger):
    data = csv_bytes([row("F-1", 事项编号="M-001", 严重程度="严重"), row("F-2", unit="B1", 涉及金额="", 整改期限="")])
    report = _import(app, db_session, data)
    assert report.ok, report.render(str)
    assert report.counts == {"created": 2, "updated": 0, "unchanged": 0, "skipped": 0}
    found = _findings(db_session)
    assert found["F-1"].severity == Severity.severe and found["F-1"].matter_id == ledger.matter.id
    assert found["F-1"].amount == Decimal("1200.50") and found["F-1"].status == Status.open
    assert found["F-2"].amount is None and found["F-2"].due is None and found["F-2"].unit_id == org.county_b1.id


def test_the_same_rows_as_xlsx_gbk_csv_or_json_lines_change_nothing(app, db_session, org, ledger):
    rows = [row("F-1", 严重程度="minor"), row("F-2", 严重程度="一般")]
    assert _import(app, db_session, csv_bytes(rows)).created == 2
    entries = db_session.scalar(select(func.count(AuditEntry.id)))
    for data, name in ((xlsx_bytes(rows), "f.xlsx"), (csv_bytes(rows, encoding="gbk"), "f.csv"),
                       (jsonl_bytes(rows), "f.jsonl"), (csv_bytes(rows), "f.csv")):
        report = _import(app, db_session, data, name)
        assert report.counts == {"created": 0, "updated": 0, "unchanged": 2, "skipped": 0}, name
    assert db_session.scalar(select(func.count(AuditEntry.id))) == entries


def test_a_changed_row_updates_the_finding_and_records_before_and_after(app, db_session, org, ledger):
    _import(app, db_session, csv_bytes([row("F-1")]))
    report = _import(app, db_session, csv_bytes([row("F-1", 严重程度="严重", 涉及金额="99")]))
    assert report.updated == 1
    finding = _findings(db_session)["F-1"]
    db_session.refresh(finding)
    assert finding.severity == Severity.severe and finding.amount == Decimal("99.00")
    entry = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "update",
                                                        AuditEntry.table_name == "audit_findings")).one()
    assert entry.before == {"severity": "major", "amount": "1200.50"}
    assert entry.after == {"severity": "severe", "amount": "99.00"}
    assert verify(db_session)[1] == []


def test_bulk_inserts_are_on_the_audit_trail(app, db_session, org, ledger):
    _import(app, db_session, csv_bytes([row(f"F-{n}") for n in range(5)]))
    entry = db_session.scalars(select(AuditEntry).where(AuditEntry.table_name == "audit_findings")).one()
    assert entry.action == "insert" and entry.actor == "cli"
    assert entry.after["finding_ids"] == [f"F-{n}" for n in range(5)] and entry.after["rows"] == 5
    assert verify(db_session)[1] == []


def test_every_bad_row_is_reported_and_nothing_is_written(app, db_session, org, ledger):
    data = csv_bytes([
        row("F-1"),
        row("F-2", 严重程度="很严重"),
        row("F-3", unit="NOPE"),
        row("F-4", 事项编号="M-404", 涉及金额="-5", 发现日期="2026-02-30"),
        row("F-1"),
        row("F-6", 发现日期="2026-07-01", 整改期限="2026-06-01"),
    ])
    report = _import(app, db_session, data)
    problems = {(error.line, error.column) for error in report.errors}
    assert problems == {(3, "severity"), (4, "unit_code"), (5, "found_on"), (5, "amount"),
                        (6, "finding_id"), (7, "rectification_due")}
    assert db_session.scalar(select(func.count(Finding.id))) == 0
    assert db_session.scalar(select(func.count(Signal.id))) == 0


def test_a_missing_column_is_reported_once(app, db_session, org, ledger):
    headers = [h for h in HEADERS_ZH if h != "严重程度"]
    data = csv_bytes([row(f"F-{n}")[:6] + row(f"F-{n}")[7:] for n in range(3)], headers=headers)
    report = _import(app, db_session, data)
    assert [(error.line, error.message.params.get("column")) for error in report.errors] == [(None, "severity")]


def test_a_dry_run_counts_but_writes_nothing(app, db_session, org, ledger):
    report = _import(app, db_session, csv_bytes([row("F-1"), row("F-2")]), dry_run=True)
    assert report.ok and report.created == 2
    assert db_session.scalar(select(func.count(Finding.id))) == 0


def test_an_import_records_unit_signals(app, db_session, org, ledger):
    from core import clock
    from tests.plugins.audit.test_dates import figure

    _import(app, db_session, csv_bytes([
        row("F-1", 严重程度="严重", 涉及金额="100", 整改期限="2020-01-31", 发现日期="2020-01-01"),
        row("F-2", 涉及金额="50"),
        row("F-3", 整改状态="已整改", 涉及金额="1000"),
    ]))
    today = clock.today()
    signals = {kind: figure(db_session, org.county_a1.id, kind, today) for kind in (
        "open_findings", "severe_findings", "amount_involved", "repeat_findings", "rectification_overdue_days")}
    assert signals["open_findings"] == 2 and signals["severe_findings"] == 1
    assert signals["amount_involved"] == 150 and signals["repeat_findings"] == 2
    assert signals["rectification_overdue_days"] == (today - date(2020, 1, 31)).days


def test_progress_is_reported_batch_by_batch(app, db_session, org, ledger):
    seen = []
    importer = importers(app.extensions["duban.plugins"])["audit"]
    data = csv_bytes([row(f"F-{n}") for n in range(2500)])
    with reporting(lambda done, total: seen.append((done, total))):
        report = run_import(db_session, importer, data, "big.csv", ImportContext(actor="cli"))
    assert report.created == 2500
    assert seen == [(2000, 2500), (2500, 2500)]


def test_the_command_line_imports_with_progress_and_exports(app, db_session, org, ledger, tmp_path):
    source = tmp_path / "findings.csv"
    source.write_bytes(csv_bytes([row("F-1"), row("F-2", unit="B1")]))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["findings", "import", str(source)])
    assert result.exit_code == 0, result.output
    assert "100% 2/2" in result.output  # the progress bar (standard error, mixed in by the runner)
    out = tmp_path / "out.xlsx"
    assert runner.invoke(args=["findings", "export", "--format", "xlsx", "-o", str(out)]).exit_code == 0
    from openpyxl import load_workbook

    assert load_workbook(out).active.max_row == 3
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([row("F-3", unit="NOPE")]))
    failed = runner.invoke(args=["findings", "import", "--quiet", str(bad)])
    assert failed.exit_code == 1 and "NOPE" in failed.output
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0  # core's audit trail command is untouched
