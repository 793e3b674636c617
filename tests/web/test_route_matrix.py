"""Every route, every role, and users of a sibling unit: no page or action answers where it should not.

The routes come from ``app.url_map``, so a new route is covered the day it is added; its
path prefix must then appear in ``ALLOWED`` (which roles may reach it), or this test fails
and asks for it. Object ids in paths are those of city A's records (county A1's task), so
the sibling users — city B's supervisor, county B1's officer — must never reach them.
"""
from __future__ import annotations

from datetime import date

import pytest

from core.access.models import Role
from core.access.tokens import create_token_for
from core.jobs import JobFailure, journal
from core.ledger.models import Matter, MatterKind, SupervisionMethod, Task
from core.ledger.report_models import ProgressReport
from core.plans.models import Campaign, CampaignTeam, PlanItem, WorkPlan
from core.webhooks import WebhookSubscriber
from plugins.media_tips.models import Tip, TipSource
from plugins.survey.service import create_survey
from tests.plugins.survey.conftest import form_bytes

USERS = {
    "admin": (Role.admin, None),
    "supervisor": (Role.supervisor, "A"),
    "leader": (Role.leader, "P"),
    "officer": (Role.unit_officer, "A1"),
    "evaluator": (Role.evaluator, None),
    "auditor": (Role.auditor, "P"),
    "sibling_supervisor": (Role.supervisor, "B"),
    "sibling_officer": (Role.unit_officer, "B1"),
}
EVERYONE = frozenset(USERS)
STAFF = frozenset({"admin", "supervisor", "leader", "sibling_supervisor"})

