"""``duban import signals``: evidence from any other cooperating source, one row per observation.

For sources without a plugin of their own (a 12345 hotline export, a
petition system). Rows are matched on ``(source, ref)``; a source that belongs
to a plugin, or core's own ``review`` source, is refused: its data goes in
through that plugin.

Each row is one dated observation: ``observed_on`` is the day it was made
(:func:`core.importing.event_date`: not after the instance's today, not before
1990), and each ``ref`` is one point of the source's history. Scoring reads,
for each day, the latest observation up to that day, so monthly files with
their own refs build a time series, and re-importing a file changes nothing.
"""
from __future__ import annotations

import math

from sqlalchemy.orm import Session

from core.hooktypes import ImportContext, SignalKind
from core.i18n import N_, message
from core.importing import (
    Column,
    ImportReport,
    decimal,
    event_date,
    map_rows,
    optional_text,
    read_table,
)
from core.ledger.references import resolve_references
from core.plugins import signal_kinds
from core.signals import record_signals

COLUMNS = (
    Column("source", "来源", required=True),
    Column("kind", "信号类型", required=True),
    Column("unit_code", "单位代码", required=True),
    Column("matter_code", "事项编号", parse=optional_text),
    Column("value", "数值", required=True, parse=decimal),
    Column("observed_on", "日期", required=True, parse=event_date),
    Column("ref", "编号", required=True),
)
LENGTHS = {"source": 40, "kind": 60, "ref": 120}
CORE_SOURCES = frozenset({"review"})

#: Common cooperating sources without a plugin, named so that people read a name and not a key
#: (``hotline_12345.complaints``): the queue's reasons, filters and evidence lists use these. Their
#: data still comes in through this import, and a kind not listed here is shown by its key.
OUTSIDE_SOURCES = {"hotline_12345": N_("12345 hotline")}
OUTSIDE_KINDS: tuple[SignalKind, ...] = (
    SignalKind("hotline_12345", "complaints", N_("Complaints to the 12345 hotline"), 1, "count", history=True),
)


def import_signals(session: Session, data: bytes, filename: str | None, context: ImportContext) -> ImportReport:
    """Store every row through :func:`core.signals.record_signals`, or none when any row is bad."""
    mapped = map_rows(read_table(data, filename), COLUMNS, key=("source", "ref"))
    pm = session.info.get("plugins")
    reserved = set(CORE_SOURCES) | ({kind.source for kind in signal_kinds(pm)} if pm is not None else set())
    references = resolve_references(session, mapped.rows, context)
    good = []
    for row in mapped.rows:
        problems = []
        for key, limit in LENGTHS.items():
            if len(row[key]) > limit:
                problems.append((key, message("At most %(count)s characters.", count=limit)))
        if not math.isfinite(float(row["value"])):
            problems.append(("value", message("The value is too large.")))
        if row["source"] in reserved:
            problems.append(("source", message("Source %(source)s belongs to a plugin; post its data there.",
                                               source=row["source"])))
        problems.extend(references.problems(row))
        for key, problem in problems:
            mapped.add_error(row.line, key, problem)
        if not problems:
            good.append(row)
    report = ImportReport(errors=sorted(mapped.errors, key=lambda error: error.line or 0))
    if not report.ok:
        return report
    rows = []
    for row in good:
        unit_id, matter_id, task_id = references.ids(row)
        rows.append({"source": row["source"], "kind": row["kind"], "ref": row["ref"], "unit_id": unit_id,
                     "matter_id": matter_id, "task_id": task_id, "value": float(row["value"]),
                     "observed_on": row["observed_on"]})
    report.created, report.updated, report.unchanged = record_signals(session, rows)
    return report
