"""API operations on signals: read them, and post a batch (every row stored, or none)."""
from __future__ import annotations

import math
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.apitypes import (
    DATE,
    PAGING_PARAMS,
    ApiParam,
    ApiRequest,
    ApiRoute,
    RowsRejected,
    body_rows,
    date_param,
    iso,
    page_of,
    page_schema,
    rows_table,
    unit_id_for,
)
from core.i18n import N_, message
from core.importing import Column, decimal, event_date, map_rows, optional_text
from core.ledger.models import Matter
from core.org.models import Unit
from core.plugins import signal_kinds
from core.signals import Signal, record_signal

MAX_ROWS = 1000
COLUMNS = (
    Column("source", "来源", required=True),
    Column("kind", "信号类型", required=True),
    Column("ref", "编号", required=True),
    Column("unit_code", "单位代码", required=True),
    Column("matter_code", "事项编号", parse=optional_text),
    Column("value", "数值", required=True, parse=decimal),
    Column("observed_on", "日期", required=True, parse=event_date),
)
LENGTHS = {"source": 40, "kind": 60, "ref": 120}

SIGNAL_SCHEMA = {"type": "object", "required": ["id", "source", "kind", "ref", "unit_code", "value", "observed_on"],
                 "properties": {
                     "id": {"type": "integer"}, "source": {"type": "string"}, "kind": {"type": "string"},
                     "ref": {"type": "string"}, "unit_code": {"type": "string"},
                     "matter_id": {"type": ["integer", "null"]}, "task_id": {"type": ["integer", "null"]},
                     "value": {"type": "number"}, "observed_on": DATE,
                     "recorded_at": {"type": "string", "format": "date-time"}}}
ROW_SCHEMA = {"type": "object", "required": ["source", "kind", "ref", "unit_code", "value", "observed_on"],
              "examples": [{"source": "hotline", "kind": "complaints", "ref": "H-20261127-17", "unit_code": "990102",
                            "value": 4, "observed_on": "2026-11-27"}],
              "properties": {
                  "source": {"type": "string", "minLength": 1, "maxLength": 40},
                  "kind": {"type": "string", "minLength": 1, "maxLength": 60},
                  "ref": {"type": "string", "minLength": 1, "maxLength": 120},
                  "unit_code": {"type": "string", "minLength": 1},
                  "matter_code": {"type": ["string", "null"]},
                  "value": {"type": "number"}, "observed_on": DATE}}
POST_SCHEMA = {"type": "object", "required": ["signals"], "properties": {
    "signals": {"type": "array", "minItems": 1, "maxItems": MAX_ROWS, "items": ROW_SCHEMA}}}
POSTED_SCHEMA = {"type": "object", "required": ["stored", "created", "changed", "ids"], "properties": {
    "stored": {"type": "integer"}, "created": {"type": "integer"}, "changed": {"type": "integer"},
    "ids": {"type": "array", "items": {"type": "integer"}}}}


def signal_json(signal: Signal) -> dict[str, Any]:
    return {"id": signal.id, "source": signal.source, "kind": signal.kind, "ref": signal.ref,
            "unit_code": signal.unit.code, "matter_id": signal.matter_id, "task_id": signal.task_id,
            "value": signal.value, "observed_on": iso(signal.observed_on), "recorded_at": iso(signal.recorded_at)}


def list_signals(request: ApiRequest) -> dict[str, Any]:
    """Signals about units the caller may see; by source, kind, unit, matter or date."""
    stmt = request.scope.select(Signal).options(selectinload(Signal.unit)).order_by(Signal.id)
    for name in ("source", "kind"):
        if request.query.get(name):
            stmt = stmt.where(getattr(Signal, name) == request.query[name])
    if request.query.get("unit_code"):
        stmt = stmt.where(Signal.unit_id == unit_id_for(request, request.query["unit_code"]))
    if request.query.get("matter_code"):
        stmt = stmt.where(Signal.matter_id == select(Matter.id).where(
            Matter.code == request.query["matter_code"]).scalar_subquery())
    after, before = date_param(request, "observed_since"), date_param(request, "observed_until")
    if after:
        stmt = stmt.where(Signal.observed_on >= after)
    if before:
        stmt = stmt.where(Signal.observed_on <= before)
    return page_of(request, stmt, signal_json)


