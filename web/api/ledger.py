"""API operations on the ledger: who am I, matters, tasks and progress reports (read)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import selectinload

from core.apitypes import (
    DATE,
    ID,
    NULLABLE_TIME,
    PAGING_PARAMS,
    ApiParam,
    ApiRequest,
    ApiRoute,
    choice_param,
    date_param,
    int_param,
    iso,
    page_of,
    page_schema,
    unit_id_for,
)
from core.ledger.models import OPEN_STATES, Matter, MatterKind, Task, TaskState
from core.ledger.report_models import ProgressReport, ReviewState

# ---------------------------------------------------------------------------
# Me
# ---------------------------------------------------------------------------

ME_SCHEMA = {"type": "object", "required": ["username", "role", "capabilities"], "properties": {
    "username": {"type": "string"}, "role": {"type": "string"},
    "unit_code": {"type": ["string", "null"]}, "capabilities": {"type": "array", "items": {"type": "string"}}}}


def me(request: ApiRequest) -> dict[str, Any]:
    """The token's user: role, unit and capabilities."""
    user = request.scope.user
    assert user is not None  # noqa: S101  (a token always names its user; this narrows the type)
    unit = request.scope.unit
    return {"username": user.username, "role": user.role.value, "unit_code": unit.code if unit else None,
            "capabilities": sorted(name for name in request.scope.capabilities if request.scope.can(name))}


# ---------------------------------------------------------------------------
# Matters
# ---------------------------------------------------------------------------

