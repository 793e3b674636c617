"""The ledger as an XLSX workbook in the import's columns, so it can be edited and imported again.

Beside each column of codes (类别, 牵头单位, 配合单位, 报送频次) stands a column of their names,
which an import ignores. Rows are read in chunks through the user's scope and written with
openpyxl's streaming writer (:mod:`core.spreadsheets`): a frozen, filtered header row, readable
widths, and every text cell made safe against formulas.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy.orm import selectinload

from core.access.scope import Scope
from core.i18n import Gettext
from core.ledger.columns import LEDGER_COLUMNS, NAME_COLUMNS, REPORT_COLUMNS
from core.ledger.deadlines import DEFAULT_WARNING_DAYS, days_overdue, light
from core.ledger.labels import CADENCE_LABELS, LIGHT_LABELS, STATE_LABELS
from core.ledger.models import MATTER_KIND_LABELS, MatterKind, Task, TaskCoUnit, TaskState
from core.ledger.queries import LedgerFilter, ledger_select
from core.spreadsheets import OfficeWorkbook

CHUNK = 1000
MAX_ROWS = 200_000


def _identity(text: str) -> str:
    return text


# Width in character cells of the columns of long text (Chinese headers); others fit their header.
WIDTHS = {"事项名称": 30, "来源": 24, "任务": 40, "牵头单位名称": 20, "配合单位名称": 30, "完成时限": 12,
          "逾期原因": 30}


def headers(chinese: bool = True) -> list[str]:
    """The header row: Chinese labels (as offices write them) or English keys.

    Each column of codes is followed by the column of their names (:data:`NAME_COLUMNS`).
    """
    names: list[str] = []
    for column in LEDGER_COLUMNS:
        names.append(column.zh if chinese else column.key)
        if column.key in NAME_COLUMNS:
            key, zh = NAME_COLUMNS[column.key]
            names.append(zh if chinese else key)
    return names + [zh if chinese else key for key, zh in REPORT_COLUMNS]


def ledger_rows(scope: Scope, f: LedgerFilter, today: date, gettext: Gettext = _identity,
                warning_days: int = DEFAULT_WARNING_DAYS) -> Iterator[list[Any]]:
    """One list of cell values per task matching ``f`` that the user may see."""
    stmt = ledger_select(scope, f, today, warning_days).options(
        selectinload(Task.co_units).joinedload(TaskCoUnit.unit))
    offset = 0
    while offset < MAX_ROWS:
        chunk = list(scope.session.scalars(stmt.limit(CHUNK).offset(offset)).unique())
        if not chunk:
            return
        for task in chunk:
            matter, unit = task.matter, task.unit
            co_units = sorted((c.unit for c in task.co_units), key=lambda co_unit: co_unit.code)
            yield [
                matter.code, matter.title, matter.kind.value, gettext(MATTER_KIND_LABELS[matter.kind]),
                matter.source_ref, task.description, unit.code, unit.name,
                "; ".join(co_unit.code for co_unit in co_units), "; ".join(co_unit.name for co_unit in co_units),
                task.deadline, task.cadence.value, gettext(CADENCE_LABELS[task.cadence]),
                matter.importance, matter.public_attention, matter.people_affected, matter.money_affected,
                gettext(STATE_LABELS[task.state]), task.percent_done,
                gettext(LIGHT_LABELS[light(task, today, warning_days)]), days_overdue(task, today),
                task.delay_reason, task.id,
            ]
        offset += CHUNK


def filter_to_json(f: LedgerFilter) -> dict[str, Any]:
    """``f`` as JSON values, for a background export's arguments."""
    return {"q": f.q, "kind": f.kind.value if f.kind else None, "state": f.state.value if f.state else None,
            "light": f.light, "unit_id": f.unit_id, "matter_id": f.matter_id,
            "deadline_from": f.deadline_from.isoformat() if f.deadline_from else None,
            "deadline_to": f.deadline_to.isoformat() if f.deadline_to else None, "overdue": f.overdue}


def filter_from_json(data: dict[str, Any]) -> LedgerFilter:
    """The filter written by :func:`filter_to_json`."""
    def day(value: Any) -> date | None:
        return date.fromisoformat(value) if value else None

    return LedgerFilter(q=str(data.get("q") or ""), kind=MatterKind(data["kind"]) if data.get("kind") else None,
                        state=TaskState(data["state"]) if data.get("state") else None, light=data.get("light"),
                        unit_id=data.get("unit_id"), matter_id=data.get("matter_id"),
                        deadline_from=day(data.get("deadline_from")), deadline_to=day(data.get("deadline_to")),
                        overdue=bool(data.get("overdue")))


def export_xlsx(scope: Scope, f: LedgerFilter, today: date, gettext: Gettext = _identity, *,
                chinese: bool = True, warning_days: int = DEFAULT_WARNING_DAYS) -> bytes:
    """The matching ledger as XLSX bytes (a frozen, filtered header row, then one row per task)."""
    workbook = OfficeWorkbook()
    sheet = workbook.sheet("ledger", headers(chinese), widths=WIDTHS)
    for row in ledger_rows(scope, f, today, gettext, warning_days):
        sheet.append(row)
    return workbook.to_bytes()


