"""API operations for on-site review: the ranked queue (read) and outcomes (batch post)."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext

from core import clock
from core.api_schema import row_problems
from core.apitypes import (
    DATE,
    DEFAULT_LIMIT,
    ID,
    MAX_LIMIT,
    MAX_OFFSET,
    PAGING_PARAMS,
    ApiParam,
    ApiRequest,
    ApiRoute,
    RowsRejected,
    choice_param,
    int_param,
    page_schema,
)
from core.errors import DubanError, ValidationError
from core.importing import RowError
from core.ledger.models import MatterKind
from core.review.models import Severity
from core.review.outcomes import OutcomeInput, record_outcome
from core.scoring.explain import render_reasons
from core.scoring.queue import QueueFilter, queue_entries

MAX_ROWS = 200
ENTRY_SCHEMA = {"type": "object", "required": ["rank", "task_id", "matter_code", "unit_code", "priority", "mode"],
                "properties": {
                    "rank": {"type": "integer"}, "task_id": {"type": "integer"}, "matter_code": {"type": "string"},
                    "unit_code": {"type": "string"}, "priority": {"type": "number"}, "p_problem": {"type": "number"},
                    "impact": {"type": "number"}, "mode": {"type": "string", "enum": ["ranked", "explore"]},
                    "scoring": {"type": "string"}, "reasons": {"type": "array", "items": {"type": "string"}}}}
OUTCOME_SCHEMA = {"type": "object", "required": ["visited_on", "problem_found"],
                  "oneOf": [{"required": ["task_id"]}, {"required": ["visit_id"]}],
                  "examples": [{"task_id": 1, "visited_on": "2026-11-20", "problem_found": True, "severity": "major",
                                "findings": "台账与现场不符"}],
                  "properties": {
    "task_id": ID, "visit_id": ID, "visited_on": DATE, "problem_found": {"type": "boolean"},
    "severity": {"type": ["string", "null"], "enum": [s.value for s in Severity] + [None]},
    "findings": {"type": "string", "maxLength": 20000}, "unit_response": {"type": "string", "maxLength": 20000},
    "rectification_deadline": {"type": ["string", "null"], "format": "date"},
    "requirement": {"type": "string", "maxLength": 20000},
    "selection_probability": {"type": ["number", "null"], "exclusiveMinimum": 0, "maximum": 1,
                              "description": "The chance the visit had of being chosen (with task_id only: "
                                             "a planned visit's outcome takes the visit's own)."}}}
POST_SCHEMA = {"type": "object", "required": ["outcomes"], "properties": {
    "outcomes": {"type": "array", "minItems": 1, "maxItems": MAX_ROWS, "items": OUTCOME_SCHEMA}}}
POSTED_SCHEMA = {"type": "object", "required": ["stored", "ids"], "properties": {
    "stored": {"type": "integer"}, "ids": {"type": "array", "items": {"type": "integer"}}}}


def list_queue(request: ApiRequest) -> dict[str, Any]:
    """The caller's review queue, best first, with readable reasons."""
    limit = int_param(request, "limit", DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT) or DEFAULT_LIMIT
    offset = int_param(request, "offset", 0, minimum=0, maximum=MAX_OFFSET) or 0
    kind = choice_param(request, "kind", [k.value for k in MatterKind])
    wanted = QueueFilter(region=request.query.get("region", "")[:12],
                         matter_id=int_param(request, "matter_id", minimum=1, maximum=2**31 - 1),
                         kind=MatterKind(kind) if kind else None, source=request.query.get("source", "")[:40])
    entries, total = queue_entries(request.scope, wanted, limit=limit, offset=offset)
    items = [{"rank": e.rank, "task_id": e.task.id, "matter_code": e.matter.code, "unit_code": e.unit.code,
              "priority": e.score.priority, "p_problem": e.score.p_problem, "impact": e.score.impact,
              "mode": e.mode, "scoring": e.score.mode, "reasons": render_reasons(e.score.reasons or [], gettext)}
             for e in entries]
    following = offset + limit
    return {"items": items, "total": total, "limit": limit, "offset": offset,
            "next_offset": following if following < total else None}


