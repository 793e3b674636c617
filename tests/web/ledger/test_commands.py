"""``duban import matters`` and ``duban tick`` on the command line."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from core.ledger.models import EventKind, TaskEvent
from core.notify import EmailState, Notification

HEADER = "code,title,kind,source_ref,task,lead_unit,co_units,deadline,cadence\n"


def test_import_matters_dry_run_then_for_real(runner, org, db_session, tmp_path):
    path = tmp_path / "ledger.csv"
    path.write_text(HEADER + "M-1,河道治理,instruction,省领导批示件第2026-1号,清理河道,A1,,2026-10-01,once\n",
                    encoding="utf-8")
    dry = runner.invoke(args=["import", "matters", str(path), "--dry-run"], env={"DUBAN_LANG": "en"})
    assert dry.exit_code == 0 and "Dry run: nothing was written." in dry.output
    assert "Checking rows" in dry.output  # the progress bar's label (off a terminal, the label alone)
    real = runner.invoke(args=["import", "matters", str(path)], env={"DUBAN_LANG": "en"})
    assert real.exit_code == 0 and "Created 1" in real.output


def test_import_with_bad_rows_exits_non_zero(runner, org, tmp_path):
    path = tmp_path / "ledger.csv"
    path.write_text(HEADER + "M-1,河道治理,instruction,,清理河道,ZZ,,2026-13-01,once\n", encoding="utf-8")
    result = runner.invoke(args=["import", "matters", str(path)], env={"DUBAN_LANG": "en"})
    assert result.exit_code == 1 and "Row 2" in result.output


def test_tick_reminds_once_and_mails_once(app, runner, ledger, db_session, smtp_server):
    inbox, mail = smtp_server
    app.config.update(mail)
    ledger.east.email = "east@example.org"
    ledger.west_task.deadline = date.today() - timedelta(days=2)
    ledger.east_task.deadline = date.today() + timedelta(days=1)
    db_session.commit()
    db_session.query(Notification).delete()  # the dispatch notices are not what this test is about
    db_session.commit()

    first = runner.invoke(args=["tick", "--now", date.today().isoformat() + "T09:00:00+00:00"])
    second = runner.invoke(args=["tick", "--now", date.today().isoformat() + "T10:00:00+00:00"])

    assert first.exit_code == 0, first.output
    assert "1 due-soon reminders, 1 overdue notices" in first.output
    assert "tasks rescored" in first.output  # core's own tick work: the review queue for the day
    assert "0 due-soon reminders, 0 overdue notices" in second.output
    assert len(inbox.messages) == 1 and inbox.messages[0]["To"] == "east@example.org"
    overdue_events = db_session.scalar(select(func.count()).select_from(TaskEvent)
                                       .where(TaskEvent.kind == EventKind.overdue))
    assert overdue_events == 1
    states = set(db_session.scalars(select(Notification.email_state)))
    assert EmailState.pending not in states
