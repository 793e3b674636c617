"""``duban import reviews``: past on-site checks, so the model can learn from history.

Each row names a unit and (optionally) a matter; the task is that unit's task
on the matter. Rows are matched on ``review_id``: importing a file again
changes nothing. Every outcome is stored as a ``review`` signal as well.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.hooktypes import ImportContext
from core.i18n import N_, message
from core.importing import (
    CellError,
    Column,
    ImportReport,
    boolean,
    choice,
    decimal,
    event_date,
    map_rows,
    optional_text,
    read_table,
)
from core.importing import severity as severity_parser
from core.importing.parsers import shown
from core.ledger.references import resolve_references
from core.review.models import ReviewOutcome, Selection, Severity
from core.review.outcomes import record_outcome_signal

SELECTIONS = {"ranked": "ranked", "排序": "ranked", "random": "random", "随机": "random",
              "manual": "manual", "人工": "manual"}


def probability(value: Any) -> float:
    """A selection probability (入选概率): a number above 0 and at most 1."""
    number = decimal(value)
    if not 0 < number <= 1:
        raise CellError(N_("%(value)s is not a probability above 0 and at most 1."), value=shown(value))
    return float(number)


COLUMNS = (
    Column("review_id", "复核编号", required=True),
    Column("unit_code", "单位代码", required=True),
    Column("matter_code", "事项编号", parse=optional_text),
    Column("visited_on", "复核日期", required=True, parse=event_date),
    Column("problem_found", "是否发现问题", required=True, parse=boolean),
    Column("severity", "严重程度", parse=severity_parser),
    Column("notes", "备注", parse=optional_text, default=""),
    Column("selection", "选取方式", parse=choice(SELECTIONS), default="manual"),
    Column("selection_probability", "入选概率", parse=probability),
)


def import_reviews(session: Session, data: bytes, filename: str | None, context: ImportContext) -> ImportReport:
    """Create or update past review outcomes; every bad row is reported and then nothing is written."""
    mapped = map_rows(read_table(data, filename), COLUMNS, key=("review_id",))
    references = resolve_references(session, mapped.rows, context)
    good = []
    for row in mapped.rows:
        problems = []
        if len(row["review_id"]) > 120:
            problems.append(("review_id", message("At most %(count)s characters.", count=120)))
        problems.extend(references.problems(row))
        for key, problem in problems:
            mapped.add_error(row.line, key, problem)
        if not problems:
            good.append(row)
    report = ImportReport(errors=sorted(mapped.errors, key=lambda error: error.line or 0))
    if not report.ok:
        return report
    refs = [row["review_id"] for row in good]
    existing = {o.external_ref: o for o in session.scalars(select(ReviewOutcome).where(
        ReviewOutcome.external_ref.in_(refs)))} if refs else {}
    for row in good:
        unit_id, matter_id, task_id = references.ids(row)
        values = {
            "unit_id": unit_id, "matter_id": matter_id, "task_id": task_id,
            "visited_on": row["visited_on"], "problem_found": bool(row["problem_found"]),
            "severity": Severity(row["severity"]) if row["severity"] and row["problem_found"] else None,
            "notes": row["notes"] or "", "selection": Selection(row["selection"]),
        }
        if "selection_probability" in mapped.present:
            # A file without the column keeps what an earlier file said.
            values["selection_probability"] = row["selection_probability"]
        outcome = existing.get(row["review_id"])
        if outcome is None:
            outcome = ReviewOutcome(external_ref=row["review_id"], recorded_by=context.actor, **values)
            session.add(outcome)
            report.created += 1
        elif any(getattr(outcome, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(outcome, key, value)
            report.updated += 1
        else:
            report.unchanged += 1
            continue
        session.flush()
        record_outcome_signal(session, outcome)
    return report
