"""The review pages as staff use them, and what other units may not see or do."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from core.access.models import Role
from core.access.scope import Scope
from core.jobs import JobRun, RunState
from core.review.models import ReviewOutcome, ReviewRound, ReviewVisit
from core.signals import record_signal


def test_the_queue_lists_scored_tasks_with_reasons_and_filters_by_region(client, auth, db_session, review, org):
    task = review.tasks["B1"]
    record_signal(db_session, source="hotline", kind="complaints", ref="x", unit_id=task.unit_id,
                  matter_id=task.matter_id, value=3, observed_on=review.today)
    db_session.commit()
    auth.login("staff")
    page = client.get("/review/").get_data(as_text=True)
    assert page.count('class="item-link"') == 3
    only_b = client.get("/review/?region=990200").get_data(as_text=True)
    assert only_b.count('class="item-link"') == 1 and "城关区" in only_b
    by_source = client.get("/review/?source=hotline").get_data(as_text=True)
    assert by_source.count('class="item-link"') == 1


def test_a_sibling_citys_staff_see_only_their_own_tasks(client, auth, review):
    auth.login("astaff")
    page = client.get("/review/").get_data(as_text=True)
    assert page.count('class="item-link"') == 2 and "城关区" not in page
    assert client.get(f"/review/tasks/{review.tasks['B1'].id}").status_code == 404
    assert client.get(f"/review/tasks/{review.tasks['A1'].id}").status_code == 200


def test_planning_a_round_and_recording_an_outcome(client, auth, db_session, review):
    auth.login("staff")
    response = client.post("/review/rounds", data={"name": "第一轮", "budget": 3, "random_share": "0.34",
                                                   "min_region_chance": "0.05"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert page.count('class="record-outcome"') == 0 and 'id="start-first"' in page  # not before it starts
    assert page.count('<tr class="random">') == 1
    round_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    client.post(f"/review/rounds/{round_id}/state/active")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert page.count('class="record-outcome"') == 3
    visit_id = re.search(r"/review/visits/(\d+)/outcome", page).group(1)
    response = client.post(f"/review/visits/{visit_id}/outcome", data={
        "visited_on": review.today.isoformat(), "problem_found": "1", "severity": "major", "findings": "未完工",
        "unit_response": "", "rectification_deadline": "", "requirement": ""})
    assert response.status_code == 302
    outcome = db_session.scalar(select(ReviewOutcome).where(ReviewOutcome.visit_id == int(visit_id)))
    assert outcome.problem_found and outcome.severity.value == "major"


def test_an_outcome_for_another_citys_visit_is_refused(client, auth, db_session, review):
    auth.login("staff")
    client.post("/review/rounds", data={"name": "全省", "budget": 3, "random_share": "0", "min_region_chance": "0"})
    visit = db_session.scalar(select(ReviewVisit).where(ReviewVisit.unit_id == review.tasks["B1"].unit_id))
    auth.logout()
    auth.login("astaff")
    assert client.get(f"/review/visits/{visit.id}/outcome").status_code == 404
    response = client.post(f"/review/visits/{visit.id}/outcome", data={
        "visited_on": review.today.isoformat(), "problem_found": "0"})
    assert response.status_code == 404
    assert db_session.scalar(select(ReviewOutcome).where(ReviewOutcome.visit_id == visit.id)) is None
    round_id = db_session.scalar(select(ReviewRound.id))
    assert client.get(f"/review/rounds/{round_id}").status_code == 404


def test_unit_officers_cannot_open_the_queue(client, auth, review):
    auth.login("east")
    assert client.get("/review/").status_code == 403
    assert client.post("/review/model/train").status_code == 403


def test_training_is_queued_as_a_job_and_the_page_follows_its_run(app, client, auth, db_session, review, org):
    queue = app.extensions["duban.jobs"]
    queue.huey.flush()
    auth.login("staff")
    page = client.post("/review/model/train", follow_redirects=True).get_data(as_text=True)
    run = db_session.scalar(select(JobRun).where(JobRun.job == "train_model"))
    assert (run.state, run.arguments, run.requested_by) == (RunState.queued, ["staff"], review.staff.id)
    assert queue.huey.pending_count() == 1  # sent once the click's transaction committed
    assert 'id="training-run" class="job-run queued"' in page and 'http-equiv="refresh"' in page
    page = client.post("/review/model/train", follow_redirects=True).get_data(as_text=True)
    assert db_session.scalar(select(func.count(JobRun.id))) == 1  # a second click queues nothing more
    assert queue.huey.pending_count() == 1

    result = queue.huey.execute(queue.huey.dequeue())  # the consumer runs it: too few outcomes
    assert result["trained"] is False
    page = client.get("/review/model").get_data(as_text=True)
    state = re.search(r'id="training-run" class="job-run done">([^<]*)', page).group(1)
    assert "10" in state and "staff" in state  # who asked, and why nothing changed
    assert "规则" in page and 'http-equiv="refresh"' not in page  # the rules alone still rank the queue

    org.user("reader", Role.leader, org.province)  # reads the model page: follows its trainings too
    auth.logout()
    auth.login("reader")
    assert 'id="training-run"' in client.get("/review/model").get_data(as_text=True)
    assert client.post("/review/model/train").status_code == 403


def test_a_rule_with_a_mistake_is_refused_with_its_position_and_nothing_is_saved(client, auth, review):
    auth.login("staff")
    text = '[[rule]]\nid = "late"\nwhen = "overdue_days > > 3"\npoints = 10\nreason = "late"\n'
    response = client.post("/review/rules", data={"text": text, "action": "save"})
    assert response.status_code == 400
    assert "16" in re.search(r'id="rules-error">([^<]*)', response.get_data(as_text=True)).group(1)
    unknown = text.replace("overdue_days > > 3", "audit.severe_findings > 0")
    response = client.post("/review/rules", data={"text": unknown, "action": "preview"})
    assert response.status_code == 400 and "audit.severe_findings" in response.get_data(as_text=True)
    assert 'late' not in client.get("/review/rules").get_data(as_text=True).split('id="rules-in-force"')[1] \
        .split("</table>")[0]


def test_the_rules_preview_shows_how_the_queue_would_change_then_saving_applies_it(client, auth, db_session, review):
    task = review.tasks["A2"]
    record_signal(db_session, source="hotline", kind="complaints", ref="x", unit_id=task.unit_id,
                  matter_id=task.matter_id, value=12, observed_on=review.today)
    db_session.commit()
    auth.login("staff")
    text = ('[[rule]]\nid = "hotline.many"\nwhen = "hotline.complaints >= 10"\npoints = 60\n'
            'reason = "%(hotline.complaints)s hotline complaints"\n')
    page = client.post("/review/rules", data={"text": text, "action": "preview"}).get_data(as_text=True)
    assert 'id="preview"' in page and "▲" in page
    client.post("/review/rules", data={"text": text, "action": "save"})
    queue = client.get("/review/").get_data(as_text=True)
    assert "12 hotline complaints" in queue
    first = re.search(r'href="/review/tasks/(\d+)" class="item-link"', queue).group(1)
    assert int(first) == task.id


def test_history_summaries_read_as_sentences_on_the_rules_and_task_pages(client, auth, db_session, review):
    task = review.tasks["B1"]
    for k, value in enumerate((3, 5)):
        record_signal(db_session, source="hotline", kind="complaints", ref=f"h{k}", unit_id=task.unit_id,
                      matter_id=task.matter_id, value=value, observed_on=review.today)
    db_session.commit()
    auth.login("staff")
    rules = client.get("/review/rules").get_data(as_text=True)
    item = client.get(f"/review/tasks/{task.id}").get_data(as_text=True)
    for page in (rules, item):
        assert "%(feature)s" not in page
    assert "hotline.complaints，历史均值" in rules or "hotline.complaints, mean of its history" in rules


def test_an_outcome_dated_after_today_is_refused_and_nothing_is_written(client, auth, db_session, review):
    from datetime import timedelta

    from core import clock

    auth.login("staff")
    response = client.post("/review/rounds", data={"name": "第二轮", "budget": 1, "random_share": "0",
                                                   "min_region_chance": "0.05"})
    client.post(response.headers["Location"] + "/state/active")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    visit_id = re.search(r"/review/visits/(\d+)/outcome", page).group(1)
    response = client.post(f"/review/visits/{visit_id}/outcome", data={
        "visited_on": (clock.today() + timedelta(days=1)).isoformat(), "problem_found": "0", "severity": "",
        "findings": "", "unit_response": "", "rectification_deadline": "", "requirement": ""})
    assert response.status_code in (200, 400)
    assert "晚于今天" in response.get_data(as_text=True)
    assert db_session.scalar(select(func.count(ReviewOutcome.id)).where(
        ReviewOutcome.visit_id == int(visit_id))) == 0


def _planned_round(client, db_session):
    client.post("/review/rounds", data={"name": "第一轮", "budget": 3, "random_share": "0", "min_region_chance": "0"})
    return db_session.scalar(select(ReviewRound).order_by(ReviewRound.id.desc()))


def test_outcomes_wait_until_the_round_has_started(client, auth, db_session, review):
    auth.login("staff")
    review_round = _planned_round(client, db_session)
    visit = review_round.visits[0]
    page = client.get(f"/review/visits/{visit.id}/outcome", follow_redirects=True).get_data(as_text=True)
    assert "本轮复核尚未开始" in page
    response = client.post(f"/review/visits/{visit.id}/outcome", data={
        "visited_on": review.today.isoformat(), "problem_found": "0"})
    assert response.status_code == 302
    assert db_session.scalar(select(func.count(ReviewOutcome.id))) == 0


def test_an_ended_round_reads_as_ended_and_the_regions_by_name(client, auth, db_session, review):
    auth.login("staff")
    review_round = _planned_round(client, db_session)
    client.post(f"/review/rounds/{review_round.id}/state/active")
    client.post(f"/review/rounds/{review_round.id}/state/closed")
    page = client.get(f"/review/rounds/{review_round.id}").get_data(as_text=True)
    state = re.search(r'<dd id="round-state">([^<]*)</dd>', page).group(1)
    assert state == "已结束"
    regions = page.split('id="regions"')[1].split("</table>")[0]
    assert "青山市" in regions and "白水市" in regions
    assert not re.search(r">99\d{4}<", regions)  # a region is named, not coded
    rounds = client.get("/review/rounds").get_data(as_text=True)
    assert "已结束" in rounds and "已销号" not in rounds


def test_a_task_being_rectified_is_marked_and_goes_after_the_others(client, auth, db_session, review):
    from datetime import timedelta

    from core.review.models import Severity
    from core.review.outcomes import OutcomeInput, record_outcome
    from core.scoring.models import TaskScore

    first = review.tasks["A1"]
    for task in review.tasks.values():  # the rectified task would be first by score
        db_session.merge(TaskScore(task_id=task.id, p_problem=0.5, impact=1.0, priority=0.5, mode="rules",
                                   reasons=[]))
    db_session.get(TaskScore, first.id).priority = 0.9
    record_outcome(Scope(db_session, review.staff), OutcomeInput(
        visited_on=review.today, problem_found=True, severity=Severity.major, findings="未完工",
        rectification_deadline=review.today + timedelta(days=30)), task_id=first.id)
    db_session.commit()
    auth.login("staff")
    page = client.get("/review/").get_data(as_text=True)
    links = re.findall(r'/review/tasks/(\d+)" class="item-link"', page)
    assert links[-1] == str(first.id)
    assert f"已实地复核（{review.today.isoformat()}），整改中" in page
    item = client.get(f"/review/tasks/{first.id}").get_data(as_text=True)
    assert "整改中" in item and re.search(r"<dd>3 ", item)


def test_the_source_filter_names_each_source(client, auth, db_session, review):
    task = review.tasks["B1"]
    record_signal(db_session, source="hotline_12345", kind="complaints", ref="x", unit_id=task.unit_id,
                  matter_id=task.matter_id, value=3, observed_on=review.today)
    db_session.commit()
    auth.login("staff")
    page = client.get("/review/").get_data(as_text=True)
    option = re.search(r'<option value="hotline_12345"[^>]*>([^<]*)</option>', page).group(1)
    assert option == "12345热线"
