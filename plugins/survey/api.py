"""Survey results in the JSON API: the published and closed surveys, and their counted answers.

Read only, for those holding ``survey.view`` (the staff who see the results pages), through the
scope: a survey of a sibling unit answers 404. Results are what the results page shows — per
choice question the counts, shares and 95% Wilson intervals of :mod:`plugins.survey.results`,
overall and per unit — never one respondent's answers, free text, invitees or the secret
OpenRosa address.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core.apitypes import (
    ID,
    NULLABLE_DATE,
    PAGING_PARAMS,
    TIME,
    ApiParam,
    ApiRequest,
    ApiRoute,
    choice_param,
    iso,
    page_of,
    page_schema,
    unit_id_for,
)
from core.errors import NotFound
from core.ledger.models import Matter
from plugins.survey.definition import language_key
from plugins.survey.models import (
    ACCESS_LABELS,
    STATUS_LABELS,
    Access,
    Survey,
    SurveyMatter,
    SurveyResponse,
    SurveyStatus,
    SurveyUnit,
)
from plugins.survey.results import QuestionResult, responses, tally, unit_results

# Drafts are still being written: neither listed nor counted here.
SHOWN = [SurveyStatus.published.value, SurveyStatus.closed.value]

TEXT = {"type": "string"}
COUNT = {"type": "integer", "minimum": 0}
SHARE = {"type": "number", "minimum": 0, "maximum": 1}
CODES = {"type": "array", "items": TEXT}
SURVEY_PROPERTIES: dict[str, Any] = {
    "id": {"type": "integer"}, "slug": TEXT, "title": TEXT,
    "status": {"type": "string", "enum": SHOWN}, "status_label": TEXT,
    "access": {"type": "string", "enum": [access.value for access in Access]}, "access_label": TEXT,
    "anonymous": {"type": "boolean"}, "opens_on": NULLABLE_DATE, "closes_on": NULLABLE_DATE,
    "owner_unit_code": TEXT, "matter_codes": {**CODES, "description": "Linked matters the caller may see."},
    "unit_codes": CODES, "responses": COUNT, "version": {"type": "integer"}, "created_at": TIME,
}
SURVEY_SCHEMA = {"type": "object", "additionalProperties": False, "required": list(SURVEY_PROPERTIES),
                 "properties": SURVEY_PROPERTIES}
CHOICE_SCHEMA = {"type": "object", "additionalProperties": False,
                 "required": ["value", "label", "count", "share", "percent", "ci95_low", "ci95_high"],
                 "properties": {"value": TEXT, "label": TEXT, "count": COUNT,
                                "share": {**SHARE, "description": "count / sample_size"},
                                "percent": {"type": "number", "minimum": 0, "maximum": 100,
                                            "description": "The share in percent, to one decimal."},
                                "ci95_low": {**SHARE, "description": "95% Wilson interval, lower end."},
                                "ci95_high": {**SHARE, "description": "95% Wilson interval, upper end."}}}
QUESTION_SCHEMA = {"type": "object", "additionalProperties": False,
                   "required": ["name", "label", "type", "sample_size", "choices"],
                   "properties": {"name": TEXT, "label": TEXT,
                                  "type": {"type": "string", "enum": ["select_one", "select_multiple"]},
                                  "sample_size": {**COUNT, "description": "Respondents who answered it."},
                                  "choices": {"type": "array", "items": CHOICE_SCHEMA}}}
QUESTIONS = {"type": "array", "items": QUESTION_SCHEMA}
UNIT_SCHEMA = {"type": "object", "additionalProperties": False,
               "required": ["unit_code", "unit_name", "responses", "questions"],
               "properties": {"unit_code": TEXT, "unit_name": TEXT, "responses": COUNT, "questions": QUESTIONS}}
RESULTS_SCHEMA = {"type": "object", "additionalProperties": False,
                  "required": ["survey", "language", "responses", "questions"],
                  "properties": {"survey": SURVEY_SCHEMA,
                                 "language": {**TEXT, "description": "The form's language the labels are in."},
                                 "responses": COUNT, "questions": QUESTIONS,
                                 "by_unit": {"type": "array", "items": UNIT_SCHEMA,
                                             "description": "With by=unit: per unit the caller may see."}}}


def _counts(request: ApiRequest, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    return dict(request.session.execute(select(SurveyResponse.survey_id, func.count()).where(
        SurveyResponse.survey_id.in_(ids)).group_by(SurveyResponse.survey_id)).all())


def _visible_matters(request: ApiRequest, surveys: list[Survey]) -> set[int]:
    return request.scope.filter_ids(Matter, {link.matter_id for survey in surveys for link in survey.matter_links})


def survey_json(request: ApiRequest, survey: Survey, responses_count: int, matters: set[int]) -> dict[str, Any]:
    tr = request.gettext
    return {
        "id": survey.id, "slug": survey.slug, "title": survey.title,
        "status": survey.status.value, "status_label": tr(STATUS_LABELS[survey.status]),
        "access": survey.access.value, "access_label": tr(ACCESS_LABELS[survey.access]),
        "anonymous": survey.anonymous, "opens_on": iso(survey.opens_on), "closes_on": iso(survey.closes_on),
        "owner_unit_code": survey.owner_unit.code,
        "matter_codes": sorted(link.matter.code for link in survey.matter_links if link.matter_id in matters),
        "unit_codes": sorted(link.unit.code for link in survey.unit_links),
        "responses": responses_count, "version": survey.version, "created_at": iso(survey.created_at),
    }


def _options() -> list[Any]:
    return [selectinload(Survey.owner_unit), selectinload(Survey.matter_links).selectinload(SurveyMatter.matter),
            selectinload(Survey.unit_links).selectinload(SurveyUnit.unit)]


def list_surveys(request: ApiRequest) -> dict[str, Any]:
    """Published and closed surveys the caller may see, newest first; by status, matter or unit."""
    scope = request.scope
    status = choice_param(request, "status", SHOWN)
    wanted = [SurveyStatus(status)] if status else [SurveyStatus(value) for value in SHOWN]
    stmt = (scope.select(Survey).options(*_options()).where(Survey.status.in_(wanted))
            .order_by(Survey.id.desc()))
    if request.query.get("owner_unit_code"):
        stmt = stmt.where(Survey.owner_unit_id == unit_id_for(request, request.query["owner_unit_code"]))
    if request.query.get("unit_code"):
        stmt = stmt.where(Survey.id.in_(select(SurveyUnit.survey_id).where(
            SurveyUnit.unit_id == unit_id_for(request, request.query["unit_code"]))))
    if request.query.get("matter_code"):
        stmt = stmt.where(Survey.id.in_(select(SurveyMatter.survey_id).join(Matter).where(
            Matter.code == request.query["matter_code"], scope.clause(Matter))))
    page = page_of(request, stmt, lambda survey: survey)
    surveys: list[Survey] = page["items"]
    counts = _counts(request, [survey.id for survey in surveys])
    matters = _visible_matters(request, surveys)
    page["items"] = [survey_json(request, survey, counts.get(survey.id, 0), matters) for survey in surveys]
    return page


def question_json(result: QuestionResult) -> dict[str, Any]:
    choices = []
    for row in result.rows:
        low, high = row.interval
        choices.append({"value": row.value, "label": row.label, "count": row.count, "share": row.share,
                        "percent": round(row.share * 100, 1), "ci95_low": low, "ci95_high": high})
    return {"name": result.name, "label": result.label,
            "type": "select_multiple" if result.multiple else "select_one",
            "sample_size": result.n, "choices": choices}


def survey_results(request: ApiRequest) -> dict[str, Any]:
    """One survey's counts per choice question, overall and (``by=unit``) per unit."""
    survey = request.scope.get(Survey, request.path["survey_id"])
    if survey.status.value not in SHOWN:
        raise NotFound("Not found.")
    by = choice_param(request, "by", ["unit"])
    rows = responses(request.session, survey)
    language = language_key(survey.definition, request.locale)
    body: dict[str, Any] = {
        "survey": survey_json(request, survey, len(rows), _visible_matters(request, [survey])),
        "language": language, "responses": len(rows),
        "questions": [question_json(result) for result in tally(survey, [answers for _unit, answers in rows],
                                                                language)],
    }
    if by == "unit":
        body["by_unit"] = [{"unit_code": unit.code, "unit_name": unit.name, "responses": count,
                            "questions": [question_json(result) for result in results]}
                           for unit, count, results in unit_results(request.scope, survey, rows, language)]
    return body


ROUTES = [
    ApiRoute("/surveys", "GET", list_surveys, "List published and closed opinion surveys.", "survey.view",
             tag="surveys",
             params=(*PAGING_PARAMS,
                     ApiParam("status", schema={"type": "string", "enum": SHOWN}),
                     ApiParam("owner_unit_code", description="Surveys run by this unit."),
                     ApiParam("unit_code", description="Surveys about this unit."),
                     ApiParam("matter_code", description="Surveys about this matter.")),
             response_schema=page_schema(SURVEY_SCHEMA)),
    ApiRoute("/surveys/{survey_id}/results", "GET", survey_results,
             "A survey's results: counts, shares and 95% Wilson intervals per choice question.", "survey.view",
             tag="surveys",
             params=(ApiParam("survey_id", "path", ID),
                     ApiParam("by", schema={"type": "string", "enum": ["unit"]},
                              description="Also break the results down per unit.")),
             response_schema=RESULTS_SCHEMA),
]
