"""The overdue list: tasks past their deadline and the units behind them; filterable, exportable."""
from __future__ import annotations

from flask import Response, render_template, request
from flask_babel import gettext

from core.ledger.export import export_xlsx
from core.ledger.queries import overdue_page, overdue_units
from core.spreadsheets import OfficeWorkbook
from web import db
from web.actions import int_arg
from web.auth import capability_required
from web.views.ledger import bp, today
from web.views.ledger.filters import filter_args, ledger_filter
from web.views.ledger.tasks import XLSX, list_context


@bp.get("/overdue")
@capability_required("ledger.view")
def overdue() -> str:
    scope, f, now = db.scope(), ledger_filter(), today()
    page = overdue_page(scope, f, now, int_arg("page", 1))
    units = overdue_units(scope, f, now, limit=100)
    return render_template("ledger/overdue.html", page=page, units=units, args=filter_args(), **list_context())


@bp.get("/overdue/export.xlsx")
@capability_required("ledger.view")
def overdue_export() -> Response:
    """Overdue tasks (ledger columns) or, with ``what=units``, overdue counts by unit."""
    scope, f, now = db.scope(), ledger_filter(), today()
    if request.args.get("what") == "units":
        workbook = OfficeWorkbook()
        unit_name = gettext("Unit name")
        sheet = workbook.sheet("overdue-units", [
            gettext("Unit code"), unit_name, gettext("Overdue tasks"), gettext("Oldest deadline"),
            gettext("Days overdue"), gettext("Without a reason")], widths={unit_name: 24})
        for row in overdue_units(scope, f, now, limit=100_000):
            sheet.append([row.code, row.name, row.overdue, row.oldest_deadline, row.days, row.without_reason])
        data, name = workbook.to_bytes(), "overdue-units"
    else:
        f.overdue = True
        data, name = export_xlsx(scope, f, now, gettext), "overdue-tasks"
    return Response(data, mimetype=XLSX,
                    headers={"Content-Disposition": f"attachment; filename={name}-{now.isoformat()}.xlsx"})