# Path prefix → users who may get a success answer from routes under it, given city A's
# records. The longest matching prefix wins. "*" marks routes open to anyone (even
# anonymous visitors); list pages reachable by sibling users list only their own records.
ALLOWED: dict[str, frozenset[str] | str] = {
    "/login": "*",
    "/lang": "*",
    "/static/": "*",
    "/favicon.ico": "*",
    "/api/v1/openapi.json": "*",
    "/": EVERYONE,
    "/logout": EVERYONE,
    "/account/password": EVERYONE,
    "/units/": STAFF,
    "/units/{unit_id}": frozenset({"admin", "supervisor", "leader"}),
    "/units/{unit_id}/edit": frozenset({"admin"}),
    "/units/new": frozenset({"admin"}),
    "/users/": frozenset({"admin"}),
    "/audit/": frozenset({"admin"}),
    "/imports/": EVERYONE,
    "/imports/{kind}": frozenset({"admin", "supervisor", "sibling_supervisor", "auditor", "evaluator"}),
    "/tokens/": frozenset({"admin", "supervisor", "sibling_supervisor"}),
    "/tokens/{token_id}/revoke": frozenset({"admin", "supervisor"}),
    "/webhooks/": frozenset({"admin"}),
    "/jobs/": frozenset({"admin"}),
    "/plugins/": frozenset({"admin"}),
    # A queued job's page: who asked for it (city A's supervisor here) and administrators.
    "/jobs/runs/{run_id}": frozenset({"admin", "supervisor"}),
    # Public pages of the plugins and of circulars.
    "/cases/": "*",
    "/tips/new": "*",
    "/tips/status": "*",
    # A receipt opens only in the browser that filed the tip (web.public_forms.sent_result).
    "/tips/received/": "*",
    "/tips/static/": "*",
    "/tips/": frozenset({"admin", "supervisor", "sibling_supervisor", "leader"}),
    # The example plugin (examples/duban-hotline): each unit's officers see orders about their own unit.
    "/hotline/": frozenset({"admin", "supervisor", "leader", "officer", "sibling_supervisor", "sibling_officer"}),
    "/circulars/": frozenset({"admin", "supervisor", "sibling_supervisor", "leader", "officer", "sibling_officer"}),
    "/circulars/new": frozenset({"admin", "supervisor", "sibling_supervisor"}),
    "/circulars/{circular_id}": frozenset({"admin", "supervisor", "leader"}),
    "/circulars/cases": frozenset({"admin", "supervisor", "sibling_supervisor", "leader"}),
    "/circulars/cases/new": frozenset({"admin", "supervisor", "sibling_supervisor"}),
    "/circulars/cases/{case_id}": frozenset({"admin", "supervisor", "leader"}),
    "/circulars/referrals": frozenset({"admin", "supervisor", "sibling_supervisor", "leader"}),
    "/circulars/referrals/new": frozenset({"admin", "supervisor", "sibling_supervisor"}),
    "/circulars/referrals/{referral_id}": frozenset({"admin", "supervisor", "leader"}),
    "/circulars/explanations/": frozenset({"admin", "supervisor", "officer"}),
    "/dashboard/": frozenset({"admin", "supervisor", "sibling_supervisor", "leader"}),
    "/ledger/": frozenset(USERS) - {"auditor"},
    "/ledger/notifications": EVERYONE,
    "/ledger/matters/new": frozenset({"admin", "supervisor", "sibling_supervisor"}),
    "/ledger/matters/{matter_id}": frozenset({"admin", "supervisor", "leader", "officer"}),
    "/ledger/matters/{matter_id}/edit": frozenset({"admin", "supervisor"}),
    "/ledger/matters/{matter_id}/tasks": frozenset({"admin", "supervisor"}),
    "/ledger/tasks/{task_id}": frozenset({"admin", "supervisor", "leader", "officer"}),
    "/ledger/tasks/{task_id}/close": frozenset({"admin", "supervisor"}),
    "/ledger/tasks/{task_id}/urge": frozenset({"admin", "supervisor"}),
    "/ledger/tasks/{task_id}/sign": frozenset({"officer"}),
    "/ledger/tasks/{task_id}/reason": frozenset({"officer"}),
    "/ledger/tasks/{task_id}/reports": frozenset({"officer"}),
    "/ledger/tasks/{task_id}/redispatch": frozenset({"officer"}),
    "/ledger/reports/{report_id}/review": frozenset({"admin", "supervisor"}),
    "/ledger/attachments/{attachment_id}": frozenset({"admin", "supervisor", "leader", "officer"}),
    "/ledger/research": frozenset({"admin", "supervisor", "sibling_supervisor", "leader"}),
    "/ledger/research/new": frozenset({"admin", "supervisor", "sibling_supervisor"}),
    "/ledger/research/{topic_id}": frozenset({"admin", "supervisor", "leader"}),
    "/findings/static/": "*",
    "/findings/": frozenset({"admin", "supervisor", "sibling_supervisor", "leader", "auditor", "officer",
                             "sibling_officer"}),
    "/findings/upload": frozenset({"admin", "supervisor", "sibling_supervisor", "auditor"}),
    "/findings/{finding_id}": frozenset({"admin", "supervisor", "leader", "auditor", "officer"}),
    # Surveys: respondents and OpenRosa clients need no account; staff pages are scoped.
    "/s/": "*",
    "/formList": "*",
    "/submission": "*",
    "/collect/": "*",
    "/survey-static/": "*",
    "/surveys/": frozenset({"admin", "supervisor", "sibling_supervisor", "leader"}),
    "/surveys/new": frozenset({"admin", "supervisor", "sibling_supervisor"}),
    # Third-party evaluation.
    "/evaluations/static/": "*",
    "/evaluations/": frozenset({"admin", "supervisor", "sibling_supervisor", "leader", "evaluator"}),
    "/evaluations/upload": frozenset({"admin", "supervisor", "sibling_supervisor", "evaluator"}),
    "/evaluations/institutions": frozenset({"admin", "supervisor", "sibling_supervisor"}),
    # Review queue, rounds and the model.
    "/review/": frozenset({"admin", "supervisor", "sibling_supervisor", "leader"}),
    "/review/tasks/{task_id}": frozenset({"admin", "supervisor", "leader"}),
    "/review/model/train": frozenset({"admin", "supervisor", "sibling_supervisor"}),
    "/review/rules": frozenset({"admin", "supervisor", "sibling_supervisor", "leader"}),
    "/review/rectifications": frozenset({"admin", "supervisor", "sibling_supervisor", "leader", "officer",
                                         "sibling_officer"}),
    # Work plans: city A's draft plan is its staff's (and the leaders' above); campaigns likewise.
    "/plans/": frozenset({"admin", "supervisor", "sibling_supervisor", "leader", "officer", "sibling_officer"}),
    "/plans/new": frozenset({"admin", "supervisor", "sibling_supervisor"}),
    "/plans/{plan_id}": frozenset({"admin", "supervisor", "leader"}),
    "/plans/{plan_id}/approve": frozenset({"admin", "leader"}),
    "/plans/{plan_id}/return": frozenset({"admin", "leader"}),
    "/plans/{plan_id}/items/new": frozenset({"admin", "supervisor"}),
    "/plans/{plan_id}/publish": frozenset({"admin", "supervisor"}),
    "/plans/{plan_id}/submit": frozenset({"admin", "supervisor"}),
    "/plans/{plan_id}/summary": frozenset({"admin", "supervisor"}),
    "/plans/items/": frozenset({"admin", "supervisor"}),
    "/plans/campaigns": frozenset({"admin", "supervisor", "sibling_supervisor", "leader"}),
    "/plans/campaigns/new": frozenset({"admin", "supervisor", "sibling_supervisor"}),
    "/plans/campaigns/{campaign_id}": frozenset({"admin", "supervisor", "leader"}),
    "/plans/campaigns/{campaign_id}/": frozenset({"admin", "supervisor"}),
    "/plans/campaigns/teams/": frozenset({"admin", "supervisor"}),
}


