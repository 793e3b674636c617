"""The audit trail, for administrators."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import select

from core.audit_log import AuditEntry
from web import db
from web.actions import int_arg
from web.audit_trail import describe, table_label
from web.auth import capability_required

bp = Blueprint("audit", __name__, url_prefix="/audit")
PAGE = 100


@bp.get("/")
@capability_required("audit_log.view")
def index() -> str:
    table = request.args.get("table", "").strip()
    row = request.args.get("row", "").strip()
    before = int_arg("before")
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(PAGE)
    if table:
        stmt = stmt.where(AuditEntry.table_name == table)
    if row:
        stmt = stmt.where(AuditEntry.row_id == row)
    if before:
        stmt = stmt.where(AuditEntry.id < before)
    entries = db.session().scalars(stmt).all()
    older = entries[-1].id if len(entries) == PAGE else None
    tables = db.session().scalars(select(AuditEntry.table_name).distinct()).all()
    choices = sorted(((name, table_label(name)) for name in tables), key=lambda pair: pair[1])
    return render_template("admin/audit.html", entries=[describe(e) for e in entries], table=table, row=row,
                           older=older, tables=choices)
