"""Generating, editing and publishing a circular; the answers it demands and their reminders."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.circulars.drafting import DraftRequest, generate_circular
from core.circulars.models import CircularState, ExplanationState, Verdict
from core.circulars.reminders import send_explanation_reminders
from core.circulars.workflow import (
    publish_circular,
    remove_entry,
    review_explanation,
    submit_explanation,
    update_entry,
)
from core.errors import Forbidden, InvalidTransition, NotFound, ValidationError
from core.notify import Notification, render_body


def identity(text: str) -> str:
    return text


def _draft(province, today, **kwargs):
    request = DraftRequest(title="关于危房改造的通报", start=today - timedelta(days=30), end=today,
                           weights={"on_time": 1.0}, **kwargs)
    return generate_circular(province.scope(province.staff), request, today, [], identity)


def _inbox(db_session, user):
    return list(db_session.scalars(select(Notification).where(Notification.user_id == user.id)))


def test_draft_commends_the_best_and_criticises_the_worst_with_the_facts(province, today):
    circular = _draft(province, today)
    assert circular.state == CircularState.draft
    assert [r.unit.code for r in circular.rankings] == ["A1", "B1", "A2"]
    verdicts = {e.unit.code: e for e in circular.entries}
    assert verdicts["A1"].verdict == Verdict.commend
    assert "2 of 2 tasks assessed were completed on time" in verdicts["A1"].text
    assert verdicts["A2"].verdict == Verdict.criticise
    assert "2 still overdue" in verdicts["A2"].text
    assert "农村危房改造" in verdicts["A2"].text  # the matters it is overdue on
    assert "B1" not in verdicts


def test_no_unit_with_tasks_in_the_period_is_refused(province, today):
    request = DraftRequest(title="空", start=today - timedelta(days=400), end=today - timedelta(days=300),
                           weights={"on_time": 1.0})
    with pytest.raises(ValidationError):
        generate_circular(province.scope(province.staff), request, today, [], identity)


def test_unit_officers_and_leaders_cannot_generate(province, today):
    for user in (province.west, province.leader):
        request = DraftRequest(title="x", start=today, end=today, weights={"on_time": 1.0})
        with pytest.raises(Forbidden):
            generate_circular(province.scope(user), request, today, [], identity)


def test_publishing_numbers_it_demands_answers_and_tells_the_units(province, db_session, today):
    circular = _draft(province, today, explanation_days=10)
    entry = next(e for e in circular.entries if e.verdict == Verdict.criticise)
    update_entry(province.scope(province.staff), entry.id, text="河西区两项任务逾期，予以通报批评。")
    publish_circular(province.scope(province.staff), circular.id, today)
    assert circular.number == f"示督通〔{today.year}〕1号"
    assert circular.explanation_due == today + timedelta(days=10)
    [explanation] = circular.explanations
    assert (explanation.unit.code, explanation.state) == ("A2", ExplanationState.pending)
    assert any("criticised" in render_body(n, identity) for n in _inbox(db_session, province.west))
    assert _inbox(db_session, province.east)  # commended units hear too
    with pytest.raises(InvalidTransition):
        update_entry(province.scope(province.staff), entry.id, text="改")
    second = _draft(province, today)
    publish_circular(province.scope(province.staff), second.id, today)
    assert second.number == f"示督通〔{today.year}〕2号"


def test_draft_is_hidden_from_units_and_published_circular_only_from_units_not_ranked(province, org, today):
    circular = _draft(province, today)
    west = province.scope(province.west)
    with pytest.raises(NotFound):
        west.get(type(circular), circular.id)
    publish_circular(province.scope(province.staff), circular.id, today)
    assert west.get(type(circular), circular.id) is circular
    from core.access.models import Role

    outsider = org.user("edu", Role.unit_officer, org.department)
    with pytest.raises(NotFound):
        province.scope(outsider).get(type(circular), circular.id)


def test_criticised_unit_answers_staff_send_back_and_accept(province, db_session, today):
    circular = _draft(province, today)
    entry = next(e for e in circular.entries if e.verdict == Verdict.commend)
    remove_entry(province.scope(province.staff), entry.id)
    publish_circular(province.scope(province.staff), circular.id, today)
    [explanation] = circular.explanations
    # The sibling county may neither see nor answer it.
    with pytest.raises(NotFound):
        submit_explanation(province.scope(province.east), explanation.id, reasons="x", plan="y")
    with pytest.raises(ValidationError):
        submit_explanation(province.scope(province.west), explanation.id, reasons="原因", plan=" ")
    submit_explanation(province.scope(province.west), explanation.id, reasons="审批滞后", plan="倒排工期，月底前完成")
    assert explanation.state == ExplanationState.submitted
    assert any("answered" in render_body(n, identity) for n in _inbox(db_session, province.staff))
    with pytest.raises(InvalidTransition):
        submit_explanation(province.scope(province.west), explanation.id, reasons="a", plan="b")
    with pytest.raises(ValidationError):
        review_explanation(province.scope(province.staff), explanation.id, accept=False)
    review_explanation(province.scope(province.staff), explanation.id, accept=False, comment="措施不具体", today=today)
    assert (explanation.state, explanation.due) == (ExplanationState.returned, today + timedelta(days=7))
    submit_explanation(province.scope(province.west), explanation.id, reasons="审批滞后", plan="明确到人到周")
    review_explanation(province.scope(province.staff), explanation.id, accept=True)
    assert explanation.state == ExplanationState.accepted


def test_tick_reminds_before_and_after_the_due_date_once_each(province, db_session, today):
    circular = _draft(province, today, explanation_days=2)
    publish_circular(province.scope(province.staff), circular.id, today)
    before = len(_inbox(db_session, province.west))
    assert send_explanation_reminders(db_session, today) == ["circulars: 1 explanation reminders, 0 overdue notices"]
    assert send_explanation_reminders(db_session, today) == ["circulars: 0 explanation reminders, 0 overdue notices"]
    later = today + timedelta(days=3)
    assert send_explanation_reminders(db_session, later) == ["circulars: 0 explanation reminders, 1 overdue notices"]
    assert send_explanation_reminders(db_session, later) == ["circulars: 0 explanation reminders, 0 overdue notices"]
    assert len(_inbox(db_session, province.west)) == before + 2


def test_publishing_sends_a_webhook_to_subscribers(province, db_session, today):
    from sqlalchemy import select

    from core.webhooks import WebhookDelivery, WebhookSubscriber, save_subscriber

    save_subscriber(db_session, WebhookSubscriber(), name="press office", url="https://press.example/hook",
                    events=["circular.published"])
    circular = _draft(province, today)
    publish_circular(province.scope(province.staff), circular.id, today)
    [delivery] = db_session.scalars(select(WebhookDelivery)).all()
    assert delivery.event == "circular.published"
    assert delivery.payload["data"]["number"] == circular.number
    assert "A2" in delivery.payload["data"]["criticised"]
