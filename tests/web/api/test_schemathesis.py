"""Schemathesis against /api/v1/openapi.json: generated requests never cause a server error,
and every answer matches the documented schema."""
from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from core.access.models import Role

EXAMPLES_PER_OPERATION = 40


def _plugin_records(session, org) -> None:
    """A tip and a survey with answers, so the plugins' answers are checked with real items."""
    from datetime import date

    from plugins.media_tips.models import TipSource
    from plugins.media_tips.triage import NewTip, create_tip
    from plugins.survey.models import SurveyResponse
    from plugins.survey.service import create_survey
    from tests.plugins.survey.conftest import form_bytes

    create_tip(session, NewTip(source=TipSource.public, text="河东区老旧小区改造停工", region_code="990102",
                               contact="13900000000"), actor="public", today=date.today(), with_receipt=True)
    survey = create_survey(session, form_bytes("demo"), owner_unit_id=org.city_a.id, publish=True)
    session.add(SurveyResponse(survey_id=survey.id, submission_key="k", unit_id=org.county_a1.id,
                               submitted_on=date.today(), answers={"district": "990102", "aware": "yes"}))
    session.commit()


def test_the_api_never_fails_on_generated_requests(app, ledger, db_session):
    _plugin_records(db_session, ledger.org)
    secret = ledger.token("root", Role.admin)
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {secret}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    calls = 0
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            nonlocal calls
            calls += 1
            response = case.call(headers=headers)
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

        run()
    print(f"schemathesis: {len(operations)} operations, {calls} generated requests, 0 server errors")