def _allowed(path: str) -> frozenset[str] | str | None:
    matches = [prefix for prefix in ALLOWED if path == prefix or (
        prefix != "/" and ((prefix.endswith("/") and path.startswith(prefix))
                           or path.startswith(prefix + "/") or path.startswith(prefix + ".")))]
    return ALLOWED[max(matches, key=len)] if matches else None


@pytest.fixture
def world(org, db_session):
    units = {"P": org.province, "A": org.city_a, "A1": org.county_a1, "B": org.city_b, "B1": org.county_b1}
    users = {name: org.user(name, role, units[code] if code else None) for name, (role, code) in USERS.items()}
    matter = Matter(code="M-A", title="河道整治", kind=MatterKind.meeting, owner_unit_id=org.city_a.id)
    db_session.add(matter)
    db_session.flush()
    task = Task(matter_id=matter.id, unit_id=org.county_a1.id, description="清淤", deadline=date(2099, 1, 1))
    db_session.add(task)
    db_session.flush()
    report = ProgressReport(task_id=task.id, author_id=users["officer"].id, text="完成一半", percent_done=50)
    subscriber = WebhookSubscriber(name="ops", url="https://ops.example/hook", secret="s" * 64,
                                   events=["tip.created"])
    failure = JobFailure(job="deliver_webhooks", job_id="1", arguments=[], error="OSError")
    tip = Tip(ref="T-A", source=TipSource.public, text="河东区的路灯坏了", received_on=date(2026, 11, 1),
              home_unit_id=org.county_a1.id, contact="13900000000")
    db_session.add_all([report, subscriber, failure, tip])
    survey = create_survey(db_session, form_bytes("demo"), owner_unit_id=org.city_a.id, publish=True)
    token, _ = create_token_for(db_session, users["supervisor"])
    plan = WorkPlan(owner_unit_id=org.city_a.id, year=2026, title="青山市督查工作计划",
                    drafted_by_id=users["supervisor"].id)
    plan.items = [PlanItem(title="河道整治", method=SupervisionMethod.on_site, unit_id=org.city_a.id,
                           start_on=date(2026, 1, 1), end_on=date(2026, 12, 31), matters=[matter])]
    campaign = Campaign(owner_unit_id=org.city_a.id, name="河道专项", start_on=date(2026, 1, 1),
                        end_on=date(2099, 12, 31), matters=[matter], teams=[CampaignTeam(name="一组")])
    db_session.add_all([plan, campaign])
    run_id = journal.record(db_session, "import_file", ["units", "/nonexistent/units.csv", "supervisor",
                                                        users["supervisor"].id, "units.csv"],
                            requested_by=users["supervisor"].id)
    db_session.commit()
    return {"unit_id": org.county_a1.id, "user_id": users["officer"].id, "matter_id": matter.id,
            "task_id": task.id, "report_id": report.id, "token_id": token.id, "subscriber_id": subscriber.id,
            "failure_id": failure.id, "tip_id": tip.id, "survey_id": survey.id, "kind": "units", "run_id": run_id,
            "plan_id": plan.id, "item_id": plan.items[0].id, "campaign_id": campaign.id,
            "team_id": campaign.teams[0].id}


def _url(rule, ids) -> str:
    url = rule.rule
    for argument in rule.arguments:
        value = ids.get(argument, 1 if "int" in type(rule._converters[argument]).__name__.lower() else "x")
        url = url.replace(f"<{argument}>", str(value))
        for kind in ("int", "string", "path", "any"):
            url = url.replace(f"<{kind}:{argument}>", str(value))
    return url


def _template(rule) -> str:
    path = rule.rule
    for argument in rule.arguments:
        for form in (f"<{argument}>", f"<int:{argument}>", f"<path:{argument}>", f"<string:{argument}>"):
            path = path.replace(form, "{" + argument + "}")
    return path


def _reached(method: str, response) -> bool:
    """A page shown, or an action that went through (followed to a page with no error)."""
    if method == "GET":
        return response.status_code == 200
    if response.status_code != 200:
        return False
    page = response.get_data(as_text=True)
    return 'class="flash error"' not in page and 'class="error"' not in page and "/login" not in response.request.path


