"""The upload template for one assignment: one row per unit and indicator, scores left blank."""
from __future__ import annotations

import io

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.access.models import Assignment
from core.importing import safe_cell
from core.ledger.models import Matter, Task
from core.org.models import Unit
from plugins.third_party_eval.importer import COLUMNS
from plugins.third_party_eval.models import Indicator, Institution


def template_rows(session: Session, assignment: Assignment, institution: Institution | None) -> list[list[object]]:
    """Rows in the import's column order for every unit and indicator the assignment covers."""
    matter = session.get(Matter, assignment.matter_id)
    assert matter is not None  # noqa: S101  (narrows the type: an assignment's matter exists)
    if assignment.unit_id is not None:
        codes = list(session.scalars(select(Unit.code).where(Unit.id == assignment.unit_id)))
    else:
        codes = list(session.scalars(select(Unit.code).join(Task, Task.unit_id == Unit.id)
                                     .where(Task.matter_id == matter.id).distinct().order_by(Unit.code)))
    indicators = list(session.scalars(select(Indicator).where(Indicator.matter_id == matter.id)
                                      .order_by(Indicator.code)))
    name = institution.name if institution else ""
    rows: list[list[object]] = []
    framework: list[Indicator | None] = [*indicators] or [None]  # no indicators yet: one row per unit
    for code in codes:
        for indicator in framework:
            rows.append([name, "", matter.code, code, indicator.code if indicator else "", None,
                         indicator.weight if indicator else 1, indicator.target if indicator else None, None, ""])
    return rows


def template_xlsx(session: Session, assignment: Assignment, institution: Institution | None) -> bytes:
    """The template as an XLSX workbook with Chinese headers; every text cell made safe."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("evaluations")
    sheet.append([column.zh for column in COLUMNS])
    for row in template_rows(session, assignment, institution):
        sheet.append([safe_cell(value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