def _date(value: Any, field: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError("Parameter %(name)s must be a date (YYYY-MM-DD).", name=field) from None


def _outcome(row: Any) -> tuple[OutcomeInput, int | None, int | None]:
    if not isinstance(row, dict):
        raise ValidationError("Each row must be a JSON object.")
    visited_on = _date(row.get("visited_on"), "visited_on")
    if visited_on is not None and not clock.EARLIEST_EVENT <= visited_on <= clock.today():
        raise ValidationError("Parameter %(name)s must be a day that has happened, from 1990 on.", name="visited_on")
    if visited_on is None or not isinstance(row.get("problem_found"), bool):
        raise ValidationError("Give visited_on and problem_found (true or false).")
    severity = row.get("severity")
    if severity not in (None, "") and severity not in [s.value for s in Severity]:
        raise ValidationError("Parameter %(name)s must be one of: %(allowed)s.", name="severity",
                              allowed=", ".join(s.value for s in Severity))
    ids = [row.get(key) for key in ("task_id", "visit_id")]
    if any(v is not None and (not isinstance(v, int) or isinstance(v, bool) or not 0 < v < 2**31) for v in ids) \
            or (ids[0] is None) == (ids[1] is None):
        raise ValidationError("Give either task_id or visit_id.")
    texts = {key: row.get(key) or "" for key in ("findings", "unit_response", "requirement")}
    if not all(isinstance(value, str) for value in texts.values()):
        raise ValidationError("Each row must be a JSON object.")
    probability = row.get("selection_probability")
    if probability is not None and (isinstance(probability, bool) or not isinstance(probability, (int, float))):
        raise ValidationError("A selection probability is a number above 0 and at most 1.")
    data = OutcomeInput(visited_on=visited_on, problem_found=row["problem_found"],
                        severity=Severity(severity) if severity else None,
                        selection_probability=float(probability) if probability is not None else None,
                        rectification_deadline=_date(row.get("rectification_deadline"), "rectification_deadline"),
                        **texts)
    return data, ids[0], ids[1]


def post_outcomes(request: ApiRequest) -> dict[str, Any]:
    """Record on-site outcomes: every row, or none with each bad row named by position."""
    rows = request.body.get("outcomes") if isinstance(request.body, dict) else None
    if not isinstance(rows, list) or not rows or len(rows) > MAX_ROWS:
        raise ValidationError("Send {\"outcomes\": [...]} with 1 to %(count)s rows.", count=MAX_ROWS)
    errors: list[RowError] = []
    ids: list[int] = []
    for position, row in enumerate(rows):
        problems = row_problems(position, row, OUTCOME_SCHEMA)
        if problems:
            errors.extend(problems)
            continue
        try:
            data, task_id, visit_id = _outcome(row)
            with request.session.begin_nested():
                outcome = record_outcome(request.scope, data, task_id=task_id, visit_id=visit_id)
            ids.append(outcome.id)
        except DubanError as error:
            errors.append(RowError(position, None, error.message))
    if errors:
        raise RowsRejected(errors)
    return {"stored": len(ids), "ids": ids}


ROUTES = [
    ApiRoute("/queue", "GET", list_queue, "The review queue, best first, with reasons.", "queue.view",
             tag="review", params=(*PAGING_PARAMS, ApiParam("region", description="A region code or its prefix."),
                                   ApiParam("matter_id", schema=ID),
                                   ApiParam("kind", schema={"type": "string", "enum": [k.value for k in MatterKind]}),
                                   ApiParam("source", description="Only tasks with signals from this source.")),
             response_schema=page_schema(ENTRY_SCHEMA)),
    ApiRoute("/review-outcomes", "POST", post_outcomes, "Record on-site review outcomes (all rows or none).",
             "reviews.manage", tag="review", request_schema=POST_SCHEMA, response_schema=POSTED_SCHEMA, status=201),
]
