"""The upload template for one assignment: one row per unit and indicator, scores left blank.

The import's columns (评估机构, 评估批次, 事项编号, 单位代码, 指标代码, 得分, …) each code followed by
its name (事项名称, 单位名称, 指标名称), which the import ignores. The unit and indicator codes
are chosen from drop-downs of the assignment's units and the matter's indicators, a score out of
0–100 is refused as it is typed, and the batch needs naming only in the first row: a blank
评估批次 continues the batch above (see :func:`plugins.third_party_eval.importer.batch_filled_down`).
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.access.models import Assignment
from core.ledger.models import Matter, Task
from core.org.models import Unit
from core.spreadsheets import OfficeWorkbook
from plugins.third_party_eval.importer import COLUMNS
from plugins.third_party_eval.models import Indicator, Institution

# The name columns, each written right after the column of the codes it names.
NAMES = {"matter_code": "事项名称", "unit_code": "单位名称", "indicator": "指标名称"}
WIDTHS = {"评估机构": 20, "评估批次": 14, "事项名称": 30, "单位名称": 20, "指标名称": 24, "评估日期": 12, "评语": 40}
SPARE_ROWS = 200  # rows below the template's that still offer the drop-downs


def template_header() -> list[str]:
    """The template's header row: the import's Chinese headers, names beside the codes."""
    header: list[str] = []
    for column in COLUMNS:
        header.append(column.zh)
        if column.key in NAMES:
            header.append(NAMES[column.key])
    return header


def _units(session: Session, assignment: Assignment, matter: Matter) -> list[Unit]:
    if assignment.unit_id is not None:
        return list(session.scalars(select(Unit).where(Unit.id == assignment.unit_id)))
    return list(session.scalars(select(Unit).join(Task, Task.unit_id == Unit.id)
                                .where(Task.matter_id == matter.id).distinct().order_by(Unit.code)))


def template_rows(session: Session, assignment: Assignment, institution: Institution | None) -> list[list[object]]:
    """Rows in :func:`template_header`'s order for every unit and indicator the assignment covers."""
    matter = session.get(Matter, assignment.matter_id)
    assert matter is not None  # noqa: S101  (narrows the type: an assignment's matter exists)
    indicators = list(session.scalars(select(Indicator).where(Indicator.matter_id == matter.id)
                                      .order_by(Indicator.code)))
    name = institution.name if institution else ""
    rows: list[list[object]] = []
    framework: list[Indicator | None] = [*indicators] or [None]  # no indicators yet: one row per unit
    for unit in _units(session, assignment, matter):
        for indicator in framework:
            rows.append([name, "", matter.code, matter.title, unit.code, unit.name,
                         indicator.code if indicator else "", indicator.name if indicator else "", None,
                         indicator.weight if indicator else 1, indicator.target if indicator else None, None, ""])
    return rows


def template_xlsx(session: Session, assignment: Assignment, institution: Institution | None,
                  gettext: Callable[[str], str]) -> bytes:
    """The template as an XLSX workbook: frozen header, widths, drop-downs; every text cell made safe."""
    matter = session.get(Matter, assignment.matter_id)
    assert matter is not None  # noqa: S101  (narrows the type: an assignment's matter exists)
    rows = template_rows(session, assignment, institution)
    workbook = OfficeWorkbook()
    sheet = workbook.sheet("evaluations", template_header(), widths=WIDTHS)  # the first sheet: the one imported
    for row in rows:
        sheet.append(row)
    units = [unit.code for unit in _units(session, assignment, matter)]
    indicators = list(session.scalars(select(Indicator.code).where(Indicator.matter_id == matter.id)
                                      .order_by(Indicator.code)))
    lists = workbook.values("lists", {"单位代码": units, "指标代码": indicators})
    spare = len(rows) + SPARE_ROWS
    sheet.note("评估批次", gettext("Batch"),
               gettext("Name the batch in the first row; a blank cell below takes the batch of the row above."),
               rows=spare)
    sheet.choose_from("单位代码", lists, "单位代码", rows=spare, title=gettext("Unit"),
                      error=gettext("Choose one of the units you are assigned to assess."))
    if indicators:
        sheet.choose_from("指标代码", lists, "指标代码", rows=spare, title=gettext("Indicator"),
                          error=gettext("Choose one of the matter's indicators."))
    sheet.number_between("得分", 0, 100, rows=spare, title=gettext("Score"),
                         error=gettext("A score is a number from 0 to 100."))
    return workbook.to_bytes()