@pytest.mark.parametrize("name", sorted(USERS) + ["anonymous"])
def test_no_role_reaches_what_it_should_not(app, client, auth, world, name):
    if name != "anonymous":
        auth.login(name)
    unexpected, unlisted = [], []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        template = _template(rule)
        if template.startswith("/api/"):
            continue  # the API has its own matrix below
        allowed = _allowed(template)
        if allowed is None:
            unlisted.append(template)
            continue
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            url = _url(rule, world)
            response = client.get(url) if method == "GET" else client.post(url, data={}, follow_redirects=True)
            if allowed != "*" and name not in allowed and _reached(method, response):
                unexpected.append((method, url, response.status_code))
    assert unlisted == [], "add these path prefixes to ALLOWED"
    assert unexpected == [], "\n".join(map(str, unexpected))


API_ALLOWED = {
    "/api/v1/me": EVERYONE,
    "/api/v1/matters": frozenset(USERS) - {"auditor"},
    "/api/v1/matters/{matter_id}": frozenset({"admin", "supervisor", "leader", "officer"}),
    "/api/v1/tasks": frozenset(USERS) - {"auditor"},
    "/api/v1/tasks/{task_id}": frozenset({"admin", "supervisor", "leader", "officer"}),
    "/api/v1/tasks/{task_id}/reports": frozenset({"admin", "supervisor", "leader", "officer"}),
    "/api/v1/reports": frozenset(USERS) - {"auditor"},
    "/api/v1/signals": frozenset(USERS) - {"auditor"},
    "/api/v1/queue": frozenset({"admin", "supervisor", "sibling_supervisor", "leader"}),
    "/api/v1/tips": frozenset({"admin", "supervisor", "sibling_supervisor", "leader"}),
    "/api/v1/tips/{tip_id}": frozenset({"admin", "supervisor", "leader"}),
    "/api/v1/surveys": frozenset({"admin", "supervisor", "sibling_supervisor", "leader"}),
    "/api/v1/surveys/{survey_id}/results": frozenset({"admin", "supervisor", "leader"}),
}
API_POST_ALLOWED = {"/api/v1/signals": frozenset({"admin", "supervisor"}),
                    "/api/v1/review-outcomes": frozenset({"admin", "supervisor"}),
                    # Staff who take tips in may file one; a sibling city's holds it itself.
                    "/api/v1/tips": frozenset({"admin", "supervisor", "sibling_supervisor"})}


@pytest.mark.parametrize("name", sorted(USERS) + ["anonymous"])
def test_no_token_reaches_an_api_route_it_should_not(app, client, db_session, world, name):
    headers = {}
    if name != "anonymous":
        from sqlalchemy import select

        from core.access.models import User

        user = db_session.scalar(select(User).where(User.username == name))
        _token, secret = create_token_for(db_session, user)
        db_session.commit()
        headers = {"Authorization": f"Bearer {secret}"}
    unexpected, unlisted, refused = [], [], []
    payloads = {
        "/api/v1/signals": {"signals": [{"source": "hotline", "kind": "complaints", "ref": f"r-{name}",
                                         "unit_code": "A1", "value": 1, "observed_on": "2026-11-01"}]},
        "/api/v1/review-outcomes": {"outcomes": [
            {"task_id": world["task_id"], "visited_on": "2026-11-01", "problem_found": False}]},
        "/api/v1/tips": {"tips": [{"text": "河东区加装电梯停工", "source": "hotline", "region_code": "990102",
                                   "received_on": "2026-11-01"}]},
    }
    for rule in app.url_map.iter_rules():
        template = _template(rule)
        if not template.startswith("/api/") or template == "/api/v1/openapi.json":
            continue
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            table = API_ALLOWED if method == "GET" else API_POST_ALLOWED
            if template not in table:
                unlisted.append((method, template))
                continue
            url = _url(rule, world)
            response = client.get(url, headers=headers) if method == "GET" else \
                client.post(url, json=payloads[template], headers=headers, csrf=False)
            if name not in table[template] and 200 <= response.status_code < 300:
                unexpected.append((method, url, response.status_code))
            if method == "POST" and name in table[template] and not 200 <= response.status_code < 300:
                refused.append((method, url, response.status_code, response.get_json()))
    assert unlisted == [], "add these API routes to API_ALLOWED / API_POST_ALLOWED (and a payload for posts)"
    assert unexpected == [], "\n".join(map(str, unexpected))
    assert refused == [], "a post the table allows was refused:\n" + "\n".join(map(str, refused))