def post_signals(request: ApiRequest) -> dict[str, Any]:
    """Store a batch of signals through ``record_signal``: all rows, or none with every bad row named."""
    rows = body_rows(request, "signals", MAX_ROWS)
    mapped = map_rows(rows_table(rows, [column.key for column in COLUMNS], ROW_SCHEMA), COLUMNS,
                      key=("source", "ref"))
    session, scope = request.session, request.scope
    codes = {row["unit_code"] for row in mapped.rows}
    units = dict(session.execute(select(Unit.code, Unit.id).where(Unit.code.in_(codes))).all()) if codes else {}
    writable = set(session.scalars(select(Unit.id).where(
        Unit.id.in_(units.values()), scope.unit_clause(Unit.id, "write")))) if units else set()
    matter_codes = {row["matter_code"] for row in mapped.rows if row["matter_code"]}
    matters = dict(session.execute(select(Matter.code, Matter.id).where(
        Matter.code.in_(matter_codes), scope.clause(Matter))).all()) if matter_codes else {}
    reserved = {kind.source for kind in signal_kinds(request.plugins)} if request.plugins is not None else set()
    good = []
    for row in mapped.rows:
        problems = []
        for key, limit in LENGTHS.items():
            if len(row[key]) > limit:
                problems.append((key, message(N_("At most %(count)s characters."), count=limit)))
        if not math.isfinite(float(row["value"])):
            problems.append(("value", message(N_("The value is too large."))))
        if row["source"] in reserved:
            problems.append(("source", message(N_("Source %(source)s belongs to a plugin; post its data there."),
                                               source=row["source"])))
        if units.get(row["unit_code"]) not in writable:
            problems.append(("unit_code", message(N_("No unit you may report on has the code %(code)s."),
                                                  code=row["unit_code"])))
        if row["matter_code"] and row["matter_code"] not in matters:
            problems.append(("matter_code", message(N_("No matter you may see has the code %(code)s."),
                                                    code=row["matter_code"])))
        for key, problem in problems:
            mapped.add_error(row.line, key, problem)
        if not problems:
            good.append(row)
    if mapped.errors:
        raise RowsRejected(sorted(mapped.errors, key=lambda error: (error.line is None, error.line or 0)))
    ids, created, changed = [], 0, 0
    for row in good:
        existed = session.scalar(select(Signal.id).where(Signal.source == row["source"], Signal.ref == row["ref"]))
        signal, did_change = record_signal(
            session, source=row["source"], kind=row["kind"], ref=row["ref"], unit_id=units[row["unit_code"]],
            value=float(row["value"]), observed_on=row["observed_on"],
            matter_id=matters.get(row["matter_code"]) if row["matter_code"] else None)
        ids.append(signal.id)
        created += existed is None
        changed += did_change and existed is not None
    return {"stored": len(ids), "created": created, "changed": changed, "ids": ids}


ROUTES = [
    ApiRoute("/signals", "GET", list_signals, "List signals.", "ledger.view", tag="signals",
             params=(*PAGING_PARAMS, ApiParam("source"), ApiParam("kind"), ApiParam("unit_code"),
                     ApiParam("matter_code"), ApiParam("observed_since", schema=DATE),
                     ApiParam("observed_until", schema=DATE)),
             response_schema=page_schema(SIGNAL_SCHEMA)),
    ApiRoute("/signals", "POST", post_signals, "Post a batch of signals (all rows or none).", "signals.post",
             tag="signals", request_schema=POST_SCHEMA, response_schema=POSTED_SCHEMA, status=201),
]