MATTER_SCHEMA: dict[str, Any] = {"type": "object", "required": ["id", "code", "title", "kind"], "properties": {
    "id": {"type": "integer"}, "code": {"type": "string"}, "title": {"type": "string"},
    "kind": {"type": "string", "enum": [kind.value for kind in MatterKind]},
    "source_ref": {"type": "string"}, "description": {"type": "string"},
    "importance": {"type": "integer"}, "public_attention": {"type": "integer"},
    "owner_unit_code": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"}}}


def matter_json(matter: Matter) -> dict[str, Any]:
    return {"id": matter.id, "code": matter.code, "title": matter.title, "kind": matter.kind.value,
            "source_ref": matter.source_ref, "description": matter.description,
            "importance": matter.importance, "public_attention": matter.public_attention,
            "owner_unit_code": matter.owner_unit.code, "created_at": iso(matter.created_at)}


def list_matters(request: ApiRequest) -> dict[str, Any]:
    """Matters the caller may see, filtered by code, kind, owner unit or words in the title."""
    stmt = request.scope.select(Matter).options(selectinload(Matter.owner_unit)).order_by(Matter.id)
    if request.query.get("code"):
        stmt = stmt.where(Matter.code == request.query["code"])
    kind = choice_param(request, "kind", [kind.value for kind in MatterKind])
    if kind:
        stmt = stmt.where(Matter.kind == MatterKind(kind))
    if request.query.get("owner_unit_code"):
        stmt = stmt.where(Matter.owner_unit_id == unit_id_for(request, request.query["owner_unit_code"]))
    if request.query.get("q"):
        stmt = stmt.where(Matter.title.contains(request.query["q"], autoescape=True))
    return page_of(request, stmt, matter_json)


def get_matter(request: ApiRequest) -> dict[str, Any]:
    """One matter, with the ids of the tasks the caller may see."""
    matter = request.scope.get(Matter, request.path["matter_id"])
    body = matter_json(matter)
    body["task_ids"] = list(request.session.scalars(
        request.scope.select(Task).where(Task.matter_id == matter.id).with_only_columns(Task.id).order_by(Task.id)))
    return body


# ---------------------------------------------------------------------------
# Tasks
# ---------------------------------------------------------------------------

TASK_SCHEMA = {"type": "object", "required": ["id", "matter_id", "unit_code", "state", "deadline"], "properties": {
    "id": {"type": "integer"}, "matter_id": {"type": "integer"}, "matter_code": {"type": "string"},
    "unit_code": {"type": "string"}, "co_unit_codes": {"type": "array", "items": {"type": "string"}},
    "description": {"type": "string"}, "deadline": DATE,
    "cadence": {"type": "string"}, "state": {"type": "string", "enum": [state.value for state in TaskState]},
    "overdue": {"type": "boolean"}, "percent_done": {"type": "integer"}, "returned_count": {"type": "integer"},
    "signed_at": NULLABLE_TIME, "last_report_at": NULLABLE_TIME, "closed_at": NULLABLE_TIME}}


def task_json(task: Task, today: date | None = None) -> dict[str, Any]:
    today = today or date.today()
    return {"id": task.id, "matter_id": task.matter_id, "matter_code": task.matter.code,
            "unit_code": task.unit.code, "co_unit_codes": [co.unit.code for co in task.co_units],
            "description": task.description, "deadline": iso(task.deadline), "cadence": task.cadence.value,
            "state": task.state.value, "overdue": task.state in OPEN_STATES and task.deadline < today,
            "percent_done": task.percent_done, "returned_count": task.returned_count,
            "signed_at": iso(task.signed_at), "last_report_at": iso(task.last_report_at),
            "closed_at": iso(task.closed_at)}


def _task_options() -> list[Any]:
    from core.ledger.models import TaskCoUnit

    return [selectinload(Task.matter), selectinload(Task.unit),
            selectinload(Task.co_units).selectinload(TaskCoUnit.unit)]


def list_tasks(request: ApiRequest) -> dict[str, Any]:
    """Tasks the caller may see, filtered by state, matter, unit, deadline or lateness."""
    stmt = request.scope.select(Task).options(*_task_options()).order_by(Task.id)
    state = choice_param(request, "state", [state.value for state in TaskState])
    if state:
        stmt = stmt.where(Task.state == TaskState(state))
    matter_id = int_param(request, "matter_id", minimum=1, maximum=2**31 - 1)
    if matter_id:
        stmt = stmt.where(Task.matter_id == matter_id)
    if request.query.get("unit_code"):
        stmt = stmt.where(Task.unit_id == unit_id_for(request, request.query["unit_code"]))
    before, after = date_param(request, "deadline_before"), date_param(request, "deadline_after")
    if before:
        stmt = stmt.where(Task.deadline < before)
    if after:
        stmt = stmt.where(Task.deadline > after)
    overdue = choice_param(request, "overdue", ["true", "false"])
    if overdue == "true":
        stmt = stmt.where(Task.state.in_(OPEN_STATES), Task.deadline < date.today())
    elif overdue == "false":
        stmt = stmt.where(~(Task.state.in_(OPEN_STATES) & (Task.deadline < date.today())))
    return page_of(request, stmt, task_json)


def get_task(request: ApiRequest) -> dict[str, Any]:
    """One task."""
    return task_json(request.scope.get(Task, request.path["task_id"]))


# ---------------------------------------------------------------------------
# Progress reports
# ---------------------------------------------------------------------------

REPORT_SCHEMA = {"type": "object", "required": ["id", "task_id", "text", "review_state"], "properties": {
    "id": {"type": "integer"}, "task_id": {"type": "integer"}, "text": {"type": "string"},
    "percent_done": {"type": "integer"}, "submitted_at": {"type": "string", "format": "date-time"},
    "author": {"type": ["string", "null"]},
    "review_state": {"type": "string", "enum": [state.value for state in ReviewState]},
    "reviewed_at": NULLABLE_TIME, "review_comment": {"type": "string"},
    "attachments": {"type": "array", "items": {"type": "object", "properties": {
        "filename": {"type": "string"}, "size": {"type": "integer"}, "sha256": {"type": "string"}}}}}}


def report_json(report: ProgressReport) -> dict[str, Any]:
    return {"id": report.id, "task_id": report.task_id, "text": report.text, "percent_done": report.percent_done,
            "submitted_at": iso(report.submitted_at), "author": report.author.username if report.author else None,
            "review_state": report.review_state.value, "reviewed_at": iso(report.reviewed_at),
            "review_comment": report.review_comment,
            "attachments": [{"filename": a.filename, "size": a.size, "sha256": a.sha256}
                            for a in report.attachments]}


def list_reports(request: ApiRequest) -> dict[str, Any]:
    """Progress reports the caller may see, newest first; by task, review state or date."""
    stmt = (request.scope.select(ProgressReport)
            .options(selectinload(ProgressReport.author), selectinload(ProgressReport.attachments))
            .order_by(ProgressReport.submitted_at.desc(), ProgressReport.id.desc()))
    task_id: int | None
    if "task_id" in request.path:
        task_id = request.scope.get(Task, request.path["task_id"]).id  # 404 for a task the caller may not see
    else:
        task_id = int_param(request, "task_id", minimum=1, maximum=2**31 - 1)
    if task_id is not None:
        stmt = stmt.where(ProgressReport.task_id == task_id)
    state = choice_param(request, "review_state", [state.value for state in ReviewState])
    if state:
        stmt = stmt.where(ProgressReport.review_state == ReviewState(state))
    since = date_param(request, "submitted_since")
    if since:
        stmt = stmt.where(ProgressReport.submitted_at >= datetime.combine(since, datetime.min.time()))
    return page_of(request, stmt, report_json)


_REPORT_FILTERS = (
    ApiParam("review_state", schema={"type": "string", "enum": [state.value for state in ReviewState]}),
    ApiParam("submitted_since", schema=DATE, description="Reports submitted on or after this date."),
)

ROUTES = [
    ApiRoute("/me", "GET", me, "The token's user, role, unit and capabilities.", response_schema=ME_SCHEMA),
    ApiRoute("/matters", "GET", list_matters, "List matters.", "ledger.view", tag="ledger",
             params=(*PAGING_PARAMS, ApiParam("code"),
                     ApiParam("kind", schema={"type": "string", "enum": [kind.value for kind in MatterKind]}),
                     ApiParam("owner_unit_code"), ApiParam("q", description="Words in the title.")),
             response_schema=page_schema(MATTER_SCHEMA)),
    ApiRoute("/matters/{matter_id}", "GET", get_matter, "One matter.", "ledger.view", tag="ledger",
             params=(ApiParam("matter_id", "path", ID),),
             response_schema={**MATTER_SCHEMA, "properties": {
                 **MATTER_SCHEMA["properties"], "task_ids": {"type": "array", "items": {"type": "integer"}}}}),
    ApiRoute("/tasks", "GET", list_tasks, "List tasks.", "ledger.view", tag="ledger",
             params=(*PAGING_PARAMS,
                     ApiParam("state", schema={"type": "string", "enum": [state.value for state in TaskState]}),
                     ApiParam("matter_id", schema=ID), ApiParam("unit_code", description="The lead unit."),
                     ApiParam("deadline_before", schema=DATE), ApiParam("deadline_after", schema=DATE),
                     ApiParam("overdue", schema={"type": "string", "enum": ["true", "false"]})),
             response_schema=page_schema(TASK_SCHEMA)),
    ApiRoute("/tasks/{task_id}", "GET", get_task, "One task.", "ledger.view", tag="ledger",
             params=(ApiParam("task_id", "path", ID),), response_schema=TASK_SCHEMA),
    ApiRoute("/tasks/{task_id}/reports", "GET", list_reports, "A task's progress reports.", "ledger.view",
             tag="ledger", params=(ApiParam("task_id", "path", ID), *PAGING_PARAMS, *_REPORT_FILTERS),
             response_schema=page_schema(REPORT_SCHEMA)),
    ApiRoute("/reports", "GET", list_reports, "List progress reports.", "ledger.view", tag="ledger",
             params=(*PAGING_PARAMS, ApiParam("task_id", schema=ID), *_REPORT_FILTERS),
             response_schema=page_schema(REPORT_SCHEMA)),
]
