"""``duban import matters``: a ledger as offices keep it in Excel, one row per task.

Rows sharing a matter code form one matter. A row's task is matched by matter,
lead unit and task text, so importing the same file again changes nothing.
Every problem (unknown unit codes, impossible dates, duplicate rows, one matter
code given two titles) is reported by row, and then nothing is written.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.access.models import User
from core.access.scope import Scope
from core.hooktypes import ImportContext
from core.i18n import message
from core.importing import ImportReport, MappedRow, MappedTable, map_rows, read_table
from core.ledger.columns import LEDGER_COLUMNS
from core.ledger.models import Cadence, EventKind, Matter, MatterKind, Task, TaskCoUnit
from core.ledger.timeline import record_event
from core.org.models import Unit

MATTER_FIELDS = ("title", "kind", "source_ref")
WEIGHT_FIELDS = ("importance", "public_attention", "people_affected", "money_affected")


def import_matters(session: Session, data: bytes, filename: str | None, context: ImportContext) -> ImportReport:
    """Create or update matters and their tasks from a ledger file."""
    mapped = map_rows(read_table(data, filename), LEDGER_COLUMNS, key=("code", "task", "lead_unit"))
    user = session.get(User, context.user_id) if context.user_id is not None else None
    scope = Scope(session, user) if user is not None else None
    units = _units(session, mapped, scope)
    _check_units(mapped, units)
    _check_matters_agree(mapped)
    existing = {m.code: m for m in session.scalars(
        select(Matter).options(selectinload(Matter.tasks).selectinload(Task.co_units))
        .where(Matter.code.in_({row["code"] for row in mapped.rows})))}
    if scope is not None:
        _check_matters_writable(mapped, existing, scope)
    report = ImportReport(errors=list(mapped.errors))
    if not report.ok:
        report.errors.sort(key=lambda error: error.line or 0)
        return report
    owner = _owner_unit(session, user, context)
    if owner is None:
        report.errors = [_file_error(message("No unit exists yet to own the matters; import units first."))]
        return report
    actor = user
    for row in mapped.rows:
        matter = existing.get(row["code"])
        matter_changed = False
        if matter is None:
            matter = Matter(code=row["code"], owner_unit_id=owner.id)
            session.add(matter)
            existing[row["code"]] = matter
        matter_changed = _apply_matter(matter, row)
        session.flush()
        outcome = _apply_task(session, matter, row, units, actor)
        if outcome == "created":
            report.created += 1
        elif outcome == "updated" or matter_changed:
            report.updated += 1
        else:
            report.unchanged += 1
    return report


def _file_error(problem: Any) -> Any:
    from core.importing import RowError

    return RowError(None, None, problem)


def _units(session: Session, mapped: MappedTable, scope: Scope | None) -> dict[str, int]:
    codes = {code for row in mapped.rows for code in [row["lead_unit"], *row["co_units"]]}
    if not codes:
        return {}
    stmt = select(Unit.code, Unit.id).where(Unit.code.in_(codes), Unit.active.is_(True))
    if scope is not None:
        stmt = stmt.where(scope.unit_clause(Unit.id, "write"))
    return {code: unit_id for code, unit_id in session.execute(stmt)}


def _check_units(mapped: MappedTable, units: dict[str, int]) -> None:
    bad_lines = set()
    for row in mapped.rows:
        if row["lead_unit"] not in units:
            mapped.add_error(row.line, "lead_unit", message(
                "No unit has the code %(code)s (or it lies outside your unit).", code=row["lead_unit"]))
            bad_lines.add(row.line)
        unknown = [code for code in row["co_units"] if code not in units]
        if unknown:
            mapped.add_error(row.line, "co_units", message(
                "No unit has the code %(code)s (or it lies outside your unit).", code="; ".join(unknown)))
            bad_lines.add(row.line)
    mapped.rows = [row for row in mapped.rows if row.line not in bad_lines]


def _check_matters_agree(mapped: MappedTable) -> None:
    """Rows of one matter must agree on its title, kind and source."""
    first: dict[str, MappedRow] = {}
    for row in list(mapped.rows):
        seen = first.setdefault(row["code"], row)
        if seen is row:
            continue
        for name in MATTER_FIELDS:
            if row[name] != seen[name]:
                mapped.add_error(row.line, name, message(
                    "Matter %(code)s is given a different %(column)s on row %(first)s.",
                    code=row["code"], column=name, first=seen.line))
                mapped.rows.remove(row)
                break


def _check_matters_writable(mapped: MappedTable, existing: dict[str, Matter], scope: Scope) -> None:
    writable = scope.filter_ids(Matter, [m.id for m in existing.values()], "write")
    for row in list(mapped.rows):
        matter = existing.get(row["code"])
        if matter is not None and matter.id not in writable:
            mapped.add_error(row.line, "code", message(
                "The matter code %(code)s is taken by a matter you cannot change.", code=row["code"]))
            mapped.rows.remove(row)


def _owner_unit(session: Session, user: User | None, context: ImportContext) -> Unit | None:
    code = context.options.get("owner_unit")
    if code:
        return session.scalar(select(Unit).where(Unit.code == code))
    if user is not None and user.unit_id is not None:
        return session.get(Unit, user.unit_id)
    # From the command line: the top of the hierarchy (the province) owns the matters.
    return session.scalar(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id).limit(1))


def _apply_matter(matter: Matter, row: MappedRow) -> bool:
    wanted: dict[str, Any] = {"title": row["title"], "kind": MatterKind(row["kind"]),
                              "source_ref": row["source_ref"] or ""}
    for name in WEIGHT_FIELDS:
        if row[name] is not None:
            wanted[name] = Decimal(row[name]) if name == "money_affected" else row[name]
    changed = False
    for name, value in wanted.items():
        if getattr(matter, name, None) != value:
            setattr(matter, name, value)
            changed = matter.id is not None
    return changed


def _apply_task(session: Session, matter: Matter, row: MappedRow, units: dict[str, int],
                actor: User | None) -> str:
    unit_id = units[row["lead_unit"]]
    co_ids = [units[code] for code in row["co_units"] if units[code] != unit_id]
    cadence = Cadence(row["cadence"])
    task = next((t for t in matter.tasks if t.unit_id == unit_id and t.description == row["task"]), None)
    if task is None:
        task = Task(matter_id=matter.id, unit_id=unit_id, description=row["task"],
                    deadline=row["deadline"], cadence=cadence)
        task.co_units = [TaskCoUnit(unit_id=uid) for uid in co_ids]
        matter.tasks.append(task)
        session.flush()
        record_event(session, task, EventKind.dispatched, actor, source="import")
        return "created"
    changed = False
    if task.deadline != row["deadline"] or task.cadence != cadence:
        record_event(session, task, EventKind.changed, actor, source="import",
                     deadline=[task.deadline.isoformat(), row["deadline"].isoformat()])
        task.deadline, task.cadence = row["deadline"], cadence
        changed = True
    if sorted(c.unit_id for c in task.co_units) != sorted(co_ids):
        task.co_units = [TaskCoUnit(unit_id=uid) for uid in co_ids]
        changed = True
    return "updated" if changed else "unchanged"
