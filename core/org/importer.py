"""``duban import units``: the unit hierarchy from CSV, XLSX or JSON Lines."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import ValidationError
from core.hooktypes import ImportContext
from core.i18n import message
from core.importing import (
    Column,
    ImportReport,
    MappedRow,
    MappedTable,
    Table,
    choice,
    map_rows,
    read_table,
    region_code,
    text,
)
from core.org.models import Unit, UnitLevel
from core.org.units import save_unit

LEVELS = {
    "province": "province", "省": "province", "省级": "province",
    "city": "city", "市": "city", "市级": "city",
    "county": "county", "县": "county", "区": "county", "县级": "county", "县区": "county",
    "town": "town", "乡镇": "town", "镇": "town", "乡": "town", "街道": "town",
    "department": "department", "部门": "department",
}

COLUMNS = (
    Column("code", "单位代码", required=True),
    Column("name", "单位名称", required=True),
    Column("parent_code", "上级单位代码", parse=text),
    Column("level", "层级", required=True, parse=choice(LEVELS)),
    Column("region_code", "行政区划代码", required=True, parse=region_code),
)


def import_units(session: Session, data: bytes, filename: str | None, context: ImportContext) -> ImportReport:
    """Create or update units; parents may come later in the same file.

    A row whose parent's row was refused is refused too, naming that row, rather
    than reported as a cycle of parents.
    """
    table = read_table(data, filename)
    mapped = map_rows(table, COLUMNS, key=("code",))
    report = ImportReport(errors=list(mapped.errors))
    existing = {unit.code: unit for unit in session.scalars(select(Unit))}
    refused = _refused_codes(table, mapped)
    pending = list(mapped.rows)
    while pending:
        waiting: list[MappedRow] = []
        for row in pending:
            parent_code = row["parent_code"]
            if parent_code and parent_code not in existing:
                waiting.append(row)
                continue
            if not _apply(session, row, existing, mapped, report):
                refused.setdefault(row["code"], row.line)
        if len(waiting) == len(pending):
            _refuse_waiting(waiting, refused, mapped)
            break
        pending = waiting
    report.errors = sorted(mapped.errors, key=lambda error: error.line or 0)
    return report


def _refused_codes(table: Table, mapped: MappedTable) -> dict[str, int]:
    """Code → line of the rows refused while reading the file (a bad cell, say), when their code is legible."""
    bad_lines = {error.line for error in mapped.errors if error.line is not None}
    if not bad_lines:
        return {}
    kept = {row["code"] for row in mapped.rows}
    codes = map_rows(table, (Column("code", "单位代码", required=True),))
    refused: dict[str, int] = {}
    for row in codes.rows:
        if row.line in bad_lines and row["code"] not in kept:
            refused.setdefault(row["code"], row.line)
    return refused


def _refuse_waiting(waiting: list[MappedRow], refused: dict[str, int], mapped: MappedTable) -> None:
    """Say why each row still waiting for its parent cannot go in.

    A parent refused in this file is named with its line (and so, in turn, is a
    child of such a child); what is left is a true cycle or an unknown code.
    """
    in_file = {row["code"] for row in waiting}
    left = list(waiting)
    while True:
        blocked = [row for row in left if row["parent_code"] in refused]
        if not blocked:
            break
        for row in blocked:
            mapped.add_error(row.line, "parent_code", message(
                "Parent unit %(code)s was refused on row %(line)s, so this row cannot go in either.",
                code=row["parent_code"], line=refused[row["parent_code"]]))
            refused.setdefault(row["code"], row.line)
        done = {row.line for row in blocked}
        left = [row for row in left if row.line not in done]
    for row in left:
        problem = (message("Parent unit %(code)s comes in a cycle of parents.", code=row["parent_code"])
                   if row["parent_code"] in in_file else
                   message("No unit has the code %(code)s.", code=row["parent_code"]))
        mapped.add_error(row.line, "parent_code", problem)


def _apply(session: Session, row: MappedRow, existing: dict[str, Unit], mapped: MappedTable,
           report: ImportReport) -> bool:
    """Store one row's unit; False when it was refused (the error is recorded)."""
    unit = existing.get(row["code"])
    parent = existing.get(row["parent_code"]) if row["parent_code"] else None
    level = UnitLevel(row["level"])
    if unit is not None and (unit.name, unit.level, unit.region_code, unit.parent_id) == (
            row["name"], level, row["region_code"], parent.id if parent else None):
        report.unchanged += 1
        return True
    is_new = unit is None
    try:
        with session.begin_nested():
            unit = save_unit(session, unit or Unit(), code=row["code"], name=row["name"], level=level,
                             region_code=row["region_code"], parent=parent)
    except ValidationError as error:
        mapped.add_error(row.line, None, error.message)
        return False
    existing[unit.code] = unit
    if is_new:
        report.created += 1
    else:
        report.updated += 1
    return True
