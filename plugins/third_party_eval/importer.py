"""``duban import evaluations``: scored assessments from CSV, XLSX or JSON Lines.

Rows are grouped into batches by (institution, matter, batch code). A batch that
matches the current version exactly changes nothing; a different one becomes a
new version and the old version is kept, marked superseded. Batches of other
codes (other evaluation periods) are never superseded: each stays current and
gives the unit's signals a point dated on its evaluation day. An evaluator may
only score units of matters they are assigned to: any other row is refused,
and, as for every import, one bad row means nothing is written.

Every row is checked for every problem in one pass: a row with a bad cell
(a score of 120) still has its matter, unit and indicator looked up, and an
unknown unit does not hide an unknown indicator on the same row.

The batch may be named once: a blank 评估批次 cell continues the batch of the
row above (as a merged cell reads in Excel), so only the first row needs it.

A check (dry run) lists what a new version of a batch would change, row by
row, old value against new, in :attr:`ImportReport.changes`.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import clock
from core.access.assignments import is_assigned, unit_has_task
from core.access.models import Role, User
from core.db import utcnow
from core.errors import ValidationError
from core.hooktypes import ImportContext
from core.i18n import N_, message
from core.importing import (
    CellError,
    Column,
    ImportReport,
    MappedRow,
    RowChange,
    Table,
    decimal,
    event_date,
    map_rows,
    normalise_header,
    read_table,
    text,
)
from core.ledger.models import Matter
from core.org.models import Unit
from plugins.third_party_eval.access import institution_of
from plugins.third_party_eval.models import Batch, BatchState, Indicator, Institution, Score


def score_value(value: Any) -> float:
    """A score from 0 to 100."""
    number = float(decimal(value))
    if not 0 <= number <= 100:
        raise CellError(N_("%(value)s is not a score from 0 to 100."), value=str(value)[:40])
    return number


def weight_value(value: Any) -> float:
    """A positive weight."""
    number = float(decimal(value))
    if number <= 0 or number > 1000:
        raise CellError(N_("A weight must be above 0 and at most 1000."))
    return number


def short(limit: int) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        result = text(value)
        if len(result) > limit:
            raise CellError(N_("This text has %(length)s characters; at most %(limit)s are allowed."),
                            length=len(result), limit=limit)
        return result
    return parse


COLUMNS = (
    Column("evaluator", "评估机构", parse=short(200)),
    Column("batch", "评估批次", required=True, parse=short(80)),
    Column("matter_code", "事项编号", required=True, parse=short(64)),
    Column("unit_code", "单位代码", required=True, parse=short(64)),
    Column("indicator", "指标代码", required=True, parse=short(40)),
    Column("score", "得分", required=True, parse=score_value),
    Column("weight", "权重", parse=weight_value),
    Column("target", "目标值", parse=score_value),
    Column("evaluated_on", "评估日期", required=True, parse=event_date),
    Column("comment", "评语", parse=short(2000), default=""),
)
KEY = ("batch", "matter_code", "unit_code", "indicator")
# The columns a row's cross-checks read, parsed again (none required) for rows with a bad cell.
CODE_COLUMNS = tuple(Column(c.key, c.zh, parse=c.parse) for c in COLUMNS
                     if c.key in ("evaluator", "matter_code", "unit_code", "indicator"))
# What a new version of a batch may change in a row, with its column's Chinese header.
COMPARED = (("score", "得分"), ("weight", "权重"), ("target", "目标值"), ("evaluated_on", "评估日期"),
            ("comment", "评语"))

GroupKey = tuple[int, int, str]  # institution id, matter id, batch code


def import_evaluations(session: Session, data: bytes, filename: str | None,
                       context: ImportContext) -> ImportReport:
    """Check every row, then store each batch as a new version when it differs; never commits."""
    table = batch_filled_down(read_table(data, filename))
    mapped = map_rows(table, COLUMNS, key=KEY)
    parsed = {row.line for row in mapped.rows}
    unparsed = [source for source in table.rows if source.line not in parsed]
    failed = map_rows(Table(table.kind, table.headers, unparsed), CODE_COLUMNS).rows if unparsed else []
    report = ImportReport()
    user = session.get(User, context.user_id) if context.user_id is not None else None
    own = None
    if user is not None and user.role == Role.evaluator:
        own = institution_of(session, user)
        if own is None:
            raise ValidationError("Your account belongs to no evaluation institution; ask the supervision office.")
    units = {code: unit_id for code, unit_id in session.execute(select(Unit.code, Unit.id))}
    codes = {row["matter_code"] for row in [*mapped.rows, *failed] if row["matter_code"]}
    matters = {m.code: m for m in session.scalars(select(Matter).where(Matter.code.in_(codes)))} if codes else {}
    institutions = {i.name: i for i in session.scalars(select(Institution))}
    frameworks: dict[int, dict[str, Indicator]] = defaultdict(dict)
    matter_ids = [m.id for m in matters.values()]
    for indicator in session.scalars(select(Indicator).where(Indicator.matter_id.in_(matter_ids))):
        frameworks[indicator.matter_id][indicator.code] = indicator
    groups: dict[GroupKey, list[dict[str, Any]]] = defaultdict(list)
    for row in mapped.rows:
        checked = _check(session, row, mapped, user, own, units, matters, institutions, frameworks)
        if checked is not None:
            key, values = checked
            groups[key].append(values)
    for row in failed:  # rows with a bad cell: their codes are checked all the same
        _check(session, row, mapped, user, own, units, matters, institutions, frameworks)
    report.extend(mapped.errors)
    if not report.ok:
        return report
    touched: set[tuple[int, int]] = set()
    unit_names = {unit_id: name for unit_id, name in session.execute(select(Unit.id, Unit.name).where(
        Unit.id.in_({values["unit_id"] for rows in groups.values() for values in rows})))}
    for (institution_id, matter_id, code), rows in groups.items():
        outcome, replaced = _store(session, institution_id, matter_id, code, rows, user, filename or "",
                                   context.dry_run, report, unit_names)
        if outcome != "unchanged":
            touched.update((matter_id, values["unit_id"]) for values in rows)
            touched.update((matter_id, unit_id) for unit_id in replaced)  # units the new version leaves out
    if touched and not context.dry_run:
        from plugins.third_party_eval.signals import refresh_signals

        refresh_signals(session, clock.today(), touched)
    return report


def batch_filled_down(table: Table) -> Table:
    """``table`` with each blank 评估批次 cell holding the batch of the row above, if any."""
    names = set(next(column for column in COLUMNS if column.key == "batch").names())
    position = next((i for i, header in enumerate(table.headers) if normalise_header(header) in names), None)
    if position is None:
        return table
    lines: list[tuple[int, tuple[Any, ...]]] = []
    above: Any = None
    for source in table.rows:
        cells = source.cells
        value = cells[position] if position < len(cells) else None
        if value is None or (isinstance(value, str) and not value.strip()):
            if above is not None:
                padded = cells + (None,) * (position + 1 - len(cells))
                cells = padded[:position] + (above,) + padded[position + 1:]
        else:
            above = value
        lines.append((source.line, cells))
    return Table.build(table.kind, table.headers, lines, table.errors)


def _check(session: Session, row: MappedRow, mapped: Any, user: User | None, own: Institution | None,
           units: dict[str, int], matters: dict[str, Matter], institutions: dict[str, Institution],
           frameworks: dict[int, dict[str, Indicator]]) -> tuple[GroupKey, dict[str, Any]] | None:
    """Report every problem of ``row`` (each check independent of the others); its values when it has none."""
    ok = True
    institution = own
    if own is not None:
        if row["evaluator"] and row["evaluator"] != own.name:
            mapped.add_error(row.line, "evaluator", message(
                N_("You upload for %(own)s, not for %(named)s."), own=own.name, named=row["evaluator"]))
            ok = False
    elif not row["evaluator"]:
        mapped.add_error(row.line, "evaluator", message(N_("Name the evaluation institution.")))
        ok = False
    else:
        institution = institutions.get(row["evaluator"])
        if institution is None:
            mapped.add_error(row.line, "evaluator", message(
                N_("No evaluation institution is registered as %(name)s."), name=row["evaluator"]))
            ok = False
    matter = matters.get(row["matter_code"]) if row["matter_code"] else None
    unit_id = units.get(row["unit_code"]) if row["unit_code"] else None
    if matter is None and row["matter_code"]:
        mapped.add_error(row.line, "matter_code", message(N_("No matter has the code %(code)s."),
                                                          code=row["matter_code"]))
    if unit_id is None and row["unit_code"]:
        mapped.add_error(row.line, "unit_code", message(N_("No unit has the code %(code)s."), code=row["unit_code"]))
    indicator = None
    if matter is not None:
        framework = frameworks.get(matter.id, {})
        indicator = framework.get(row["indicator"]) if row["indicator"] else None
        if framework and indicator is None and row["indicator"]:
            mapped.add_error(row.line, "indicator", message(
                N_("%(code)s is not an indicator of this matter; its indicators are %(codes)s."),
                code=row["indicator"], codes=", ".join(sorted(framework))))
            ok = False
    if matter is None or unit_id is None:
        return None
    if own is not None and user is not None and not is_assigned(session, user.id, matter.id, unit_id):
        mapped.add_error(row.line, "matter_code", message(
            N_("You are not assigned to assess %(unit)s on matter %(matter)s."),
            unit=row["unit_code"], matter=row["matter_code"]))
        ok = False
    elif not unit_has_task(session, matter.id, unit_id):
        mapped.add_error(row.line, "unit_code", message(
            N_("The unit %(unit)s has no task in the matter %(matter)s."),
            unit=row["unit_code"], matter=row["matter_code"]))
        ok = False
    if not ok or institution is None or "score" not in row:
        return None
    weight = row["weight"] if row["weight"] is not None else (indicator.weight if indicator else 1.0)
    target = row["target"] if row["target"] is not None else (indicator.target if indicator else None)
    return (institution.id, matter.id, row["batch"]), {
        "unit_id": unit_id, "indicator": row["indicator"], "score": row["score"], "weight": weight,
        "target": target, "evaluated_on": row["evaluated_on"], "comment": row["comment"] or "", "line": row.line}


def _comparable(values: dict[str, Any]) -> tuple[Any, ...]:
    return (values["unit_id"], values["indicator"], round(values["score"], 4), round(values["weight"], 4),
            None if values["target"] is None else round(values["target"], 4), values["evaluated_on"],
            values["comment"])


def _store(session: Session, institution_id: int, matter_id: int, code: str, rows: list[dict[str, Any]],
           user: User | None, filename: str, dry_run: bool, report: ImportReport,
           unit_names: dict[int, str]) -> tuple[str, set[int]]:
    """Store one batch: 'unchanged', 'created' (first version) or 'replaced' (a new version).

    Counts its rows in ``report`` (a row of a new version is created, updated or
    unchanged against the version it replaces) and lists each changed value in
    ``report.changes``. Also returns the units scored in the version replaced.
    """
    current = session.scalar(select(Batch).where(
        Batch.institution_id == institution_id, Batch.matter_id == matter_id, Batch.code == code,
        Batch.state == BatchState.current))
    stored: dict[tuple[int, str], dict[str, Any]] = {}
    if current is not None:
        stored = {(score.unit_id, score.indicator): {column: getattr(score, column) for column in (
            "unit_id", "indicator", "score", "weight", "target", "evaluated_on", "comment")}
            for score in current.scores}
        if set(map(_comparable, stored.values())) == {_comparable(values) for values in rows}:
            report.unchanged += len(rows)
            return "unchanged", set()
    _count_changes(report, code, stored, rows, unit_names)
    outcome = "created" if current is None else "replaced"
    replaced = {score.unit_id for score in current.scores} if current is not None else set()
    if dry_run:
        return outcome, replaced
    version = (session.scalar(select(func.max(Batch.version)).where(
        Batch.institution_id == institution_id, Batch.matter_id == matter_id, Batch.code == code)) or 0) + 1
    if current is not None:
        current.state, current.superseded_at = BatchState.superseded, utcnow()
    batch = Batch(institution_id=institution_id, matter_id=matter_id, code=code, version=version,
                  filename=filename[:255], rows=len(rows), uploaded_by_id=user.id if user else None)
    batch.scores = [Score(**values) for values in rows]
    session.add(batch)
    session.flush()
    return outcome, replaced


def _count_changes(report: ImportReport, code: str, stored: dict[tuple[int, str], dict[str, Any]],
                   rows: list[dict[str, Any]], unit_names: dict[int, str]) -> None:
    """Count ``rows`` against the ``stored`` version and list what differs, value by value."""
    def subject(values: dict[str, Any]) -> str:
        return f"{code} · {unit_names.get(values['unit_id'], values['unit_id'])} · {values['indicator']}"

    seen: set[tuple[int, str]] = set()
    for values in rows:
        key = (values["unit_id"], values["indicator"])
        seen.add(key)
        old = stored.get(key)
        if old is None:
            report.created += 1
            if stored:  # a row the new version adds
                report.changes.append(RowChange(values["line"], subject(values), "得分", None, values["score"]))
            continue
        differing = [(column, label) for column, label in COMPARED
                     if _comparable({**old, column: values[column]}) != _comparable(old)]
        if not differing:
            report.unchanged += 1
            continue
        report.updated += 1
        report.changes.extend(RowChange(values["line"], subject(values), label, old[column], values[column])
                              for column, label in differing)
    for key, old in stored.items():
        if key not in seen:  # a row the new version leaves out
            report.changes.append(RowChange(None, subject(old), "得分", old["score"], None))
