"""The task state machine, as staff and unit officers meet it."""
from __future__ import annotations

import pytest

from core.errors import Forbidden, InvalidTransition, NotFound, ValidationError
from core.i18n import translator
from core.ledger.attachments import Upload
from core.ledger.models import EventKind, TaskState
from core.ledger.report_models import Attachment
from core.ledger.timeline import timeline
from core.ledger.workflow import (
    close_task,
    file_report,
    give_delay_reason,
    review_report,
    sign_task,
    urge_task,
)
from core.notify import unread_count

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_sign_report_return_resubmit_accept_close(db_session, ledger, tmp_path):
    east, staff = ledger.scope(ledger.east), ledger.scope(ledger.staff)
    task_id = ledger.east_task.id
    sign_task(east, task_id)
    first = file_report(east, task_id, text="已完成120户", percent_done=60,
                        uploads=[Upload("进展.pdf", PDF)], attachment_folder=str(tmp_path / "files"))
    review_report(staff, first.id, accept=False, comment="缺少验收材料")
    assert ledger.east_task.state == TaskState.returned
    assert ledger.east_task.returned_count == 1
    second = file_report(east, task_id, text="已完成200户，附验收单", percent_done=100)
    review_report(staff, second.id, accept=True)
    close_task(staff, task_id)
    db_session.commit()

    assert ledger.east_task.state == TaskState.closed
    kinds = [event.kind for event in timeline(db_session, ledger.east_task)]
    assert kinds == [EventKind.dispatched, EventKind.signed, EventKind.reported, EventKind.returned,
                     EventKind.reported, EventKind.accepted, EventKind.closed]
    stored = db_session.query(Attachment).one()
    assert stored.content_type == "application/pdf" and stored.filename == "进展.pdf"
    # The unit heard about the dispatch, the return, the acceptance and the closing.
    assert unread_count(db_session, ledger.east.id) == 4


def test_closing_a_task_nobody_reported_on_is_refused_in_both_languages(ledger):
    with pytest.raises(InvalidTransition) as refused:
        close_task(ledger.scope(ledger.staff), ledger.east_task.id)
    assert refused.value.message.render(translator("en")) == \
        "Nobody has reported on this task yet, so it cannot be closed."
    assert refused.value.message.render(translator("zh_CN")) == "该任务尚无人报送进展，不能销号。"


def test_reporting_on_a_closed_task_is_refused(db_session, ledger):
    east, staff = ledger.scope(ledger.east), ledger.scope(ledger.staff)
    sign_task(east, ledger.east_task.id)
    report = file_report(east, ledger.east_task.id, text="完成", percent_done=100)
    review_report(staff, report.id, accept=True)
    close_task(staff, ledger.east_task.id)
    with pytest.raises(InvalidTransition) as refused:
        file_report(east, ledger.east_task.id, text="补充", percent_done=100)
    assert refused.value.message.render(translator("en")) == \
        "This task is closed; no more reports can be filed on it."
    assert refused.value.message.render(translator("zh_CN")) == "该任务已销号，不能再报送进展。"


def test_reporting_before_signing_and_twice_while_waiting_are_refused(ledger):
    east = ledger.scope(ledger.east)
    with pytest.raises(InvalidTransition):
        file_report(east, ledger.east_task.id, text="x", percent_done=10)
    sign_task(east, ledger.east_task.id)
    with pytest.raises(InvalidTransition):
        sign_task(east, ledger.east_task.id)
    file_report(east, ledger.east_task.id, text="x", percent_done=10)
    with pytest.raises(InvalidTransition):
        file_report(east, ledger.east_task.id, text="y", percent_done=20)


def test_sending_back_needs_a_reason(ledger):
    east = ledger.scope(ledger.east)
    sign_task(east, ledger.east_task.id)
    report = file_report(east, ledger.east_task.id, text="x", percent_done=10)
    with pytest.raises(ValidationError):
        review_report(ledger.scope(ledger.staff), report.id, accept=False, comment="  ")


def test_a_sibling_county_cannot_touch_the_task(ledger):
    west = ledger.scope(ledger.west)
    with pytest.raises(NotFound):
        sign_task(west, ledger.east_task.id)
    with pytest.raises(NotFound):
        west.get(type(ledger.east_task), ledger.east_task.id)


def test_a_unit_cannot_review_its_own_report(ledger):
    east = ledger.scope(ledger.east)
    sign_task(east, ledger.east_task.id)
    report = file_report(east, ledger.east_task.id, text="x", percent_done=10)
    with pytest.raises(Forbidden):
        review_report(east, report.id, accept=True)


def test_a_forbidden_or_oversized_attachment_is_refused_and_nothing_stored(db_session, ledger, tmp_path):
    east = ledger.scope(ledger.east)
    sign_task(east, ledger.east_task.id)
    with pytest.raises(ValidationError) as refused:
        file_report(east, ledger.east_task.id, text="x", percent_done=10,
                    uploads=[Upload("report.pdf", b"MZ\x90\x00\x03\x00 not a pdf")],
                    attachment_folder=str(tmp_path / "files"))
    assert "report.pdf" in refused.value.message.render(translator("en"))
    with pytest.raises(ValidationError):
        file_report(east, ledger.east_task.id, text="x", percent_done=10,
                    uploads=[Upload("big.pdf", PDF + b"0" * 2048)], attachment_folder=str(tmp_path / "files"),
                    max_bytes=1024)
    with pytest.raises(ValidationError):
        file_report(east, ledger.east_task.id, text="x", percent_done=10,
                    uploads=[Upload("page.txt", b"<html><script>alert(1)</script></html>")],
                    attachment_folder=str(tmp_path / "files"))
    assert ledger.east_task.state == TaskState.signed
    assert not (tmp_path / "files").exists()


def test_urging_and_delay_reason(db_session, ledger, today):
    from datetime import timedelta

    staff, east = ledger.scope(ledger.staff), ledger.scope(ledger.east)
    urge_task(staff, ledger.east_task.id, text="请加快进度")
    with pytest.raises(InvalidTransition):
        give_delay_reason(east, ledger.east_task.id, reason="资金未到位", today=today)
    later = ledger.east_task.deadline + timedelta(days=2)
    give_delay_reason(east, ledger.east_task.id, reason="资金未到位", today=later)
    assert ledger.east_task.delay_reason == "资金未到位"
    kinds = [event.kind for event in timeline(db_session, ledger.east_task)]
    assert EventKind.urged in kinds and EventKind.reason_given in kinds
