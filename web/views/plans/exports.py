"""A plan's exports: the workbook (.xlsx) and the Word document in the official layout (.docx)."""
from __future__ import annotations

from collections.abc import Callable

from flask import Response
from flask_babel import gettext

from core.plans.export_docx import plan_docx
from core.plans.export_xlsx import plan_xlsx
from core.plans.models import PlanItem, WorkPlan
from core.plans.tracking import item_outputs, plan_summary
from web import db
from web.auth import capability_required
from web.views.plans import bp
from web.views.plans.plans import today

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _export(plan_id: int, writer: Callable[..., bytes], mimetype: str, suffix: str) -> Response:
    scope = db.scope()
    plan = scope.get(WorkPlan, plan_id)
    visible = scope.filter_ids(PlanItem, [item.id for item in plan.items])
    items = [item for item in plan.items if item.id in visible]
    outputs = item_outputs(scope, items)
    body = writer(plan, items, outputs, plan_summary(items, outputs, today()), gettext, today())
    name = f"plan-{plan.year}{'-q' + str(plan.quarter) if plan.quarter else ''}-{plan.id}.{suffix}"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.get("/<int:plan_id>/plan.xlsx")
@capability_required("plans.view")
def xlsx(plan_id: int) -> Response:
    return _export(plan_id, plan_xlsx, XLSX, "xlsx")


@bp.get("/<int:plan_id>/plan.docx")
@capability_required("plans.view")
def docx(plan_id: int) -> Response:
    return _export(plan_id, plan_docx, DOCX, "docx")
